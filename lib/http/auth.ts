import { Observable, catchError, defer, finalize, from, isObservable, map, of, share, take, tap, throwError, throwIfEmpty } from 'rxjs';
import { AuthError } from '../errors/auth-error.js';
import { TaskStatusError } from '../errors/task-status-error.js';
import { failOption } from '../option-checks.js';
import { LruCache } from '../client/lru-cache.js';

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
 * Every stream and client given the same function shares one refresh: one 401 for the current
 * token calls the function once with `{ refresh: true }`, and every request that saw the same
 * stale token waits for that call; a request refused for a token older than the current one is
 * sent again with the current one without a refresh. A function that keeps answering the old
 * token to `{ refresh: false }` after a refresh has its answer replaced by the refreshed one.
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
 * const once = (rejected?: string) =>
 *   (rejected === undefined ? tokens.get(taskId) : tokens.refresh(rejected, taskId)).pipe(mergeMap(send))
 * ```
 */
export interface TokenProvider {
  /**
   * The token for one request (`undefined` when no token is configured), decided on subscribe.
   * While a shared refresh is in flight, waits for its token. Errors with an `AuthError` when the
   * function yields no usable token or fails.
   */
  get(taskId?: string): Observable<string | undefined>;
  /**
   * The token to send again after the API answered 401 for `rejected`: the current token at once
   * when `rejected` is older than it; else the result of one refresh call shared by every caller
   * (across every provider built from the same function) until it settles. For a string or no
   * token (not {@link refreshable}) this is the same token: the pipeline should give up instead.
   */
  refresh(rejected: string | undefined, taskId?: string): Observable<string | undefined>;
  /** `true` when a 401 may be answered by asking for a fresh token (a function source). */
  readonly refreshable: boolean;
  /**
   * For a string or no token: the token every request sends (`{ token: undefined }` for none),
   * known without waiting, so a request needs no token stage. `undefined` for a function source.
   */
  readonly fixed?: { readonly token: string | undefined } | undefined;
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

type TokenFunction = Extract<TokenSource, (context: TokenContext) => unknown>;

/** How many replaced tokens a function's state remembers (to recognise a stale answer). */
const SUPERSEDED_KEPT = 8;

/**
 * What every provider built from one token function shares: the newest token seen, the tokens a
 * refresh replaced (bounded), and the refresh in flight.
 */
interface TokenState {
  current: string | undefined;
  readonly superseded: LruCache<true>;
  refreshing: Observable<string> | undefined;
}

/** Keyed by the user's function, so streams and clients that share it share one refresh. */
const states = new WeakMap<TokenFunction, TokenState>();

function stateOf(source: TokenFunction): TokenState {
  let state = states.get(source);
  if (state === undefined) {
    state = { current: undefined, superseded: new LruCache<true>(SUPERSEDED_KEPT), refreshing: undefined };
    states.set(source, state);
  }
  return state;
}

function supersede(state: TokenState, token: string | undefined): void {
  if (token === undefined) return;
  state.superseded.set(token, true);
}

/** The same failure, named for the caller's task (a shared refresh serves many). */
function forTask(error: unknown, taskId: string | undefined): unknown {
  if (!(error instanceof AuthError) || error.taskId === taskId) return error;
  return new AuthError({ taskId, cause: error.cause }, error.message);
}

const NO_TOKEN = of(undefined);
const REFRESH = { refresh: true } as const;
const CURRENT = { refresh: false } as const;

/**
 * @internal Builds the {@link TokenProvider} of a token option.
 *
 * A string is checked at once (a `TypeError` naming `token` if it is empty or could inject a
 * header); a function's results are checked as they arrive (an `AuthError` that never echoes the
 * value). Providers built from the same function share its state (see {@link TokenSource}).
 *
 * @example
 * ```ts
 * const tokens = createTokenProvider(async ({ refresh }) => (refresh ? renew() : current))
 * tokens.refresh(rejectedToken).subscribe((t) => console.log(t !== rejectedToken))
 * ```
 */
export function createTokenProvider(source: TokenSource | undefined): TokenProvider {
  if (source === undefined) return { get: () => NO_TOKEN, refresh: () => NO_TOKEN, refreshable: false, fixed: { token: undefined } };
  if (typeof source === 'string') {
    const problem = tokenProblem(source);
    if (problem !== undefined) throw new TypeError(`token: must be a non-empty string of printable ASCII, got ${problem}`);
    const token$ = of(source);
    return { get: () => token$, refresh: () => token$, refreshable: false, fixed: { token: source } };
  }
  if (typeof source !== 'function') {
    failOption('token', 'a string or a function returning one', source);
  }

  const state = stateOf(source);

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

  /** Starts the one shared refresh (replacing `rejected`), or joins the one in flight. */
  const shared = (rejected: string | undefined): Observable<string> => {
    if (state.refreshing !== undefined) return state.refreshing;
    supersede(state, rejected);
    supersede(state, state.current);
    const refreshing: Observable<string> = call(REFRESH, undefined).pipe(
      tap((token) => {
        state.superseded.delete(token);
        state.current = token;
      }),
      finalize(() => {
        if (state.refreshing === refreshing) state.refreshing = undefined;
      }),
      // Reset once it settles (or every caller left) so the next 401 for the new token asks again.
      share({ resetOnComplete: true, resetOnError: true, resetOnRefCountZero: true }),
    );
    state.refreshing = refreshing;
    return refreshing;
  };

  const join = (token$: Observable<string>, taskId: string | undefined): Observable<string> =>
    token$.pipe(catchError((error: unknown) => throwError(() => forTask(error, taskId))));

  const current = (taskId: string | undefined): Observable<string> =>
    defer(() => {
      if (state.refreshing !== undefined) return join(state.refreshing, taskId);
      return call(CURRENT, taskId).pipe(
        map((token) => {
          // A function that still answers a token a refresh replaced gets the refreshed one.
          if (state.superseded.has(token) && state.current !== undefined) return state.current;
          state.current = token;
          return token;
        }),
      );
    });

  const refresh = (rejected: string | undefined, taskId: string | undefined): Observable<string> =>
    defer(() => {
      // A 401 for a token older than the current one: send the current one, no new refresh.
      if (state.refreshing === undefined && state.current !== undefined && rejected !== state.current) return of(state.current);
      return join(shared(rejected), taskId);
    });

  return {
    refreshable: true,
    refresh,
    get: current,
  };
}
