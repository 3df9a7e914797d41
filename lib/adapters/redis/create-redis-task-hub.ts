import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { Observable, asyncScheduler, interval, type Subscription } from 'rxjs';
import { hintTaskId } from '../../client/hint-task-id.js';
import type { TaskHub, TaskHubContext } from '../../client/task-hub.js';
import type { TaskTransition } from '../../transitions.js';
import { assertTaskId } from '../../options.js';
import { hintsChannel, hubKeys } from './hub-keys.js';
import { RedisLink } from './redis-link.js';
import { normaliseRedisTaskHubOptions, type RedisTaskHubOptions } from './redis-task-hub-options.js';
import { decodeTransition, entryFields } from './stored-transition.js';
import { TaskFollow } from './task-follow.js';

/**
 * What `hub.stats()` reports: the tasks this hub follows now, by role.
 *
 * @example
 * ```ts
 * setInterval(() => metrics.gauge('factpulse.hub.polling', hub.stats().polling), 10_000)
 * ```
 */
export interface RedisTaskHubStats {
  /** Follows open now (one per task per client using the hub). */
  readonly following: number;
  /** Of those, the ones this process polls for the fleet (it holds their lease). */
  readonly polling: number;
  /** Of those, the ones polled locally because Redis was unreachable. */
  readonly local: number;
}

/**
 * A {@link TaskHub} backed by Redis (see {@link createRedisTaskHub}): pass it as
 * `createTaskClient({ hub })`. Close it when the process shuts down.
 *
 * @example
 * ```ts
 * const hub: RedisTaskHub = createRedisTaskHub({ redis: process.env.REDIS_URL! })
 * process.on('SIGTERM', () => void hub.close())
 * ```
 */
export interface RedisTaskHub extends TaskHub {
  /** Task ids sent with {@link RedisTaskHub.hint} by any process; the client polls them at once. */
  readonly hints: Observable<string>;
  /** Wraps one task's poll loop (the client calls it). */
  follow(taskId: string, poll$: Observable<TaskTransition>, context?: TaskHubContext): Observable<TaskTransition>;
  /**
   * Tells every process that `hint` (a task id, or an event naming one, such as a FactPulse
   * webhook) changed: the process polling it polls at once. Resolves `false` when `hint` names no
   * task; rejects when Redis is unreachable.
   */
  hint(hint: unknown): Promise<boolean>;
  /** The latest transition of `taskId` stored in Redis, or `undefined` (none, or expired). */
  latest(taskId: string): Promise<TaskTransition | undefined>;
  /** The tasks this hub follows now, by role. */
  stats(): RedisTaskHubStats;
  /**
   * Releases the leases held, waits for the releases, and closes the connections the hub opened
   * (an ioredis instance passed in stays open). Tasks still followed then behave as when Redis
   * is unreachable (`onUnavailable`). Idempotent.
   */
  close(): Promise<void>;
}

let hubCount = 0;

/**
 * Creates a hub that lets a fleet of processes follow each task with one poll loop between them
 * (`factpulse-rx/redis`, on ioredis 5). Pass it to `createTaskClient({ hub })` in every process.
 *
 * - Each followed task has a lease in Redis (`SET key owner NX PX leaseMs`): the process that
 *   holds it polls the API, renewing it every `leaseMs / 3`; the others poll nothing.
 * - The poller appends each transition to the task's Redis stream (content in base64) and
 *   publishes a notification; the other processes read the stream and emit the same transitions.
 *   A process that starts following later gets the latest state from Redis at once.
 * - When the poller stops following (or completes), it releases the lease and a follower takes
 *   over at once; when it dies, its lease expires and a follower takes over within about
 *   `leaseMs`. No subscriber ever gets a transition twice or misses one (stream ids order them).
 * - When Redis is unreachable, each task is polled locally (`onUnavailable: 'fallback'`, reported
 *   as `hub-fallback` on the client's `events$`) or its stream errors with
 *   `RedisUnavailableError` (`'fail'`).
 *
 * Options are validated now (a `TypeError` naming the field); a URL connects on first use.
 * Needs Redis ≥ 6.2.
 *
 * @example
 * ```ts
 * import { createTaskClient } from 'factpulse-rx'
 * import { createRedisTaskHub } from 'factpulse-rx/redis'
 *
 * const hub = createRedisTaskHub({ redis: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' })
 * const client = createTaskClient({ token, hub })
 * client.status$(taskId).subscribe((t) => socket.send(JSON.stringify({ taskId, phase: t.to })))
 * ```
 */
export function createRedisTaskHub(options: RedisTaskHubOptions): RedisTaskHub {
  const o = normaliseRedisTaskHubOptions(options);
  const link = new RedisLink(o.redis, o.commandTimeout);
  const ownerPrefix = `${hostname()}:${process.pid}:${++hubCount}:${randomUUID().slice(0, 8)}`;
  let followCount = 0;
  let closed = false;
  const follows = new Set<TaskFollow>();
  // One timer renews the leases of every task this hub polls (commands of one tick are pipelined).
  let renewals: Subscription | undefined;
  const watch = (): void => {
    if (follows.size > 0 && renewals === undefined) {
      renewals = interval(Math.max(10, Math.floor(o.leaseMs / 3)), asyncScheduler).subscribe(() => {
        for (const follow of follows) follow.renew();
      });
    } else if (follows.size === 0 && renewals !== undefined) {
      renewals.unsubscribe();
      renewals = undefined;
    }
  };
  const pending = new Set<Promise<unknown>>();
  const track = (work: Promise<unknown>): void => {
    pending.add(work);
    void work.finally(() => pending.delete(work));
  };

  const hints = new Observable<string>((subscriber) => {
    let stop: (() => void) | undefined;
    let left = false;
    link.listen(hintsChannel(o.keyPrefix), (message) => subscriber.next(message)).then(
      (unlisten) => {
        if (left) unlisten();
        else stop = unlisten;
      },
      // Hints only speed things up: without Redis there are none.
      () => undefined,
    );
    return () => {
      left = true;
      stop?.();
    };
  });

  return {
    hints,
    follow(taskId, poll$, context) {
      return new Observable<TaskTransition>((subscriber) => {
        let follow: TaskFollow | undefined = undefined;
        const created = new TaskFollow(taskId, poll$, subscriber, {
          link,
          options: o,
          owner: `${ownerPrefix}:${++followCount}`,
          track,
          onDone: () => {
            if (follow !== undefined) follows.delete(follow);
            watch();
          },
        }, context);
        follow = created;
        follows.add(created);
        watch();
        if (closed) created.hubClosed();
        else created.start();
        return () => {
          created.stop();
          follows.delete(created);
          watch();
        };
      });
    },
    async hint(hint) {
      const id = hintTaskId(hint);
      if (id === undefined) return false;
      await link.call((r) => r.publish(hintsChannel(o.keyPrefix), id.toLowerCase()));
      return true;
    },
    async latest(taskId) {
      assertTaskId(taskId);
      const { transitions } = hubKeys(o.keyPrefix, taskId);
      const last = await link.call((r) => r.xrevrange(transitions, '+', '-', 'COUNT', 1));
      const entry = last[0];
      return entry === undefined ? undefined : decodeTransition(entryFields(entry[1]), taskId);
    },
    stats() {
      let polling = 0;
      let local = 0;
      for (const follow of follows) {
        if (follow.state === 'poller') polling++;
        else if (follow.state === 'local') local++;
      }
      return { following: follows.size, polling, local };
    },
    async close() {
      if (closed) return;
      closed = true;
      for (const follow of [...follows]) follow.hubClosed();
      await Promise.all([...pending]);
      await link.close();
    },
  };
}
