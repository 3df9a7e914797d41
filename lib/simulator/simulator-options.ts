import { randomInt } from 'node:crypto';
import { normaliseFaults, type FaultOptions, type FaultSettings } from './faults.js';
import type { RequestLogEntry } from './request-log.js';
import type { WebhookDelivery } from './webhook-sender.js';
import type { TaskOutcome } from './lifecycle.js';
import { failOption } from '../option-checks.js';

/**
 * A username and password `POST /api/token/` accepts.
 *
 * @example
 * ```ts
 * await startSimulator({ credentials: [{ username: 'alice', password: 's3cret' }] })
 * ```
 */
export interface SimulatorCredentials {
  readonly username: string;
  readonly password: string;
}

/**
 * Relative weights of the outcomes of tasks whose submission does not choose one.
 *
 * @example
 * ```ts
 * await startSimulator({ outcomes: { success: 1, rejected: 1, failed: 0 } }) // half rejected, none failed
 * ```
 */
export interface OutcomeMix {
  /** @default 0.7 */
  readonly success?: number;
  /** @default 0.2 */
  readonly rejected?: number;
  /** @default 0.1 */
  readonly failed?: number;
}

/**
 * Options of `startSimulator`. All optional.
 *
 * @example
 * ```ts
 * const sim = await startSimulator({ seed: 1, durationMs: 300, faults: { rate: 0.2 } })
 * ```
 */
export interface SimulatorOptions {
  /** TCP port on 127.0.0.1; 0 picks a free one (read it from `url`). @default 0 */
  readonly port?: number;
  /** Seed of task ids, outcomes, rejection details and faults. @default a random seed (see `seed` on the handle) */
  readonly seed?: number | string;
  /** Lifetime of access tokens in ms. @default 1_800_000 (30 minutes, as FactPulse) */
  readonly tokenTtlMs?: number;
  /** Lifetime of refresh tokens in ms. @default 86_400_000 */
  readonly refreshTtlMs?: number;
  /** ms from submission to the terminal status, when the submission does not say. @default 4000 */
  readonly durationMs?: number;
  /** Multiplies every lifecycle duration (those asked in submissions too); 0.1 runs ten times faster. @default 1 */
  readonly timeScale?: number;
  /** Probability that a task goes through `RETRY`, when the submission does not say. @default 0.25 */
  readonly retryRate?: number;
  /**
   * Celery-style `PROGRESS` answers (`{ current, total, stage }` in `result`, `current` 1…n) a
   * task reports in its last `STARTED` stretch, when the submission does not say; 0 for none
   * (`STARTED` until the end). The `simulate` and `demo` commands and the example server use 5.
   * @default 0
   */
  readonly progressSteps?: number;
  /** The outcome mix of tasks whose submission does not choose one. @default { success: 0.7, rejected: 0.2, failed: 0.1 } */
  readonly outcomes?: OutcomeMix;
  /** Fault injection on every task (a submission's own `faults` replace these for its task). @default no faults */
  readonly faults?: FaultOptions;
  /** Accepted logins. @default { username: 'demo', password: 'demo' } */
  readonly credentials?: SimulatorCredentials | readonly SimulatorCredentials[];
  /** Key of the webhooks' HMAC-SHA256 signature. @default 'factpulse-simulator-secret' */
  readonly webhookSecret?: string;
  /** Spelling of the task id in responses: `taskId` (current API) or `task_id` (older versions). @default 'taskId' */
  readonly taskIdField?: 'taskId' | 'task_id';
  /** How many log entries to keep (oldest dropped). @default 10_000 */
  readonly maxLogEntries?: number;
  /** Called with each log entry as it is written. */
  readonly onRequest?: (entry: RequestLogEntry) => void;
  /** Called after each webhook delivery attempt. */
  readonly onWebhook?: (delivery: WebhookDelivery) => void;
}

/** {@link SimulatorOptions} validated, defaults applied. @internal */
export interface SimulatorSettings {
  readonly port: number;
  readonly seed: number | string;
  readonly tokenTtlMs: number;
  readonly refreshTtlMs: number;
  readonly durationMs: number;
  readonly timeScale: number;
  readonly retryRate: number;
  readonly progressSteps: number;
  readonly outcomes: ReadonlyArray<readonly [TaskOutcome, number]>;
  readonly faults: FaultSettings;
  readonly credentials: readonly SimulatorCredentials[];
  readonly webhookSecret: string;
  readonly taskIdField: 'taskId' | 'task_id';
  readonly maxLogEntries: number;
  readonly onRequest: ((entry: RequestLogEntry) => void) | undefined;
  readonly onWebhook: ((delivery: WebhookDelivery) => void) | undefined;
}

/** A valid `progressSteps`: an integer in [0, 100]. @internal */
export const isProgressSteps = (value: unknown): value is number => Number.isInteger(value) && (value as number) >= 0 && (value as number) <= 100;

const nonNegative = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value) && value >= 0;

/**
 * Validates {@link SimulatorOptions}: a `TypeError` naming the bad option.
 *
 * @internal
 */
export function normaliseSimulatorOptions(options: SimulatorOptions = {}): SimulatorSettings {
  if (typeof options !== 'object' || options === null) failOption('startSimulator: options', 'an object', options);
  const {
    port = 0,
    seed = randomInt(0, 2 ** 31),
    tokenTtlMs = 30 * 60_000,
    refreshTtlMs = 24 * 60 * 60_000,
    durationMs = 4000,
    timeScale = 1,
    retryRate = 0.25,
    progressSteps = 0,
    outcomes = {},
    credentials = { username: 'demo', password: 'demo' },
    webhookSecret = 'factpulse-simulator-secret',
    taskIdField = 'taskId',
    maxLogEntries = 10_000,
    onRequest,
    onWebhook,
  } = options;
  if (!Number.isInteger(port) || port < 0 || port > 65535) failOption('port', 'a whole number between 0 and 65535', port);
  if (typeof seed !== 'number' && typeof seed !== 'string') failOption('seed', 'a number or a string', seed);
  if (!nonNegative(tokenTtlMs)) failOption('tokenTtlMs', 'a number of ms ≥ 0', tokenTtlMs);
  if (!nonNegative(refreshTtlMs)) failOption('refreshTtlMs', 'a number of ms ≥ 0', refreshTtlMs);
  if (!nonNegative(durationMs)) failOption('durationMs', 'a number of ms ≥ 0', durationMs);
  if (!nonNegative(timeScale)) failOption('timeScale', 'a number ≥ 0', timeScale);
  if (!nonNegative(retryRate) || retryRate > 1) failOption('retryRate', 'a number between 0 and 1', retryRate);
  if (!isProgressSteps(progressSteps)) failOption('progressSteps', 'a whole number between 0 and 100', progressSteps);
  if (typeof outcomes !== 'object' || outcomes === null) failOption('outcomes', 'an object of weights', outcomes);
  const mix: Array<readonly [TaskOutcome, number]> = [
    ['success', outcomes.success ?? 0.7],
    ['rejected', outcomes.rejected ?? 0.2],
    ['failed', outcomes.failed ?? 0.1],
  ];
  for (const [name, weight] of mix) if (!nonNegative(weight)) failOption(`outcomes.${name}`, 'a number ≥ 0', weight);
  if (mix.every(([, weight]) => weight === 0)) failOption('outcomes', 'an object giving at least one outcome a positive weight', outcomes);
  const logins = Array.isArray(credentials) ? credentials : [credentials];
  if (
    logins.length === 0 ||
    !logins.every((c: unknown) => typeof c === 'object' && c !== null && typeof (c as SimulatorCredentials).username === 'string' && typeof (c as SimulatorCredentials).password === 'string')
  ) {
    failOption('credentials', '{ username, password } or a non-empty list of them', credentials);
  }
  if (typeof webhookSecret !== 'string' || webhookSecret.length === 0) failOption('webhookSecret', 'a non-empty string', webhookSecret);
  if (taskIdField !== 'taskId' && taskIdField !== 'task_id') failOption('taskIdField', "'taskId' or 'task_id'", taskIdField);
  if (!Number.isInteger(maxLogEntries) || maxLogEntries < 0) failOption('maxLogEntries', 'a whole number ≥ 0', maxLogEntries);
  if (onRequest !== undefined && typeof onRequest !== 'function') failOption('onRequest', 'a function', onRequest);
  if (onWebhook !== undefined && typeof onWebhook !== 'function') failOption('onWebhook', 'a function', onWebhook);
  return {
    port,
    seed,
    tokenTtlMs,
    refreshTtlMs,
    durationMs,
    timeScale,
    retryRate,
    progressSteps,
    outcomes: mix,
    faults: normaliseFaults(options.faults, 'faults'),
    credentials: logins as SimulatorCredentials[],
    webhookSecret,
    taskIdField,
    maxLogEntries,
    onRequest,
    onWebhook,
  };
}
