import { AsyncTaskStatus } from '../../lib/codecs/index.js';
import { decodeWith } from '../../lib/codecs/decode-with.js';
import { DecodeError } from '../../lib/errors/decode-error.js';

const ID = '7c9e6679-7425-40de-944b-e07fc1f90ae7';

describe('decodeWith', () => {
  it('reports the path and what was found', () => {
    const error = (() => {
      try {
        decodeWith(AsyncTaskStatus, { taskId: ID, status: 42 }, ID);
      } catch (e) {
        return e;
      }
    })() as DecodeError;
    expect(error).toBeInstanceOf(DecodeError);
    expect(error.report).toEqual(['status: expected string, got 42']);
    expect(error.message).toContain('status: expected string, got 42');
    expect(error.taskId).toBe(ID);
  });
});
