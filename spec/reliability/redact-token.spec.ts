import { withoutToken } from '../../lib/http/redact-token.js';

// Unit tests of the fix that keeps an echoed token out of HttpError / AuthError (lib/http/redact-token.ts).

const TOKEN = 'abc"def\\ghi-123';

describe('withoutToken', () => {
  it('redacts the token in body strings and keys, text and header values of an error response', () => {
    const body = JSON.parse(`{"detail":"Bearer ${TOKEN.replace(/["\\]/g, (c) => `\\${c}`)}","list":[{"${TOKEN.replace(/["\\]/g, (c) => `\\${c}`)}":1}],"__proto__":{"x":"${TOKEN.replace(/["\\]/g, (c) => `\\${c}`)}"}}`) as unknown;
    const out = withoutToken({ status: 401, headers: { 'x-echo': `Bearer ${TOKEN}`, other: 'fine' }, body }, TOKEN);
    expect(JSON.stringify(out)).not.toContain('abc');
    expect(out.body).toMatchObject({ detail: 'Bearer [redacted]', list: [{ '[redacted]': 1 }] });
    expect(Object.getOwnPropertyDescriptor(out.body, '__proto__')?.value).toEqual({ x: '[redacted]' });
    expect(({} as Record<string, unknown>)['x']).toBeUndefined();
    expect(out.headers).toEqual({ 'x-echo': 'Bearer [redacted]', other: 'fine' });
    expect(withoutToken({ status: 502, headers: {}, text: `<p>${TOKEN}</p>` }, TOKEN).text).toBe('<p>[redacted]</p>');
  });

  it('redacts a 2xx response like any other (a gateway page or JSON echoing the header)', () => {
    const page = withoutToken({ status: 200, headers: { 'x-echo-authorization': `Bearer ${TOKEN}` }, text: `Bearer ${TOKEN} <html>` }, TOKEN);
    expect(page).toEqual({ status: 200, headers: { 'x-echo-authorization': 'Bearer [redacted]' }, text: 'Bearer [redacted] <html>' });
    expect(withoutToken({ status: 200, headers: {}, body: { echo: [TOKEN] } }, TOKEN).body).toEqual({ echo: ['[redacted]'] });
    const escaped = JSON.stringify(TOKEN).slice(1, -1);
    expect(withoutToken({ status: 204, headers: {}, text: `{"echo":"${escaped}"` }, TOKEN).text).toBe('{"echo":"[redacted]"');
  });

  it('returns the same response when there is nothing to redact, without a token, or for a token under 4 characters', () => {
    const error = { status: 500, headers: { a: 'b' }, body: { detail: 'no secret here' } };
    expect(withoutToken(error, TOKEN)).toBe(error);
    const ok = { status: 200, headers: {}, body: { taskId: 'x', status: 'PENDING' } };
    expect(withoutToken(ok, TOKEN)).toBe(ok);
    const echoed = { status: 400, headers: {}, body: { echo: TOKEN } };
    expect(withoutToken(echoed, undefined)).toBe(echoed);
    expect(withoutToken({ status: 400, headers: {}, body: { echo: 'a b c' } }, 'a')).toEqual({ status: 400, headers: {}, body: { echo: 'a b c' } });
  });

  it('withholds a body too deep to re-serialise rather than risk the token', () => {
    let deep: unknown = TOKEN;
    for (let i = 0; i < 200_000; i++) deep = [deep];
    const out = withoutToken({ status: 400, headers: {}, body: deep }, TOKEN);
    expect(out.body).toBe('[redacted]');
  });

  it('searches a 50 000-deep body without the token without throwing, and returns it as is', () => {
    let deep: unknown = 'nothing secret';
    for (let i = 0; i < 50_000; i++) deep = { meta: deep };
    const response = { status: 200, headers: {}, body: deep };
    expect(withoutToken(response, TOKEN)).toBe(response);
  });
});
