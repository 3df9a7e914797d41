/**
 * `factpulse-rx/redis`: a Redis hub so that a fleet of Node processes polls each task once
 * (`createRedisTaskHub`, used as `createTaskClient({ hub })`). Needs the optional peer dependency
 * `ioredis` (^5) and Redis ≥ 6.2.
 *
 * @example
 * ```ts
 * import { createRedisTaskHub } from 'factpulse-rx/redis'
 * const client = createTaskClient({ token, hub: createRedisTaskHub({ redis: process.env.REDIS_URL! }) })
 * ```
 *
 * @module factpulse-rx/redis
 */
export { createRedisTaskHub, type RedisTaskHub, type RedisTaskHubStats } from './create-redis-task-hub.js';
export type { RedisTaskHubOptions, RedisUnavailablePolicy } from './redis-task-hub-options.js';
export { RedisUnavailableError, isRedisUnavailableError } from './redis-unavailable-error.js';
export type { TaskHub, TaskHubBudget, TaskHubBudgetLimit, TaskHubContext, TaskHubEvent } from '../../index.js';
