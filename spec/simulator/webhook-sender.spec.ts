import { createHmac } from 'node:crypto';
import { isLoopbackUrl, signWebhookBody } from '../../lib/simulator/webhook-sender.js';

describe('signWebhookBody', () => {
  it('is sha256= and the hex HMAC-SHA256 of the raw body', () => {
    const body = '{"event_type":"generation.completed","data":{"taskId":"x"}}';
    const expected = createHmac('sha256', 'k3y').update(body).digest('hex');
    expect(signWebhookBody(body, 'k3y')).toBe(`sha256=${expected}`);
    expect(signWebhookBody(Buffer.from(body), 'k3y')).toBe(`sha256=${expected}`);
    expect(signWebhookBody(body, 'other')).not.toBe(`sha256=${expected}`);
  });
});

describe('isLoopbackUrl', () => {
  it.each([
    ['http://127.0.0.1:9000/hook', true],
    ['http://127.1.2.3/hook', true],
    ['http://localhost:3000/x', true],
    ['http://[::1]:8080/x', true],
    ['https://127.0.0.1/hook', false],
    ['http://example.com/hook', false],
    ['http://10.0.0.1/hook', false],
    ['http://127.0.0.1.nip.io/hook', false],
    ['http://user:pw@127.0.0.1/hook', false],
    ['ftp://127.0.0.1/x', false],
    ['not a url', false],
  ])('%s → %s', (url, expected) => {
    expect(isLoopbackUrl(url)).toBe(expected);
  });
});
