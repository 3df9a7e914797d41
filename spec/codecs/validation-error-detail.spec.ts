import { ValidationErrorDetail } from '../../lib/codecs/index.js';

describe('ValidationErrorDetail', () => {
  it('accepts an AFNOR detail, bare or with level, source and code', () => {
    expect(ValidationErrorDetail.is({ item: 'BT-1', reason: 'missing' })).toBe(true);
    expect(ValidationErrorDetail.is({ item: 'BT-1', reason: 'missing', level: 'Warning', source: 'pdfa', code: 'PDF-3' })).toBe(true);
    expect(ValidationErrorDetail.is({ item: 'BT-1', reason: 'missing', source: null, code: null })).toBe(true);
  });

  it('keeps a level or source outside the documented sets (a new validator is not a DecodeError)', () => {
    expect(ValidationErrorDetail.is({ item: 'BT-2', reason: 'odd', level: 'Info', source: 'peppol' })).toBe(true);
  });

  it.each([
    ['without item', { reason: 'missing' }],
    ['without reason', { item: 'BT-1' }],
    ['with a numeric code', { item: 'BT-1', reason: 'r', code: 7 }],
    ['with a null level', { item: 'BT-1', reason: 'r', level: null }],
  ])('refuses a detail %s', (_, detail) => {
    expect(ValidationErrorDetail.is(detail)).toBe(false);
  });
});
