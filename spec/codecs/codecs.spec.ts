import * as fc from 'fast-check';
import * as E from 'fp-ts/lib/Either.js';
import {
  ApiError,
  AsyncTaskStatus,
  BusinessResult,
  CeleryStatus,
  HttpValidationError,
  ValidationErrorDetail,
} from '../../lib/codecs/index.js';
import { decodeWith, reportErrors } from '../../lib/codecs/decode-with.js';
import { decodeBase64 } from '../../lib/codecs/base64.js';
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

describe('CeleryStatus', () => {
  it.each(['PENDING', 'STARTED', 'RETRY', 'SUCCESS', 'FAILURE', 'REVOKED'])('knows %s', (s) => expect(CeleryStatus.is(s)).toBe(true));
  it('does not claim custom states', () => expect(CeleryStatus.is('PROGRESS')).toBe(false));
});

describe('BusinessResult', () => {
  it('accepts a success with content_b64 or contentB64 and keeps other fields', () => {
    expect(BusinessResult.is({ status: 'SUCCESS', content_b64: 'QQ==', invoiceNumber: 'F-1' })).toBe(true);
    expect(BusinessResult.is({ status: 'SUCCESS', contentB64: 'QQ==' })).toBe(true);
  });

  it('accepts an AFNOR rejection, and unknown sources and levels', () => {
    const error = {
      status: 'ERROR',
      errorCode: 'VALIDATION_FAILED',
      errorMessage: 'Invoice invalid',
      details: [
        { item: 'BT-1', reason: 'missing', level: 'Error', source: 'schematron', code: 'BR-01' },
        { item: 'BT-2', reason: 'odd', level: 'Info', source: 'peppol', code: null },
        { item: 'BT-3', reason: 'bare' },
      ],
    };
    expect(BusinessResult.is(error)).toBe(true);
  });

  it('refuses a rejection without errorCode', () => {
    expect(BusinessResult.is({ status: 'ERROR', errorMessage: 'x' })).toBe(false);
  });
});

describe('ApiError and HttpValidationError', () => {
  it('decode FactPulse and FastAPI error bodies', () => {
    expect(ApiError.is({ errorCode: 'AUTH', errorMessage: 'expired' })).toBe(true);
    expect(ApiError.is({ detail: 'Given token not valid' })).toBe(true);
    expect(HttpValidationError.is({ detail: [{ loc: ['path', 'task_id', 0], msg: 'bad', type: 'uuid_parsing' }] })).toBe(true);
    expect(HttpValidationError.is({ detail: 'x' })).toBe(false);
  });
});

describe('toState', () => {
  it.each([
    ['PENDING', undefined, { phase: 'pending', status: 'PENDING' }],
    ['STARTED', undefined, { phase: 'started', status: 'STARTED' }],
    ['PROGRESS', { current: 3, total: 10 }, { phase: 'started', status: 'PROGRESS', meta: { current: 3, total: 10 }, progress: { current: 3, total: 10, ratio: 0.3 } }],
    ['RETRY', { exc: 'Timeout' }, { phase: 'retrying', status: 'RETRY', meta: { exc: 'Timeout' } }],
    ['REVOKED', null, { phase: 'failed', status: 'REVOKED', error: { message: 'task revoked', raw: null } }],
    ['FAILURE', 'worker lost', { phase: 'failed', status: 'FAILURE', error: { message: 'worker lost', raw: 'worker lost' } }],
    ['SUCCESS', 42, { phase: 'succeeded', status: 'SUCCESS', result: { value: 42 } }],
    ['SUCCESS', { answer: 42 }, { phase: 'succeeded', status: 'SUCCESS', result: { answer: 42 } }],
  ])('%s with %j', (status, result, expected) => {
    expect(toState(result === undefined ? { taskId: ID, status } : { taskId: ID, status, result })).toEqual(expected);
  });

  it('gives a rejection empty details when the API sends none', () => {
    expect(toState({ taskId: ID, status: 'SUCCESS', result: { status: 'ERROR', errorCode: 'E', errorMessage: 'm' } })).toEqual({
      phase: 'rejected',
      status: 'SUCCESS',
      error: { errorCode: 'E', errorMessage: 'm', details: [] },
    });
  });

  it('decodes contentB64 and drops the base64 from the kept result', () => {
    const state = toState({ taskId: ID, status: 'SUCCESS', result: { status: 'SUCCESS', contentB64: 'JVBERg==', size: 4 } });
    expect(state).toEqual({ phase: 'succeeded', status: 'SUCCESS', content: new Uint8Array([0x25, 0x50, 0x44, 0x46]), result: { status: 'SUCCESS', size: 4 } });
  });

  it('turns a malformed business error into a DecodeError with the path', () => {
    expect(() => toState({ taskId: ID, status: 'SUCCESS', result: { status: 'ERROR', errorCode: 7, errorMessage: 'm' } })).toThrow(
      /errorCode: expected string, got 7/,
    );
  });
});

describe('decodeBase64', () => {
  it.each([
    ['', []],
    ['QQ==', [0x41]],
    ['QUI=', [0x41, 0x42]],
    ['QUJD', [0x41, 0x42, 0x43]],
  ])('decodes %j', (text, bytes) => expect(Array.from(decodeBase64(text)!)).toEqual(bytes));

  it.each(['QQ', 'QQ=', 'Q===', 'QU!D', 'QU D', 'QU-D', 'QU_D', 'Q=QD', 'é===', '====='])('refuses %j', (text) => {
    expect(decodeBase64(text)).toBeUndefined();
  });

  it('round-trips any bytes (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        expect(Array.from(decodeBase64(Buffer.from(bytes).toString('base64'))!)).toEqual(Array.from(bytes));
      }),
    );
  });

  it('refuses any string with a character outside the alphabet (property)', () => {
    fc.assert(
      fc.property(fc.base64String({ minLength: 4 }), fc.nat(), fc.constantFrom('!', ' ', '\n', '-', '_', '.', '*'), (b64, at, bad) => {
        const i = at % b64.length;
        const text = b64.slice(0, i) + bad + b64.slice(i + 1);
        expect(decodeBase64(text)).toBeUndefined();
      }),
    );
  });
});

describe('AsyncTaskStatus: both spellings of the id', () => {
  it('a taskId that is present but not a string is a mismatch at taskId, even beside a valid task_id', () => {
    const decoded = AsyncTaskStatus.decode({ taskId: {}, task_id: '6f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f', status: 'PENDING' });
    expect(decoded._tag).toBe('Left');
    expect(() => decodeWith(AsyncTaskStatus, { taskId: {}, task_id: 'x', status: 'PENDING' })).toThrow(/taskId: expected string, got an object/);
  });
});
