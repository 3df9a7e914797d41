import { ApiError } from '../../lib/codecs/index.js';

describe('ApiError', () => {
  it('decodes FactPulse error bodies, both forms', () => {
    expect(ApiError.is({ errorCode: 'AUTH', errorMessage: 'expired' })).toBe(true);
    expect(ApiError.is({ detail: 'Given token not valid' })).toBe(true);
  });
});
