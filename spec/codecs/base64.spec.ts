import * as fc from 'fast-check';
import { decodeBase64 } from '../../lib/codecs/base64.js';

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
