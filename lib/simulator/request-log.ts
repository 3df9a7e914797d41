import type { SimulatedCeleryStatus } from './lifecycle.js';
import type { AppliedFaultKind } from './faults.js';

/**
 * The simulator's routes, as the log names them.
 *
 * @example
 * ```ts
 * sim.log.filter((e) => e.route === 'status').length
 * ```
 */
export type SimulatorRoute = 'token' | 'refresh' | 'submit' | 'status' | 'other';

/**
 * What the simulator made of a request's `Authorization` header (never the token itself).
 *
 * @example
 * ```ts
 * expect(sim.log.every((e) => e.route !== 'status' || e.auth === 'valid')).toBe(true)
 * ```
 */
export type AuthVerdict = 'none' | 'valid' | 'expired' | 'invalid';

/**
 * One request as the simulator saw it. Holds no token and no request body.
 *
 * @example
 * ```ts
 * const resets = sim.log.filter((e) => e.status === 'reset').length
 * ```
 */
export interface RequestLogEntry {
  /** `Date.now()` when the request arrived. */
  readonly at: number;
  readonly method: string;
  /** The path, without the query string. */
  readonly path: string;
  readonly route: SimulatorRoute;
  /** The task the request concerned (status requests, and the task a submission created). */
  readonly taskId?: string;
  readonly auth: AuthVerdict;
  /** The HTTP status sent, or `'reset'` when the connection was destroyed. */
  readonly status: number | 'reset';
  /** The injected fault, if any. */
  readonly fault?: AppliedFaultKind;
  /** The Celery status reported, for a 200 status response. */
  readonly celeryStatus?: SimulatedCeleryStatus;
  /** ms from arrival to the answer (injected latency included). */
  readonly durationMs: number;
}

/**
 * Counters for one task id, from `sim.stats(taskId)`.
 *
 * @example
 * ```ts
 * expect(sim.stats(taskId)).toMatchObject({ requests: 4, faults: 1 })
 * ```
 */
export interface TaskStats {
  /** Status requests that named this id, whatever their fate (faults and 401s included). */
  readonly requests: number;
  /** Status requests answered 200 with the task's state. */
  readonly served: number;
  /** Status requests that got an injected fault. */
  readonly faults: number;
  /** Status requests refused for want of a valid token. */
  readonly unauthorized: number;
  /** Count of answers by HTTP status (`reset` for destroyed connections). */
  readonly byStatus: Readonly<Record<string, number>>;
  /** The Celery status the task reports now (`PENDING` for ids never submitted). */
  readonly celeryStatus: SimulatedCeleryStatus;
  /** Whether the id was submitted to this simulator. */
  readonly known: boolean;
  /** Webhook deliveries attempted for the task, with their HTTP status or error. */
  readonly webhooks: ReadonlyArray<{ readonly status?: number; readonly error?: string }>;
}

/** Mutable counters behind {@link TaskStats}. @internal */
export interface TaskCounters {
  requests: number;
  served: number;
  faults: number;
  unauthorized: number;
  byStatus: Record<string, number>;
  webhooks: Array<{ status?: number; error?: string }>;
}

/** The request log and the per-task counters. @internal */
export interface RequestLog {
  record(entry: RequestLogEntry): void;
  counters(taskId: string): TaskCounters;
  peek(taskId: string): TaskCounters | undefined;
  entries(): readonly RequestLogEntry[];
}

/**
 * Creates a {@link RequestLog} keeping the last `maxEntries` entries (older ones are dropped;
 * counters are kept for every task).
 *
 * @internal
 */
export function createRequestLog(maxEntries: number, onEntry?: (entry: RequestLogEntry) => void): RequestLog {
  const log: RequestLogEntry[] = [];
  const tasks = new Map<string, TaskCounters>();
  const counters = (taskId: string): TaskCounters => {
    let c = tasks.get(taskId);
    if (c === undefined) {
      c = { requests: 0, served: 0, faults: 0, unauthorized: 0, byStatus: {}, webhooks: [] };
      tasks.set(taskId, c);
    }
    return c;
  };
  return {
    record(entry) {
      log.push(entry);
      if (log.length > maxEntries) log.splice(0, log.length - maxEntries);
      if (entry.route === 'status' && entry.taskId !== undefined) {
        const c = counters(entry.taskId);
        c.requests++;
        const key = String(entry.status);
        c.byStatus[key] = (c.byStatus[key] ?? 0) + 1;
        if (entry.fault !== undefined) c.faults++;
        if (entry.status === 401) c.unauthorized++;
        if (entry.status === 200 && entry.celeryStatus !== undefined) c.served++;
      }
      onEntry?.(entry);
    },
    counters,
    peek: (taskId) => tasks.get(taskId),
    entries: () => log.slice(),
  };
}
