import { firstValueFrom, lastValueFrom, toArray, type Observable } from 'rxjs';
import { HttpError } from '../../lib/errors/http-error.js';
import { NetworkError } from '../../lib/errors/network-error.js';
import { ResponseTooLargeError } from '../../lib/errors/response-too-large-error.js';
import {
  createFetchTransport,
  type FetchFunction,
  type FetchRequestInit,
  type FetchResponse,
  type FetchTransportOptions,
} from '../../lib/http/fetch-transport.js';
import { destroyKeepAliveAgents, keepAliveAgent } from '../../lib/http/keep-alive.js';
import type { TransportRequest, TransportResponse } from '../../lib/http/transport.js';
import { sendJson, startTestServer, type TestServer } from '../helpers/test-server.js';

const TOKEN = 'tok3n-that-must-never-leak';
const TASK = '0b1f0c8e-3a4b-4c5d-8e9f-0a1b2c3d4e5f';

function request(url: string, overrides: Partial<TransportRequest> = {}): TransportRequest {
  return {
    url,
    headers: { accept: 'application/json', authorization: `Bearer ${TOKEN}` },
    taskId: TASK,
    maxResponseBytes: 1 << 20,
    ...overrides,
  };
}

function errorOf(source: Observable<unknown>): Promise<Error> {
  return firstValueFrom(source).then(
    (value) => {
      throw new Error(`expected an error, got ${JSON.stringify(value)}`);
    },
    (error: unknown) => error as Error,
  );
}

/** The error must never carry the token, in its message or anywhere in its own properties. */
function expectNoToken(error: Error): void {
  expect(error.message).not.toContain(TOKEN);
  expect(JSON.stringify({ ...error, message: error.message })).not.toContain(TOKEN);
}

/** Lets pending I/O callbacks and promise jobs run (a bounded number of event-loop turns). */
async function settle(turns = 10): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise((resolve) => setImmediate(resolve));
}

function closedPort(): Promise<number> {
  return startTestServer().then(async (s) => {
    const { port } = s;
    await s.close();
    return port;
  });
}

const FETCHES: ReadonlyArray<readonly [string, FetchTransportOptions]> = [
  ['cross-fetch (default, keep-alive agent)', {}],
  ['globalThis.fetch (undici)', { fetch: globalThis.fetch }],
];

afterAll(() => destroyKeepAliveAgents());

describe.each(FETCHES)('createFetchTransport with %s', (_name, options) => {
  let server: TestServer;
  const transport = createFetchTransport(options);

  beforeEach(async () => {
    // A fresh server (so a fresh origin) per test: no pooled socket of an earlier test is reused.
    server = await startTestServer();
  });
  afterEach(async () => {
    await server.close();
  });

  it('GETs the URL with the request headers and returns status, lower-case headers and the parsed JSON', async () => {
    server.handle((_req, res) => sendJson(res, 200, { taskId: TASK, status: 'PENDING' }, { 'X-Custom-Header': 'yes' }));
    const res = await firstValueFrom(transport(request(`${server.url}/api/v1/tasks/${TASK}/status`)));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ taskId: TASK, status: 'PENDING' });
    expect(res.text).toBeUndefined();
    expect(res.headers['x-custom-header']).toBe('yes');
    expect(res.headers['content-type']).toBe('application/json');
    expect(Object.keys(res.headers).every((name) => name === name.toLowerCase())).toBe(true);
    const [seen] = server.requests;
    expect(seen?.method).toBe('GET');
    expect(seen?.url).toBe(`/api/v1/tasks/${TASK}/status`);
    expect(seen?.headers['authorization']).toBe(`Bearer ${TOKEN}`);
    expect(seen?.headers['accept']).toBe('application/json');
  });

  it('emits one response then completes', async () => {
    server.handle((_req, res) => sendJson(res, 200, { ok: true }));
    const all = await lastValueFrom(transport(request(server.url)).pipe(toArray()));
    expect(all).toHaveLength(1);
  });

  it('returns any status as a response, with its body (the pipeline decides what it means)', async () => {
    server.handle((_req, res) => sendJson(res, 503, { detail: 'busy' }, { 'retry-after': '2' }));
    const res = await firstValueFrom(transport(request(server.url)));
    expect(res).toMatchObject({ status: 503, body: { detail: 'busy' } });
    expect(res.headers['retry-after']).toBe('2');
  });

  it('parses JSON whatever the content type', async () => {
    server.handle((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('{"a":[1,2]}');
    });
    expect((await firstValueFrom(transport(request(server.url)))).body).toEqual({ a: [1, 2] });
  });

  it('keeps malformed JSON as text, without a body', async () => {
    server.handle((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"taskId": "abc", ');
    });
    const res = await firstValueFrom(transport(request(server.url)));
    expect(res.body).toBeUndefined();
    expect(res.text).toBe('{"taskId": "abc", ');
  });

  it('keeps an HTML page answered with 200 as text, shortened to 2 048 characters', async () => {
    const html = `<!doctype html><html><body>${'<p>maintenance</p>'.repeat(500)}</body></html>`;
    server.handle((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(html);
    });
    const res = await firstValueFrom(transport(request(server.url)));
    expect(res.status).toBe(200);
    expect(res.body).toBeUndefined();
    expect(res.text).toHaveLength(2048);
    expect(res.text?.endsWith('…')).toBe(true);
    expect(html.startsWith(res.text!.slice(0, -1))).toBe(true);
  });

  it.each([
    ['204', 204, ''],
    ['200 with an empty body', 200, ''],
    ['200 with only whitespace', 200, ' \r\n '],
  ])('gives neither body nor text for %s', async (_label, status, text) => {
    server.handle((_req, res) => {
      res.writeHead(status);
      res.end(text);
    });
    const res = await firstValueFrom(transport(request(server.url)));
    expect(res.status).toBe(status);
    expect('body' in res).toBe(false);
    expect('text' in res).toBe(false);
  });

  it('reassembles a chunked body, including a UTF-8 character split across chunks', async () => {
    const bytes = Buffer.from(JSON.stringify({ name: 'Société Générale' }));
    const cut = bytes.indexOf(Buffer.from('é')) + 1; // inside the two bytes of "é"
    server.handle((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write(bytes.subarray(0, cut));
      setTimeout(() => res.end(bytes.subarray(cut)), 20);
    });
    expect((await firstValueFrom(transport(request(server.url)))).body).toEqual({ name: 'Société Générale' });
  });

  describe('unsubscribe', () => {
    it('sends nothing when unsubscribed at once (before a lazily loaded fetch is ready)', async () => {
      server.handle((_req, res) => sendJson(res, 200, {}));
      const seen: string[] = [];
      for (let i = 0; i < 20; i++) {
        transport(request(server.url))
          .subscribe({ next: () => seen.push('next'), error: () => seen.push('error'), complete: () => seen.push('complete') })
          .unsubscribe();
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(server.requests).toHaveLength(0);
      expect(seen).toEqual([]);
    });

    it('aborts a request waiting for its response: the server sees the connection close, nothing is emitted', async () => {
      server.handle(() => {
        /* never answers */
      });
      const seen: string[] = [];
      const subscription = transport(request(server.url)).subscribe({
        next: () => seen.push('next'),
        error: () => seen.push('error'),
        complete: () => seen.push('complete'),
      });
      await server.waitForRequests(1);
      subscription.unsubscribe();
      await expect(server.requests[0]!.closed).resolves.toBe(true);
      await server.waitForClosedConnections(1);
      await settle();
      expect(seen).toEqual([]);
    });

    it('aborts a request while its body is streaming', async () => {
      server.handle((_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{"taskId":"');
      });
      const seen: string[] = [];
      const subscription = transport(request(server.url)).subscribe({
        next: () => seen.push('next'),
        error: () => seen.push('error'),
        complete: () => seen.push('complete'),
      });
      await server.waitForRequests(1);
      await settle();
      subscription.unsubscribe();
      await expect(server.requests[0]!.closed).resolves.toBe(true);
      await settle();
      expect(seen).toEqual([]);
    });
  });

  describe('redirects', () => {
    it.each([301, 302, 303, 307, 308])('follows a same-origin %i, with the same headers', async (status) => {
      server.handle((req, res) => {
        if (req.url === '/old') {
          res.writeHead(status, { location: '/new?x=1', 'content-type': 'text/plain' });
          res.end('moved');
        } else sendJson(res, 200, { at: req.url });
      });
      const res = await firstValueFrom(transport(request(`${server.url}/old`)));
      expect(res).toMatchObject({ status: 200, body: { at: '/new?x=1' } });
      expect(server.requests.map((r) => r.url)).toEqual(['/old', '/new?x=1']);
      expect(server.requests[1]?.headers['authorization']).toBe(`Bearer ${TOKEN}`);
    });

    it('follows an absolute same-origin Location and a chain within maxRedirects', async () => {
      server.handle((req, res) => {
        const n = Number(req.url?.slice(1));
        if (n < 3) {
          res.writeHead(302, { location: `${server.url}/${n + 1}` });
          res.end();
        } else sendJson(res, 200, { n });
      });
      const chain = createFetchTransport({ ...options, maxRedirects: 3 });
      expect((await firstValueFrom(chain(request(`${server.url}/0`)))).body).toEqual({ n: 3 });
      expect(server.requests).toHaveLength(4);
    });

    it('refuses a cross-origin redirect: HttpError with the 3xx status, and the other origin receives nothing', async () => {
      const other = await startTestServer((_req, res) => sendJson(res, 200, { stolen: true }));
      try {
        server.handle((_req, res) => {
          res.writeHead(302, { location: `${other.url}/collect` });
          res.end();
        });
        const error = await errorOf(transport(request(`${server.url}/start`)));
        expect(error).toBeInstanceOf(HttpError);
        expect((error as HttpError).status).toBe(302);
        expect((error as HttpError).taskId).toBe(TASK);
        expect(error.message).toMatch(/cross-origin redirect/);
        expect(error.message).not.toMatch(/authorization|bearer/i);
        expectNoToken(error);
        await settle();
        expect(other.requests).toHaveLength(0);
        expect(other.connections).toBe(0);
      } finally {
        await other.close();
      }
    });

    it('refuses a redirect to another host name on the same port (localhost vs 127.0.0.1)', async () => {
      server.handle((_req, res) => {
        res.writeHead(307, { location: `http://localhost:${server.port}/x` });
        res.end();
      });
      const error = await errorOf(transport(request(`${server.url}/start`)));
      expect(error).toBeInstanceOf(HttpError);
      expect(error.message).toMatch(/cross-origin redirect/);
      expect(server.requests).toHaveLength(1);
    });

    it('refuses a redirect that changes the scheme (http → https on the same host and port)', async () => {
      server.handle((_req, res) => {
        res.writeHead(301, { location: `https://127.0.0.1:${server.port}/x` });
        res.end();
      });
      const error = await errorOf(transport(request(`${server.url}/start`)));
      expect(error).toBeInstanceOf(HttpError);
      expect((error as HttpError).status).toBe(301);
      expect(error.message).toMatch(/cross-origin redirect/);
      expect(server.requests).toHaveLength(1);
    });

    it('ends a redirect loop after maxRedirects (default 5) with an HttpError', async () => {
      server.handle((_req, res) => {
        res.writeHead(302, { location: '/loop' });
        res.end();
      });
      const error = await errorOf(transport(request(`${server.url}/loop`)));
      expect(error).toBeInstanceOf(HttpError);
      expect((error as HttpError).status).toBe(302);
      expect(error.message).toMatch(/too many redirects \(more than 5\)/);
      expect(server.requests).toHaveLength(6);
    });

    it('follows no redirect with maxRedirects: 0', async () => {
      server.handle((_req, res) => {
        res.writeHead(302, { location: '/next' });
        res.end();
      });
      const error = await errorOf(createFetchTransport({ ...options, maxRedirects: 0 })(request(server.url)));
      expect(error.message).toMatch(/too many redirects \(more than 0\)/);
      expect(server.requests).toHaveLength(1);
    });

    it('returns a 3xx without Location as a response', async () => {
      server.handle((_req, res) => {
        res.writeHead(304);
        res.end();
      });
      expect((await firstValueFrom(transport(request(server.url)))).status).toBe(304);
    });

    it('cancels the body of a redirect it refuses', async () => {
      server.handle((_req, res) => {
        res.writeHead(302, { location: 'http://example.invalid/', 'content-length': String(1 << 20) });
        res.write('x'.repeat(1024));
      });
      await errorOf(transport(request(server.url)));
      await expect(server.requests[0]!.closed).resolves.toBe(true);
    });
  });

  describe('maxResponseBytes', () => {
    it('fails at once on a Content-Length above the limit, and cancels the body', async () => {
      server.handle((_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000000' });
        res.write('{"padding":"');
      });
      const error = await errorOf(transport(request(server.url, { maxResponseBytes: 1000 })));
      expect(error).toBeInstanceOf(ResponseTooLargeError);
      expect((error as ResponseTooLargeError).limit).toBe(1000);
      expect((error as ResponseTooLargeError).taskId).toBe(TASK);
      await expect(server.requests[0]!.closed).resolves.toBe(true);
    });

    it('stops reading a chunked body at the limit, and cancels it', async () => {
      let written = 0;
      server.handle((_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        const chunk = 'x'.repeat(1024);
        const pump = (): void => {
          // Bounded: at most 1 MiB, stopping as soon as the client goes away.
          while (!res.destroyed && written < 1 << 20) {
            written += chunk.length;
            if (!res.write(chunk)) return void res.once('drain', pump);
          }
        };
        pump();
      });
      const error = await errorOf(transport(request(server.url, { maxResponseBytes: 10_000 })));
      expect(error).toBeInstanceOf(ResponseTooLargeError);
      // The server never ends this response: only the client cancelling the body closes it.
      await expect(server.requests[0]!.closed).resolves.toBe(true);
    });

    it('accepts a body of exactly maxResponseBytes and refuses one byte more', async () => {
      const body = JSON.stringify({ s: 'y'.repeat(100) });
      server.handle((_req, res) => {
        res.writeHead(200); // chunked: no Content-Length, so the streaming count decides
        res.end(body);
      });
      const exact = await firstValueFrom(transport(request(server.url, { maxResponseBytes: body.length })));
      expect(exact.body).toEqual({ s: 'y'.repeat(100) });
      const error = await errorOf(transport(request(server.url, { maxResponseBytes: body.length - 1 })));
      expect(error).toBeInstanceOf(ResponseTooLargeError);
    });
  });

  describe('network failures', () => {
    it('maps a connection reset to a NetworkError with the cause', async () => {
      server.handle((req) => req.socket.resetAndDestroy());
      const error = await errorOf(transport(request(server.url)));
      expect(error).toBeInstanceOf(NetworkError);
      expect(error.cause).toBeDefined();
      expect((error as NetworkError).taskId).toBe(TASK);
      expect(error.message).toMatch(/ECONNRESET/);
      expectNoToken(error);
    });

    it('maps a refused connection to a NetworkError', async () => {
      const port = await closedPort();
      const error = await errorOf(transport(request(`http://127.0.0.1:${port}/`)));
      expect(error).toBeInstanceOf(NetworkError);
      expect(error.message).toMatch(/ECONNREFUSED/);
      expectNoToken(error);
    });

    it('maps a body shorter than its Content-Length to a NetworkError', async () => {
      server.handle((req, res) => {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
        res.write('{"taskId":"');
        setTimeout(() => req.socket.destroy(), 20);
      });
      const error = await errorOf(transport(request(server.url)));
      expect(error).toBeInstanceOf(NetworkError);
      expect(error.message).toMatch(/response body/);
      expectNoToken(error);
    });

    it('maps a chunked body cut short to a NetworkError', async () => {
      server.handle((req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{"taskId":"');
        setTimeout(() => req.socket.destroy(), 20);
      });
      const error = await errorOf(transport(request(server.url)));
      expect(error).toBeInstanceOf(NetworkError);
    });
  });

  it('reuses one connection for many sequential requests (keep-alive)', async () => {
    server.handle((_req, res) => sendJson(res, 200, { ok: true }));
    for (let i = 0; i < 25; i++) {
      expect((await firstValueFrom(transport(request(server.url)))).status).toBe(200);
      // Polls are spaced in real use; undici hands the socket back to its pool a turn after the body ends.
      await settle(1);
    }
    expect(server.requests).toHaveLength(25);
    expect(server.connections).toBe(1);
  });

  it('keeps more than 256 idle connections for reuse (Node’s global agent would not)', async () => {
    const N = 300;
    let held: Array<() => void> = [];
    server.handle((_req, res) => {
      held.push(() => sendJson(res, 200, { ok: true }));
      if (held.length === N) {
        const release = held;
        held = [];
        for (const answer of release) answer();
      }
    });
    const wave = (): Promise<TransportResponse[]> =>
      Promise.all(Array.from({ length: N }, () => firstValueFrom(transport(request(server.url)))));
    await wave();
    expect(server.connections).toBe(N);
    await settle();
    await wave();
    expect(server.requests).toHaveLength(2 * N);
    expect(server.connections).toBe(N);
  });
});

describe('createFetchTransport with a stub fetch', () => {
  interface StubResponse {
    status: number;
    headers?: Record<string, string>;
    body?: string;
    type?: string;
  }

  /** A fetch answering from `routes` (by URL), recording every call. */
  function stubFetch(routes: Record<string, StubResponse>): FetchFunction & { calls: Array<[string, FetchRequestInit]> } {
    const calls: Array<[string, FetchRequestInit]> = [];
    const fn = async (url: string, init: FetchRequestInit): Promise<FetchResponse> => {
      calls.push([url, init]);
      const route = routes[url];
      if (route === undefined) throw new TypeError(`stub: no route for ${url}`);
      const headers = new Headers(route.headers);
      return {
        status: route.status,
        type: route.type ?? 'basic',
        headers,
        body: route.body === undefined ? null : new Response(route.body).body,
      };
    };
    return Object.assign(fn, { calls });
  }

  it('refuses an https → http redirect on the same host, without sending the second request', async () => {
    const fetch = stubFetch({
      'https://api.test/status': { status: 302, headers: { location: 'http://api.test/status' } },
      'http://api.test/status': { status: 200, body: '{}' },
    });
    const error = await errorOf(createFetchTransport({ fetch })(request('https://api.test/status')));
    expect(error).toBeInstanceOf(HttpError);
    expect(error.message).toBe('HTTP 302: cross-origin redirect from https://api.test to http://api.test refused');
    expect(fetch.calls.map(([url]) => url)).toEqual(['https://api.test/status']);
  });

  it('sends GET with redirect: manual and an abort signal, and no agent to an injected fetch', async () => {
    const fetch = stubFetch({ 'https://api.test/s': { status: 200, body: '{"a":1}' } });
    await firstValueFrom(createFetchTransport({ fetch })(request('https://api.test/s')));
    const [[, init]] = fetch.calls as [[string, FetchRequestInit]];
    expect(init).toMatchObject({ method: 'GET', redirect: 'manual', headers: request('').headers });
    expect(init.signal).toBeInstanceOf(AbortSignal);
    expect(init.agent).toBeUndefined();
  });

  it('passes the shared keep-alive agents to an injected fetch with agent: true, or your own agent', async () => {
    const fetch = stubFetch({ 'https://api.test/s': { status: 200 } });
    await firstValueFrom(createFetchTransport({ fetch, agent: true })(request('https://api.test/s')));
    const mine = { custom: true };
    await firstValueFrom(createFetchTransport({ fetch, agent: mine })(request('https://api.test/s')));
    expect(fetch.calls[0]?.[1].agent).toBe(keepAliveAgent);
    expect(fetch.calls[1]?.[1].agent).toBe(mine);
  });

  it('uses a fresh AbortController for each redirect hop', async () => {
    const fetch = stubFetch({
      'https://api.test/a': { status: 307, headers: { location: '/b' }, body: 'moved' },
      'https://api.test/b': { status: 200, body: '{}' },
    });
    await firstValueFrom(createFetchTransport({ fetch })(request('https://api.test/a')));
    const [first, second] = fetch.calls.map(([, init]) => init.signal);
    expect(first?.aborted).toBe(true); // the redirect's body was cancelled with its request
    expect(second?.aborted).toBe(false);
  });

  it('reports a redirect a browser hides (opaqueredirect) as an HttpError', async () => {
    const fetch = stubFetch({ 'https://api.test/s': { status: 0, type: 'opaqueredirect' } });
    const error = await errorOf(createFetchTransport({ fetch })(request('https://api.test/s')));
    expect(error).toBeInstanceOf(HttpError);
    expect(error.message).toMatch(/opaqueredirect/);
  });

  it('refuses a redirect to an unparsable Location', async () => {
    const fetch = stubFetch({ 'https://api.test/s': { status: 302, headers: { location: 'http://[oops' } } });
    const error = await errorOf(createFetchTransport({ fetch })(request('https://api.test/s')));
    expect(error).toBeInstanceOf(HttpError);
    expect(error.message).toMatch(/invalid Location/);
  });

  it('reads a body through arrayBuffer() when the response has no body stream (XHR polyfills)', async () => {
    const fetch: FetchFunction = async () => ({
      status: 200,
      headers: new Headers(),
      arrayBuffer: async () => new TextEncoder().encode('{"x":1}').buffer as ArrayBuffer,
    });
    expect((await firstValueFrom(createFetchTransport({ fetch })(request('https://api.test/s')))).body).toEqual({ x: 1 });
    const error = await errorOf(createFetchTransport({ fetch })(request('https://api.test/s', { maxResponseBytes: 3 })));
    expect(error).toBeInstanceOf(ResponseTooLargeError);
  });

  it('keeps the token out of a NetworkError even when the fetch library echoes it', async () => {
    const fetch: FetchFunction = () => Promise.reject(new TypeError(`invalid header value "Bearer ${TOKEN}"`));
    const error = await errorOf(createFetchTransport({ fetch })(request('https://api.test/s')));
    expect(error).toBeInstanceOf(NetworkError);
    expect(error.message).toContain('[redacted]');
    expect(error.message).not.toContain(TOKEN);
  });

  it('does not call fetch until subscribed, and calls it again for each subscription', async () => {
    const fetch = stubFetch({ 'https://api.test/s': { status: 200 } });
    const once = createFetchTransport({ fetch })(request('https://api.test/s'));
    expect(fetch.calls).toHaveLength(0);
    await firstValueFrom(once);
    await firstValueFrom(once);
    expect(fetch.calls).toHaveLength(2);
  });

  it.each([
    [{ fetch: 'fetch' }, /fetch: must be a function/],
    [{ maxRedirects: -1 }, /maxRedirects/],
    [{ maxRedirects: 1.5 }, /maxRedirects/],
    [{ maxRedirects: '5' }, /maxRedirects/],
    [{ agent: 'keep-alive' }, /agent/],
    [{ agent: null }, /agent/],
  ])('validates options when called: %p', (bad, message) => {
    expect(() => createFetchTransport(bad as unknown as FetchTransportOptions)).toThrow(TypeError);
    expect(() => createFetchTransport(bad as unknown as FetchTransportOptions)).toThrow(message);
  });
});

describe('keepAliveAgent', () => {
  it('gives one shared keep-alive agent per protocol, keeping up to 16 384 idle sockets', () => {
    type PoolAgent = import('node:http').Agent & { keepAlive: boolean };
    const http = keepAliveAgent(new URL('http://a.test/')) as PoolAgent;
    const https = keepAliveAgent(new URL('https://a.test/')) as PoolAgent;
    expect(keepAliveAgent(new URL('http://b.test/'))).toBe(http);
    expect(https).not.toBe(http);
    for (const agent of [http, https]) {
      expect(agent.keepAlive).toBe(true);
      expect(agent.maxFreeSockets).toBe(16_384);
      expect(agent.maxSockets).toBe(Infinity);
    }
  });
});

describe('keepAliveAgent outside Node (browsers, Node < 20.16)', () => {
  it('gives no agent, so the fetch keeps its default, when node:http cannot be loaded', () => {
    const proc = process as unknown as { getBuiltinModule?: unknown };
    const original = proc.getBuiltinModule;
    proc.getBuiltinModule = undefined;
    try {
      jest.isolateModules(() => {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const fresh = require('../../lib/http/keep-alive.js') as typeof import('../../lib/http/keep-alive.js');
        expect(fresh.keepAliveAgent(new URL('http://a.test/'))).toBeUndefined();
        expect(fresh.keepAliveAgent(new URL('https://a.test/'))).toBeUndefined();
      });
    } finally {
      proc.getBuiltinModule = original;
    }
  });
});
