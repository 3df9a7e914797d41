import type { TransportResponse } from './transport.js';

const REDACTED = '[redacted]';

/** Deepest body rebuilt with the token redacted; a deeper one that carries it is withheld whole. */
const MAX_REBUILD_DEPTH = 512;

function scrub(text: string, secret: string): string {
  return text.includes(secret) ? text.split(secret).join(REDACTED) : text;
}

/**
 * True when a string or key anywhere in `value` contains `secret`: breadth first, iterative (any
 * depth, no recursion), one pass over what `JSON.parse` built.
 */
function carries(value: unknown, secret: string): boolean {
  const queue: unknown[] = [value];
  for (let next = 0; next < queue.length; next++) {
    const item = queue[next];
    queue[next] = undefined; // searched: let it go
    if (typeof item === 'string') {
      if (item.includes(secret)) return true;
    } else if (typeof item === 'object' && item !== null) {
      if (Array.isArray(item)) {
        for (const element of item) queue.push(element);
      } else {
        for (const key of Object.keys(item)) {
          if (key.includes(secret)) return true;
          queue.push((item as Record<string, unknown>)[key]);
        }
      }
    }
  }
  return false;
}

class TooDeep extends Error {}

/** A copy of a JSON value with `secret` redacted in every string and key; own keys only (`__proto__` stays data). */
function rebuild(value: unknown, secret: string, depth: number): unknown {
  if (typeof value === 'string') return scrub(value, secret);
  if (typeof value !== 'object' || value === null) return value;
  if (depth >= MAX_REBUILD_DEPTH) throw new TooDeep();
  if (Array.isArray(value)) return value.map((element: unknown) => rebuild(element, secret, depth + 1));
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    Object.defineProperty(out, scrub(key, secret), {
      value: rebuild((value as Record<string, unknown>)[key], secret, depth + 1),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}

/**
 * @internal `secret` redacted in `text`, and in its JSON-escaped form (what a re-serialised echo
 * carries); the same string when it carries neither, or for a secret under 4 characters.
 *
 * @example
 * ```ts
 * redactText('<p>Bearer abc123</p>', 'abc123') // '<p>Bearer [redacted]</p>'
 * ```
 */
export function redactText(text: string, secret: string | undefined): string {
  if (secret === undefined || secret.length < 4) return text;
  return scrubText(text, secret);
}

function scrubText(text: string, secret: string): string {
  const inJson = JSON.stringify(secret).slice(1, -1);
  const once = scrub(text, secret);
  return inJson === secret ? once : scrub(once, inJson);
}

/**
 * @internal Removes the bearer token from a response, whatever its status, before any part of it
 * can reach an error (`HttpError` / `AuthError` `body` and `headers`, a `DecodeError`'s quote of
 * a 2xx page that is not JSON): a server that echoes the request's `Authorization` header back
 * (debug pages, gateways) must not put the token in an error, where logging it would print it.
 * Every occurrence in the body's strings and keys, in `text` and in header values becomes
 * `[redacted]`; a body deeper than 512 levels that carries it is withheld whole. A response
 * without the token, no token, or a token under 4 characters (which would redact ordinary text)
 * is returned as is (the same object).
 *
 * @example
 * ```ts
 * withoutToken({ status: 400, headers: {}, body: { detail: 'bad Bearer abc123' } }, 'abc123').body
 * // { detail: 'bad Bearer [redacted]' }
 * ```
 */
export function withoutToken(response: TransportResponse, token: string | undefined): TransportResponse {
  if (token === undefined || token.length < 4) return response;
  let changed = false;
  let headers = response.headers;
  for (const value of Object.values(response.headers)) {
    if (value.includes(token)) {
      headers = redactHeaders(response.headers, token);
      changed = true;
      break;
    }
  }
  let { body, text } = response;
  if (text !== undefined) {
    const scrubbed = scrubText(text, token);
    if (scrubbed !== text) {
      text = scrubbed;
      changed = true;
    }
  }
  if (body !== undefined && carries(body, token)) {
    try {
      body = rebuild(body, token, 0);
    } catch (error: unknown) {
      if (!(error instanceof TooDeep) && !(error instanceof RangeError)) throw error;
      // Too deep to rebuild: withhold the body rather than risk the token.
      body = REDACTED;
    }
    changed = true;
  }
  if (!changed) return response;
  return { ...response, headers, ...(body !== undefined ? { body } : {}), ...(text !== undefined ? { text } : {}) };
}

/**
 * @internal Header values with `secret` redacted (a copy; the same object when none carries it).
 *
 * @example
 * ```ts
 * redactHeaders({ 'x-echo-authorization': 'Bearer abc123' }, 'abc123') // { 'x-echo-authorization': 'Bearer [redacted]' }
 * ```
 */
export function redactHeaders(headers: Readonly<Record<string, string>>, secret: string | undefined): Readonly<Record<string, string>> {
  if (secret === undefined || secret.length < 4) return headers;
  let out: Record<string, string> | undefined;
  for (const [name, value] of Object.entries(headers)) {
    if (!value.includes(secret)) continue;
    out ??= { ...headers };
    out[name] = scrub(value, secret);
  }
  return out ?? headers;
}

/**
 * @internal The credential of a request's `Authorization` header (`Bearer abc` → `abc`), or
 * `undefined` without one.
 *
 * @example
 * ```ts
 * credentialOf({ authorization: 'Bearer abc123' }) // 'abc123'
 * ```
 */
export function credentialOf(headers: Readonly<Record<string, string>>): string | undefined {
  const authorization = headers['authorization'] ?? headers['Authorization'];
  if (authorization === undefined) return undefined;
  return authorization.replace(/^\s*\S+\s+/, '');
}

/**
 * Removes the credential of a request's `Authorization` header from `text` (an error message
 * from a fetch library or a backend that echoes it), both the whole header value and the bare
 * token: what a custom `Transport` calls before it puts a library's message into an error.
 *
 * @example
 * ```ts
 * redactAuthorization('failed: Bearer abc123', { authorization: 'Bearer abc123' }) // 'failed: [redacted]'
 * ```
 */
export function redactAuthorization(text: string, headers: Readonly<Record<string, string>>): string {
  const authorization = headers['authorization'] ?? headers['Authorization'];
  if (authorization === undefined) return text;
  const credential = credentialOf(headers) ?? authorization;
  let out = text;
  for (const secret of [authorization, credential]) if (secret.length >= 4) out = out.split(secret).join(REDACTED);
  return out;
}
