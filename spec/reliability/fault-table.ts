/**
 * The behaviour table: every fault a server or network can throw at a poll loop, whether the
 * pipeline retries it, and how the stream ends. Each row scripts the fault servers, follows a
 * task through the real default transport (cross-fetch, keep-alive agent) and asserts the
 * outcome. `behaviour-table.spec.ts` runs each row with `taskStatus$`; `security.spec.ts` runs
 * each row again through a `TaskClient` and checks that the token shows up nowhere.
 *
 * The README's "Errors" table is printed from these rows (`fault`, `retried`, `ends`).
 */
import { fetch as crossFetch } from 'cross-fetch';
import type { TaskClientEvent } from '../../lib/client/task-client-event.js';
import { AuthError } from '../../lib/errors/auth-error.js';
import { DeadlineError } from '../../lib/errors/deadline-error.js';
import { DecodeError } from '../../lib/errors/decode-error.js';
import { HttpError } from '../../lib/errors/http-error.js';
import { NetworkError } from '../../lib/errors/network-error.js';
import { RequestTimeoutError } from '../../lib/errors/request-timeout-error.js';
import { RequestValidationError } from '../../lib/errors/request-validation-error.js';
import { ResponseTooLargeError } from '../../lib/errors/response-too-large-error.js';
import { StalledError } from '../../lib/errors/stalled-error.js';
import { TaskFailedError } from '../../lib/errors/task-failed-error.js';
import { TaskRejectedError } from '../../lib/errors/task-rejected-error.js';
import type { FetchFunction } from '../../lib/http/fetch-transport.js';
import type { TaskStatusOptions } from '../../lib/options.js';
import type { TaskSucceededState } from '../../lib/transitions.js';
import { refusedUrl, reply, type FaultServer, type Reply } from '../helpers/fault-server.js';
import { CONTENT, MAX_RETRIES, SUCCESS_RESULT, TASK, TOKEN, phases, type StreamOutcome } from './run-stream.js';

/** A stream's outcome plus what the client reported while it ran. */
export interface FollowOutcome extends StreamOutcome {
  /** Events of `client.events$` (empty when the row ran through `taskStatus$`). */
  readonly events: readonly TaskClientEvent[];
}

/** What a row gets to run with. */
export interface RowContext {
  /** The API server. */
  readonly server: FaultServer;
  /** A second loopback server: another origin. It is given no script, so any request to it fails the test. */
  readonly other: FaultServer;
  /** Follows `taskId` (default {@link TASK}) with {@link fastOptions} on `server` plus `extra`. */
  follow(extra?: TaskStatusOptions, taskId?: string): Promise<FollowOutcome>;
  /** As `follow`, through a `TaskClient`, so `events` holds its retry events. */
  followWithEvents(extra?: TaskStatusOptions, taskId?: string): Promise<FollowOutcome>;
  /** `result$` of a `TaskClient`: the value or the error. */
  result(extra?: TaskStatusOptions): Promise<{ value?: unknown; error?: unknown }>;
}

/** One row of the behaviour table, with its test. */
export interface FaultRow {
  /** The fault, as the README shows it. */
  readonly fault: string;
  /** Retried or not, and how. */
  readonly retried: string;
  /** What ends the stream. */
  readonly ends: string;
  /** Runs the scenario and asserts on it. */
  readonly run: (ctx: RowContext) => Promise<void>;
}

const OK = (): Reply => reply.task('SUCCESS', SUCCESS_RESULT);
const TASK_BODY = JSON.stringify({ taskId: TASK, status: 'SUCCESS', result: SUCCESS_RESULT });

function times(n: number, make: () => Reply): Reply[] {
  return Array.from({ length: n }, make);
}

function expectSucceeded(outcome: StreamOutcome): void {
  expect(outcome.error).toBeUndefined();
  expect(outcome.completed).toBe(true);
  const last = outcome.transitions[outcome.transitions.length - 1];
  expect(last?.to).toBe('succeeded');
  expect(Buffer.from((last?.state as TaskSucceededState).content ?? []).equals(CONTENT)).toBe(true);
}

function expectError(outcome: StreamOutcome, type: new (...args: never[]) => Error, extra: Record<string, unknown> = {}): void {
  expect(outcome.timedOut).toBe(false);
  expect(outcome.error).toBeInstanceOf(type);
  expect(outcome.error).toMatchObject({ name: type.name, taskId: TASK, ...extra });
}

/**
 * A transient fault: one occurrence then a good answer succeeds (one retry); `MAX_RETRIES + 1`
 * in a row end the stream with `type`.
 */
function transient(make: () => Reply, type: new (...args: never[]) => Error, extra: Record<string, unknown> = {}, options: TaskStatusOptions = {}) {
  return async ({ server, follow }: RowContext): Promise<void> => {
    server.script(make(), OK());
    expectSucceeded(await follow(options));
    expect(server.requests).toHaveLength(2);
    server.verify({ allUsed: true });

    server.reset();
    server.script(...times(MAX_RETRIES + 1, make));
    const outcome = await follow(options);
    expectError(outcome, type, extra);
    expect(server.requests).toHaveLength(MAX_RETRIES + 1);
    server.verify({ allUsed: true });
  };
}

/** A fault that ends the stream at once: exactly one request. */
function fatal(make: () => Reply, type: new (...args: never[]) => Error, extra: Record<string, unknown> = {}, options: TaskStatusOptions = {}) {
  return async ({ server, follow }: RowContext): Promise<void> => {
    server.script(make());
    const outcome = await follow(options);
    expectError(outcome, type, extra);
    expect(server.requests).toHaveLength(1);
    server.verify({ allUsed: true });
  };
}

/** The wait before the retry of `make()`, read from the client's retry event, and the gap seen by the server. */
async function retryWait(ctx: RowContext, make: () => Reply, options: TaskStatusOptions = {}): Promise<{ delay: number; gap: number }> {
  ctx.server.script(make(), OK());
  const outcome = await ctx.followWithEvents(options);
  expectSucceeded(outcome);
  const retries = outcome.events.filter((e) => e.type === 'retry');
  expect(retries).toHaveLength(1);
  const [first, second] = ctx.server.requests;
  return { delay: (retries[0] as { delay: number }).delay, gap: second!.at - first!.at };
}

/** A chunked 200 whose body is a task SUCCESS with `bytes` of base64 content. */
function bigBase64(bytes: number): Reply {
  return reply.custom('base64 over the limit', (_req, res, { request }) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    const content = Buffer.alloc(bytes, 0x41).toString('base64');
    res.end(JSON.stringify({ taskId: request.taskId, status: 'SUCCESS', result: { status: 'SUCCESS', content_b64: content } }));
  });
}

const HOSTILE_JSON = `{"taskId":"${TASK}","status":"SUCCESS","__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}},"result":{"status":"SUCCESS","__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}},"toString":"not a function","invoiceNumber":"INV-7"}}`;

/** The rows, in README order. */
export const FAULT_ROWS: readonly FaultRow[] = [
  // ── connection ────────────────────────────────────────────────────────────────────────────
  {
    fault: 'connection refused (nothing listens on the port)',
    retried: `yes, backoff (\`maxRetries\` consecutive failures)`,
    ends: '`NetworkError`',
    run: async ({ followWithEvents }) => {
      const outcome = await followWithEvents({ baseUrl: await refusedUrl() });
      expectError(outcome, NetworkError);
      expect(outcome.events.filter((e) => e.type === 'request-start')).toHaveLength(MAX_RETRIES + 1);
      expect(outcome.events.filter((e) => e.type === 'retry')).toHaveLength(MAX_RETRIES);
    },
  },
  {
    fault: 'connection reset before the response headers',
    retried: 'yes, backoff',
    ends: '`NetworkError`',
    run: transient(() => reply.reset(), NetworkError),
  },
  {
    fault: 'server accepts the request and never answers (hang)',
    retried: 'yes, after `requestTimeout`',
    ends: '`RequestTimeoutError`',
    run: transient(() => reply.hang(), RequestTimeoutError, { timeout: 1000 }),
  },
  {
    fault: 'body dripping 1 byte per 100 ms, not done within `requestTimeout`',
    retried: 'yes, after `requestTimeout` (it covers the whole body, not only the headers)',
    ends: '`RequestTimeoutError`',
    run: transient(() => reply.drip(TASK_BODY, 100), RequestTimeoutError),
  },
  {
    fault: 'slow body (1 byte per 5 ms) that does finish within `requestTimeout`',
    retried: 'not a fault',
    ends: 'the task goes on',
    run: async ({ server, follow }) => {
      server.script(reply.drip(TASK_BODY, 5));
      expectSucceeded(await follow({ requestTimeout: 10_000 }));
    },
  },
  {
    fault: 'body cut short (chunked, connection dropped mid-body)',
    retried: 'yes, backoff',
    ends: '`NetworkError`',
    run: transient(() => reply.truncated(TASK_BODY), NetworkError),
  },
  {
    fault: '`Content-Length` above the bytes sent, then the connection closes',
    retried: 'yes, backoff',
    ends: '`NetworkError`',
    run: transient(() => reply.shortBody(TASK_BODY, TASK_BODY.length + 100), NetworkError),
  },
  {
    fault: '`Content-Length` below the bytes sent (surplus bytes after the body)',
    retried: 'yes, backoff (Node’s HTTP parser refuses the surplus; through global fetch the cut JSON is a `DecodeError` instead)',
    ends: '`NetworkError`',
    run: transient(() => reply.longBody(TASK_BODY, 20), NetworkError),
  },
  {
    fault: 'endless body',
    retried: 'no',
    ends: '`ResponseTooLargeError` once past `maxResponseBytes` (the body is cancelled)',
    run: async (ctx) => {
      await fatal(() => reply.endless(), ResponseTooLargeError, { limit: 64 * 1024 }, { maxResponseBytes: 64 * 1024 })(ctx);
      // The server stopped writing: what it wrote is the limit plus socket buffers, not more.
      await ctx.server.waitForIdle();
      expect(ctx.server.bytesWritten).toBeLessThan(16 * 1024 * 1024);
    },
  },
  {
    fault: 'body above `maxResponseBytes`, announced by `Content-Length`',
    retried: 'no',
    ends: '`ResponseTooLargeError` before any of the body is read',
    run: fatal(() => reply.huge(4 * 1024 * 1024), ResponseTooLargeError, {}, { maxResponseBytes: 1024 * 1024 }),
  },
  {
    fault: '`content_b64` making the body larger than `maxResponseBytes` (chunked, no length)',
    retried: 'no',
    ends: '`ResponseTooLargeError`',
    run: fatal(() => bigBase64(2 * 1024 * 1024), ResponseTooLargeError, {}, { maxResponseBytes: 1024 * 1024 }),
  },
  {
    fault: 'a transient status (503) whose body is above `maxResponseBytes`',
    retried: 'no (the size cap wins)',
    ends: '`ResponseTooLargeError`',
    run: fatal(() => reply.huge(2 * 1024 * 1024, { status: 503 }), ResponseTooLargeError, {}, { maxResponseBytes: 1024 * 1024 }),
  },
  // ── statuses ──────────────────────────────────────────────────────────────────────────────
  {
    fault: '400',
    retried: 'no',
    ends: '`HttpError` (`status`, decoded `body`)',
    run: fatal(() => reply.status(400, { body: { detail: 'bad request' } }), HttpError, { status: 400, body: { detail: 'bad request' } }),
  },
  {
    fault: '401 with a string token',
    retried: 'no (a string cannot be refreshed)',
    ends: '`AuthError`',
    run: fatal(() => reply.status(401, { body: { detail: 'Not authenticated' } }), AuthError, { status: 401 }),
  },
  {
    fault: '401, and 401 again after the refresh, with a token function',
    retried: 'once, with `token({ refresh: true })`',
    ends: '`AuthError`',
    run: async ({ server, follow }) => {
      const calls: boolean[] = [];
      server.script(reply.status(401), reply.status(401));
      const outcome = await follow({ token: ({ refresh }) => (calls.push(refresh), refresh ? `${TOKEN}-fresh` : TOKEN) });
      expectError(outcome, AuthError, { status: 401 });
      expect(calls).toEqual([false, true]);
      expect(server.requests.map((r) => r.headers.authorization)).toEqual([`Bearer ${TOKEN}`, `Bearer ${TOKEN}-fresh`]);
      server.verify({ allUsed: true });
    },
  },
  {
    fault: '401 then 200, with a token function',
    retried: 'once, with the fresh token',
    ends: 'the task goes on',
    run: async ({ server, follow }) => {
      server.script(reply.status(401), reply.task('PENDING'), OK());
      let fresh = false;
      const outcome = await follow({ token: ({ refresh }) => ((fresh ||= refresh), fresh ? `${TOKEN}-fresh` : TOKEN) });
      expectSucceeded(outcome);
      expect(phases(outcome)).toEqual(['pending', 'succeeded']);
      expect(server.requests.map((r) => r.headers.authorization)).toEqual([`Bearer ${TOKEN}`, `Bearer ${TOKEN}-fresh`, `Bearer ${TOKEN}-fresh`]);
      server.verify({ allUsed: true });
    },
  },
  { fault: '403', retried: 'no', ends: '`HttpError`', run: fatal(() => reply.status(403), HttpError, { status: 403 }) },
  { fault: '404', retried: 'no', ends: '`HttpError`', run: fatal(() => reply.status(404), HttpError, { status: 404 }) },
  { fault: '408', retried: 'yes, backoff or `Retry-After`', ends: '`HttpError` (status 408)', run: transient(() => reply.status(408), HttpError, { status: 408 }) },
  { fault: '413', retried: 'no', ends: '`HttpError`', run: fatal(() => reply.status(413), HttpError, { status: 413 }) },
  {
    fault: '422 (FastAPI `detail`)',
    retried: 'no',
    ends: '`RequestValidationError` (`detail`)',
    run: fatal(
      () => reply.status(422, { body: { detail: [{ loc: ['path', 'task_id'], msg: 'Input should be a valid UUID', type: 'uuid_parsing' }] } }),
      RequestValidationError,
      { status: 422, detail: [{ loc: ['path', 'task_id'], msg: 'Input should be a valid UUID', type: 'uuid_parsing' }] },
    ),
  },
  { fault: '429', retried: 'yes, backoff or `Retry-After`', ends: '`HttpError` (status 429)', run: transient(() => reply.status(429), HttpError, { status: 429 }) },
  { fault: '500', retried: 'yes, backoff or `Retry-After`', ends: '`HttpError` (status 500)', run: transient(() => reply.status(500), HttpError, { status: 500 }) },
  { fault: '501', retried: 'no', ends: '`HttpError`', run: fatal(() => reply.status(501), HttpError, { status: 501 }) },
  { fault: '502', retried: 'yes, backoff or `Retry-After`', ends: '`HttpError` (status 502)', run: transient(() => reply.status(502), HttpError, { status: 502 }) },
  {
    fault: '502 with an HTML page (a proxy)',
    retried: 'yes, backoff',
    ends: '`HttpError` (`body`: the text)',
    run: transient(() => reply.text(502, '<html><h1>502 Bad Gateway</h1></html>', 'text/html'), HttpError, {
      status: 502,
      body: '<html><h1>502 Bad Gateway</h1></html>',
    }),
  },
  { fault: '503', retried: 'yes, backoff or `Retry-After`', ends: '`HttpError` (status 503)', run: transient(() => reply.status(503), HttpError, { status: 503 }) },
  { fault: '504', retried: 'yes, backoff or `Retry-After`', ends: '`HttpError` (status 504)', run: transient(() => reply.status(504), HttpError, { status: 504 }) },
  // ── Retry-After ───────────────────────────────────────────────────────────────────────────
  {
    fault: '`Retry-After: 0.2` (seconds)',
    retried: 'yes, after 200 ms (no jitter)',
    ends: 'as its status',
    run: async (ctx) => {
      const { delay, gap } = await retryWait(ctx, () => reply.status(503, { headers: { 'retry-after': '0.2' } }));
      expect(delay).toBe(200);
      expect(gap).toBeGreaterThanOrEqual(195);
    },
  },
  {
    fault: '`Retry-After` as an HTTP date ahead',
    retried: 'yes, until that date, capped at `maxRetryAfter`',
    ends: 'as its status',
    run: async (ctx) => {
      const date = new Date(Date.now() + 60_000).toUTCString();
      const { delay, gap } = await retryWait(ctx, () => reply.status(429, { headers: { 'retry-after': date } }));
      expect(delay).toBe(300); // capped (maxRetryAfter 300 in these tests)
      expect(gap).toBeGreaterThanOrEqual(295);
    },
  },
  {
    fault: '`Retry-After` as an HTTP date in the past, or `0`',
    retried: 'yes: no hint, exponential backoff (a blip must not burn every retry)',
    ends: 'as its status',
    run: async (ctx) => {
      for (const value of ['Sun, 06 Nov 1994 08:49:37 GMT', '0']) {
        ctx.server.reset();
        const { delay } = await retryWait(ctx, () => reply.status(503, { headers: { 'retry-after': value } }));
        expect(delay).toBe(1); // retry.initialInterval, jitter 'none'
      }
    },
  },
  {
    fault: '`Retry-After` garbage (`soon`, `-5`, `1e3`)',
    retried: 'yes, ignored: exponential backoff',
    ends: 'as its status',
    run: async (ctx) => {
      for (const value of ['soon', '-5', '1e3']) {
        ctx.server.reset();
        const { delay } = await retryWait(ctx, () => reply.status(503, { headers: { 'retry-after': value } }));
        expect(delay).toBe(1); // retry.initialInterval, jitter 'none'
      }
    },
  },
  {
    fault: '`Retry-After` huge (`999999999999`)',
    retried: 'yes, capped at `maxRetryAfter` (not a reason to give up)',
    ends: 'as its status',
    run: async (ctx) => {
      const { delay, gap } = await retryWait(ctx, () => reply.status(503, { headers: { 'retry-after': '999999999999' } }));
      expect(delay).toBe(300);
      expect(gap).toBeGreaterThanOrEqual(295);
    },
  },
  {
    fault: '`retry-after-ms: 150` (wins over `Retry-After`)',
    retried: 'yes, after 150 ms',
    ends: 'as its status',
    run: async (ctx) => {
      const { delay, gap } = await retryWait(ctx, () => reply.status(429, { headers: { 'retry-after-ms': '150', 'retry-after': '9' } }));
      expect(delay).toBe(150);
      expect(gap).toBeGreaterThanOrEqual(145);
    },
  },
  {
    fault: '`Retry-After` on a status that is not retried (400)',
    retried: 'no (the header is ignored)',
    ends: '`HttpError`',
    run: fatal(() => reply.status(400, { headers: { 'retry-after': '0' } }), HttpError, { status: 400 }),
  },
  {
    fault: 'an error response that echoes the `Authorization` header (body and headers)',
    retried: 'as its status',
    ends: 'its error, with the token replaced by `[redacted]` in `body` and `headers`',
    run: async ({ server, follow }) => {
      server.script(
        reply.custom('echo', (req, res) => {
          const auth = String(req.headers.authorization ?? '');
          const body = JSON.stringify({ detail: `invalid: ${auth}` });
          res.writeHead(400, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), 'x-seen': auth });
          res.end(body);
        }),
      );
      const outcome = await follow();
      expectError(outcome, HttpError, { status: 400, body: { detail: 'invalid: Bearer [redacted]' }, headers: expect.objectContaining({ 'x-seen': 'Bearer [redacted]' }) });
      server.verify({ allUsed: true });
    },
  },
  // ── payloads ──────────────────────────────────────────────────────────────────────────────
  {
    fault: '200 with invalid JSON',
    retried: 'no',
    ends: '`DecodeError`',
    run: fatal(() => reply.text(200, '{"taskId": "x", "status": "PEND', 'application/json'), DecodeError),
  },
  {
    fault: '200 with an empty body',
    retried: 'no',
    ends: '`DecodeError`',
    run: fatal(() => reply.text(200, '', 'application/json'), DecodeError),
  },
  {
    fault: '200 with JSON of the wrong shape (`status: 42`, an array, `null`)',
    retried: 'no',
    ends: '`DecodeError` (`report`: `status: expected string, got 42`)',
    run: async (ctx) => {
      for (const body of [{ taskId: TASK, status: 42 }, [TASK, 'SUCCESS'], null]) {
        ctx.server.reset();
        await fatal(() => reply.text(200, JSON.stringify(body)), DecodeError)(ctx);
      }
      ctx.server.reset();
      ctx.server.script(reply.text(200, JSON.stringify({ taskId: TASK, status: 42 })));
      const outcome = await ctx.follow();
      expect((outcome.error as DecodeError).report).toContain('status: expected string, got 42');
    },
  },
  {
    fault: 'SUCCESS whose business result has the wrong shape (`errorCode: 7`)',
    retried: 'no',
    ends: '`DecodeError`',
    run: fatal(() => reply.task('SUCCESS', { status: 'ERROR', errorCode: 7, errorMessage: 'x' }), DecodeError),
  },
  {
    fault: 'SUCCESS with invalid base64 in `content_b64`',
    retried: 'no',
    ends: '`DecodeError`',
    run: fatal(() => reply.task('SUCCESS', { status: 'SUCCESS', content_b64: 'not base64!' }), DecodeError),
  },
  {
    fault: '`__proto__`, `constructor.prototype` and `toString` keys in the JSON',
    retried: 'not a fault',
    ends: 'plain data: no prototype is touched, the task goes on',
    run: async ({ server, follow }) => {
      server.script(reply.text(200, HOSTILE_JSON));
      const outcome = await follow();
      expect(outcome.error).toBeUndefined();
      const state = outcome.transitions[0]?.state as TaskSucceededState;
      expect(state.phase).toBe('succeeded');
      expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
      expect(Object.prototype.toString.call([])).toBe('[object Array]');
      expect((state.result as Record<string, unknown>)['polluted']).toBeUndefined();
      expect(Object.getPrototypeOf(state.result)).toBe(Object.prototype);
      expect(Object.getOwnPropertyDescriptor(state.result, '__proto__')?.value).toEqual({ polluted: 'yes' });
    },
  },
  {
    fault: 'a 200 for a custom Celery state (`PROGRESS` with `meta`)',
    retried: 'not a fault',
    ends: 'phase `started` with `state.meta` and `state.progress`; the task goes on',
    run: async ({ server, follow }) => {
      server.script(reply.task('PROGRESS', { current: 1, total: 2 }), OK());
      const outcome = await follow();
      expectSucceeded(outcome);
      expect(outcome.transitions[0]?.state).toEqual({
        phase: 'started',
        status: 'PROGRESS',
        meta: { current: 1, total: 2 },
        progress: { current: 1, total: 2, ratio: 0.5 },
      });
    },
  },
  // ── redirects ─────────────────────────────────────────────────────────────────────────────
  {
    fault: 'same-origin redirect (301, 302, 303, 307, 308)',
    retried: 'followed (at most 5 per request), `Authorization` kept',
    ends: 'the task goes on',
    run: async ({ server, follow }) => {
      for (const status of [301, 302, 303, 307, 308]) {
        server.reset();
        server.script(reply.redirect(status, (r) => `/moved/tasks/${r.taskId ?? ''}/status`), OK());
        expectSucceeded(await follow());
        expect(server.requests.map((r) => r.url)).toEqual([`/api/v1/processing/tasks/${TASK}/status`, `/moved/tasks/${TASK}/status`]);
        expect(server.requests[1]?.headers.authorization).toBe(`Bearer ${TOKEN}`);
        server.verify({ allUsed: true });
      }
    },
  },
  {
    fault: 'cross-origin redirect (another port)',
    retried: 'no; the other origin gets no request, so never the token',
    ends: '`HttpError` (the 3xx status)',
    run: async (ctx) => {
      await fatal(() => reply.redirect(302, `${ctx.other.url}/api/v1/processing/tasks/${TASK}/status`), HttpError, { status: 302 })(ctx);
      expect(ctx.other.requests).toHaveLength(0);
    },
  },
  {
    fault: 'cross-origin redirect (another host name: `localhost` for `127.0.0.1`)',
    retried: 'no',
    ends: '`HttpError`',
    run: async (ctx) => {
      await fatal(() => reply.redirect(307, `http://localhost:${ctx.server.port}/api/v1/processing/tasks/${TASK}/status`), HttpError, { status: 307 })(ctx);
    },
  },
  {
    fault: 'https → http redirect',
    retried: 'no (the scheme is part of the origin)',
    ends: '`HttpError`',
    run: async (ctx) => {
      // The API is reached as https://127.0.0.1:port through a fetch that carries the bytes over
      // plain TCP (no certificate needed); the redirect target is http:// on the same host and port.
      const viaPlainTcp: FetchFunction = (url, init) => crossFetch(url.replace(/^https:/, 'http:'), init as RequestInit) as never;
      await fatal(() => reply.redirect(302, `http://127.0.0.1:${ctx.server.port}/api/v1/processing/tasks/${TASK}/status`), HttpError, { status: 302 }, {
        baseUrl: `https://127.0.0.1:${ctx.server.port}`,
        fetch: viaPlainTcp,
      })(ctx);
    },
  },
  {
    fault: 'redirect loop',
    retried: 'no; 5 hops followed, the 6th refused',
    ends: '`HttpError`',
    run: async ({ server, follow }) => {
      server.script(...times(6, () => reply.redirect(302, (r) => r.url)));
      const outcome = await follow();
      expectError(outcome, HttpError, { status: 302 });
      expect(outcome.error).toHaveProperty('message', expect.stringContaining('too many redirects'));
      expect(server.requests).toHaveLength(6);
      server.verify({ allUsed: true });
    },
  },
  {
    fault: '3xx without `Location`',
    retried: 'no',
    ends: '`HttpError`',
    run: fatal(() => reply.status(302), HttpError, { status: 302 }),
  },
  // ── time ──────────────────────────────────────────────────────────────────────────────────
  {
    fault: 'no terminal phase within `deadline`',
    retried: '—',
    ends: '`DeadlineError`',
    run: async ({ server, follow }) => {
      server.script(...times(40, () => reply.task('STARTED')));
      const outcome = await follow({ interval: 40, deadline: 150 });
      expectError(outcome, DeadlineError);
      expect(phases(outcome)).toEqual(['started']);
      server.verify();
    },
  },
  {
    fault: '`pending` for longer than `stallAfter`',
    retried: '—',
    ends: '`StalledError`',
    run: async ({ server, follow }) => {
      server.script(...times(40, () => reply.task('PENDING')));
      const outcome = await follow({ interval: 40, stallAfter: 150 });
      expectError(outcome, StalledError);
      expect(phases(outcome)).toEqual(['pending']);
      server.verify();
    },
  },
  {
    fault: 'a request timeout while pending, during `deadline`',
    retried: 'yes, while the deadline allows',
    ends: '`DeadlineError` if the deadline comes first',
    run: async ({ server, follow }) => {
      server.script(reply.task('PENDING'), ...times(MAX_RETRIES + 1, () => reply.hang()));
      // The first hang times out at ~1 s and is retried; the deadline falls during the second.
      const outcome = await follow({ deadline: 1500 });
      expectError(outcome, DeadlineError);
      server.verify();
    },
  },
  // ── outcomes ──────────────────────────────────────────────────────────────────────────────
  {
    fault: 'Celery `FAILURE` / `REVOKED`',
    retried: '—',
    ends: 'not an error: a `failed` transition, then completion (`result$`: `TaskFailedError`)',
    run: async ({ server, follow, result }) => {
      for (const status of ['FAILURE', 'REVOKED']) {
        server.reset();
        server.script(reply.task('STARTED'), reply.task(status, { exc_type: 'ValueError', exc_message: 'boom' }));
        const outcome = await follow();
        expect(outcome.error).toBeUndefined();
        expect(outcome.completed).toBe(true);
        expect(phases(outcome)).toEqual(['started', 'failed']);
        expect(outcome.transitions[1]?.state).toMatchObject({ phase: 'failed', status, error: { message: 'boom', type: 'ValueError' } });
      }
      server.reset();
      server.script(reply.task('FAILURE', { exc_message: 'boom' }));
      expect((await result()).error).toBeInstanceOf(TaskFailedError);
    },
  },
  {
    fault: 'Celery `SUCCESS` with a business `ERROR`',
    retried: '—',
    ends: 'not an error: a `rejected` transition (`result$`: `TaskRejectedError`)',
    run: async ({ server, follow, result }) => {
      const rejection = { status: 'ERROR', errorCode: 'SCHEMATRON', errorMessage: 'invalid invoice', details: [{ item: 'BT-1', reason: 'missing', level: 'Error' }] };
      server.script(reply.task('SUCCESS', rejection));
      const outcome = await follow();
      expect(outcome.error).toBeUndefined();
      expect(phases(outcome)).toEqual(['rejected']);
      expect(outcome.transitions[0]?.state).toMatchObject({ phase: 'rejected', error: { errorCode: 'SCHEMATRON' } });
      server.reset();
      server.script(reply.task('SUCCESS', rejection));
      expect((await result()).error).toBeInstanceOf(TaskRejectedError);
    },
  },
  // ── refused before any request ────────────────────────────────────────────────────────────
  {
    fault: 'a task id that is not a UUID (`../../admin`, `x`, a UUID with a path)',
    retried: '—',
    ends: '`TypeError` when `taskStatus$` / `status$` is called; no request',
    run: async ({ server, follow }) => {
      for (const id of ['../../admin', 'x', `${TASK}/../../x`, `${TASK}?a=1`, '']) {
        await expect(follow({}, id)).rejects.toThrow(new TypeError(`taskId: must be a UUID, got ${id === '' ? 'an empty string' : 'a string'}`));
      }
      expect(server.requests).toHaveLength(0);
    },
  },
  {
    fault: 'a token with a plain-http origin that is not loopback',
    retried: '—',
    ends: '`TypeError` naming `allowInsecureHttp` when called; no request',
    run: async ({ follow }) => {
      await expect(follow({ baseUrl: 'http://factpulse.example' })).rejects.toThrow(/allowInsecureHttp/);
    },
  },
  {
    fault: 'the token function throws, rejects, or returns no usable token',
    retried: 'no',
    ends: '`AuthError` (the original in `cause`); no request',
    run: async ({ server, follow }) => {
      const sources: Array<NonNullable<TaskStatusOptions['token']>> = [
        () => {
          throw new Error('vault down');
        },
        () => Promise.reject(new Error('vault down')),
        () => '',
        () => 'two\nlines',
      ];
      for (const token of sources) {
        const outcome = await follow({ token });
        expectError(outcome, AuthError);
      }
      expect(server.requests).toHaveLength(0);
    },
  },
];
