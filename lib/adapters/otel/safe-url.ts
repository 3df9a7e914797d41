/** @internal What telemetry may record of a URL. */
export interface SafeUrl {
  /** `url.full`: scheme, host, port and path, without the query, the fragment or any user info. */
  readonly full: string;
  /** `server.address`, `server.port`, `url.scheme`. */
  readonly address: string;
  readonly port: number;
  readonly scheme: string;
}

/**
 * @internal A URL as telemetry may record it (`url.full`): scheme, host, port and path, without
 * the query, the fragment or any user info. `undefined` when it does not parse.
 *
 * @example
 * ```ts
 * safeUrl('https://user:pw@factpulse.fr/api/x?sig=abc#f')?.full // 'https://factpulse.fr/api/x'
 * ```
 */
export function safeUrl(url: string): SafeUrl | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  const scheme = parsed.protocol.replace(/:$/, '');
  const port = parsed.port !== '' ? Number(parsed.port) : scheme === 'http' ? 80 : 443;
  return { full: `${parsed.protocol}//${parsed.host}${parsed.pathname}`, address: parsed.hostname, port, scheme };
}

/**
 * @internal {@link safeUrl} for the many URLs of one API (one per task id): the origin is parsed
 * once, each URL only cut at its query or fragment. URLs with user info, or that the cut would
 * not make safe, go through the full parse.
 *
 * @example
 * ```ts
 * const safe = safeUrlCache()
 * safe('https://factpulse.fr/api/v1/processing/tasks/…/status')
 * ```
 */
export function safeUrlCache(): (url: string) => SafeUrl | undefined {
  const origins = new Map<string, SafeUrl | undefined>();
  return (url) => {
    const authority = url.indexOf('//');
    const pathAt = authority === -1 ? -1 : url.indexOf('/', authority + 2);
    if (pathAt === -1) return safeUrl(url);
    const origin = url.slice(0, pathAt);
    if (origin.includes('@') || origin.includes('?') || origin.includes('#')) return safeUrl(url);
    let base = origins.get(origin);
    if (base === undefined && !origins.has(origin)) {
      base = safeUrl(origin);
      if (origins.size < 64) origins.set(origin, base);
    }
    if (base === undefined) return undefined;
    const cut = url.slice(pathAt).search(/[?#]/);
    const path = cut === -1 ? url.slice(pathAt) : url.slice(pathAt, pathAt + cut);
    return { ...base, full: `${base.full.replace(/\/$/, '')}${path}` };
  };
}
