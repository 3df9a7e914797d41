import { BusinessResult } from '../../lib/codecs/index.js';

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
