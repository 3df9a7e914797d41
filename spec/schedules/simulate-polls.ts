import type { PollSchedule } from '../../lib/schedules/poll-schedule.js';
import { resolveSchedule } from '../../lib/schedules/resolve-schedule.js';
import type { TaskState } from '../../lib/transitions.js';

/** One simulated task: when it shows `started` and when it ends (ms after subscribe). */
export interface SimulatedTask {
  readonly end: number;
  /** When the task starts running; `undefined`: it is reported `pending` until it ends. */
  readonly start?: number;
  readonly kind?: string;
  /**
   * The progress ratio the task reports at time `t` (ms after subscribe) while started, as
   * `meta: { current, total: 100 }` of a `PROGRESS` state; undefined: none (plain `STARTED`).
   */
  readonly progress?: (t: number) => number | undefined;
}

/** Requests and detection delays of a simulated run. */
export interface SimulationResult {
  readonly tasks: number;
  readonly requests: number;
  readonly requestsPerTask: number;
  /** Detection delays (ms from the real end to the response that showed it), sorted. */
  readonly delays: readonly number[];
  readonly p50: number;
  readonly p95: number;
}

/**
 * Follows `tasks` one after the other in virtual time the way the pipeline does: the first
 * request at subscribe (t = 0), then `next(ctx)` after each running response, `complete` at the
 * terminal one. Responses take `latency` ms. Every loop is bounded. Reusable by the benchmarks.
 *
 * @example
 * ```ts
 * const durations = Array.from({ length: 100 }, logNormal({ median: 8000, sigma: 0.7, seed: 1 }))
 * const { requestsPerTask, p50, p95 } = simulatePolls(adaptiveSchedule(), durations.map((end) => ({ end })))
 * ```
 */
export function simulatePolls(schedule: PollSchedule, tasks: readonly SimulatedTask[], latency = 0): SimulationResult {
  const resolved = resolveSchedule(schedule);
  const delays: number[] = [];
  let requests = 0;
  tasks.forEach((task, index) => {
    const taskId = `task-${index}`;
    let sent = 0; // time the request is sent
    let polls = 0;
    let phaseSince = 0;
    let phase: 'pending' | 'started' = 'pending';
    let startedAt: number | undefined;
    for (let guard = 0; guard < 100_000; guard += 1) {
      polls += 1;
      const at = sent + latency; // response time; the server answers as of `sent`
      if (sent >= task.end) {
        delays.push(at - task.end);
        resolved.complete({ taskId, phase: 'succeeded', elapsed: at, polls, startedAt, kind: task.kind });
        break;
      }
      const now = task.start !== undefined && sent >= task.start ? 'started' : 'pending';
      if (now !== phase) {
        phase = now;
        phaseSince = at;
        startedAt ??= at;
      }
      const state = stateAt(task, phase, sent);
      const wait = resolved.next({ taskId, polls, elapsed: at, phase, inPhase: at - phaseSince, state, kind: task.kind });
      sent = at + wait;
    }
    requests += polls;
  });
  delays.sort((a, b) => a - b);
  return {
    tasks: tasks.length,
    requests,
    requestsPerTask: requests / tasks.length,
    delays,
    p50: percentile(delays, 0.5),
    p95: percentile(delays, 0.95),
  };
}

/** The decoded state a response sent at `sent` carries. */
function stateAt(task: SimulatedTask, phase: 'pending' | 'started', sent: number): TaskState {
  if (phase === 'pending') return { phase, status: 'PENDING' };
  const ratio = task.progress?.(sent);
  if (ratio === undefined) return { phase, status: 'STARTED' };
  const current = Math.round(Math.min(1, Math.max(0, ratio)) * 100);
  const meta = { current, total: 100 };
  return { phase, status: 'PROGRESS', meta, progress: { current, total: 100, ratio: current / 100 } };
}

/**
 * Nearest-rank percentile of sorted values.
 *
 * @example
 * ```ts
 * percentile([1, 2, 3, 4], 0.5) // 2
 * ```
 */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1));
  return sorted[rank] ?? NaN;
}
