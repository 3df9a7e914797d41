import fc from 'fast-check';
import { parseRetryAfter } from '../../lib/http/retry-after.js';
import type { RetryAfterHeaders } from '../../lib/http/retry-after.js';

const NOW = Date.UTC(2025, 0, 15, 12, 0, 0); // Wed, 15 Jan 2025 12:00:00 GMT

describe('parseRetryAfter', () => {
  describe('Retry-After values', () => {
    it.each<[string, string, number | undefined]>([
      ['delta-seconds', '120', 120_000],
      ['zero seconds: no hint (the caller backs off)', '0', undefined],
      ['surrounding whitespace', '  5 ', 5000],
      ['leading zeros', '007', 7000],
      ['decimal seconds', '1.5', 1500],
      ['decimal seconds rounded up to a whole ms', '0.0001', 1],
      ['IMF-fixdate in the future', 'Wed, 15 Jan 2025 12:01:30 GMT', 90_000],
      ['IMF-fixdate, any case', 'wed, 15 JAN 2025 12:00:10 gmt', 10_000],
      ['IMF-fixdate now: no hint', 'Wed, 15 Jan 2025 12:00:00 GMT', undefined],
      ['IMF-fixdate in the past: no hint', 'Sun, 06 Nov 1994 08:49:37 GMT', undefined],
      ['RFC 850 date in the future', 'Wednesday, 15-Jan-25 12:00:42 GMT', 42_000],
      ['RFC 850 date in the past (two-digit year 94 → 1994): no hint', 'Sunday, 06-Nov-94 08:49:37 GMT', undefined],
      ['asctime date (read as UTC)', 'Wed Jan 15 12:02:00 2025', 120_000],
      ['asctime date with a one-digit day, in the past: no hint', 'Sun Nov  6 08:49:37 1994', undefined],
      ['a date next year', 'Thu, 15 Jan 2026 12:00:00 GMT', 365 * 24 * 3600 * 1000],
      ['a leap day', 'Sat, 29 Feb 2028 00:00:00 GMT', Date.UTC(2028, 1, 29) - NOW],
      ['garbage', 'soon', undefined],
      ['a date-like sentence Date.parse would accept', 'hello 2030', undefined],
      ['an ISO date (not an HTTP date)', '2030-01-01T00:00:00Z', undefined],
      ['31 February', 'Mon, 31 Feb 2025 12:00:00 GMT', undefined],
      ['hour 25', 'Wed, 15 Jan 2025 25:00:00 GMT', undefined],
      ['an unknown month', 'Wed, 15 Foo 2025 12:00:00 GMT', undefined],
      ['a negative number', '-5', undefined],
      ['a signed number', '+5', undefined],
      ['an exponent', '1e3', undefined],
      ['a list of values', '5, 10', undefined],
      ['a number with a unit', '5s', undefined],
      ['empty', '', undefined],
      ['blank', '   ', undefined],
    ])('%s: %j', (_, value, expected) => {
      expect(parseRetryAfter({ 'retry-after': value }, NOW)).toBe(expected);
    });

    it('reads an HTTP date against the response\'s own Date header, whatever the local clock says', () => {
      const headers = { 'retry-after': 'Wed, 15 Jan 2025 12:00:30 GMT', date: 'Wed, 15 Jan 2025 12:00:00 GMT' };
      // The local clock is an hour ahead (or behind): the server's two times still say 30 s.
      expect(parseRetryAfter(headers, NOW + 3_600_000)).toBe(30_000);
      expect(parseRetryAfter(headers, NOW - 3_600_000)).toBe(30_000);
      expect(parseRetryAfter(new Headers(headers), 0)).toBe(30_000);
      // A date at or before the server's own now is no hint, even if the local clock is behind.
      expect(parseRetryAfter({ 'retry-after': 'Wed, 15 Jan 2025 11:59:00 GMT', Date: 'Wed, 15 Jan 2025 12:00:00 GMT' }, NOW - 3_600_000)).toBeUndefined();
    });

    it('falls back to nowMs when the Date header is missing or unreadable, and ignores it for delta-seconds', () => {
      expect(parseRetryAfter({ 'retry-after': 'Wed, 15 Jan 2025 12:00:30 GMT', date: 'yesterday' }, NOW)).toBe(30_000);
      expect(parseRetryAfter({ 'retry-after': '5', date: 'Wed, 15 Jan 2025 11:00:00 GMT' }, NOW)).toBe(5000);
    });

    it('returns a huge number of seconds as it is (the caller caps it)', () => {
      expect(parseRetryAfter({ 'retry-after': '99999999999' }, NOW)).toBe(99_999_999_999_000);
    });

    it('returns a finite number for values too large for a double', () => {
      const result = parseRetryAfter({ 'retry-after': '9'.repeat(400) }, NOW);
      expect(result).toBe(Number.MAX_VALUE);
    });

    it('reads a two-digit RFC 850 year as at most 50 years ahead', () => {
      const now = Date.UTC(2060, 0, 1);
      // "11" is 2111 (>50 years ahead), so 2011: in the past
      expect(parseRetryAfter({ 'retry-after': 'Saturday, 01-Jan-11 00:00:00 GMT' }, now)).toBeUndefined();
      // "61" is 2061: one year ahead
      expect(parseRetryAfter({ 'retry-after': 'Saturday, 01-Jan-61 00:00:00 GMT' }, now)).toBe(
        Date.UTC(2061, 0, 1) - now,
      );
    });

    it('measures dates from nowMs, not from the clock', () => {
      const date = 'Wed, 15 Jan 2025 12:01:00 GMT';
      expect(parseRetryAfter({ 'retry-after': date }, NOW)).toBe(60_000);
      expect(parseRetryAfter({ 'retry-after': date }, NOW + 59_000)).toBe(1000);
      expect(parseRetryAfter({ 'retry-after': date }, Number.NaN)).toBeUndefined();
    });
  });

  describe('retry-after-ms', () => {
    it.each<[string, Record<string, string>, number | undefined]>([
      ['is read in ms', { 'retry-after-ms': '150' }, 150],
      ['takes precedence over retry-after', { 'retry-after-ms': '150', 'retry-after': '10' }, 150],
      ['rounds a fraction of a ms up', { 'retry-after-ms': '150.2' }, 151],
      ['falls back to retry-after when garbage', { 'retry-after-ms': 'x', 'retry-after': '10' }, 10_000],
      ['falls back to retry-after when negative', { 'retry-after-ms': '-1', 'retry-after': '2' }, 2000],
      ['alone and garbage is undefined', { 'retry-after-ms': 'soon' }, undefined],
      ['0 wins and means no hint', { 'retry-after-ms': '0', 'retry-after': '10' }, undefined],
    ])('%s', (_, headers, expected) => {
      expect(parseRetryAfter(headers, NOW)).toBe(expected);
    });
  });

  describe('header containers', () => {
    it.each<[string, RetryAfterHeaders, number]>([
      ['a plain object with lower-case keys', { 'retry-after': '3' }, 3000],
      ['a plain object with mixed-case keys', { 'Retry-After': '3' }, 3000],
      ['a plain object with upper-case retry-after-ms', { 'RETRY-AFTER-MS': '30', 'Retry-After': '3' }, 30],
      ['a fetch Headers object', new Headers({ 'Retry-After': '3' }), 3000],
      ['a fetch Headers object with retry-after-ms', new Headers({ 'Retry-After-Ms': '30' }), 30],
      ['a Map with lower-case keys', new Map([['retry-after', '3']]), 3000],
      ['a Map with mixed-case keys', new Map([['Retry-After', '3']]), 3000],
      ['a list of pairs', [['Retry-After', '3']], 3000],
      ['a Node-style list value', { 'retry-after': ['3', '9'] }, 3000],
      ['a number value (seconds)', { 'retry-after': 3 }, 3000],
      ['a custom get()', { get: (name: string) => (name === 'retry-after' ? '3' : null) }, 3000],
    ])('reads %s', (_, headers, expected) => {
      expect(parseRetryAfter(headers, NOW)).toBe(expected);
    });

    it.each<[string, unknown]>([
      ['no headers object', undefined],
      ['null', null],
      ['an empty object', {}],
      ['an empty Headers', new Headers()],
      ['an empty Map', new Map()],
      ['a string', 'retry-after: 5'],
      ['a number', 5],
      ['unrelated headers', { 'content-type': 'application/json' }],
      ['a null value', { 'retry-after': null }],
      ['an object value', { 'retry-after': { seconds: 5 } }],
      ['a negative number value', { 'retry-after': -5 }],
      ['a NaN value', { 'retry-after': Number.NaN }],
      ['a get() that throws', { get: () => { throw new Error('boom'); } }],
      ['a getter that throws', Object.defineProperty({}, 'retry-after', { enumerable: true, get: () => { throw new Error('boom'); } })],
      ['a Proxy that throws', new Proxy({}, { ownKeys: () => { throw new Error('boom'); } })],
      ['an object without prototype', Object.create(null) as object],
    ])('gives undefined for %s', (_, headers) => {
      expect(parseRetryAfter(headers as RetryAfterHeaders, NOW)).toBeUndefined();
    });

    it('ignores inherited keys', () => {
      const inherited = Object.create({ 'retry-after': '5' }) as Record<string, string>;
      expect(parseRetryAfter(inherited, NOW)).toBeUndefined();
    });
  });

  describe('properties', () => {
    const headerValue = fc.oneof(
      fc.string(),
      fc.stringMatching(/^\s*-?\d{0,400}(\.\d{0,20})?\s*$/),
      fc.date({ noInvalidDate: true }).map((date) => date.toUTCString()),
      fc.double(),
      fc.array(fc.string(), { maxLength: 3 }),
      fc.anything(),
    );
    const headerName = fc.constantFrom('retry-after', 'Retry-After', 'RETRY-AFTER', 'retry-after-ms', 'Retry-After-Ms');
    const headerRecord = fc.dictionary(fc.oneof(headerName, fc.string()), headerValue);
    const headers = fc.oneof(
      headerRecord,
      headerRecord.map((record) => new Map(Object.entries(record))),
      headerRecord.map((record) => Object.entries(record)),
      fc.anything(),
    );
    const now = fc.oneof(fc.integer({ min: -8.64e15, max: 8.64e15 }), fc.double());

    it('is total: never throws, and returns undefined or a finite number >= 0', () => {
      fc.assert(
        fc.property(headers, now, (candidate, nowMs) => {
          const result = parseRetryAfter(candidate as RetryAfterHeaders, nowMs);
          if (result !== undefined) {
            expect(typeof result).toBe('number');
            expect(Number.isFinite(result)).toBe(true);
            expect(result).toBeGreaterThanOrEqual(0);
          }
        }),
        { numRuns: 500 },
      );
    });

    it('reads any positive integer number of seconds as that many seconds', () => {
      fc.assert(
        fc.property(fc.integer({ min: 1, max: 2 ** 31 - 1 }), headerName.filter((name) => !name.toLowerCase().endsWith('-ms')), (seconds, name) => {
          expect(parseRetryAfter({ [name]: String(seconds) }, NOW)).toBe(seconds * 1000);
        }),
      );
    });

    it('reads any HTTP date (IMF-fixdate, as Date#toUTCString writes it) as its distance from now, or no hint when not ahead', () => {
      fc.assert(
        fc.property(
          fc.date({ min: new Date(Date.UTC(1000, 0, 1)), max: new Date(Date.UTC(9999, 11, 31)), noInvalidDate: true }),
          (date) => {
            const whole = Math.floor(date.getTime() / 1000) * 1000;
            expect(parseRetryAfter({ 'retry-after': date.toUTCString() }, NOW)).toBe(whole > NOW ? whole - NOW : undefined);
          },
        ),
      );
    });
  });
});
