import { describeError } from '../../lib/http/describe-error.js';

describe('describeError', () => {
  it('gives the message, the cause message and the code, each once', () => {
    const cause = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' });
    expect(describeError(new TypeError('fetch failed', { cause }))).toBe('fetch failed: connect ECONNREFUSED 127.0.0.1:9');
    expect(describeError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }))).toBe('socket hang up (ECONNRESET)');
    expect(describeError(new Error('aborted', { cause: new Error('aborted') }))).toBe('aborted');
  });

  it('reads errors of other realms and non-errors', () => {
    expect(describeError({ message: 'from a sandbox', code: 'UND_ERR' })).toBe('from a sandbox (UND_ERR)');
    expect(describeError('plain text')).toBe('plain text');
    expect(describeError(undefined)).toBe('undefined');
  });
});
