/**
 * One header's value as the usual header containers hold it: a string (fetch `Headers`, most
 * objects), a list of strings (Node's `IncomingHttpHeaders` for repeated headers), or a number
 * (hand-written objects).
 */
export type HeaderValue = string | number | readonly string[] | null | undefined;

/**
 * Anything with a case-insensitive `get(name)`, such as the fetch `Headers` class or Angular's
 * `HttpHeaders`.
 *
 * @example
 * ```ts
 * const headers: HeadersLike = new Headers({ 'Retry-After': '5' })
 * ```
 */
export interface HeadersLike {
  get(name: string): string | null | undefined;
}

/**
 * The header containers {@link parseRetryAfter} reads: a `Headers`-like object, a `Map`, a plain
 * object, or a list of `[name, value]` pairs. Names are matched without regard to case.
 *
 * @example
 * ```ts
 * const headers: RetryAfterHeaders = { 'Retry-After': '120' }
 * ```
 */
export type RetryAfterHeaders =
  | HeadersLike
  | ReadonlyMap<string, HeaderValue>
  | Readonly<Record<string, HeaderValue>>
  | ReadonlyArray<readonly [string, string]>;

/**
 * How long, in ms, a server asks the client to wait before trying again, read from the response
 * headers; `undefined` when it does not say, says something unreadable, or asks for no wait at all.
 *
 * - `retry-after-ms`: milliseconds (a non-negative integer or decimal). Wins when valid.
 * - `retry-after`: delta-seconds (a non-negative integer, or a decimal), or an HTTP date in any of
 *   the three RFC 9110 forms (IMF-fixdate `Sun, 06 Nov 1994 08:49:37 GMT`, RFC 850
 *   `Sunday, 06-Nov-94 08:49:37 GMT`, asctime `Sun Nov  6 08:49:37 1994`), all read as UTC. A date
 *   is read against the response's own `Date` header when it has a valid one (so the two clocks
 *   involved are the server's, and a skewed local clock does not matter), else against `nowMs`.
 *
 * A wait of zero, or a date at or before "now", means "no hint" and gives `undefined`: the caller's
 * own backoff applies (a 30 ms blip answered `Retry-After: 0` must not burn every retry at once).
 * Fractions of a ms are rounded up. A huge value is returned as it is (cap it yourself, e.g. with
 * `maxRetryAfter`) but never as `Infinity` or `NaN`: a number too large for a double is
 * `Number.MAX_VALUE`. Negative values, empty values, garbage and missing headers give
 * `undefined`. The function is total: it never throws, whatever it is given.
 *
 * No jitter is applied: the server's hint is taken as given.
 *
 * @param headers the response headers.
 * @param nowMs the current time in epoch ms (in a pipeline, `scheduler.now()`), for HTTP dates
 * when the response carries no `Date` header.
 *
 * @example
 * ```ts
 * parseRetryAfter({ 'Retry-After': '2' }, Date.now()) // 2000
 * parseRetryAfter(new Headers({ 'retry-after-ms': '150' }), 0) // 150
 * parseRetryAfter(new Map([['retry-after', 'Wed, 21 Oct 2015 07:28:00 GMT']]), Date.UTC(2015, 9, 21, 7, 27)) // 60000
 * parseRetryAfter({ 'retry-after': 'Wed, 21 Oct 2015 07:28:00 GMT', date: 'Wed, 21 Oct 2015 07:27:30 GMT' }, 0) // 30000
 * parseRetryAfter({ 'Retry-After': '0' }, 0) // undefined
 * parseRetryAfter({}, 0) // undefined
 * ```
 */
export function parseRetryAfter(
  headers: RetryAfterHeaders | null | undefined,
  nowMs: number,
): number | undefined {
  try {
    if (typeof headers !== 'object' || headers === null) return undefined;
    const ms = parseMilliseconds(readHeader(headers, 'retry-after-ms'));
    const wait = ms !== undefined ? ms : parseRetryAfterValue(readHeader(headers, 'retry-after'), () => responseNow(headers, nowMs));
    return wait !== undefined && wait > 0 ? wait : undefined;
  } catch {
    // Headers-like objects and proxies can throw from `get`, getters or `ownKeys`.
    return undefined;
  }
}

/** A non-negative decimal number, as both headers allow it. */
const DECIMAL = /^\d+(?:\.\d+)?$/;

/**
 * Reads the first value of header `name` (lower case), whatever the container.
 * @internal
 */
function readHeader(headers: object, name: string): string | number | undefined {
  let value: unknown;
  if (headers instanceof Map) {
    value = findPair(headers.entries(), name);
  } else if (Array.isArray(headers)) {
    value = findPair(headers.values(), name);
  } else if (typeof (headers as { get?: unknown }).get === 'function') {
    value = (headers as HeadersLike).get(name);
  } else {
    const record = headers as Record<string, unknown>;
    const key = Object.keys(record).find((candidate) => candidate.toLowerCase() === name);
    value = key === undefined ? undefined : record[key];
  }
  if (Array.isArray(value)) value = value.find((item: unknown) => typeof item === 'string');
  return typeof value === 'string' || typeof value === 'number' ? value : undefined;
}

/**
 * The value of the first `[name, value]` pair whose name matches `name` without regard to case.
 * @internal
 */
function findPair(pairs: Iterator<unknown>, name: string): unknown {
  for (let step = pairs.next(); step.done !== true; step = pairs.next()) {
    const pair: unknown = step.value;
    if (Array.isArray(pair) && typeof pair[0] === 'string' && pair[0].toLowerCase() === name) {
      return pair[1];
    }
  }
  return undefined;
}

/**
 * A non-negative count of ms, or `undefined`.
 * @internal
 */
function parseMilliseconds(value: string | number | undefined): number | undefined {
  const amount = parseDecimal(value);
  return amount === undefined ? undefined : finiteCeil(amount);
}

/**
 * A `Retry-After` value (delta-seconds or HTTP date) as ms from `nowMs`, or `undefined`.
 * @internal
 */
function parseRetryAfterValue(value: string | number | undefined, now: () => number): number | undefined {
  const seconds = parseDecimal(value);
  if (seconds !== undefined) return finiteCeil(seconds * 1000);
  if (typeof value !== 'string') return undefined;
  const nowMs = now();
  if (typeof nowMs !== 'number' || !Number.isFinite(nowMs)) return undefined;
  const date = parseHttpDate(value.trim(), nowMs);
  if (date === undefined) return undefined;
  return date <= nowMs ? 0 : finiteCeil(date - nowMs);
}

/**
 * "Now" for an HTTP-date `Retry-After`: the response's own valid `Date` header, else `nowMs`.
 * @internal
 */
function responseNow(headers: object, nowMs: number): number {
  const date = readHeader(headers, 'date');
  if (typeof date !== 'string') return nowMs;
  const epoch = parseHttpDate(date.trim(), typeof nowMs === 'number' && Number.isFinite(nowMs) ? nowMs : 0);
  return epoch === undefined ? nowMs : epoch;
}

/**
 * A non-negative decimal (string or number), or `undefined`.
 * @internal
 */
function parseDecimal(value: string | number | undefined): number | undefined {
  if (typeof value === 'number') return Number.isNaN(value) || value < 0 ? undefined : value;
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  return DECIMAL.test(text) ? Number(text) : undefined;
}

/**
 * Rounds up to a whole ms and keeps the result finite.
 * @internal
 */
function finiteCeil(ms: number): number {
  return Number.isFinite(ms) ? Math.ceil(ms) : Number.MAX_VALUE;
}

const DAY = '(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|mon|tue|wed|thu|fri|sat|sun)';
const MONTH = '(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)';
const TIME = '(\\d{2}):(\\d{2}):(\\d{2})';
const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

/** `Sun, 06 Nov 1994 08:49:37 GMT` */
const IMF_FIXDATE = new RegExp(`^${DAY},\\s*(\\d{1,2})\\s+${MONTH}\\s+(\\d{4})\\s+${TIME}\\s+(?:GMT|UTC)$`, 'i');
/** `Sunday, 06-Nov-94 08:49:37 GMT` */
const RFC850_DATE = new RegExp(`^${DAY},\\s*(\\d{1,2})-${MONTH}-(\\d{2})\\s+${TIME}\\s+(?:GMT|UTC)$`, 'i');
/** `Sun Nov  6 08:49:37 1994` */
const ASCTIME_DATE = new RegExp(`^${DAY}\\s+${MONTH}\\s+(\\d{1,2})\\s+${TIME}\\s+(\\d{4})$`, 'i');

/**
 * An RFC 9110 HTTP-date as epoch ms, or `undefined`. Parsed by hand rather than by `Date.parse`,
 * which reads asctime dates as local time and accepts much that is not a date (`"hello 2020"`).
 * @internal
 */
function parseHttpDate(text: string, nowMs: number): number | undefined {
  let match = IMF_FIXDATE.exec(text);
  if (match) return toEpoch(match[3], match[2], match[1], match[4], match[5], match[6]);
  match = RFC850_DATE.exec(text);
  if (match) {
    // RFC 9110 §5.6.7: a two-digit year more than 50 years ahead is in the past century.
    const nowYear = new Date(nowMs).getUTCFullYear();
    let year = nowYear - (nowYear % 100) + Number(match[3]);
    if (year > nowYear + 50) year -= 100;
    return toEpoch(String(year), match[2], match[1], match[4], match[5], match[6]);
  }
  match = ASCTIME_DATE.exec(text);
  if (match) return toEpoch(match[6], match[1], match[2], match[3], match[4], match[5]);
  return undefined;
}

/**
 * Epoch ms of a UTC date given as matched text, or `undefined` if it is not a real date and time
 * (31 Feb, 25:00, …). Second 60 (a leap second) is accepted.
 * @internal
 */
function toEpoch(
  yearText: string | undefined,
  monthText: string | undefined,
  dayText: string | undefined,
  hourText: string | undefined,
  minuteText: string | undefined,
  secondText: string | undefined,
): number | undefined {
  const year = Number(yearText);
  const month = MONTHS.indexOf((monthText ?? '').toLowerCase());
  const day = Number(dayText);
  const hour = Number(hourText);
  const minute = Number(minuteText);
  const second = Number(secondText);
  if (month < 0 || hour > 23 || minute > 59 || second > 60) return undefined;
  const midnight = new Date(Date.UTC(year, month, day));
  // Date.UTC maps years 0–99 to 1900–1999; set the year again to keep it as written.
  midnight.setUTCFullYear(year, month, day);
  if (midnight.getUTCDate() !== day || midnight.getUTCMonth() !== month) return undefined;
  const epoch = midnight.getTime() + ((hour * 60 + minute) * 60 + second) * 1000;
  return Number.isFinite(epoch) ? epoch : undefined;
}
