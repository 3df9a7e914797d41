import { failOption } from '../option-checks.js';

/**
 * Origin rules: where a bearer token may be sent.
 *
 * A token goes only to https origins, or to plain http on a loopback host (a local simulator or
 * test server); everything else needs the explicit `allowInsecureHttp` opt-in. Redirects are
 * followed within one origin only (see the fetch transport).
 */

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
const MAPPED_IPV4_HEX = /^::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4}$/;

function isLoopbackIpv4(host: string): boolean {
  const m = IPV4.exec(host);
  if (m === null) return false;
  for (let i = 1; i <= 4; i++) if (Number(m[i]) > 255) return false;
  return m[1] === '127';
}

/**
 * True when `hostname` names the local machine: `localhost` and any `*.localhost` name (RFC 6761),
 * an IPv4 address in 127.0.0.0/8, or the IPv6 loopback `::1` (with or without brackets, also as
 * the IPv4-mapped `::ffff:127.x.y.z`). Case-insensitive; a trailing dot is ignored. Pass the
 * `hostname` of a parsed `URL`, which normalises forms such as `127.1` or `0x7f.0.0.1`; raw
 * unusual spellings are answered `false` (the safe side).
 *
 * @example
 * ```ts
 * isLoopbackHost(new URL('http://127.0.0.1:8080').hostname) // true
 * isLoopbackHost('factpulse.fr') // false
 * ```
 */
export function isLoopbackHost(hostname: string): boolean {
  let host = hostname.toLowerCase();
  if (host.endsWith('.')) host = host.slice(0, -1);
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  if (host === '::1' || host === '0:0:0:0:0:0:0:1') return true;
  if (host.startsWith('::ffff:')) {
    const rest = host.slice(7);
    return isLoopbackIpv4(rest) || MAPPED_IPV4_HEX.test(host);
  }
  return isLoopbackIpv4(host);
}

/**
 * True when `a` and `b` have the same origin: scheme, host and port (default ports normalised, as
 * `URL` does). URLs with an opaque origin (`file:`, `data:`, …) are never the same origin.
 *
 * @example
 * ```ts
 * sameOrigin(new URL('https://a.test/x'), new URL('https://a.test:443/y')) // true
 * sameOrigin(new URL('https://a.test/x'), new URL('http://a.test/x'))      // false
 * ```
 */
export function sameOrigin(a: URL, b: URL): boolean {
  return a.origin !== 'null' && a.protocol === b.protocol && a.host === b.host;
}

/**
 * Checks `baseUrl` when options are given, and returns it parsed.
 *
 * Throws a `TypeError` naming `baseUrl` when it is not an absolute http(s) URL or carries
 * credentials (`user:pass@`), and a `TypeError` naming `allowInsecureHttp` when a token would be
 * sent over plain http to a host that is not loopback. Messages never echo the URL's path, query
 * or credentials.
 *
 * @example
 * ```ts
 * assertSafeOrigin('https://factpulse.fr', true, false)      // ok
 * assertSafeOrigin('http://127.0.0.1:8080', true, false)     // ok: loopback
 * assertSafeOrigin('http://factpulse.fr', true, false)       // TypeError: … allowInsecureHttp …
 * ```
 */
export function assertSafeOrigin(baseUrl: string, hasToken: boolean, allowInsecureHttp: boolean): URL {
  if (typeof baseUrl !== 'string') {
    failOption('baseUrl', 'a string (an absolute http or https URL)', baseUrl);
  }
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    failOption('baseUrl', 'an absolute http or https URL (it does not parse as a URL)', baseUrl);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    failOption('baseUrl', 'an http or https URL', baseUrl);
  }
  if (url.username !== '' || url.password !== '') {
    failOption('baseUrl', 'a URL without credentials (user:password@; pass the token option instead)', baseUrl);
  }
  if (hasToken && url.protocol === 'http:' && !allowInsecureHttp && !isLoopbackHost(url.hostname)) {
    failOption('allowInsecureHttp', `true to send the token over plain http to ${url.origin} (else use an https baseUrl)`, allowInsecureHttp);
  }
  return url;
}
