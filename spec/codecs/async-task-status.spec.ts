import * as fc from 'fast-check';
import * as E from 'fp-ts/lib/Either.js';
import { ApiError, AsyncTaskStatus, BusinessResult, HttpValidationError, ValidationErrorDetail } from '../../lib/codecs/index.js';
import { decodeWith, reportErrors } from '../../lib/codecs/decode-with.js';
import { DecodeError } from '../../lib/errors/decode-error.js';
import { toState } from '../../lib/transitions.js';

const ID = '7c9e6679-7425-40de-944b-e07fc1f90ae7';

describe('AsyncTaskStatus', () => {
  it('accepts taskId or task_id and always exposes taskId', () => {
    expect(decodeWith(AsyncTaskStatus, { taskId: ID, status: 'PENDING' })).toEqual({ taskId: ID, status: 'PENDING' });
    expect(decodeWith(AsyncTaskStatus, { task_id: ID, status: 'SUCCESS', result: { status: 'SUCCESS' } })).toEqual({
      taskId: ID,
      status: 'SUCCESS',
      result: { status: 'SUCCESS' },
    });
  });

  it('names both spellings when the id is missing', () => {
    const result = AsyncTaskStatus.decode({ status: 'PENDING' });
    expect(E.isLeft(result) && reportErrors(result.left)).toEqual(['taskId: expected string, got missing', 'task_id: expected string, got missing']);
  });

  it('never throws on any JSON value (property)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        AsyncTaskStatus.decode(value);
        BusinessResult.decode(value);
        ApiError.decode(value);
        HttpValidationError.decode(value);
        ValidationErrorDetail.decode(value);
      }),
    );
  });

  it('maps any decodable status payload to a state without throwing anything but DecodeError (property)', () => {
    const payload = fc.record({
      taskId: fc.constant(ID),
      status: fc.oneof(fc.constantFrom('PENDING', 'STARTED', 'RETRY', 'SUCCESS', 'FAILURE', 'REVOKED', 'PROGRESS'), fc.string()),
      result: fc.oneof(
        fc.jsonValue(),
        fc.record({ status: fc.constantFrom('SUCCESS', 'ERROR'), errorCode: fc.string(), errorMessage: fc.string(), content_b64: fc.base64String() }, { requiredKeys: ['status'] }),
      ),
    });
    fc.assert(
      fc.property(payload, (p) => {
        try {
          const state = toState(decodeWith(AsyncTaskStatus, p));
          expect(['pending', 'started', 'retrying', 'succeeded', 'rejected', 'failed']).toContain(state.phase);
        } catch (e) {
          expect(e).toBeInstanceOf(DecodeError);
        }
      }),
    );
  });

  it('a __proto__ or constructor key in a payload changes no prototype', () => {
    const hostile = JSON.parse(
      `{"taskId":"${ID}","status":"SUCCESS","result":{"status":"SUCCESS","__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}},"toString":"x"}}`,
    );
    const state = toState(decodeWith(AsyncTaskStatus, hostile));
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
    expect(state.phase).toBe('succeeded');
    if (state.phase !== 'succeeded') return;
    expect(Object.getPrototypeOf(state.result)).toBe(Object.prototype);
    expect(Object.keys(state.result)).toEqual(expect.arrayContaining(['__proto__', 'constructor', 'toString']));
    expect((state.result as Record<string, unknown>)['polluted']).toBeUndefined();
  });
});

describe('AsyncTaskStatus: both spellings of the id', () => {
  it('a taskId that is present but not a string is a mismatch at taskId, even beside a valid task_id', () => {
    const decoded = AsyncTaskStatus.decode({ taskId: {}, task_id: '6f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f', status: 'PENDING' });
    expect(decoded._tag).toBe('Left');
    expect(() => decodeWith(AsyncTaskStatus, { taskId: {}, task_id: 'x', status: 'PENDING' })).toThrow(/taskId: expected string, got an object/);
  });
});
