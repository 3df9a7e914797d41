
/** Float slack for comparisons of accumulated fractional intervals. */
const EPSILON = 1e-6;

/**
 * @internal A token bucket for `maxRequestsPerSecond`: it holds up to `burst` tokens (default
 * `max(1, ratePerSecond)`), refills at `ratePerSecond`, and each request takes one. Written as
 * the equivalent GCRA (a "theoretical arrival time" advanced by `1000 / rate` ms per request),
 * so fractional rates keep their exact pace on an integer-ms clock. Time is read from `clock.now()`
 * only — the client hands it its monotonic clock (see `monotonicClock`), so it runs in virtual
 * time and a wall clock set back does not stop it.
 *
 * @example
 * ```ts
 * const bucket = new TokenBucket(10, { now: monotonicClock(scheduler) })
 * const wait = bucket.take() // 0: go now; otherwise ms until a token is due
 * ```
 */
export class TokenBucket {
  /** ms between tokens. */
  private readonly interval: number;
  /** How far ahead of the clock the theoretical arrival time may run: `(burst − 1)` intervals. */
  private readonly tolerance: number;
  /** When the next request would be due at the steady rate. */
  private tat: number;
  /** Lateness forgiven, ms: under one interval, so it never adds a whole token. */
  private readonly slack: number;

  constructor(
    ratePerSecond: number,
    private readonly clock: { now(): number },
    burst: number = Math.max(1, ratePerSecond),
  ) {
    this.interval = 1000 / ratePerSecond;
    this.tolerance = (Math.max(1, burst) - 1) * this.interval;
    this.slack = Math.min(1, this.interval / 2);
    this.tat = clock.now();
  }

  /** Takes a token and returns 0, or takes nothing and returns the ms until one is due (≥ 1). */
  take(): number {
    const now = this.clock.now();
    // A request up to 1 ms late keeps the pace (timers fire on whole ms); later ones reset it.
    const tat = this.tat >= now - this.slack ? this.tat : now;
    const wait = tat - this.tolerance - now;
    if (wait <= EPSILON) {
      this.tat = tat + this.interval;
      return 0;
    }
    return Math.max(1, Math.ceil(wait - EPSILON));
  }

  /** Whole tokens available now. */
  available(): number {
    const now = this.clock.now();
    const ahead = Math.max(this.tat, now) - now;
    return Math.max(0, Math.floor((this.tolerance - ahead) / this.interval + EPSILON) + 1);
  }
}
