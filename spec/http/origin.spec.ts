import { assertSafeOrigin, isLoopbackHost, sameOrigin } from '../../lib/http/origin.js';

describe('isLoopbackHost', () => {
  it.each([
    ['localhost', true],
    ['LocalHost', true],
    ['localhost.', true],
    ['api.localhost', true],
    ['a.b.localhost', true],
    ['127.0.0.1', true],
    ['127.1.2.3', true],
    ['127.255.255.254', true],
    ['::1', true],
    ['[::1]', true],
    ['0:0:0:0:0:0:0:1', true],
    ['::ffff:127.0.0.1', true],
    ['[::ffff:7f00:1]', true],
    ['128.0.0.1', false],
    ['126.255.255.255', false],
    ['127.0.0.256', false],
    ['127.0.0', false],
    ['0.0.0.0', false],
    ['10.0.0.1', false],
    ['[::2]', false],
    ['[::]', false],
    ['[::ffff:a00:1]', false],
    ['localhost.com', false],
    ['notlocalhost', false],
    ['localhost.evil.example', false],
    ['factpulse.fr', false],
    ['', false],
  ])('%j → %s', (hostname, expected) => {
    expect(isLoopbackHost(hostname)).toBe(expected);
  });

  it.each([
    ['http://127.1:8080/', true],
    ['http://0x7f.0.0.1/', true],
    ['http://[0:0:0:0:0:0:0:1]:3000/', true],
    ['http://LOCALHOST/', true],
    ['http://2130706433/', true],
    ['http://factpulse.fr/', false],
  ])('hostname of the parsed URL %s → %s', (url, expected) => {
    expect(isLoopbackHost(new URL(url).hostname)).toBe(expected);
  });
});

describe('sameOrigin', () => {
  it.each([
    ['https://a.test/x', 'https://a.test/y?q=1', true],
    ['https://a.test/x', 'https://a.test:443/y', true],
    ['http://a.test/x', 'http://a.test:80/y', true],
    ['http://127.0.0.1:4000/a', 'http://127.0.0.1:4000/b', true],
    ['https://A.TEST/x', 'https://a.test/x', true],
    ['https://a.test/x', 'http://a.test/x', false],
    ['http://a.test/x', 'https://a.test/x', false],
    ['https://a.test/x', 'https://a.test:8443/x', false],
    ['http://127.0.0.1:4000/a', 'http://127.0.0.1:4001/a', false],
    ['http://127.0.0.1:4000/a', 'http://localhost:4000/a', false],
    ['https://a.test/x', 'https://b.a.test/x', false],
    ['https://a.test/x', 'https://user:pw@a.test/x', true],
    ['file:///tmp/a', 'file:///tmp/b', false],
    ['data:text/plain,a', 'data:text/plain,a', false],
  ])('%s vs %s → %s', (a, b, expected) => {
    expect(sameOrigin(new URL(a), new URL(b))).toBe(expected);
    expect(sameOrigin(new URL(b), new URL(a))).toBe(expected);
  });
});

describe('assertSafeOrigin', () => {
  it.each([
    ['https://factpulse.fr', true, false],
    ['https://factpulse.fr/prefix/', true, false],
    ['http://127.0.0.1:8080', true, false],
    ['http://localhost:3000', true, false],
    ['http://sim.localhost', true, false],
    ['http://[::1]:9000', true, false],
    ['http://factpulse.internal', false, false],
    ['http://factpulse.internal', true, true],
  ])('accepts %s (token: %s, allowInsecureHttp: %s)', (baseUrl, hasToken, allowInsecureHttp) => {
    expect(assertSafeOrigin(baseUrl, hasToken, allowInsecureHttp)).toBeInstanceOf(URL);
  });

  it('returns the parsed URL', () => {
    expect(assertSafeOrigin('https://factpulse.fr/api', true, false).href).toBe('https://factpulse.fr/api');
  });

  it.each([
    ['http://factpulse.fr', /allowInsecureHttp/],
    ['http://10.0.0.5:8000', /allowInsecureHttp/],
    ['http://0.0.0.0:8000', /allowInsecureHttp/],
    ['http://localhost.evil.example', /allowInsecureHttp/],
    ['not a url', /baseUrl/],
    ['/api/v1', /baseUrl/],
    ['', /baseUrl/],
    ['ftp://factpulse.fr', /baseUrl: must be an http or https URL, got a string/],
    ['ws://factpulse.fr', /baseUrl/],
    ['file:///etc/passwd', /baseUrl/],
    ['javascript:alert(1)', /baseUrl/],
    ['https://user:s3cret@factpulse.fr', /baseUrl.*credentials/],
  ])('refuses %j with a TypeError matching %s', (baseUrl, message) => {
    expect(() => assertSafeOrigin(baseUrl, true, false)).toThrow(TypeError);
    expect(() => assertSafeOrigin(baseUrl, true, false)).toThrow(message);
  });

  it('names baseUrl for a value that is not a string', () => {
    expect(() => assertSafeOrigin(42 as unknown as string, false, false)).toThrow(/baseUrl/);
    expect(() => assertSafeOrigin(undefined as unknown as string, false, false)).toThrow(TypeError);
  });

  it('never echoes credentials, path or query of the URL', () => {
    const messages: string[] = [];
    for (const url of ['https://user:s3cret@factpulse.fr/p?q=hidden', 'http://factpulse.fr/p?token=hidden']) {
      try {
        assertSafeOrigin(url, true, false);
      } catch (error) {
        messages.push((error as Error).message);
      }
    }
    expect(messages).toHaveLength(2);
    for (const message of messages) {
      expect(message).not.toMatch(/s3cret|hidden/);
    }
  });
});
