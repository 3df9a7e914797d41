import { createFaultSource, normaliseFaults, type FaultOptions, type FaultSource } from './faults.js';
import { planLifecycle, snapshotAt, type LifecyclePlan, type TaskOutcome, type TaskSnapshot } from './lifecycle.js';
import { createSeededRandom } from './seeded-random.js';
import { isProgressSteps, type SimulatorSettings } from './simulator-options.js';
import { isLoopbackUrl } from './webhook-sender.js';

/**
 * A submission to `POST /api/v1/processing/generate-invoice` (or `simulator.submit`). Every field
 * is optional; the invoice data a real client sends is accepted and ignored.
 *
 * @example
 * ```ts
 * await sim.submit({ outcome: 'rejected', durationMs: 200 })
 * ```
 */
export interface SubmitRequest {
  /** How the task ends. @default drawn from the simulator's `outcomes` mix */
  readonly outcome?: TaskOutcome;
  /** ms to the terminal status (scaled by the simulator's `timeScale`). @default the simulator's `durationMs` */
  readonly durationMs?: number;
  /** Whether the task goes through `RETRY`. @default drawn at the simulator's `retryRate` */
  readonly retry?: boolean;
  /** `PROGRESS` answers before the end (`{ current: 1…n, total: n, stage }`); 0 for none. @default the simulator's `progressSteps` */
  readonly progressSteps?: number;
  /** The number printed in the PDF. @default `INV-<year>-<sequence>` */
  readonly invoiceNumber?: string;
  /** A loopback `http:` URL to POST the signed result to once the task is terminal. */
  readonly callbackUrl?: string;
  /** Faults for this task's status requests, replacing the simulator's. */
  readonly faults?: FaultOptions;
  readonly [field: string]: unknown;
}

/** A submission that does not fit {@link SubmitRequest}; `loc` is its FastAPI location. @internal */
export class SubmissionError extends TypeError {
  override readonly name = 'SubmissionError';
  readonly loc: readonly string[];
  constructor(loc: readonly string[], message: string) {
    super(`${loc.join('.')}: ${message}`);
    this.loc = loc;
  }
}

/** A submitted task. @internal */
export interface SimulatedTask {
  readonly taskId: string;
  readonly plan: LifecyclePlan;
  readonly submittedAt: number;
  readonly invoiceNumber: string;
  readonly callbackUrl: string | undefined;
  /** The task's own faults, when its submission asked for some. */
  readonly faults: FaultSource | undefined;
}

/** The simulator's tasks. @internal */
export interface TaskRegistry {
  submit(body: unknown): SimulatedTask;
  get(taskId: string): SimulatedTask | undefined;
  /** The task's state now; `PENDING` for ids never submitted (as Celery). */
  snapshot(taskId: string): TaskSnapshot;
  /** Clears every pending timer. */
  close(): void;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Creates the {@link TaskRegistry}: validates submissions, plans each lifecycle from the seeded
 * random source, and calls `onTerminal` when a task with a `callbackUrl` reaches its end.
 *
 * @internal
 */
export function createTaskRegistry(settings: SimulatorSettings, onTerminal: (task: SimulatedTask) => void): TaskRegistry {
  const random = createSeededRandom(settings.seed).fork('tasks');
  const tasks = new Map<string, SimulatedTask>();
  const timers = new Set<ReturnType<typeof setTimeout>>();
  const totalWeight = settings.outcomes.reduce((sum, [, w]) => sum + w, 0);
  let sequence = 0;

  const drawOutcome = (): TaskOutcome => {
    let r = random.next() * totalWeight;
    for (const [outcome, weight] of settings.outcomes) {
      if (r < weight) return outcome;
      r -= weight;
    }
    return 'success';
  };

  return {
    submit(body) {
      if (body === undefined || body === null) body = {};
      if (!isRecord(body)) throw new SubmissionError(['body'], 'must be a JSON object');
      const { outcome, durationMs, retry, invoiceNumber, callbackUrl, faults, progressSteps } = body;
      if (outcome !== undefined && outcome !== 'success' && outcome !== 'rejected' && outcome !== 'failed') {
        throw new SubmissionError(['body', 'outcome'], "must be 'success', 'rejected' or 'failed'");
      }
      if (durationMs !== undefined && !(typeof durationMs === 'number' && Number.isFinite(durationMs) && durationMs >= 0)) {
        throw new SubmissionError(['body', 'durationMs'], 'must be a non-negative number of ms');
      }
      if (progressSteps !== undefined && !isProgressSteps(progressSteps)) throw new SubmissionError(['body', 'progressSteps'], 'must be an integer between 0 and 100');
      if (retry !== undefined && typeof retry !== 'boolean') throw new SubmissionError(['body', 'retry'], 'must be a boolean');
      if (invoiceNumber !== undefined && (typeof invoiceNumber !== 'string' || invoiceNumber.length === 0 || invoiceNumber.length > 100)) {
        throw new SubmissionError(['body', 'invoiceNumber'], 'must be a string of 1 to 100 characters');
      }
      if (callbackUrl !== undefined && (typeof callbackUrl !== 'string' || !isLoopbackUrl(callbackUrl))) {
        throw new SubmissionError(['body', 'callbackUrl'], 'must be an http:// URL on this machine (127.0.0.1, ::1 or localhost): the simulator calls back nowhere else');
      }
      let faultSettings;
      try {
        faultSettings = faults === undefined ? undefined : normaliseFaults(faults, 'faults');
      } catch (error) {
        throw new SubmissionError(['body', 'faults'], (error as Error).message);
      }

      // Draw everything on every submission so task n is the same whatever earlier bodies asked.
      const taskId = random.uuid();
      const drawnOutcome = drawOutcome();
      const drawnRetry = random.next() < settings.retryRate;
      sequence++;
      const number = (invoiceNumber as string | undefined) ?? `INV-${new Date().getFullYear()}-${String(sequence).padStart(4, '0')}`;
      const plan = planLifecycle(
        {
          outcome: (outcome as TaskOutcome | undefined) ?? drawnOutcome,
          durationMs: Math.round(((durationMs as number | undefined) ?? settings.durationMs) * settings.timeScale),
          retry: (retry as boolean | undefined) ?? drawnRetry,
          invoiceNumber: number,
          progressSteps: (progressSteps as number | undefined) ?? settings.progressSteps,
        },
        random.fork(taskId),
      );
      const task: SimulatedTask = {
        taskId,
        plan,
        submittedAt: Date.now(),
        invoiceNumber: number,
        callbackUrl: callbackUrl as string | undefined,
        faults: faultSettings === undefined ? undefined : createFaultSource(faultSettings, taskId, settings.seed),
      };
      tasks.set(taskId, task);
      if (task.callbackUrl !== undefined) {
        const timer = setTimeout(() => {
          timers.delete(timer);
          onTerminal(task);
        }, plan.durationMs);
        timers.add(timer);
      }
      return task;
    },
    get: (taskId) => tasks.get(taskId),
    snapshot(taskId) {
      const task = tasks.get(taskId);
      return task === undefined ? { status: 'PENDING', result: null } : snapshotAt(task.plan, Date.now() - task.submittedAt);
    },
    close() {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
    },
  };
}
