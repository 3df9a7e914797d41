import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Subscription } from 'rxjs';
import {
  checkBoolean,
  checkFunction,
  checkNumber,
  checkObject,
  failOption,
  isTaskId,
  subscribeTaskFrames,
  type TaskFrame,
  type TaskStatusSource,
} from '../../index.js';

/**
 * Options of {@link taskEventsHandler}. All optional.
 *
 * @example
 * ```ts
 * taskEventsHandler(client, { taskId: (req) => req.params.taskId, authorize, heartbeatMs: 10_000 })
 * ```
 */
export interface TaskEventsOptions<Req extends IncomingMessage = IncomingMessage> {
  /**
   * Reads the task id of a request. A missing id is a 400, one that is not a UUID too.
   * @default the `taskId` query parameter, else the last segment of the path (`/tasks/<id>/events` does not fit: pass this)
   */
  readonly taskId?: ((request: Req) => string | null | undefined) | undefined;
  /**
   * Who may follow which task: `true` (or a promise of it) allows; `false`, a throw or a
   * rejection answers 403 and polls nothing.
   * @default undefined (every request is allowed)
   */
  readonly authorize?: ((taskId: string, request: Req) => boolean | Promise<boolean>) | undefined;
  /**
   * ms between comment lines (`: ping`) that keep proxies from closing an idle stream. `0` turns them off.
   * @default 15000
   */
  readonly heartbeatMs?: number | undefined;
  /**
   * A response whose unsent data exceeds this many bytes when an event is due belongs to a client
   * that stopped reading: the connection is dropped (its polls stop) rather than buffered without
   * limit. One event larger than the limit is still sent.
   * @default 1048576 (1 MiB)
   */
  readonly maxBufferedBytes?: number | undefined;
  /**
   * Send a success's content as base64 in `state.content` (otherwise only `contentBytes`).
   * @default false
   */
  readonly includeContent?: boolean | undefined;
}

const DEFAULTS = { heartbeatMs: 15_000, maxBufferedBytes: 1024 * 1024 } as const;

const OWNER = 'taskEventsHandler';

/** @internal The default task id: `?taskId=`, else the last path segment. */
export function defaultTaskId(request: IncomingMessage): string | undefined {
  let url: URL;
  try {
    url = new URL(request.url ?? '/', 'http://localhost');
  } catch {
    return undefined;
  }
  const query = url.searchParams.get('taskId');
  if (query !== null && query !== '') return query;
  const segments = url.pathname.split('/').filter((s) => s !== '');
  const last = segments[segments.length - 1];
  if (last === undefined) return undefined;
  try {
    return decodeURIComponent(last);
  } catch {
    return undefined;
  }
}

function plain(res: ServerResponse, status: number, message: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(message), ...headers });
  res.end(message);
}

/** @internal One Server-Sent Event: `event:` line, one `data:` line (JSON never holds a raw newline), blank line. */
export function sseEvent(frame: TaskFrame): string {
  return sseText(frame.type, JSON.stringify(frame));
}

function sseText(type: TaskFrame['type'], json: string): string {
  return `event: ${type}\ndata: ${json}\n\n`;
}

/**
 * A `(req, res)` handler (`factpulse-rx/sse`) serving one task's transitions as Server-Sent
 * Events, for `node:http` or Express: `GET` gets `text/event-stream` with events named
 * `transition`, `error` and `complete`, whose `data` is the same JSON as the websocket frames
 * (see `TaskFrame`). The stream ends after `complete` or `error`; the browser should then call
 * `eventSource.close()`, or it reconnects (and gets the cached terminal transition again).
 * Comment lines keep the connection alive; the client closing it unfollows the task, so its polls
 * stop when no one else follows it. Other methods get 405; a missing or malformed id 400; a denied
 * one 403.
 *
 * Note: EventSource also fires `error` for connection problems; those events have no `data`.
 * Do not put a compressing or buffering middleware in front of this handler.
 *
 * @example
 * ```ts
 * import { taskEventsHandler } from 'factpulse-rx/sse'
 * app.get('/tasks/:taskId/events', taskEventsHandler(client, { taskId: (req) => req.params.taskId, authorize }))
 * // browser
 * const es = new EventSource(`/tasks/${id}/events`)
 * es.addEventListener('transition', (e) => render(JSON.parse(e.data)))
 * es.addEventListener('complete', () => es.close())
 * ```
 */
export function taskEventsHandler<Req extends IncomingMessage = IncomingMessage>(
  client: TaskStatusSource,
  options: TaskEventsOptions<Req> = {},
): (req: Req, res: ServerResponse) => void {
  if (typeof client !== 'object' || client === null || typeof client.status$ !== 'function') {
    failOption(`${OWNER}: client`, 'an object with a status$(taskId) method (a TaskClient)', client);
  }
  checkObject(`${OWNER}: options`, options);
  const readTaskId = checkFunction(`${OWNER}: taskId`, options.taskId, 'a function of the request');
  const authorize = checkFunction(`${OWNER}: authorize`, options.authorize);
  const includeContent = checkBoolean(`${OWNER}: includeContent`, options.includeContent);
  const heartbeatMs = checkNumber(`${OWNER}: heartbeatMs`, options.heartbeatMs, { integer: true }) ?? DEFAULTS.heartbeatMs;
  const maxBufferedBytes = checkNumber(`${OWNER}: maxBufferedBytes`, options.maxBufferedBytes, { integer: true }) ?? DEFAULTS.maxBufferedBytes;

  const stream = (taskId: string, res: ServerResponse): void => {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      'x-accel-buffering': 'no',
    });
    let open = true;
    let subscription: Subscription | undefined;
    let heartbeat: ReturnType<typeof setInterval> | undefined;
    const stop = (): void => {
      open = false;
      if (heartbeat !== undefined) clearInterval(heartbeat);
      heartbeat = undefined;
      subscription?.unsubscribe();
      subscription = undefined;
    };
    const write = (text: string): void => {
      if (!open) return;
      if (res.writableLength > maxBufferedBytes) {
        stop();
        res.destroy();
        return;
      }
      res.write(text);
    };
    const finish = (frame: TaskFrame): void => {
      if (!open) return;
      write(sseEvent(frame));
      stop();
      if (!res.destroyed) res.end();
    };
    res.on('close', stop);
    write(': connected\n\n');
    if (heartbeatMs > 0) heartbeat = setInterval(() => write(': ping\n\n'), heartbeatMs);
    // A transition that cannot be encoded ends this stream with an `EncodeError` event; a
    // failure of our own drops this response only.
    const sub = subscribeTaskFrames(client, taskId, { includeContent }, {
      transition: (json) => write(sseText('transition', json)),
      end: finish,
      fault: () => {
        stop();
        res.destroy();
      },
    });
    if (open) subscription = sub;
    else sub?.unsubscribe();
  };

  return (req, res) => {
    if (req.method !== 'GET') {
      plain(res, 405, 'method not allowed: use GET\n', { allow: 'GET' });
      return;
    }
    let taskId: string | null | undefined;
    try {
      taskId = readTaskId === undefined ? defaultTaskId(req) : readTaskId(req);
    } catch {
      taskId = undefined;
    }
    if (typeof taskId !== 'string' || taskId === '') {
      plain(res, 400, 'missing task id\n');
      return;
    }
    if (!isTaskId(taskId)) {
      plain(res, 400, 'the task id must be a UUID\n');
      return;
    }
    const id = taskId;
    if (authorize === undefined) {
      stream(id, res);
      return;
    }
    let gone = false;
    const onClose = (): void => {
      gone = true;
    };
    res.once('close', onClose);
    const decide = (allowed: boolean): void => {
      res.off('close', onClose);
      if (gone || res.destroyed) return;
      if (allowed) stream(id, res);
      else plain(res, 403, 'not allowed to follow this task\n');
    };
    let verdict: boolean | Promise<boolean>;
    try {
      verdict = authorize(id, req);
    } catch {
      decide(false);
      return;
    }
    if (typeof verdict === 'boolean') decide(verdict);
    else
      Promise.resolve(verdict)
        .then(
          (v) => decide(v === true),
          () => decide(false),
        )
        .catch(() => {
          if (!res.destroyed) res.destroy();
        });
  };
}
