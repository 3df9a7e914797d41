import { HttpError, type HttpErrorOptions } from './http-error.js';

/**
 * The API answered 401 and a fresh token (one refresh per request) did not help, or the token
 * is a plain string that cannot be refreshed. Not retried.
 *
 * @example
 * ```ts
 * if (isAuthError(e)) redirectToLogin()
 * ```
 */
export class AuthError extends HttpError {
  override readonly name = 'AuthError';

  constructor(options: HttpErrorOptions = {}, message = 'HTTP 401: the API refused the token') {
    super(401, options, message);
  }
}

/**
 * True when `error` is an {@link AuthError}: the API refused the token, even after one refresh.
 *
 * @example
 * ```ts
 * if (isAuthError(e)) redirectToLogin() // e.status === 401
 * ```
 */
export function isAuthError(error: unknown): error is AuthError {
  return error instanceof AuthError;
}
