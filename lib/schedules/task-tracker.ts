import { LruCache } from '../client/lru-cache.js';
import type { PollContext } from './poll-schedule.js';
import { addProgressSample, progressRatio, type ProgressSample } from './progress-estimate.js';

const { max } = Math;
const isFiniteNumber = Number.isFinite;

/** @internal What a schedule remembers of one task between two of its polls. */
export interface Tracked {
  /** Last response (ms from subscribe) that showed the task running. */
  readonly alive: number;
  readonly polls: number;
  /** The wait returned after that response. */
  readonly wait: number;
  /** First response that showed `started`. */
  readonly startedAt: number | undefined;
  /** Progress reports (ratio > 0), when the task reports any. */
  readonly progress: readonly ProgressSample[];
  /** The last response before them that showed no progress (ms from subscribe; 0: subscribe). */
  readonly idleAt: number;
}

/** @internal One response of a task, read against what was remembered of it. */
export interface Observation {
  readonly taskId: string;
  /** ms from subscribe to this response (finite, ≥ 0). */
  readonly elapsed: number;
  /** What was remembered, unless the task is followed afresh (then `undefined`). */
  readonly held: Tracked | undefined;
  /** A response latency sample (ms) this response gives, if any. */
  readonly latency: number | undefined;
  readonly startedAt: number | undefined;
  readonly progress: readonly ProgressSample[];
  /** The progress ratio this response reported, if any. */
  readonly ratio: number | undefined;
  readonly idleAt: number;
}

/**
 * @internal The per-task memory of `adaptiveSchedule`: for each task, when it was last seen
 * running, when it started, its progress reports; at most `maxTasks` tasks, the least recently
 * polled forgotten first. `observe` reads a poll context against it (a poll count that did not
 * grow, or time that went back, means the id is followed afresh); `record` stores the result
 * with the wait chosen; `take` hands a finished task's memory over and forgets it.
 */
export class TaskTracker {
  private readonly tasks: LruCache<Tracked>;

  constructor(maxTasks: number) {
    this.tasks = new LruCache<Tracked>(maxTasks);
  }

  /** Tasks remembered. */
  get size(): number {
    return this.tasks.size();
  }

  observe(context: PollContext): Observation {
    const elapsed = isFiniteNumber(context.elapsed) ? max(0, context.elapsed) : 0;
    const remembered = this.tasks.peek(context.taskId);
    const fresh = remembered === undefined || !(context.polls > remembered.polls) || elapsed < remembered.alive;
    const held = fresh ? undefined : remembered;
    let latency: number | undefined;
    if (context.polls === 1) latency = elapsed;
    else if (held !== undefined && context.polls === held.polls + 1) latency = elapsed - held.alive - held.wait;
    let startedAt = held?.startedAt;
    if (startedAt === undefined && context.phase === 'started') {
      const inPhase = isFiniteNumber(context.inPhase) ? max(0, context.inPhase) : 0;
      const seen = max(0, elapsed - inPhase);
      // It started between the last response that showed it waiting and the first that showed it started.
      startedAt = held !== undefined && held.alive <= seen ? (held.alive + seen) / 2 : seen;
    }
    let progress = held?.progress ?? [];
    const ratio = context.phase === 'started' || context.phase === 'retrying' ? progressRatio(context.state) : undefined;
    if (ratio !== undefined) progress = addProgressSample(progress, elapsed, ratio);
    const idleAt =
      progress.length > 0 ? (held?.idleAt ?? 0) : ratio === undefined && context.phase !== 'pending' && held !== undefined ? held.idleAt : elapsed;
    return { taskId: context.taskId, elapsed, held, latency, startedAt, progress, ratio, idleAt };
  }

  record(observation: Observation, polls: number, wait: number): void {
    const { taskId, elapsed, startedAt, progress, idleAt } = observation;
    this.tasks.set(taskId, { alive: elapsed, polls, wait, startedAt, progress, idleAt });
  }

  take(taskId: string): Tracked | undefined {
    const held = this.tasks.peek(taskId);
    this.tasks.delete(taskId);
    return held;
  }
}
