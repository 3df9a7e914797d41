import type { TransportResponse } from './transport.js';

const REDACTED = '[redacted]';

function scrub(text: string, secret: string): string {
  return text.includes(secret) ? text.split(secret).join(REDACTED) : text;
}

/**
 * @internal Removes the bearer token from an error response (status outside 2xx) before it
 * becomes part of an `HttpError` / `AuthError` (`body`, `headers`): a server that echoes the
 * request's `Authorization` header back (debug pages, some gateways) must not put the token in
 * an error, where logging the error would print it. Every occurrence in the body's strings and
 * keys, in `text` and in header values becomes `[redacted]`. A 2xx response, a response without
 * a token, or a token under 4 characters (which would redact ordinary text) is returned as is.
 *
 * @example
 * ```ts
 * withoutToken({ status: 400, headers: {}, body: { detail: 'bad Bearer abc123' } }, 'abc123').body
 * // { detail: 'bad Bearer [redacted]' }
 * ```
 */
export function withoutToken(response: TransportResponse, token: string | undefined): TransportResponse {
  if (token === undefined || token.length < 4 || (response.status >= 200 && response.status < 300)) return response;
  let changed = false;
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(response.headers)) {
    headers[name] = scrub(value, token);
    changed ||= headers[name] !== value;
  }
  let { body, text } = response;
  if (text !== undefined && text.includes(token)) {
    text = scrub(text, token);
    changed = true;
  }
  if (body !== undefined) {
    // The token as it appears inside a JSON string (quotes and backslashes escaped).
    const inJson = JSON.stringify(token).slice(1, -1);
    try {
      const json = JSON.stringify(body);
      if (json !== undefined && json.includes(inJson)) {
        body = JSON.parse(scrub(json, inJson)) as unknown;
        changed = true;
      }
    } catch {
      // Too deep to re-serialise: withhold the body rather than risk the token.
      body = REDACTED;
      changed = true;
    }
  }
  if (!changed) return response;
  return { ...response, headers, ...(body !== undefined ? { body } : {}), ...(text !== undefined ? { text } : {}) };
}

/**
 * @internal Removes the credential of a request's Authorization header from `text` (an error
 * message from a fetch library or a backend that echoes it).
 */
export function redactAuthorization(text: string, headers: Readonly<Record<string, string>>): string {
  const authorization = headers['authorization'] ?? headers['Authorization'];
  if (authorization === undefined) return text;
  const credential = authorization.replace(/^\s*\S+\s+/, '');
  let out = text;
  for (const secret of [authorization, credential]) if (secret.length >= 4) out = out.split(secret).join('[redacted]');
  return out;
}
