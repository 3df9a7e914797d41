import type { IncomingMessage, ServerResponse } from 'node:http';
import { createFaultSource, FAULT_KINDS, resolveFault, writeFault, type Fault, type FaultKind, type FaultSource } from './faults.js';
import type { SimulatedCeleryStatus } from './lifecycle.js';
import type { AuthVerdict, RequestLog, SimulatorRoute } from './request-log.js';
import { createSeededRandom } from './seeded-random.js';
import type { SimulatorSettings } from './simulator-options.js';
import { SubmissionError, type TaskRegistry } from './task-registry.js';
import type { TokenStore } from './token-store.js';

/** Everything the request handler works with. @internal */
export interface SimulatorContext {
  readonly settings: SimulatorSettings;
  readonly tokens: TokenStore;
  readonly tasks: TaskRegistry;
  readonly log: RequestLog;
}

/** The request handler plus the timers it may hold (injected latency). @internal */
export interface SimulatorHandler {
  (req: IncomingMessage, res: ServerResponse): void;
  /** Clears every latency timer. */
  close(): void;
}

interface Reply {
  readonly status: number;
  readonly body: unknown;
  readonly auth: AuthVerdict;
  readonly headers?: Readonly<Record<string, string>>;
  readonly taskId?: string;
  readonly celeryStatus?: SimulatedCeleryStatus;
}

const MAX_BODY_BYTES = 1024 * 1024;
const STATUS_PATH = /^\/api\/v1\/processing\/tasks\/([^/]+)\/status\/?$/;
const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;

/** The canonical lower-case form of a UUID (with or without hyphens), or `undefined`. @internal */
export function canonicalUuid(text: string): string | undefined {
  if (!UUID.test(text)) return undefined;
  const hex = text.replace(/-/g, '').toLowerCase();
  if (hex.length !== 32) return undefined;
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function uuidProblem(text: string): string {
  const bad = /[^0-9a-fA-F-]/.exec(text);
  if (bad !== null) return `invalid character: expected an optional prefix of \`urn:uuid:\` followed by [0-9a-fA-F-], found \`${bad[0]}\` at ${bad.index + 1}`;
  return `invalid length: expected length 32 for simple format, found ${text.replace(/-/g, '').length}`;
}

class BodyError extends Error {
  constructor(readonly status: 413 | 422, message: string) {
    super(message);
  }
}

function readBody(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new BodyError(413, 'Request body too large'));
        req.resume();
        return;
      }
      chunks.push(chunk);
    });
    req.on('error', reject);
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      if (text.trim() === '') return resolve(undefined);
      try {
        resolve(JSON.parse(text));
      } catch (error) {
        reject(new BodyError(422, (error as Error).message));
      }
    });
  });
}

function bearer(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  if (typeof header !== 'string') return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}

function routeOf(method: string, path: string): { route: SimulatorRoute; rawTaskId?: string } {
  if (path === '/api/token/' || path === '/api/token') return { route: 'token' };
  if (path === '/api/token/refresh/' || path === '/api/token/refresh') return { route: 'refresh' };
  if (path === '/api/v1/processing/generate-invoice' || path === '/api/v1/processing/generate-invoice/') return { route: 'submit' };
  const match = STATUS_PATH.exec(path);
  if (match !== null) {
    let raw = match[1] ?? '';
    try {
      raw = decodeURIComponent(raw);
    } catch {
      // keep the raw segment: it fails UUID validation below
    }
    return { route: 'status', rawTaskId: raw };
  }
  void method;
  return { route: 'other' };
}

const notAuthenticated = (auth: AuthVerdict): Reply =>
  auth === 'none'
    ? { status: 401, auth, body: { detail: 'Not authenticated' }, headers: { 'www-authenticate': 'Bearer' } }
    : {
        status: 401,
        auth,
        body:
          auth === 'expired'
            ? { errorCode: 'TOKEN_EXPIRED', errorMessage: 'The access token has expired', details: [] }
            : { errorCode: 'INVALID_TOKEN', errorMessage: 'The access token is not valid', details: [] },
        headers: { 'www-authenticate': 'Bearer error="invalid_token"' },
      };

const methodNotAllowed = (allow: string): Reply => ({ status: 405, auth: 'none', body: { detail: 'Method Not Allowed' }, headers: { allow } });

/**
 * Creates the simulator's request handler: routing, fault injection, authentication, the
 * FactPulse endpoints, and the request log.
 *
 * @internal
 */
export function createRequestHandler(ctx: SimulatorContext): SimulatorHandler {
  const { settings, tokens, tasks, log } = ctx;
  const timers = new Set<ReturnType<typeof setTimeout>>();
  const globalFaults = new Map<string, FaultSource>();
  const headerRandom = createSeededRandom(settings.seed).fork('x-simulator-fault');

  const faultFor = (req: IncomingMessage, route: SimulatorRoute, taskKey: string | undefined): Fault | undefined => {
    const forced = req.headers['x-simulator-fault'];
    if (typeof forced === 'string' && FAULT_KINDS.includes(forced as FaultKind)) return resolveFault(forced as FaultKind, settings.faults, headerRandom);
    if (route === 'other' || route === 'refresh') return undefined;
    if (route === 'status' && taskKey !== undefined) {
      const own = tasks.get(taskKey)?.faults;
      if (own !== undefined) return own.next();
    }
    if (!settings.faults.routes.includes(route)) return undefined;
    const key = route === 'status' ? `status:${taskKey ?? ''}` : route;
    let source = globalFaults.get(key);
    if (source === undefined) {
      source = createFaultSource(settings.faults, key, settings.seed);
      globalFaults.set(key, source);
    }
    return source.next();
  };

  const authorise = (req: IncomingMessage): AuthVerdict => {
    const token = bearer(req);
    return token === undefined ? 'none' : tokens.check(token);
  };

  const idField = settings.taskIdField;

  async function handle(req: IncomingMessage, route: SimulatorRoute, rawTaskId: string | undefined): Promise<Reply> {
    const method = req.method ?? 'GET';
    switch (route) {
      case 'token': {
        if (method !== 'POST') return methodNotAllowed('POST');
        const body = await readBody(req);
        const fields = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
        const missing = ['username', 'password'].filter((f) => typeof fields[f] !== 'string' || fields[f] === '');
        if (missing.length > 0) return { status: 400, auth: 'none', body: Object.fromEntries(missing.map((f) => [f, ['This field is required.']])) };
        const ok = settings.credentials.some((c) => c.username === fields['username'] && c.password === fields['password']);
        if (!ok) return { status: 401, auth: 'none', body: { detail: 'No active account found with the given credentials' } };
        const clientUid = typeof fields['client_uid'] === 'string' ? fields['client_uid'] : undefined;
        return { status: 200, auth: 'none', body: tokens.issue(fields['username'] as string, clientUid) };
      }
      case 'refresh': {
        if (method !== 'POST') return methodNotAllowed('POST');
        const body = await readBody(req);
        const refresh = typeof body === 'object' && body !== null ? (body as Record<string, unknown>)['refresh'] : undefined;
        if (typeof refresh !== 'string' || refresh === '') return { status: 400, auth: 'none', body: { refresh: ['This field is required.'] } };
        const access = tokens.refresh(refresh);
        return access === undefined
          ? { status: 401, auth: 'none', body: { detail: 'Token is invalid or expired', code: 'token_not_valid' } }
          : { status: 200, auth: 'none', body: { access } };
      }
      case 'submit': {
        if (method !== 'POST') return methodNotAllowed('POST');
        const auth = authorise(req);
        if (auth !== 'valid') {
          req.resume();
          return notAuthenticated(auth);
        }
        const body = await readBody(req);
        try {
          const task = tasks.submit(body);
          return { status: 202, auth, taskId: task.taskId, body: { [idField]: task.taskId, status: 'PENDING' } };
        } catch (error) {
          if (!(error instanceof SubmissionError)) throw error;
          const field = error.loc[error.loc.length - 1] ?? 'body';
          const input = typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[field] : body;
          return {
            status: 422,
            auth,
            body: { detail: [{ type: 'value_error', loc: error.loc, msg: error.message.slice(error.loc.join('.').length + 2), input: input ?? null }] },
          };
        }
      }
      case 'status': {
        if (method !== 'GET') return methodNotAllowed('GET');
        const auth = authorise(req);
        const raw = rawTaskId ?? '';
        const taskId = canonicalUuid(raw);
        if (auth !== 'valid') return { ...notAuthenticated(auth), taskId: taskId ?? raw };
        if (taskId === undefined) {
          const problem = uuidProblem(raw);
          return {
            status: 422,
            auth,
            taskId: raw,
            body: {
              detail: [{ type: 'uuid_parsing', loc: ['path', 'task_id'], msg: `Input should be a valid UUID, ${problem}`, input: raw, ctx: { error: problem } }],
            },
          };
        }
        const snapshot = tasks.snapshot(taskId);
        return {
          status: 200,
          auth,
          taskId,
          celeryStatus: snapshot.status,
          body: { [idField]: taskId, status: snapshot.status, result: snapshot.result },
        };
      }
      case 'other':
        return { status: 404, auth: 'none', body: { detail: 'Not Found' } };
    }
  }

  const handler = ((req: IncomingMessage, res: ServerResponse): void => {
    const arrived = Date.now();
    const method = req.method ?? 'GET';
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const { route, rawTaskId } = routeOf(method, path);
    const taskKey = rawTaskId === undefined ? undefined : (canonicalUuid(rawTaskId) ?? rawTaskId);
    const fault = faultFor(req, route, taskKey);
    const record = (status: number | 'reset', auth: AuthVerdict, extra: { taskId?: string; celeryStatus?: SimulatedCeleryStatus } = {}): void => {
      const taskId = extra.taskId ?? taskKey;
      log.record({
        at: arrived,
        method,
        path,
        route,
        ...(taskId === undefined ? {} : { taskId }),
        auth,
        status,
        ...(fault === undefined ? {} : { fault: fault.kind }),
        ...(extra.celeryStatus === undefined ? {} : { celeryStatus: extra.celeryStatus }),
        durationMs: Date.now() - arrived,
      });
    };

    if (fault !== undefined && fault.kind !== 'latency') {
      const auth = route === 'status' || route === 'submit' ? authorise(req) : 'none';
      req.resume();
      writeFault(res, fault);
      record(fault.kind === 'reset' ? 'reset' : (fault.status ?? 500), auth);
      return;
    }

    const send = (reply: Reply): void => {
      if (res.destroyed || res.writableEnded) return;
      const body = JSON.stringify(reply.body);
      res.writeHead(reply.status, {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(body),
        ...reply.headers,
      });
      res.end(body);
      record(reply.status, reply.auth, {
        ...(reply.taskId === undefined ? {} : { taskId: reply.taskId }),
        ...(reply.celeryStatus === undefined ? {} : { celeryStatus: reply.celeryStatus }),
      });
    };

    const answer = (reply: Reply): void => {
      const delay = fault?.delayMs ?? 0;
      if (delay <= 0) return send(reply);
      const timer = setTimeout(() => {
        timers.delete(timer);
        send(reply);
      }, delay);
      timers.add(timer);
      res.on('close', () => {
        clearTimeout(timer);
        timers.delete(timer);
      });
    };

    handle(req, route, rawTaskId).then(answer, (error: unknown) => {
      if (error instanceof BodyError) {
        const body =
          error.status === 413
            ? { detail: error.message }
            : { detail: [{ type: 'json_invalid', loc: ['body', 0], msg: 'JSON decode error', input: {}, ctx: { error: error.message } }] };
        answer({ status: error.status, auth: 'none', body, headers: { connection: 'close' } });
        return;
      }
      answer({ status: 500, auth: 'none', body: { detail: 'Internal Server Error' } });
    });
  }) as SimulatorHandler;

  handler.close = () => {
    for (const timer of timers) clearTimeout(timer);
    timers.clear();
  };
  return handler;
}
