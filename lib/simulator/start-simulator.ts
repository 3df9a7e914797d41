import { createServer, type Server } from 'node:http';
import type { Socket } from 'node:net';
import { canonicalUuid, createRequestHandler } from './server.js';
import { createRequestLog, type RequestLogEntry, type TaskStats } from './request-log.js';
import { normaliseSimulatorOptions, type SimulatorCredentials, type SimulatorOptions } from './simulator-options.js';
import { createTaskRegistry, SubmissionError, type SubmitRequest } from './task-registry.js';
import { createTokenStore } from './token-store.js';
import { createWebhookSender, type WebhookEvent } from './webhook-sender.js';
import { snapshotAt } from './lifecycle.js';
import { checkNumber } from '../option-checks.js';

/**
 * A running simulator (see {@link startSimulator}).
 *
 * @example
 * ```ts
 * const sim = await startSimulator({ durationMs: 200 })
 * const { taskId } = await sim.submit({ outcome: 'success' })
 * taskStatus$(taskId, { baseUrl: sim.url, token: sim.token }).subscribe(console.log)
 * ```
 */
export interface Simulator {
  /** Base URL, e.g. `http://127.0.0.1:53211` (no trailing slash): pass it as `baseUrl`. */
  readonly url: string;
  /** The port the server listens on. */
  readonly port: number;
  /** The seed in use (pass it back as `seed` to replay a run). */
  readonly seed: number | string;
  /** A valid access token, issued at start (it expires after `tokenTtlMs` like any other). */
  readonly token: string;
  /** The first accepted login, for code that fetches its own tokens from `POST /api/token/`. */
  readonly credentials: SimulatorCredentials;
  /** The key the webhooks are signed with. */
  readonly webhookSecret: string;
  /** Submits a task, as `POST /api/v1/processing/generate-invoice` does; rejects with a `TypeError` naming a bad field. */
  submit(request?: SubmitRequest): Promise<{ taskId: string }>;
  /** Issues an access token; `ttlMs` overrides `tokenTtlMs` (`0` gives an already expired token). */
  createToken(options?: { ttlMs?: number }): string;
  /** Counters for a task id (zeros for an id never requested). */
  stats(taskId: string): TaskStats;
  /** The request log, oldest first (a copy). Holds no token and no body. */
  readonly log: readonly RequestLogEntry[];
  /** Stops the server: destroys open connections, aborts webhooks, clears every timer. */
  close(): Promise<void>;
}

/**
 * Starts a FactPulse-compatible HTTP server on 127.0.0.1 for demos and tests: token endpoints,
 * task submission, the task-status endpoint with simulated lifecycles, signed webhooks and
 * seeded fault injection. Resolves once it listens.
 *
 * Endpoints: `POST /api/token/`, `POST /api/token/refresh/`,
 * `POST /api/v1/processing/generate-invoice`, `GET /api/v1/processing/tasks/{task_id}/status`.
 * A request header `x-simulator-fault: <kind>` forces one fault on that request.
 *
 * @example
 * ```ts
 * const sim = await startSimulator({ seed: 7, durationMs: 300 })
 * afterAll(() => sim.close())
 * const { taskId } = await sim.submit({ outcome: 'rejected' })
 * // … run the code under test against sim.url with sim.token …
 * expect(sim.stats(taskId).requests).toBeLessThan(10)
 * ```
 */
export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const settings = normaliseSimulatorOptions(options);
  const tokens = createTokenStore({ accessTtlMs: settings.tokenTtlMs, refreshTtlMs: settings.refreshTtlMs });
  const log = createRequestLog(settings.maxLogEntries, settings.onRequest);
  const webhooks = createWebhookSender(settings.webhookSecret);
  const tasks = createTaskRegistry(settings, (task) => {
    if (task.callbackUrl === undefined) return;
    // The terminal state as planned: the timer may fire a millisecond before the clock agrees.
    const snapshot = snapshotAt(task.plan, task.plan.durationMs);
    const rejected = typeof snapshot.result === 'object' && snapshot.result !== null && (snapshot.result as { status?: unknown }).status === 'ERROR';
    const event: WebhookEvent = {
      event_type: snapshot.status === 'SUCCESS' && !rejected ? 'generation.completed' : 'generation.failed',
      created_at: new Date().toISOString(),
      data: { taskId: task.taskId, status: snapshot.status, result: snapshot.result },
    };
    webhooks.send(task.callbackUrl, event, (delivery) => {
      const c = log.counters(task.taskId);
      c.webhooks.push(delivery.status === undefined ? { error: delivery.error ?? 'failed' } : { status: delivery.status });
      settings.onWebhook?.(delivery);
    });
  });
  const handler = createRequestHandler({ settings, tokens, tasks, log });

  const server: Server = createServer({ keepAlive: true }, handler);
  server.keepAliveTimeout = 5000;
  const sockets = new Set<Socket>();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(settings.port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : settings.port;
  const url = `http://127.0.0.1:${port}`;
  const user = settings.credentials[0] ?? { username: 'demo', password: 'demo' };
  let closing: Promise<void> | undefined;

  return {
    url,
    port,
    seed: settings.seed,
    token: tokens.issueAccess(user.username),
    credentials: user,
    webhookSecret: settings.webhookSecret,
    async submit(request) {
      try {
        return { taskId: tasks.submit(request).taskId };
      } catch (error) {
        if (error instanceof SubmissionError) {
          throw new TypeError(`submit: ${error.loc.slice(1).join('.') || 'request'}: ${error.message.slice(error.loc.join('.').length + 2)}`, { cause: error });
        }
        throw error;
      }
    },
    createToken(tokenOptions = {}) {
      const { ttlMs } = tokenOptions;
      checkNumber('createToken: ttlMs', ttlMs);
      return tokens.issueAccess(user.username, ttlMs);
    },
    stats(rawTaskId) {
      const taskId = canonicalUuid(rawTaskId) ?? rawTaskId;
      const c = log.peek(taskId);
      const task = tasks.get(taskId);
      return {
        requests: c?.requests ?? 0,
        served: c?.served ?? 0,
        faults: c?.faults ?? 0,
        unauthorized: c?.unauthorized ?? 0,
        byStatus: { ...c?.byStatus },
        celeryStatus: tasks.snapshot(taskId).status,
        known: task !== undefined,
        webhooks: c?.webhooks.slice() ?? [],
      };
    },
    get log() {
      return log.entries();
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        tasks.close();
        handler.close();
        webhooks.close();
        server.close(() => resolve());
        server.closeAllConnections();
        for (const socket of sockets) socket.destroy();
      });
      return closing;
    },
  };
}
