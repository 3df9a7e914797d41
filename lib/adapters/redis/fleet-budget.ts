import { Observable, timer, type SchedulerLike, type Subscriber, type Subscription } from 'rxjs';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { TaskHubBudget, TaskHubBudgetLimit } from '../../index.js';
import type { RedisLink } from './redis-link.js';

/**
 * @internal The fixed window the fleet budget counts in (rate-limiter-flexible counts whole
 * seconds): `points` requests per `durationS` seconds, where `durationS = max(1, ceil(burst /
 * perSecond))` and `points = max(1, floor(perSecond × durationS))` — never more than the budget.
 */
export function budgetWindow(limit: TaskHubBudgetLimit): { readonly points: number; readonly durationS: number } {
  const durationS = Math.max(1, Math.ceil(limit.burst / limit.perSecond));
  return { points: Math.max(1, Math.floor(limit.perSecond * durationS + 1e-9)), durationS };
}

/**
 * @internal A request budget shared by every process on one Redis (`keyPrefix`), counted by
 * rate-limiter-flexible's `RateLimiterRedis` (one atomic INCR script per request, the window's
 * expiry kept by Redis). Requests wait first come first served; a refused one waits for the window
 * Redis names, on the hub's scheduler. When Redis cannot count (down, timed out), a permit is
 * given at once: the client's own per-process bucket is then the budget.
 */
export class FleetBudget implements TaskHubBudget {
  private readonly limiter: RateLimiterRedis;
  /** Requests waiting for a permit, in arrival order. */
  private readonly waiting = new Set<Subscriber<unknown>>();
  private pumping = false;
  private closed = false;
  private wake: Subscription | undefined;

  constructor(
    private readonly link: RedisLink,
    keyPrefix: string,
    limit: TaskHubBudgetLimit,
    private readonly scheduler: SchedulerLike,
  ) {
    const { points, durationS } = budgetWindow(limit);
    this.limiter = new RateLimiterRedis({ storeClient: link.command, keyPrefix: `${keyPrefix}budget`, points, duration: durationS });
  }

  permit(): Observable<unknown> {
    return new Observable<unknown>((subscriber) => {
      if (this.closed) {
        subscriber.next(undefined);
        subscriber.complete();
        return undefined;
      }
      this.waiting.add(subscriber);
      this.pump();
      return () => {
        this.waiting.delete(subscriber);
      };
    });
  }

  close(): void {
    this.closed = true;
    this.wake?.unsubscribe();
    this.wake = undefined;
    this.waiting.clear();
  }

  private pump(): void {
    if (this.pumping || this.wake !== undefined || this.closed) return;
    this.pumping = true;
    const done = (): void => {
      this.pumping = false;
      // A request that arrived while the last answer was read.
      if (this.waiting.size > 0) this.pump();
    };
    this.serve().then(done, done);
  }

  private async serve(): Promise<void> {
    while (this.waiting.size > 0 && !this.closed) {
      let refused: RateLimiterRes | undefined;
      try {
        // A refusal is an answer (the window is full), not a failure of Redis.
        refused = await this.link.call(() =>
          this.limiter.consume('requests', 1).then(
            () => undefined,
            (refusal: unknown) => {
              if (refusal instanceof RateLimiterRes) return refusal;
              throw refusal;
            },
          ),
        );
      } catch {
        // Redis cannot count for the fleet: every waiting request goes under the local budget.
        for (const subscriber of [...this.waiting]) this.grant(subscriber);
        continue;
      }
      const wait = refused === undefined ? 0 : Math.max(1, refused.msBeforeNext);
      if (wait > 0) {
        this.wake = timer(wait, this.scheduler).subscribe(() => {
          this.wake = undefined;
          this.pump();
        });
        return;
      }
      const first = this.waiting.values().next();
      if (!first.done) this.grant(first.value);
    }
  }

  private grant(subscriber: Subscriber<unknown>): void {
    this.waiting.delete(subscriber);
    subscriber.next(undefined);
    subscriber.complete();
  }
}
