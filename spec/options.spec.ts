import { of } from 'rxjs';
import { normaliseOptions, statusUrl, type TaskStatusOptions } from '../lib/options.js';
import { taskStatus$ } from '../lib/task-status.js';
import { status } from './helpers/marble-transport.js';

const ID = '7c9e6679-7425-40de-944b-e07fc1f90ae7';
const transport = () => of(status(ID, 'PENDING'));

describe('normaliseOptions', () => {
  it('defaults deadline to 10 minutes and hintFloor to 1 s; stallAfter to none', () => {
    const o = normaliseOptions({});
    expect(o.deadline).toBe(600_000);
    expect(o.hintFloor).toBe(1000);
    expect(o.stallAfter).toBe(Infinity);
  });

  it.each(['interval', 'requestTimeout', 'deadline', 'stallAfter', 'hintFloor'] as const)('accepts %s: Infinity (none)', (field) => {
    expect(normaliseOptions({ [field]: Infinity })[field]).toBe(Infinity);
  });

  it('accepts Infinity for the retry durations', () => {
    const o = normaliseOptions({ retry: { initialInterval: Infinity, maxInterval: Infinity, maxRetryAfter: Infinity } });
    expect([o.retry.initialInterval, o.retry.maxInterval, o.retry.maxRetryAfter]).toEqual([Infinity, Infinity, Infinity]);
  });

  it('accepts undefined for every optional field (exactOptionalPropertyTypes)', () => {
    const options: TaskStatusOptions = {
      baseUrl: undefined,
      token: undefined,
      interval: undefined,
      deadline: undefined,
      hintFloor: undefined,
      retry: { maxRetries: undefined, shouldRetry: undefined },
      statusPath: undefined,
      random: undefined,
    };
    expect(normaliseOptions(options).interval).toBe(2500);
  });

  it.each<[string, TaskStatusOptions, RegExp]>([
    ['a negative hintFloor', { hintFloor: -1 }, /hintFloor/],
    ['a NaN hintFloor', { hintFloor: Number.NaN }, /hintFloor/],
    ['a string deadline', { deadline: '10m' as unknown as number }, /deadline/],
    ['a negative stallAfter', { stallAfter: -5 }, /stallAfter/],
    ['a baseUrl with a query', { baseUrl: 'https://api.example.com/?tenant=acme' }, /baseUrl/],
    ['a baseUrl with a fragment', { baseUrl: 'https://api.example.com/#/app' }, /baseUrl/],
  ])('refuses %s with a TypeError naming the field', (_, options, message) => {
    expect(() => normaliseOptions(options)).toThrow(TypeError);
    expect(() => normaliseOptions(options)).toThrow(message);
  });
});

describe('statusUrl', () => {
  const options = normaliseOptions({ baseUrl: 'https://api.example.com/prefix' });

  it('is baseUrl + statusPath(percent-encoded id)', () => {
    expect(statusUrl(options, ID)).toBe(`https://api.example.com/prefix/api/v1/processing/tasks/${ID}/status`);
    // Under a path prefix, the same text is only a path: it stays on the origin.
    expect(statusUrl({ ...options, statusPath: () => '@127.0.0.1:9/x' }, ID)).toBe('https://api.example.com/prefix@127.0.0.1:9/x');
  });

  it.each([
    ['userinfo that moves the host', '@127.0.0.1:9/x'],
    ['a port', ':8443/x'],
    ['a longer host name', '.evil.test/x'],
    ['credentials', '@api.example.com/x'],
  ])('refuses a statusPath adding %s (a TypeError naming statusPath), also through taskStatus$', (_, path) => {
    const moved = { ...normaliseOptions({ baseUrl: 'https://api.example.com' }), statusPath: () => path };
    expect(() => statusUrl(moved, ID)).toThrow(/statusPath/);
    expect(() => taskStatus$(ID, { transport, baseUrl: 'https://api.example.com', statusPath: () => path })).toThrow(TypeError);
  });
});
