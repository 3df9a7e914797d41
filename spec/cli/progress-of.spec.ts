import { formatProgress, progressOf } from '../../lib/cli/progress-of.js';

describe('progressOf', () => {
  it('takes the core\'s normalised progress first, then Celery\'s meta numbers', () => {
    expect(progressOf({ phase: 'started', status: 'PROGRESS', meta: { current: 1, total: 2 }, progress: { current: 3, total: 10, ratio: 0.3 } })).toEqual({ current: 3, total: 10, ratio: 0.3 });
    expect(progressOf({ phase: 'retrying', status: 'RETRY', meta: { current: 12, total: 10 } })).toEqual({ current: 12, total: 10, ratio: 1 });
  });

  it('is undefined without finite numbers, for a zero total and for phases that report none', () => {
    expect(progressOf({ phase: 'started', status: 'STARTED' })).toBeUndefined();
    expect(progressOf({ phase: 'started', status: 'PROGRESS', meta: { current: '3', total: 10 } })).toBeUndefined();
    expect(progressOf({ phase: 'started', status: 'PROGRESS', meta: { current: 0, total: 0 } })).toBeUndefined();
    expect(progressOf({ phase: 'started', status: 'PROGRESS', meta: { current: Infinity, total: 10 } })).toBeUndefined();
    expect(progressOf({ phase: 'pending', status: 'PENDING' })).toBeUndefined();
  });

  it('formats as current/total', () => {
    expect(formatProgress({ current: 3, total: 10, ratio: 0.3 })).toBe('3/10');
  });
});
