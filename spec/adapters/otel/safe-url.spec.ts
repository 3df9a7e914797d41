import { safeUrl, safeUrlCache } from '../../../lib/adapters/otel/safe-url.js';

describe('safeUrl / safeUrlCache (what url.full records)', () => {
  const table: readonly (readonly [string, string | undefined])[] = [
    ['https://factpulse.fr/api/v1/processing/tasks/x/status', 'https://factpulse.fr/api/v1/processing/tasks/x/status'],
    ['https://factpulse.fr/api/x?sig=fake-secret#frag', 'https://factpulse.fr/api/x'],
    ['http://127.0.0.1:8080/a/status#f?g', 'http://127.0.0.1:8080/a/status'],
    ['https://user:fake-pass@factpulse.fr/x?y=1', 'https://factpulse.fr/x'],
    ['https://factpulse.fr', 'https://factpulse.fr/'],
    ['http://[::1]:9/x', 'http://[::1]:9/x'],
    ['not a url', undefined],
  ];
  it.each(table)('%s → %s', (url, full) => {
    expect(safeUrl(url)?.full).toBe(full);
    const cached = safeUrlCache();
    expect(cached(url)?.full).toBe(full);
    expect(cached(url)).toEqual(safeUrl(url)); // the second call, from the origin cache
  });
  it('reads server.address, server.port (the scheme default when absent) and url.scheme', () => {
    expect(safeUrl('https://factpulse.fr/x')).toMatchObject({ address: 'factpulse.fr', port: 443, scheme: 'https' });
    expect(safeUrl('http://localhost/x')).toMatchObject({ address: 'localhost', port: 80, scheme: 'http' });
    expect(safeUrlCache()('http://127.0.0.1:8787/x?q')).toMatchObject({ address: '127.0.0.1', port: 8787, scheme: 'http' });
  });
});
