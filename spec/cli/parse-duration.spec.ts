import { parseDuration } from '../../lib/cli/parse-duration.js';
import { UsageError } from '../../lib/cli/usage-error.js';

describe('parseDuration', () => {
  it.each([
    ['2500', 2500],
    ['500ms', 500],
    ['2s', 2000],
    ['2.5s', 2500],
    ['1m', 60_000],
    ['2min', 120_000],
    ['1h', 3_600_000],
    [' 3S ', 3000],
  ])('%j → %d ms', (text, ms) => {
    expect(parseDuration(text, '--interval')).toBe(ms);
  });

  it.each(['', 'soon', '-1s', '1d', '1e3', '2 s x'])('refuses %j with a UsageError naming the flag', (text) => {
    expect(() => parseDuration(text, '--deadline', 'watch')).toThrow(UsageError);
    expect(() => parseDuration(text, '--deadline', 'watch')).toThrow('--deadline');
  });
});
