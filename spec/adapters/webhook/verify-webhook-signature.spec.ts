import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { verifyWebhookSignature } from '../../../lib/adapters/webhook/index.js';
import { signWebhookBody } from '../../../lib/simulator/index.js';

const secret = 'whsec-test';
const body = '{"event_type":"generation.completed","data":{"taskId":"0b8f7a4e-1f7c-4a55-9d7e-2b1f0c3d4e5f","status":"SUCCESS"}}';
const hex = (b: string | Uint8Array, key = secret): string => createHmac('sha256', key).update(b).digest('hex');

describe('verifyWebhookSignature', () => {
  it('accepts the sha256=<hex HMAC-SHA256> of the raw body, as string or bytes', () => {
    expect(verifyWebhookSignature(body, `sha256=${hex(body)}`, secret)).toBe(true);
    expect(verifyWebhookSignature(Buffer.from(body), `sha256=${hex(body)}`, secret)).toBe(true);
    expect(verifyWebhookSignature(new TextEncoder().encode(body), `sha256=${hex(body)}`, secret)).toBe(true);
    expect(verifyWebhookSignature(body, `sha256=${hex(body).toUpperCase()}`, secret)).toBe(true);
    expect(verifyWebhookSignature(body, `sha256=${hex(body, 'k')}`, Buffer.from('k'))).toBe(true);
  });

  it('accepts what the simulator (and so FactPulse’s format) signs', () => {
    expect(verifyWebhookSignature(body, signWebhookBody(body, secret), secret)).toBe(true);
  });

  it('rejects a signature made with another secret', () => {
    expect(verifyWebhookSignature(body, `sha256=${hex(body, 'other')}`, secret)).toBe(false);
  });

  it('rejects a body with any single bit flipped (a replayed body, altered)', () => {
    const signature = `sha256=${hex(body)}`;
    const bytes = Buffer.from(body);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: bytes.length * 8 - 1 }), (bit) => {
        const altered = Buffer.from(bytes);
        altered[bit >> 3] = altered[bit >> 3]! ^ (1 << (bit & 7));
        return verifyWebhookSignature(altered, signature, secret) === false;
      }),
      { numRuns: 300 },
    );
  });

  it('rejects any body but the signed one (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.uint8Array({ maxLength: 200 }), (signed, other) => {
        const signature = `sha256=${hex(signed)}`;
        const same = Buffer.from(signed).equals(Buffer.from(other));
        return verifyWebhookSignature(other, signature, secret) === same;
      }),
    );
  });

  it.each([
    ['missing', undefined],
    ['null', null],
    ['empty', ''],
    ['only the prefix', 'sha256='],
    ['no prefix', hex(body)],
    ['another algorithm', `sha1=${hex(body)}`],
    ['an upper-case prefix', `SHA256=${hex(body)}`],
    ['a short digest', `sha256=${hex(body).slice(0, 62)}`],
    ['a long digest', `sha256=${hex(body)}00`],
    ['non-hex digits', `sha256=${'z'.repeat(64)}`],
    ['surrounding spaces', ` sha256=${hex(body)} `],
    ['two signatures', `sha256=${hex(body)},sha256=${hex(body)}`],
    ['a repeated header (array)', [`sha256=${hex(body)}`, `sha256=${hex(body)}`]],
  ])('returns false for a %s header, without throwing', (_name, header) => {
    expect(verifyWebhookSignature(body, header as string | undefined, secret)).toBe(false);
  });

  it('returns false for a body that is neither string nor bytes', () => {
    expect(verifyWebhookSignature({ event_type: 'x' } as never, `sha256=${hex(body)}`, secret)).toBe(false);
    expect(verifyWebhookSignature(undefined as never, `sha256=${hex('')}`, secret)).toBe(false);
  });

  it('throws a TypeError naming secret when the secret is empty or not a string/bytes', () => {
    expect(() => verifyWebhookSignature(body, `sha256=${hex(body)}`, '')).toThrow(/\bsecret: must be /);
    expect(() => verifyWebhookSignature(body, `sha256=${hex(body)}`, undefined as never)).toThrow(TypeError);
  });
});
