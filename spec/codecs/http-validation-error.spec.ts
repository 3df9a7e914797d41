import { HttpValidationError } from '../../lib/codecs/index.js';

describe('HttpValidationError', () => {
  it('decodes a FastAPI 422 body, and refuses a detail that is not a list', () => {
    expect(HttpValidationError.is({ detail: [{ loc: ['path', 'task_id', 0], msg: 'bad', type: 'uuid_parsing' }] })).toBe(true);
    expect(HttpValidationError.is({ detail: 'x' })).toBe(false);
  });
});
