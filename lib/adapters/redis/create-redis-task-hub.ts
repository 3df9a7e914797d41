import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { Observable, interval, timer, type Subscription } from 'rxjs';
import { assertTaskId, hintTaskId, type TaskHub, type TaskHubBudget, type TaskHubBudgetLimit, type TaskHubContext, type TaskTransition } from '../../index.js';
import { fleetKeys, hintsChannel, hubKeys } from './hub-keys.js';
import { LOAD, runScript } from './hub-scripts.js';
import { RedisLink } from './redis-link.js';
import { normaliseRedisTaskHubOptions, type RedisTaskHubOptions } from './redis-task-hub-options.js';
import { decodeStoredTransition, entryFields } from './stored-transition.js';
import { FleetBudget } from './fleet-budget.js';
import { RedisTaskLease } from './task-lease.js';
import { TaskRelay } from './task-relay.js';

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
   * The request budget of every process on this Redis and `keyPrefix` together (the client calls
   * it when created with `maxRequestsPerSecond`); see the README's "Redis hub" section.
   */
  requestBudget(limit: TaskHubBudgetLimit, context?: TaskHubContext): TaskHubBudget;
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
 * - New leases go preferably to the processes that poll the fewest tasks, and a process polling
 *   far more than its share hands leases over: with N processes each polls about 1/N.
 * - With `createTaskClient({ hub, maxRequestsPerSecond })` the budget is the whole fleet's
 *   (counted in Redis by rate-limiter-flexible, an optional peer dependency).
 * - When Redis is unreachable, each task is polled locally (`onUnavailable: 'fallback'`, reported
 *   as `hub-fallback` on the client's `events$`; the budget is then per process) or its stream
 *   errors with `RedisUnavailableError` (`'fail'`). Once Redis answers again, every task rejoins
 *   the hub within `leaseMs`: one poller per task, no transition lost or emitted twice.
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
  const { scheduler, random, leaseMs } = o;
  // ioredis reconnects on its own timer; a short cap, so that the fleet rejoins within leaseMs.
  const link = new RedisLink(o.redis, o.commandTimeout, Math.min(2000, Math.max(100, Math.floor(leaseMs / 3))), scheduler);
  const hubId = `${hostname()}:${process.pid}:${++hubCount}:${randomUUID().slice(0, 8)}`;
  const graceMs = Math.max(20, Math.min(200, Math.floor(leaseMs / 10)));
  let followCount = 0;
  let closed = false;
  const relays = new Set<TaskRelay>();
  const budgets = new Set<FleetBudget>();
  /** Tasks this hub polls now, plus the lease requests in flight: its load for the lease rule. */
  let asking = 0;
  // The polling count is recounted at most once per scheduler ms (a renewal tick asks per task).
  let counted = { at: Number.NaN, polling: 0 };
  const load = (): number => {
    const at = scheduler.now();
    if (at !== counted.at) {
      let polling = 0;
      for (const relay of relays) if (relay.state === 'poller') polling++;
      counted = { at, polling };
    }
    return counted.polling + asking;
  };
  // The rule for new leases: a hub that polls more tasks than the least loaded other hub of the
  // fleet waits before asking, `loadStepMs` per task more (at most `graceMs * 3`), so that the
  // less loaded ones ask first; the lease script also offers a free lease to a less loaded
  // candidate first. Loads are exchanged every renewal tick (`LOAD`).
  const fleet = { others: 0, minOther: 0, total: 0 };
  const loadStepMs = Math.max(1, Math.floor(leaseMs / 1000));
  const yieldMs = (): number => (fleet.others === 0 ? 0 : Math.min(graceMs * 3, Math.max(0, load() - fleet.minOther) * loadStepMs));
  const { loads, alive } = fleetKeys(o.keyPrefix);
  const exchangeLoads = (): void => {
    link
      .call((r) => runScript(r, LOAD, [loads, alive], [hubId, load(), leaseMs * 2]))
      .then((reply) => {
        if (Array.isArray(reply) && typeof reply[0] === 'number' && typeof reply[1] === 'number' && typeof reply[2] === 'number') {
          fleet.others = reply[0];
          fleet.minOther = Math.max(0, reply[1]);
          fleet.total = reply[2];
        }
      })
      // Without the exchange every hub asks at once: the lease script's offer still applies.
      .catch(() => undefined);
  };
  // While leases change hands (a fleet starting, a process gone), loads are exchanged sooner too.
  let nudged: Subscription | undefined;
  const nudge = (): void => {
    if (nudged !== undefined || closed) return;
    nudged = timer(Math.max(10, Math.min(50, Math.floor(leaseMs / 20))), scheduler).subscribe(() => {
      nudged = undefined;
      exchangeLoads();
    });
  };
  // One timer renews the leases of every task this hub polls (commands of one tick are pipelined).
  let renewals: Subscription | undefined;
  const watch = (): void => {
    if (relays.size > 0 && renewals === undefined) {
      // Now, and again while the first lease attempts are spread (the fleet may be starting).
      exchangeLoads();
      nudge();
      renewals = interval(Math.max(10, Math.floor(leaseMs / 3)), scheduler).subscribe(() => {
        exchangeLoads();
        // Rebalancing: a hub polling more than its share, and more than a third of a share beyond
        // the least loaded hub (a handover costs the new poller one request), hands leases over —
        // half the gap beyond that, a quarter of a share at most per tick — each lease held for
        // leaseMs at least, to a candidate of the task that polls at least two tasks fewer.
        const share = fleet.others === 0 ? Infinity : Math.ceil(fleet.total / (fleet.others + 1));
        const tolerance = Math.max(2, Math.ceil(share / 3));
        const mine = load() - asking;
        const gap = mine - fleet.minOther;
        let excess = mine > share && gap > tolerance ? Math.min(Math.ceil((gap - tolerance) / 2), Math.max(1, Math.ceil(share / 4))) : 0;
        for (const relay of relays) {
          if (relay.renew(excess > 0)) excess = Math.max(0, excess - 1);
        }
      });
    } else if (relays.size === 0 && renewals !== undefined) {
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
        let relay: TaskRelay | undefined = undefined;
        const lease = new RedisTaskLease(link, taskId, {
          keyPrefix: o.keyPrefix,
          leaseMs,
          terminalTtlMs: o.terminalTtlMs,
          graceMs,
          hub: hubId,
          owner: `${hubId}:${++followCount}`,
        });
        const created = new TaskRelay(
          taskId,
          poll$,
          subscriber,
          {
            lease,
            connection: link,
            leaseMs,
            onUnavailable: o.onUnavailable,
            scheduler,
            random,
            load,
            asking: (delta) => (asking += delta),
            yieldMs,
            onLeaseChange: nudge,
            track,
            onDone: () => {
              if (relay !== undefined) relays.delete(relay);
              watch();
            },
          },
          context,
        );
        relay = created;
        relays.add(created);
        watch();
        if (closed) created.hubClosed();
        else created.start();
        return () => {
          created.stop();
          relays.delete(created);
          watch();
        };
      });
    },
    requestBudget(limit) {
      const budget = new FleetBudget(link, o.keyPrefix, limit, scheduler);
      budgets.add(budget);
      return budget;
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
      return entry === undefined ? undefined : decodeStoredTransition(entryFields(entry[1]), taskId);
    },
    stats() {
      let polling = 0;
      let local = 0;
      for (const relay of relays) {
        if (relay.state === 'poller') polling++;
        else if (relay.state === 'local') local++;
      }
      return { following: relays.size, polling, local };
    },
    async close() {
      if (closed) return;
      closed = true;
      for (const relay of [...relays]) relay.hubClosed();
      for (const budget of budgets) budget.close();
      nudged?.unsubscribe();
      await Promise.all([...pending]);
      await link.close();
    },
  };
}
