import type { Redis } from 'ioredis';
import { asyncScheduler, type SchedulerLike } from 'rxjs';
import { RANDOM_RULE, checkFunction, checkNumber, checkScheduler, failOption } from '../../index.js';

/**
 * What the hub does with a task when Redis cannot be reached: `'fallback'` polls the task in
 * this process as if there were no hub (reported as a `hub-fallback` event on the client's
 * `events$`); `'fail'` errors the task's stream with `RedisUnavailableError` (also reported).
 *
 * @example
 * ```ts
 * createRedisTaskHub({ redis: process.env.REDIS_URL, onUnavailable: 'fail' })
 * ```
 */
export type RedisUnavailablePolicy = 'fallback' | 'fail';

/**
 * Options of `createRedisTaskHub`. Only `redis` is required.
 *
 * @example
 * ```ts
 * createRedisTaskHub({ redis: 'redis://cache.internal:6379', keyPrefix: 'billing:tasks:', leaseMs: 10_000 })
 * ```
 */
export interface RedisTaskHubOptions {
  /**
   * Where Redis is: a URL (`redis://[user:password@]host:port[/db]`, `rediss://` for TLS), or an
   * ioredis 5 `Redis` instance you created (Sentinel, TLS or ACL settings, shared with the rest of
   * your app). The hub connects a URL lazily and closes it in `close()`; an instance you pass
   * stays yours (the hub only closes the subscriber connection it duplicates from it).
   */
  readonly redis: string | Redis;
  /**
   * Prefix of every key and channel the hub uses; processes that should share tasks use the same
   * prefix (and the same Redis database).
   * @default 'factpulse-rx:'
   */
  readonly keyPrefix?: string;
  /**
   * Lifetime of a task's lease in ms: the polling process renews it every `leaseMs / 3`; when it
   * dies, another follower takes over within about `leaseMs` of its last renewal.
   * @default 5000
   */
  readonly leaseMs?: number;
  /**
   * ms a task's transitions (the latest state, and the terminal one with its content) stay in
   * Redis after the last change or lease renewal, so any process that asks later gets them at
   * once, with no request to the API. Mind memory: a terminal state holds the invoice content.
   * @default 600000 (10 minutes)
   */
  readonly terminalTtlMs?: number;
  /**
   * ms a Redis command may take, or the connection may take to come up, before Redis counts as
   * unreachable (see `onUnavailable`).
   * @default 2000
   */
  readonly commandTimeout?: number;
  /**
   * What to do when Redis is unreachable.
   * @default 'fallback'
   */
  readonly onUnavailable?: RedisUnavailablePolicy;
  /**
   * The scheduler of the hub's timers: lease attempts, renewals, rejoining after an outage, the
   * fleet budget's waits and command timeouts. (Leases themselves expire in Redis's own clock.)
   * @default asyncScheduler
   */
  readonly scheduler?: SchedulerLike;
  /**
   * The random source of the hub's jitter (a function returning a number in [0, 1)).
   * @default Math.random
   */
  readonly random?: () => number;
}

/** @internal The options validated, with defaults filled in. */
export interface NormalisedRedisTaskHubOptions {
  readonly redis: string | Redis;
  readonly keyPrefix: string;
  readonly leaseMs: number;
  readonly terminalTtlMs: number;
  readonly commandTimeout: number;
  readonly onUnavailable: RedisUnavailablePolicy;
  readonly scheduler: SchedulerLike;
  readonly random: () => number;
}

/** @internal Defaults of {@link RedisTaskHubOptions}. */
export const REDIS_HUB_DEFAULTS = {
  keyPrefix: 'factpulse-rx:',
  leaseMs: 5000,
  terminalTtlMs: 600_000,
  commandTimeout: 2000,
  onUnavailable: 'fallback',
} as const;

/** True for what looks like an ioredis `Redis` instance (duck-typed, so two copies of ioredis both work). */
function isRedisInstance(value: unknown): value is Redis {
  if (typeof value !== 'object' || value === null) return false;
  const r = value as Record<string, unknown>;
  return typeof r['duplicate'] === 'function' && typeof r['evalsha'] === 'function' && typeof r['status'] === 'string';
}

/**
 * @internal Validates the options at call time with the library's option checks (a `TypeError`
 * `option: must be …, got …`) and fills in defaults. A string is never quoted, so a URL's
 * credentials never appear in a message.
 */
export function normaliseRedisTaskHubOptions(options: RedisTaskHubOptions): NormalisedRedisTaskHubOptions {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) failOption('options', 'an object', options);
  const { redis, keyPrefix, leaseMs, terminalTtlMs, commandTimeout, onUnavailable, scheduler, random } = options;
  checkScheduler('scheduler', scheduler);
  checkFunction('random', random, RANDOM_RULE);
  // A URL is never quoted (it may hold a password): only its kind is shown.
  if (typeof redis === 'string' ? !/^rediss?:\/\/[^\s]+$/.test(redis) : !isRedisInstance(redis)) {
    failOption('redis', 'a redis:// or rediss:// URL or an ioredis Redis instance', redis);
  }
  if (keyPrefix !== undefined && typeof keyPrefix !== 'string') failOption('keyPrefix', 'a string', keyPrefix);
  if (onUnavailable !== undefined && onUnavailable !== 'fallback' && onUnavailable !== 'fail') {
    failOption('onUnavailable', `'fallback' or 'fail'`, onUnavailable);
  }
  return {
    redis,
    keyPrefix: keyPrefix ?? REDIS_HUB_DEFAULTS.keyPrefix,
    leaseMs: checkNumber('leaseMs', leaseMs, { min: 30, integer: true }) ?? REDIS_HUB_DEFAULTS.leaseMs,
    terminalTtlMs: checkNumber('terminalTtlMs', terminalTtlMs, { min: 1, integer: true }) ?? REDIS_HUB_DEFAULTS.terminalTtlMs,
    commandTimeout: checkNumber('commandTimeout', commandTimeout, { min: 1, integer: true }) ?? REDIS_HUB_DEFAULTS.commandTimeout,
    onUnavailable: onUnavailable ?? REDIS_HUB_DEFAULTS.onUnavailable,
    scheduler: scheduler ?? asyncScheduler,
    random: random ?? Math.random,
  };
}
