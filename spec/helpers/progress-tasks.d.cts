/** How the reported progress of a simulated task evolves. */
export type ProgressKind = 'linear' | 'stall' | 'jump';

/** A simulated task that reports progress while it runs. */
export interface ProgressTask {
  /** When it starts running (ms after subscribe). */
  readonly start: number;
  /** When it ends. */
  readonly end: number;
  /** The progress ratio reported at `t` while it runs. */
  readonly progress: (t: number) => number;
}

/**
 * `n` progress-reporting tasks of one seed (the same for the specs and bench/schedules.mjs).
 *
 * @example
 * ```ts
 * const tasks = progressTasks(100, 1, 'stall')
 * ```
 */
export declare function progressTasks(n: number, seed: number, kind: ProgressKind): ProgressTask[];
