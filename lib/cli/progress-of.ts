import type { TaskState } from '../transitions.js';

/** A task's reported progress, as the command shows it. @internal */
export interface ProgressView {
  readonly current: number;
  readonly total: number;
  /** `current / total`, clamped to [0, 1]. */
  readonly ratio: number;
}

const isCount = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);

/**
 * The progress a state carries: its `progress` (the core's normalised `{ current, total, ratio }`)
 * or, failing that, Celery's conventional `meta.current` / `meta.total` numbers. `undefined`
 * when the task reports none (or `total` is not positive).
 *
 * @internal
 * @example
 * ```ts
 * progressOf({ phase: 'started', status: 'PROGRESS', meta: { current: 3, total: 10 } }) // { current: 3, total: 10, ratio: 0.3 }
 * ```
 */
export function progressOf(state: TaskState): ProgressView | undefined {
  if (state.phase !== 'started' && state.phase !== 'retrying') return undefined;
  const source: unknown = state.progress ?? state.meta;
  if (typeof source !== 'object' || source === null) return undefined;
  const { current, total } = source as { current?: unknown; total?: unknown };
  if (!isCount(current) || !isCount(total) || total <= 0) return undefined;
  return { current, total, ratio: Math.min(1, Math.max(0, current / total)) };
}

/**
 * `3/10` — the progress as the live line and the log show it.
 *
 * @internal
 */
export function formatProgress(progress: ProgressView): string {
  return `${progress.current}/${progress.total}`;
}
