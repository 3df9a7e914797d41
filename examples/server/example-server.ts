/**
 * Example: a Node server that submits invoices to FactPulse (here the offline simulator), follows
 * them with one task client, learns their end from FactPulse's signed webhooks, and pushes every
 * transition (progress updates included) to browsers over websockets; a succeeded task's PDF is a
 * download for the session that submitted it. `npm run example:server`, then open the printed URL.
 *
 * In your code the imports read `factpulse-rx`, `factpulse-rx/ws`, `factpulse-rx/webhook`,
 * `factpulse-rx/sse` and `factpulse-rx/simulator`; here they point at the sources so that the
 * example runs without a build.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { join } from 'node:path';
import { firstValueFrom } from 'rxjs';
import { WebSocketServer } from 'ws';
import { createTaskClient, type PollSchedule, type TaskClient } from '../../lib/index.js';
import { safetyNetSchedule } from '../../lib/schedules/safety-net-schedule.js';
import { attachTaskSocketServer } from '../../lib/adapters/ws/index.js';
import { taskEventsHandler } from '../../lib/adapters/sse/index.js';
import { createWebhookHandler } from '../../lib/adapters/webhook/index.js';
import { startSimulator, type Simulator } from '../../lib/simulator/index.js';

/** Options of {@link startExampleServer}. */
export interface ExampleServerOptions {
  /** Port on 127.0.0.1; 0 picks a free one. @default 0 */
  readonly port?: number;
  /** Poll interval (ms) while webhooks are not known to arrive. @default 1000 */
  readonly interval?: number;
  /** Poll interval (ms) while they arrive: polling is only the safety net then. @default 15000 */
  readonly safetyNet?: number;
  /** `PROGRESS` answers each simulated task reports while it runs (progress bars). @default 5 */
  readonly progressSteps?: number;
  /**
   * Keep polling every `interval` until a task ends, for its progress bar: FactPulse's webhooks
   * announce the end only, so progress is seen by polling alone. `false` slows polling to
   * `safetyNet` while webhooks arrive (fewer calls, an indeterminate bar).
   * @default true
   */
  readonly progress?: boolean;
}

/** A running example server. */
export interface ExampleServer {
  /** `http://127.0.0.1:<port>`: open it in a browser. */
  readonly url: string;
  readonly simulator: Simulator;
  readonly client: TaskClient;
  close(): Promise<void>;
}

const PUBLIC: Readonly<Record<string, { file: string; type: string }>> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/app.js': { file: 'app.js', type: 'text/javascript; charset=utf-8' },
  '/style.css': { file: 'style.css', type: 'text/css; charset=utf-8' },
  '/favicon.svg': { file: 'favicon.svg', type: 'image/svg+xml' },
};
const DOCUMENT_PATH = /^\/api\/tasks\/([0-9a-fA-F-]{36})\/document$/;
const SECURITY_HEADERS = {
  'content-security-policy': "default-src 'self'; connect-src 'self'; img-src 'self' data:; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};
const OUTCOMES = new Set(['success', 'rejected', 'failed']);
const MAX_JSON_BYTES = 4096;

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...SECURITY_HEADERS });
  res.end(text);
}

/** The session id from the `sid` cookie, if any. */
function sessionOf(req: IncomingMessage): string | undefined {
  const cookie = req.headers.cookie ?? '';
  const match = /(?:^|;\s*)sid=([0-9a-f]{32})(?:;|$)/.exec(cookie);
  return match?.[1];
}

function readJson(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_JSON_BYTES) {
        reject(new RangeError('body too large'));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      try {
        resolve(chunks.length === 0 ? {} : (JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown));
      } catch (error) {
        reject(error as Error);
      }
    });
    req.on('error', reject);
  });
}

/**
 * Starts the simulator and the example server on 127.0.0.1.
 *
 * @example
 * ```ts
 * const example = await startExampleServer({ port: 3000 })
 * console.log(`open ${example.url}`)
 * ```
 */
export async function startExampleServer(options: ExampleServerOptions = {}): Promise<ExampleServer> {
  const { port = 0, interval = 1000, safetyNet = 15_000, progressSteps = 5, progress = true } = options;
  const publicDir = join(__dirname, 'public');
  const files = new Map(Object.entries(PUBLIC).map(([path, { file, type }]) => [path, { body: readFileSync(join(publicDir, file)), type }]));

  // 1. FactPulse, offline: tasks take a few seconds and report their progress (Celery PROGRESS
  //    answers); webhooks are signed with its secret.
  const simulator = await startSimulator({ durationMs: 4000, progressSteps });

  // 2. Webhooks tell the schedule they work (it then polls only as a safety net) and, as hints,
  //    poll the task they name at once.
  //    With progress bars wanted, the pace stays `interval` (the webhook still ends a task at once).
  const schedule = safetyNetSchedule({ interval, safetyNet });
  const pace: PollSchedule = progress ? { next: () => interval, complete: (outcome) => schedule.complete(outcome) } : schedule;
  const webhook = createWebhookHandler({ secret: simulator.webhookSecret, onEvent: schedule.heard });
  const client = createTaskClient({ baseUrl: simulator.url, token: simulator.token, interval: pace, hints: webhook.events$ });

  /** Who submitted which task: a browser may only follow its own. */
  const owners = new Map<string, string>();
  const authorize = (taskId: string, req: IncomingMessage): boolean => {
    const sid = sessionOf(req);
    return sid !== undefined && owners.get(taskId.toLowerCase()) === sid;
  };
  const events = taskEventsHandler(client, { authorize, taskId: (req) => /^\/api\/tasks\/([^/]+)\/events$/.exec(req.url?.split('?')[0] ?? '')?.[1] });

  let selfUrl = '';
  const submit = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const sid = sessionOf(req);
    if (sid === undefined) return sendJson(res, 401, { error: 'no session: load the page first' });
    if (!(req.headers['content-type'] ?? '').startsWith('application/json')) return sendJson(res, 415, { error: 'send JSON' });
    let body: unknown;
    try {
      body = await readJson(req);
    } catch {
      return sendJson(res, 400, { error: 'the body must be JSON of at most 4 KiB' });
    }
    const { outcome, durationMs } = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
    if (outcome !== undefined && outcome !== 'random' && !(typeof outcome === 'string' && OUTCOMES.has(outcome))) {
      return sendJson(res, 400, { error: 'outcome must be success, rejected, failed or random' });
    }
    if (durationMs !== undefined && !(typeof durationMs === 'number' && Number.isFinite(durationMs) && durationMs >= 0 && durationMs <= 120_000)) {
      return sendJson(res, 400, { error: 'durationMs must be between 0 and 120000' });
    }
    // What your server does with FactPulse: POST the invoice with a callbackUrl for the webhook.
    const answer = await fetch(`${simulator.url}/api/v1/processing/generate-invoice`, {
      method: 'POST',
      headers: { authorization: `Bearer ${simulator.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        ...(outcome === undefined || outcome === 'random' ? {} : { outcome }),
        ...(durationMs === undefined ? {} : { durationMs }),
        callbackUrl: `${selfUrl}/webhooks/factpulse`,
      }),
    });
    const created = (await answer.json()) as { taskId?: string; task_id?: string };
    const taskId = created.taskId ?? created.task_id;
    if (!answer.ok || taskId === undefined) return sendJson(res, 502, { error: `submission failed (HTTP ${answer.status})` });
    owners.set(taskId.toLowerCase(), sid);
    sendJson(res, 202, { taskId });
  };

  // The document of a succeeded task, for its owner: result$ answers from the client's cache of
  // the terminal state (or polls once), and the bytes go out as a download.
  const download = async (req: IncomingMessage, res: ServerResponse, taskId: string): Promise<void> => {
    if (!authorize(taskId, req)) return sendJson(res, 404, { error: 'no such task' });
    let done;
    try {
      done = await firstValueFrom(client.result$(taskId));
    } catch (error) {
      return sendJson(res, 409, { error: `the task did not succeed (${error instanceof Error ? error.name : 'error'})` });
    }
    if (done.content === undefined) return sendJson(res, 404, { error: 'the task has no document' });
    const named = (done.result as { filename?: unknown }).filename;
    const filename = typeof named === 'string' && /^[\w.-]{1,100}$/.test(named) ? named : `${taskId}.pdf`;
    res.writeHead(200, {
      'content-type': 'application/pdf',
      'content-length': done.content.byteLength,
      'content-disposition': `attachment; filename="${filename}"`,
      'cache-control': 'private, no-store',
      ...SECURITY_HEADERS,
    });
    res.end(Buffer.from(done.content.buffer, done.content.byteOffset, done.content.byteLength));
  };

  const route = (req: IncomingMessage, res: ServerResponse): void => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const document = DOCUMENT_PATH.exec(path);
    if (document !== null && req.method === 'GET') {
      download(req, res, document[1] ?? '').catch(() => sendJson(res, 500, { error: 'internal error' }));
      return;
    }
    if (path === '/webhooks/factpulse') return webhook(req, res);
    if (path === '/api/invoices' && req.method === 'POST') {
      submit(req, res).catch(() => sendJson(res, 500, { error: 'internal error' }));
      return;
    }
    if (path.startsWith('/api/tasks/') && path.endsWith('/events')) return events(req, res);
    const file = files.get(path);
    if (file !== undefined && req.method === 'GET') {
      const headers: Record<string, string | number> = { 'content-type': file.type, 'content-length': file.body.length, 'cache-control': 'no-store', ...SECURITY_HEADERS };
      if (path === '/' && sessionOf(req) === undefined) headers['set-cookie'] = `sid=${randomBytes(16).toString('hex')}; HttpOnly; SameSite=Strict; Path=/`;
      res.writeHead(200, headers);
      res.end(file.body);
      return;
    }
    sendJson(res, 404, { error: 'not found' });
  };

  const server: Server = createServer(route);
  const sockets = new Set<Socket>();
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });

  // Listen first: a busy port is one rejected promise (EADDRINUSE), with the simulator and the
  // client stopped again, never an 'error' event that nobody listens to.
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    client.dispose();
    await simulator.close();
    throw error;
  }
  selfUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  // 3. Websockets on /ws: same-origin pages only (the cookie rides along), small frames.
  const wss = new WebSocketServer({
    server,
    path: '/ws',
    maxPayload: 16 * 1024,
    verifyClient: ({ origin, req }: { origin: string; req: IncomingMessage }) => origin === `http://${req.headers.host ?? ''}`,
  });
  const tasks = attachTaskSocketServer(wss, client, { authorize, heartbeatMs: 20_000 });

  let closing: Promise<void> | undefined;
  return {
    url: selfUrl,
    simulator,
    client,
    close() {
      closing ??= (async () => {
        tasks.close();
        for (const ws of wss.clients) ws.terminate();
        await new Promise<void>((resolve) => wss.close(() => resolve()));
        client.dispose();
        for (const s of sockets) s.destroy();
        await new Promise<void>((resolve) => server.close(() => resolve()));
        await simulator.close();
      })();
      return closing;
    },
  };
}
