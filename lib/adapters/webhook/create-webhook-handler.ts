import type { IncomingMessage, ServerResponse } from 'node:http';
import { Subject, asyncScheduler, type Observable, type SchedulerLike } from 'rxjs';
import { BoundedBytes, LruCache, checkFunction, checkNumber, checkScheduler, failOption, monotonicClock } from '../../index.js';
import { checkSecret, verifyWebhookSignature } from './verify-webhook-signature.js';


const OWNER = 'createWebhookHandler';

/**
 * A webhook FactPulse sent, as received: `{ event_type, data }` (e.g. `generation.completed`
 * with `data.taskId` or `data.task_id`), plus whatever other fields it carried.
 *
 * @example
 * ```ts
 * handler.events$.subscribe((e: WebhookPayload) => log.info(e.event_type))
 * ```
 */
export interface WebhookPayload {
  readonly event_type: string;
  readonly data?: Readonly<Record<string, unknown>>;
  readonly [field: string]: unknown;
}

/**
 * Options of {@link createWebhookHandler}.
 *
 * @example
 * ```ts
 * createWebhookHandler({ secret: process.env.FACTPULSE_WEBHOOK_SECRET!, maxBodyBytes: 256 * 1024 })
 * ```
 */
export interface WebhookHandlerOptions {
  /** The key FactPulse signs webhooks with (required). */
  readonly secret: string | Uint8Array;
  /**
   * Bodies larger than this many bytes get 413 (checked against `content-length` before reading,
   * and while reading).
   * @default 1048576 (1 MiB)
   */
  readonly maxBodyBytes?: number | undefined;
  /**
   * Called with each verified event before it is answered and emitted on `events$`; when it
   * throws or rejects, the webhook gets 500 (so the sender may try again) and is not emitted.
   * Not called for a replay (see `replayWindow`).
   * @default undefined
   */
  readonly onEvent?: ((event: WebhookPayload, request: IncomingMessage) => void | Promise<void>) | undefined;
  /**
   * ms a signed body is remembered once handled: the same body (the same signature) arriving
   * again within it — a replayed capture, or a sender retrying after a lost answer — gets 200
   * (`{"received":true,"duplicate":true}`) but is not emitted again nor given to `onEvent`, so
   * replays cannot turn into polls. `0` turns it off.
   * @default 3600000 (1 hour)
   */
  readonly replayWindow?: number | undefined;
  /**
   * Signed bodies remembered at most for `replayWindow` (the least recently seen is forgotten
   * first): bounded memory whatever the traffic (about 100 bytes each).
   * @default 10000
   */
  readonly replayCacheSize?: number | undefined;
  /**
   * The clock of `replayWindow` (its `now()`, read as a clock that never goes back).
   * @default asyncScheduler
   */
  readonly scheduler?: SchedulerLike | undefined;
}

/**
 * A `(req, res)` handler for `node:http` or Express that receives FactPulse webhooks, with the
 * verified events on `events$`. See {@link createWebhookHandler}.
 *
 * @example
 * ```ts
 * const webhook: WebhookHandler = createWebhookHandler({ secret })
 * createServer(webhook).listen(8080)
 * ```
 */
export interface WebhookHandler {
  (request: IncomingMessage, response: ServerResponse): void;
  /** Hot: each verified event, once, as it is answered 200. Never errors, never completes. */
  readonly events$: Observable<WebhookPayload>;
}

const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
const DEFAULT_REPLAY_WINDOW = 60 * 60_000;
const DEFAULT_REPLAY_CACHE_SIZE = 10_000;

function reply(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent || res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** The body a framework already read, when it kept the raw bytes (`express.raw()`, `express.text()`, `req.rawBody`). */
function preRead(req: IncomingMessage): Buffer | string | undefined {
  const r = req as IncomingMessage & { rawBody?: unknown; body?: unknown };
  if (r.rawBody instanceof Uint8Array) return Buffer.from(r.rawBody.buffer, r.rawBody.byteOffset, r.rawBody.byteLength);
  if (r.body instanceof Uint8Array) return Buffer.from(r.body.buffer, r.body.byteOffset, r.body.byteLength);
  if (typeof r.body === 'string') return r.body;
  return undefined;
}

/** Reads the body up to `limit` bytes: the bytes, `'too-large'`, or `'aborted'`. */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer | 'too-large' | 'aborted'> {
  return new Promise((resolve) => {
    const body = new BoundedBytes(limit);
    let settled = false;
    const settle = (value: Buffer | 'too-large' | 'aborted'): void => {
      if (settled) return;
      settled = true;
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
      resolve(value);
    };
    const onData = (chunk: Buffer | string): void => {
      if (!body.push(chunk)) {
        // Stop keeping data; what is left is discarded, the connection closed after the answer.
        req.resume();
        settle('too-large');
      }
    };
    const bytes = (): Buffer => {
      const all = body.bytes();
      return Buffer.isBuffer(all) ? all : Buffer.from(all.buffer, all.byteOffset, all.byteLength);
    };
    const onEnd = (): void => settle(bytes());
    const onError = (): void => settle('aborted');
    const onClose = (): void => settle(req.complete ? bytes() : 'aborted');
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}

function parseEvent(raw: Buffer | string): WebhookPayload | undefined {
  let value: unknown;
  try {
    value = JSON.parse(typeof raw === 'string' ? raw : raw.toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const { event_type: type, data } = value as Record<string, unknown>;
  if (typeof type !== 'string') return undefined;
  if (data !== undefined && (typeof data !== 'object' || data === null || Array.isArray(data))) return undefined;
  return value as WebhookPayload;
}

/**
 * Receives FactPulse webhooks (`factpulse-rx/webhook`): a `(req, res)` handler for `node:http`
 * or Express, and `events$`, the verified events. Answers 405 to anything but `POST`, 413 to a
 * body over `maxBodyBytes`, 401 when `x-webhook-signature` is not the HMAC-SHA256 of the raw
 * body under `secret` (see {@link verifyWebhookSignature}), 400 to a signed body that is not a
 * JSON object with a string `event_type`, and otherwise 200 with the event emitted on `events$` —
 * once: the same signed body again within `replayWindow` (a replay) gets 200 and is not emitted.
 *
 * Feed `events$` to a task client as `hints`: each event then polls its task (`data.taskId` or
 * `data.task_id`) at once, so the end of a task is seen the moment FactPulse reports it, with
 * polling kept as the safety net (see `safetyNetSchedule` to slow it while webhooks arrive).
 *
 * Mount it before any JSON body parser, or give it the raw bytes (`express.raw()` or a
 * `req.rawBody` Buffer): a re-serialised body does not match its signature. Options are
 * validated now (a `TypeError` naming the bad one).
 *
 * @example
 * ```ts
 * import { createTaskClient } from 'factpulse-rx'
 * import { createWebhookHandler } from 'factpulse-rx/webhook'
 *
 * const webhook = createWebhookHandler({ secret: process.env.FACTPULSE_WEBHOOK_SECRET! })
 * app.post('/factpulse/webhook', webhook)
 * const client = createTaskClient({ token, hints: webhook.events$ })
 * ```
 */
export function createWebhookHandler(options: WebhookHandlerOptions): WebhookHandler {
  if (typeof options !== 'object' || options === null) failOption(`${OWNER}: options`, 'an object with a secret', options);
  const secret = checkSecret(OWNER, options.secret);
  const maxBodyBytes = checkNumber(`${OWNER}: maxBodyBytes`, options.maxBodyBytes, { min: 1, integer: true }) ?? DEFAULT_MAX_BODY_BYTES;
  const onEvent = checkFunction(`${OWNER}: onEvent`, options.onEvent);
  const replayWindow = checkNumber(`${OWNER}: replayWindow`, options.replayWindow, { infinity: true }) ?? DEFAULT_REPLAY_WINDOW;
  const replayCacheSize = checkNumber(`${OWNER}: replayCacheSize`, options.replayCacheSize, { min: 1, integer: true }) ?? DEFAULT_REPLAY_CACHE_SIZE;
  const scheduler = checkScheduler(`${OWNER}: scheduler`, options.scheduler) ?? asyncScheduler;

  const events = new Subject<WebhookPayload>();
  /** Signatures of bodies handled (or being handled) within `replayWindow`. */
  const seen = new LruCache<true>(replayCacheSize, replayWindow, monotonicClock(scheduler));

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (req.method !== 'POST') {
      req.resume();
      reply(res, 405, { error: 'method not allowed: use POST' }, { allow: 'POST' });
      return;
    }
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > maxBodyBytes) {
      reply(res, 413, { error: `body over ${maxBodyBytes} bytes` }, { connection: 'close' });
      return;
    }
    const kept = preRead(req);
    if (kept === undefined && req.readableEnded) {
      // A body parser read the stream and kept no raw bytes: the signature cannot be checked.
      reply(res, 500, { error: 'the body was already read by a parser: mount the webhook handler before it, or use express.raw()' });
      return;
    }
    const body = kept ?? (await readBody(req, maxBodyBytes));
    if (body === 'aborted') return;
    if (body === 'too-large' || Buffer.byteLength(body) > maxBodyBytes) {
      reply(res, 413, { error: `body over ${maxBodyBytes} bytes` }, { connection: 'close' });
      return;
    }
    if (!verifyWebhookSignature(body, req.headers['x-webhook-signature'], secret)) {
      reply(res, 401, { error: 'bad or missing x-webhook-signature' });
      return;
    }
    const event = parseEvent(body);
    if (event === undefined) {
      reply(res, 400, { error: 'the body must be a JSON object with a string event_type' });
      return;
    }
    // The signature is the body's HMAC: one key per signed body, nothing else kept.
    const digest = String(req.headers['x-webhook-signature']).toLowerCase();
    if (seen.get(digest) !== undefined) {
      reply(res, 200, { received: true, duplicate: true });
      return;
    }
    seen.set(digest, true);
    if (onEvent !== undefined) {
      try {
        await onEvent(event, req);
      } catch {
        seen.delete(digest); // not handled: the sender may try again
        reply(res, 500, { error: 'the event could not be handled' });
        return;
      }
    }
    reply(res, 200, { received: true });
    events.next(event);
  };

  const handler = ((req: IncomingMessage, res: ServerResponse): void => {
    handle(req, res).catch(() => reply(res, 500, { error: 'internal error' }));
  }) as WebhookHandler;
  Object.defineProperty(handler, 'events$', { value: events.asObservable(), enumerable: true });
  return handler;
}
