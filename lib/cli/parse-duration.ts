import { UsageError } from './usage-error.js';

const UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, min: 60_000, h: 3_600_000 };

/**
 * Parses a duration given on the command line: a number of ms (`2500`) or a number with a unit
 * (`500ms`, `2.5s`, `1m`, `1h`). Throws a {@link UsageError} naming `flag` otherwise.
 *
 * @example
 * ```ts
 * parseDuration('2.5s', '--interval') // 2500
 * ```
 */
export function parseDuration(text: string, flag: string, command?: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|min|h)?\s*$/i.exec(text);
  const unit = UNITS[(match?.[2] ?? 'ms').toLowerCase()];
  if (match === null || unit === undefined) {
    throw new UsageError(`${flag} must be a duration such as 2500, 500ms, 2.5s or 1m (got ${JSON.stringify(text.slice(0, 40))})`, command);
  }
  return Math.round(Number(match[1]) * unit);
}
