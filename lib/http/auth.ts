import { Observable, defer, from, isObservable, map, of, share, take, throwIfEmpty, catchError, throwError } from 'rxjs';
import { AuthError } from '../errors/auth-error.js';
import { TaskStatusError } from '../errors/task-status-error.js';

/**
 * What a token function is called with.
 *
 * @example
 * ```ts
 * const token = ({ refresh }: TokenContext) => (refresh ? renew() : current)
 * ```
 */
export interface TokenContext {
  /**
   * `true` after the API refused the current token (HTTP 401): return a fresh one. `false` for
   * an ordinary request: return the current token (cache it — this call happens for every poll).
   */
  readonly refresh: boolean;
}

/**
 * A bearer token: a fixed string (never refreshed), or a function called with `{ refresh }` that
 * returns the token as a string, a Promise or an Observable (its first value is used).
 *
 * @example
 * ```ts
 * const token: TokenSource = async ({ refresh }) => (refresh ? await login() : cachedToken)
 * ```
 */
export type TokenSource = string | ((context: TokenContext) => string | PromiseLike<string> | Observable<string>);

/**
 * @internal The token access the poll loop uses.
 *
 * @example
 * ```ts
 * tokens.get(false).pipe(mergeMap((token) => send(token)))
 * ```
 */
export interface TokenProvider {
  /**
   * The token for one request (`undefined` when no token is configured). With `refresh` true,
   * concurrent callers share one call of the token function. Errors with an `AuthError` when the
   * function yields no usable token or fails.
   */
  get(refresh: boolean, taskId?: string): Observable<string | undefined>;
  /** `true` when a 401 may be answered by asking for a fresh token (a function source). */
  readonly refreshable: boolean;
}

/** Visible ASCII and space: what a header value can carry without being refused or split. */
const HEADER_SAFE = /^[\x20-\x7e]+$/;

/** @internal Why `token` cannot be sent in an `Authorization` header, or `undefined` when it can. */
export function tokenProblem(token: unknown): string | undefined {
  if (typeof token !== 'string' || token.trim() === '') return 'no token (expected a non-empty string)';
  if (/[\r\n]/.test(token)) return 'a token containing a line break, which would split the Authorization header';
  if (!HEADER_SAFE.test(token)) return 'a token with characters not allowed in an HTTP header (only printable ASCII is)';
  return undefined;
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}

const NO_TOKEN = of(undefined);
const REFRESH = { refresh: true } as const;
const CURRENT = { refresh: false } as const;

/**
 * @internal Builds the {@link TokenProvider} of a token option.
 *
 * A string is checked at once (a `TypeError` naming `token` if it is empty or could inject a
 * header); a function's results are checked as they arrive (an `AuthError` that never echoes the
 * value). Refresh calls (`refresh: true`) made while one is in flight share it; after it settles
 * the next refresh calls the function again. Ordinary calls are not shared.
 *
 * @example
 * ```ts
 * const tokens = createTokenProvider(async ({ refresh }) => (refresh ? renew() : current))
 * tokens.get(true).subscribe((t) => console.log(t !== undefined))
 * ```
 */
export function createTokenProvider(source: TokenSource | undefined): TokenProvider {
  if (source === undefined) return { get: () => NO_TOKEN, refreshable: false };
  if (typeof source === 'string') {
    const problem = tokenProblem(source);
    if (problem !== undefined) throw new TypeError(`token must be a non-empty string of printable ASCII, got ${problem}`);
    const token$ = of(source);
    return { get: () => token$, refreshable: false };
  }
  if (typeof source !== 'function') {
    throw new TypeError(`token must be a string or a function returning one, got ${source === null ? 'null' : typeof source}`);
  }

  const call = (context: TokenContext, taskId: string | undefined): Observable<string> =>
    defer(() => {
      const result = source(context);
      if (isObservable(result)) return result;
      return isPromiseLike(result) ? from(result) : of(result);
    }).pipe(
      take(1),
      throwIfEmpty(() => new AuthError({ taskId }, 'the token source completed without a token')),
      catchError((error: unknown) =>
        throwError(() =>
          error instanceof TaskStatusError ? error : new AuthError({ taskId, cause: error }, 'the token source failed (see cause)'),
        ),
      ),
      map((token) => {
        const problem = tokenProblem(token);
        if (problem !== undefined) throw new AuthError({ taskId }, `the token source returned ${problem}`);
        return token;
      }),
    );

  // One shared refresh while it is in flight; reset once it settles so the next 401 asks again.
  const refresh$ = call(REFRESH, undefined).pipe(
    share({ resetOnComplete: true, resetOnError: true, resetOnRefCountZero: true }),
  );

  return {
    refreshable: true,
    get: (refresh, taskId) => (refresh ? refresh$ : call(CURRENT, taskId)),
  };
}
