/**
 * factpulse-rx — RxJS streams that follow FactPulse (and any Celery-style) asynchronous tasks
 * from submission to a typed, decoded result.
 *
 * @module factpulse-rx
 */
export { taskStatus$ } from './task-status.js';
export type { TaskStatusOptions, TaskRetryOptions, FetchLike } from './options.js';
export { isTaskId, assertTaskId } from './options.js';
export {
  describeOptionValue,
  optionError,
  failOption,
  checkNumber,
  checkFunction,
  checkBoolean,
  checkObject,
  checkScheduler,
  checkObservable,
  RANDOM_RULE,
  type NumberRule,
} from './option-checks.js';
export {
  isTerminal,
  type TaskPhase,
  type TaskState,
  type TaskTransition,
  type TaskTransitionOf,
  type TaskProgress,
  type TaskSucceeded,
  type TaskPendingState,
  type TaskStartedState,
  type TaskRetryingState,
  type TaskSucceededState,
  type TaskRejectedState,
  type TaskFailedState,
  type SuccessResult,
  type RejectionDetails,
  type FailureDetails,
} from './transitions.js';
export type { PollEvent, TaskRequestInfo, TaskRequestInterceptor } from './poll-events.js';
export {
  toTransitionJson,
  encodeTransition,
  decodeTransition,
  type TransitionJson,
  type TransitionJsonOptions,
  type TaskStateJson,
} from './transition-wire.js';
export {
  encodeTransitionFrame,
  errorFrame,
  adapterErrorFrame,
  completeFrame,
  subscribeTaskFrames,
  type TaskFrame,
  type TaskFrameSink,
  type TransitionFrame,
  type ErrorFrame,
  type CompleteFrame,
  type AdapterErrorName,
} from './task-frame.js';

export * from './codecs/index.js';
export * from './errors/index.js';

export type { Transport, TransportRequest, TransportResponse } from './http/transport.js';
export {
  createFetchTransport,
  type FetchTransportOptions,
  type FetchFunction,
  type FetchRequestInit,
  type FetchResponse,
  type FetchAgent,
} from './http/fetch-transport.js';
export type { TokenSource, TokenContext } from './http/auth.js';
export { redactAuthorization } from './http/redact-token.js';
export { BoundedBytes } from './http/bounded-bytes.js';
export { parseRetryAfter, type RetryAfterHeaders, type HeadersLike, type HeaderValue } from './http/retry-after.js';

export { retryBackoff, type RetryBackoffConfig } from './operators/retry-backoff.js';
export { intervalBackoff, type IntervalBackoffConfig } from './operators/interval-backoff.js';
export { exponentialBackoffDelay, applyJitter, type Jitter } from './operators/backoff-delay.js';

export type { PollSchedule, PollContext, PollOutcome } from './schedules/poll-schedule.js';
export type { DurationHistogram } from './schedules/duration-histogram.js';
export { constantSchedule, type ConstantSchedule } from './schedules/constant-schedule.js';
export { exponentialSchedule, type ExponentialSchedule, type ExponentialScheduleConfig } from './schedules/exponential-schedule.js';
export {
  decorrelatedJitterSchedule,
  type DecorrelatedJitterSchedule,
  type DecorrelatedJitterScheduleConfig,
} from './schedules/decorrelated-jitter-schedule.js';
export {
  adaptiveSchedule,
  type AdaptiveSchedule,
  type AdaptiveScheduleConfig,
  type AdaptiveScheduleStats,
} from './schedules/adaptive-schedule.js';

export { safetyNetSchedule, type SafetyNetSchedule, type SafetyNetScheduleConfig } from './schedules/safety-net-schedule.js';

export { createTaskClient, type TaskClient, type TaskClientStats } from './task-client.js';
export { checkTaskClientOptions, type TaskClientOptions } from './client/task-client-options.js';
export type { TaskClientEvent } from './client/task-client-event.js';
export type { TaskHub, TaskHubBudget, TaskHubBudgetLimit, TaskHubContext, TaskHubEvent } from './client/task-hub.js';
export type { RetryBudgetOptions } from './client/retry-budget.js';
export { followTasks, type TaskStatusSource } from './client/follow.js';
export { hintTaskId } from './client/hint-task-id.js';
export { TaskClientDisposedError, isTaskClientDisposedError } from './client/task-client-disposed-error.js';
export { LruCache } from './client/lru-cache.js';
export { monotonicClock } from './client/monotonic-clock.js';
