import type { PollContext, PollOutcome } from './poll-schedule.js';
import { RANDOM_RULE, checkFunction, checkNumber, checkObject, failOption } from '../option-checks.js';
import { LruCache } from '../client/lru-cache.js';
import { draw } from './draw.js';

/**
 * Options of {@link decorrelatedJitterSchedule}.
 *
 * @example
 * ```ts
 * const config: DecorrelatedJitterScheduleConfig = { base: 1000, max: 10_000, random: seededRandom }
 * ```
 */
export interface DecorrelatedJitterScheduleConfig {
  /**
   * The shortest wait and the starting point, in ms (> 0).
   * @default 1000
   */
  readonly base?: number;
  /**
   * The longest wait, in ms (≥ `base`).
   * @default 10000
   */
  readonly max?: number;
  /**
   * The random source, returning numbers in [0, 1). Pass a seeded one for reproducible waits.
   * @default Math.random
   */
  readonly random?: () => number;
  /**
   * How many tasks' last waits are remembered at once; past it the least recently polled task is
   * forgotten (it then starts again from `base`). Bounds memory when tasks are abandoned without
   * reaching a terminal phase.
   * @default 10000
   */
  readonly maxTasks?: number;
}

/**
 * A `PollSchedule` with AWS "decorrelated jitter" waits, one chain per task.
 *
 * @example
 * ```ts
 * const schedule: DecorrelatedJitterSchedule = decorrelatedJitterSchedule()
 * schedule.tracked // tasks whose last wait is remembered
 * ```
 */
export interface DecorrelatedJitterSchedule {
  /** `min(max, random_between(base, previous × 3))` for this task. */
  next(context: PollContext): number;
  /** Forgets the task's chain. */
  complete(outcome: PollOutcome): void;
  /** How many tasks' chains are held (≤ `maxTasks`). */
  readonly tracked: number;
}

/**
 * AWS's "decorrelated jitter" backoff as a poll schedule: each wait is
 * `min(max, random_between(base, previous × 3))`, the first one's `previous` being `base`. Waits
 * grow roughly ×2 per poll on average while staying spread out, so many tasks submitted together
 * do not poll in lockstep.
 *
 * The chain is state, kept per task: the schedule remembers each task's last wait, keyed by
 * `context.taskId`, and drops it when the task completes (`complete`), when the same id is polled
 * afresh (its poll count goes back down), or when more than `maxTasks` tasks are held (least
 * recently polled first). So one instance may pace any number of tasks, and its memory is bounded.
 * Given the same sequence of calls and the same `random`, it returns the same waits.
 *
 * @throws TypeError naming the option when `base` is not a finite number > 0, `max < base`,
 * `random` is not a function, or `maxTasks` is not an integer ≥ 1.
 *
 * @example
 * ```ts
 * const interval = decorrelatedJitterSchedule({ base: 1000, max: 10_000 })
 * const client = createTaskClient({ token, interval })
 * ```
 */
export function decorrelatedJitterSchedule(config: DecorrelatedJitterScheduleConfig = {}): DecorrelatedJitterSchedule {
  const owner = 'decorrelatedJitterSchedule';
  checkObject(`${owner}: options`, config);
  const { base = 1000, max = 10_000, random = Math.random, maxTasks = 10_000 } = config;
  checkNumber(`${owner}: base`, base, { above: true, required: true });
  checkNumber(`${owner}: max`, max, { above: true, required: true });
  if (max < base) failOption(`${owner}: max`, `≥ base (${base})`, max);
  checkFunction(`${owner}: random`, random, RANDOM_RULE);
  checkNumber(`${owner}: maxTasks`, maxTasks, { min: 1, integer: true, required: true });

  /** taskId → the last wait and the poll count it was given at; the least recently polled dropped first. */
  const chains = new LruCache<{ readonly previous: number; readonly polls: number }>(maxTasks);

  return {
    next({ taskId, polls }) {
      const held = chains.peek(taskId);
      // A poll count that did not grow means the id is being followed afresh: restart the chain.
      const previous = held !== undefined && polls > held.polls ? held.previous : base;
      const wait = Math.min(max, base + draw(random) * (previous * 3 - base));
      chains.set(taskId, { previous: wait, polls });
      return wait;
    },
    complete({ taskId }) {
      chains.delete(taskId);
    },
    get tracked() {
      return chains.size();
    },
  };
}
