import { NetworkError } from '../errors/network-error.js';
import { RequestTimeoutError } from '../errors/request-timeout-error.js';

/**
 * The client's shared retry budget, in the manner of the AWS SDK's "standard" retry quota
 * (`@aws-sdk/middleware-retry` `defaultRetryBudget`, smithy `StandardRetryTokenBucket`): each retry
 * costs tokens, a good response gives some back, and when the bucket is empty failures surface at
 * once instead of being retried — so a thousand tasks never hammer an API that is down.
 * The defaults are the AWS SDK's: 500 tokens, 5 per retry, 10 per timeout retry, 1 back per
 * success without retry (a success after a retry gives that retry's cost back).
 *
 * @example
 * ```ts
 * createTaskClient({ token, retryBudget: { capacity: 100 } }) // at most 20 retries while the API is down
 * ```
 */
export interface RetryBudgetOptions {
  /**
   * Tokens in the full bucket (and at start).
   * @default 500
   */
  readonly capacity?: number | undefined;
  /**
   * Tokens a retry of an HTTP failure (429, 5xx, 408) costs.
   * @default 5
   */
  readonly retryCost?: number | undefined;
  /**
   * Tokens a retry of a request timeout or a network error costs.
   * @default 10
   */
  readonly timeoutRetryCost?: number | undefined;
  /**
   * Tokens a good response refunds when its poll needed no retry.
   * @default 1
   */
  readonly noRetryIncrement?: number | undefined;
}

/** @internal The AWS SDK's standard retry quota constants. */
export const RETRY_BUDGET_DEFAULTS = { capacity: 500, retryCost: 5, timeoutRetryCost: 10, noRetryIncrement: 1 } as const;

/**
 * @internal The bucket behind {@link RetryBudgetOptions}, shared by every task of a client.
 *
 * @example
 * ```ts
 * const budget = new RetryBudget({ capacity: 50 })
 * const cost = budget.acquire(error)  // undefined: refuse the retry
 * budget.release(cost)                // on the next good response
 * ```
 */
export class RetryBudget {
  private level: number;
  readonly capacity: number;
  private readonly retryCost: number;
  private readonly timeoutRetryCost: number;
  private readonly noRetryIncrement: number;

  constructor(options: RetryBudgetOptions = {}) {
    const d = RETRY_BUDGET_DEFAULTS;
    this.capacity = options.capacity ?? d.capacity;
    this.retryCost = options.retryCost ?? d.retryCost;
    this.timeoutRetryCost = options.timeoutRetryCost ?? d.timeoutRetryCost;
    this.noRetryIncrement = options.noRetryIncrement ?? d.noRetryIncrement;
    this.level = this.capacity;
  }

  /** Tokens left. */
  get available(): number {
    return this.level;
  }

  /** What retrying `error` costs: timeouts and network errors cost more, as in the AWS SDK. */
  costOf(error: unknown): number {
    return error instanceof RequestTimeoutError || error instanceof NetworkError ? this.timeoutRetryCost : this.retryCost;
  }

  /** Takes the cost of retrying `error` and returns it, or returns `undefined` (refused) when short. */
  acquire(error: unknown): number | undefined {
    const cost = this.costOf(error);
    if (cost > this.level) return undefined;
    this.level -= cost;
    return cost;
  }

  /** A good response: gives back `retried` (the cost of the retry that led to it) or `noRetryIncrement`. */
  release(retried?: number): void {
    this.level = Math.min(this.capacity, this.level + (retried ?? this.noRetryIncrement));
  }
}
