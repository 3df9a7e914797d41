import { failureResult, rejectionResult, successResult } from './task-results.js';
import type { SeededRandom } from './seeded-random.js';

/**
 * How a simulated task ends: business success, business rejection, or Celery `FAILURE`.
 *
 * @example
 * ```ts
 * const outcome: TaskOutcome = 'rejected'
 * await sim.submit({ outcome })
 * ```
 */
export type TaskOutcome = 'success' | 'rejected' | 'failed';

/**
 * The Celery statuses the simulator reports.
 *
 * @example
 * ```ts
 * const status: SimulatedCeleryStatus = sim.stats(taskId).celeryStatus
 * ```
 */
export type SimulatedCeleryStatus = 'PENDING' | 'STARTED' | 'PROGRESS' | 'RETRY' | 'SUCCESS' | 'FAILURE';

/**
 * The Celery result of a simulated `PROGRESS` answer: the conventional `current` / `total` pair a
 * task passes to `update_state(state='PROGRESS', meta=…)`, plus a readable `stage`.
 *
 * @example
 * ```ts
 * const meta: SimulatedProgressMeta = { current: 2, total: 5, stage: 'rendering' }
 * ```
 */
export interface SimulatedProgressMeta {
  readonly current: number;
  readonly total: number;
  readonly stage: string;
}

/** What the status endpoint says of a task at one moment. @internal */
export interface TaskSnapshot {
  readonly status: SimulatedCeleryStatus;
  /** `null` while waiting or running; the business result or failure once terminal. */
  readonly result: unknown;
}

/** One step of a lifecycle: the status the task reports from `at` ms after submission. @internal */
export interface LifecycleStep {
  readonly at: number;
  readonly status: SimulatedCeleryStatus;
  /** The Celery result of a non-terminal step (`PROGRESS` meta, `RETRY` exception). */
  readonly meta?: unknown;
}

/** A task's whole life, fixed at submission. @internal */
export interface LifecyclePlan {
  readonly outcome: TaskOutcome;
  /** ms from submission to the terminal status. */
  readonly durationMs: number;
  /** Whether the task goes through `RETRY` on its way. */
  readonly retry: boolean;
  /** The steps in time order; the last one is terminal. */
  readonly steps: readonly LifecycleStep[];
  /** The Celery result once terminal. */
  readonly result: unknown;
}

/** What {@link planLifecycle} needs to know. @internal */
export interface LifecycleSpec {
  readonly outcome: TaskOutcome;
  /** ms from submission to the terminal status (0 gives a task that is done at once). */
  readonly durationMs: number;
  /** Go through `RETRY` (→ `STARTED` again) on the way. */
  readonly retry: boolean;
  /** The invoice number printed in the PDF of a success. */
  readonly invoiceNumber: string;
  /** `PROGRESS` answers in the (last) `STARTED` stretch, each with `{ current, total, stage }`; 0 for none. */
  readonly progressSteps?: number;
}

const RETRY_META = { exc_type: 'ConnectionError', exc_message: 'PDF renderer unavailable, retrying in a moment' };
const STAGES = ['validating', 'rendering', 'embedding XML', 'signing', 'archiving'];

/** The stage name shown for progress step `current` of `total`. */
function stageOf(current: number, total: number): string {
  return STAGES[Math.min(STAGES.length - 1, Math.floor(((current - 1) / total) * STAGES.length))] ?? 'working';
}

/**
 * `PROGRESS` steps 1…n evenly inside [from, to): the task reports `STARTED` first, then each step,
 * the last one a step before the terminal status.
 */
function progressSteps(from: number, to: number, n: number): LifecycleStep[] {
  const steps: LifecycleStep[] = [];
  for (let k = 1; k <= n; k++) {
    const meta: SimulatedProgressMeta = { current: k, total: n, stage: stageOf(k, n) };
    steps.push({ at: Math.round(from + ((to - from) * k) / (n + 1)), status: 'PROGRESS', meta });
  }
  return steps;
}

/**
 * Plans a task's lifecycle: `PENDING` for the first 30 % of `durationMs`, then `STARTED`, then
 * the terminal status at `durationMs`. With `retry`, `STARTED` at 20 %, `RETRY` at 45 %,
 * `STARTED` again at 65 %. With `progressSteps` n, the last `STARTED` stretch is cut in n + 1
 * equal parts: `STARTED`, then Celery-style `PROGRESS` answers `{ current: 1…n, total: n, stage }`.
 * The terminal result (PDF, AFNOR rejection or failure) is made now.
 *
 * @internal
 * @example
 * ```ts
 * const plan = planLifecycle({ outcome: 'success', durationMs: 1000, retry: false, invoiceNumber: 'INV-1' }, random)
 * snapshotAt(plan, 500).status // 'STARTED'
 * ```
 */
export function planLifecycle(spec: LifecycleSpec, random: SeededRandom): LifecyclePlan {
  const d = spec.durationMs;
  const n = spec.progressSteps ?? 0;
  const terminal: SimulatedCeleryStatus = spec.outcome === 'failed' ? 'FAILURE' : 'SUCCESS';
  const lastStart = Math.round(d * (spec.retry ? 0.65 : 0.3));
  const steps: LifecycleStep[] = spec.retry
    ? [
        { at: 0, status: 'PENDING' },
        { at: Math.round(d * 0.2), status: 'STARTED' },
        { at: Math.round(d * 0.45), status: 'RETRY', meta: RETRY_META },
        { at: lastStart, status: 'STARTED' },
        ...progressSteps(lastStart, d, n),
        { at: d, status: terminal },
      ]
    : [
        { at: 0, status: 'PENDING' },
        { at: lastStart, status: 'STARTED' },
        ...progressSteps(lastStart, d, n),
        { at: d, status: terminal },
      ];
  const result =
    spec.outcome === 'success'
      ? successResult(spec.invoiceNumber)
      : spec.outcome === 'rejected'
        ? rejectionResult(random)
        : failureResult(random);
  return { outcome: spec.outcome, durationMs: d, retry: spec.retry, steps, result };
}

/**
 * What the status endpoint reports `elapsedMs` after submission.
 *
 * @internal
 * @example
 * ```ts
 * snapshotAt(plan, plan.durationMs).status // 'SUCCESS' or 'FAILURE'
 * ```
 */
export function snapshotAt(plan: LifecyclePlan, elapsedMs: number): TaskSnapshot {
  let current: LifecycleStep = plan.steps[0] ?? { at: 0, status: 'PENDING' };
  for (const step of plan.steps) if (step.at <= elapsedMs) current = step;
  const last = plan.steps[plan.steps.length - 1];
  if (current === last) return { status: current.status, result: plan.result };
  return { status: current.status, result: current.meta ?? null };
}
