/**
 * Shared keep-alive agents for the default fetch (cross-fetch, i.e. node-fetch v2 on Node).
 *
 * Why: Node's `http.globalAgent` keeps at most 256 idle sockets, so with thousands of tasks most
 * polls would open a new TCP (and TLS) connection. These agents keep up to 16 384 idle sockets
 * per host and never cap active ones.
 *
 * Browser-safe: `node:http` / `node:https` are loaded on first use through
 * `process.getBuiltinModule` (Node ≥ 20.16), which needs neither `require` (absent in ES modules)
 * nor a static `import` (which bundlers would try to resolve for the browser). In a browser, or on
 * a Node without `getBuiltinModule`, no agent is created and the fetch uses its default.
 */
import type { AgentOptions, Agent as HttpAgent, ClientRequest, IncomingMessage } from 'node:http';

type HttpModule = typeof import('node:http');
type HttpsModule = typeof import('node:https');

/** @internal Settings of the shared agents. */
export const KEEP_ALIVE_AGENT_OPTIONS = Object.freeze({
  keepAlive: true,
  maxSockets: Infinity,
  maxFreeSockets: 16_384,
  scheduling: 'lifo' as const,
});

/** Per protocol: `undefined` not tried yet, `null` not on Node (or too old a Node). */
let httpAgent: HttpAgent | null | undefined;
let httpsAgent: HttpAgent | null | undefined;

interface NodeProcessLike {
  readonly versions?: { readonly node?: string };
  readonly getBuiltinModule?: (id: string) => unknown;
}

function loadBuiltin<T>(id: string): T | undefined {
  const proc = (globalThis as { process?: NodeProcessLike }).process;
  if (typeof proc?.versions?.node !== 'string' || typeof proc.getBuiltinModule !== 'function') return undefined;
  return proc.getBuiltinModule(id) as T | undefined;
}

type AddRequest = (this: HttpAgent, req: ClientRequest, options: unknown) => unknown;
type AgentClass = new (options: AgentOptions) => HttpAgent;

/**
 * node-fetch v2 pipes the response into a PassThrough and never ends it when the connection
 * closes before `Content-Length` bytes arrived: the body would hang until the request timeout.
 * node-fetch does destroy the body when the request emits `error`, so when a response closes
 * incomplete we emit one there. Harmless when the close is our own abort.
 */
function onResponse(this: ClientRequest, res: IncomingMessage): void {
  watchPrematureClose(this, res);
}

function watchPrematureClose(req: ClientRequest, res: IncomingMessage): void {
  res.once('close', () => {
    if (!res.complete && req.listenerCount('error') > 0) {
      const error = new Error('the connection closed before the whole response body arrived') as Error & { code: string };
      error.code = 'ERR_STREAM_PREMATURE_CLOSE';
      req.emit('error', error);
    }
  });
}

function withPrematureCloseGuard(Base: AgentClass): AgentClass {
  const addRequest = (Base.prototype as unknown as { addRequest: AddRequest }).addRequest;
  return class KeepAliveAgent extends Base {
    /** Called by `http.request` for every request that uses this agent. */
    addRequest(req: ClientRequest, options: unknown): unknown {
      req.once('response', onResponse);
      return addRequest.call(this, req, options);
    }
  };
}

function createAgent(secure: boolean): HttpAgent | null {
  const Agent = secure ? loadBuiltin<HttpsModule>('node:https')?.Agent : loadBuiltin<HttpModule>('node:http')?.Agent;
  if (Agent === undefined) return null;
  const KeepAliveAgent = withPrematureCloseGuard(Agent);
  return new KeepAliveAgent({ ...KEEP_ALIVE_AGENT_OPTIONS });
}

/**
 * @internal node-fetch's `agent` option: the shared keep-alive agent for the URL's protocol
 * (created on first use), or `undefined` (the fetch's default) outside Node. node-fetch calls it
 * with the parsed URL of each request.
 *
 * @example
 * ```ts
 * crossFetch(url, { agent: keepAliveAgent })
 * ```
 */
export function keepAliveAgent(url: { readonly protocol: string }): object | undefined {
  if (url.protocol === 'https:') {
    if (httpsAgent === undefined) httpsAgent = createAgent(true);
    return httpsAgent ?? undefined;
  }
  if (httpAgent === undefined) httpAgent = createAgent(false);
  return httpAgent ?? undefined;
}

/**
 * @internal Closes every pooled socket of the shared agents and forgets them (the next request
 * creates new ones). For benchmarks and tests; idle pooled sockets do not keep the process alive.
 */
export function destroyKeepAliveAgents(): void {
  httpAgent?.destroy();
  httpsAgent?.destroy();
  httpAgent = undefined;
  httpsAgent = undefined;
}
