import { TaskStatusError, type TaskStatusErrorOptions } from '../../index.js';

/**
 * The Redis hub could not reach Redis (connection refused or lost, a command timed out, the hub
 * was closed) while following a task, and the hub was created with `onUnavailable: 'fail'`.
 * `cause` holds the Redis client's error. With the default `onUnavailable: 'fallback'` the task
 * is polled locally instead and a `hub-fallback` event is reported on the client's `events$`.
 *
 * @example
 * ```ts
 * client.status$(taskId).subscribe({
 *   error: (e) => { if (isRedisUnavailableError(e)) alert('status service degraded') },
 * })
 * ```
 */
export class RedisUnavailableError extends TaskStatusError {
  override readonly name = 'RedisUnavailableError';

  constructor(message: string, options: TaskStatusErrorOptions = {}) {
    super(message, options);
  }
}

/**
 * True when `error` is a {@link RedisUnavailableError}.
 *
 * @example
 * ```ts
 * if (isRedisUnavailableError(error)) metrics.increment('redis.unavailable')
 * ```
 */
export function isRedisUnavailableError(error: unknown): error is RedisUnavailableError {
  return error instanceof RedisUnavailableError;
}
