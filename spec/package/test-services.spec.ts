/**
 * What `npm test` provisions and starts for itself (spec/helpers/services/, jest globalSetup):
 * the run's own redis-server on a free loopback port, Chromium, and one clear line naming the
 * command to run when the machine has neither and cannot install them.
 */
import { existsSync } from 'node:fs';
import { connect } from 'node:net';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const services = require('../helpers/services/provision.cjs') as {
  provisionChromium(log: (line: string) => void, how: Record<string, unknown>): Promise<string>;
  provisionRedisServer(log: (line: string) => void, how: Record<string, unknown>): Promise<string>;
  startRedisServer(bin: string): Promise<{ url: string; port: number; stop(): Promise<void> }>;
};

/** Sends PING over raw RESP; resolves to the first line of the answer (or the error's code). */
function ping(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.setTimeout(2000, () => (socket.destroy(), resolve('timeout')));
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (chunk) => (socket.destroy(), resolve(chunk.toString().split('\r\n')[0]!)));
  });
}

const never = async (): Promise<boolean> => false;

describe('the services the suite provides itself', () => {
  it("hands every spec this run's own redis-server and a Chromium through the environment", async () => {
    const url = process.env['FACTPULSE_RX_REDIS_URL'];
    expect(url).toMatch(/^redis:\/\/127\.0\.0\.1:\d+$/);
    expect(await ping(Number(new URL(url!).port))).toBe('+PONG');
    expect(existsSync(process.env['FACTPULSE_RX_CHROMIUM']!)).toBe(true);
  });

  it('starts a redis-server on a free loopback port, a new one each time, and stops it', async () => {
    const bin = process.env['FACTPULSE_RX_REDIS_SERVER']!;
    const [a, b] = await Promise.all([services.startRedisServer(bin), services.startRedisServer(bin)]);
    try {
      expect(a.port).not.toBe(b.port);
      expect(a.url).toBe(`redis://127.0.0.1:${a.port}`);
      expect(await ping(a.port)).toBe('+PONG');
    } finally {
      await a.stop();
      await b.stop();
    }
    expect(await ping(a.port)).toBe('ECONNREFUSED');
  });

  it('names the command to run, in one line, when redis-server is missing and cannot be installed', async () => {
    const lines: string[] = [];
    const error = await services.provisionRedisServer((l) => lines.push(l), { searchPath: '/nonexistent', candidates: [], install: never }).catch((e: Error) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toBe(
      'The Redis hub specs need redis-server: run `sudo apt-get install -y redis-server` (or put redis-server on the PATH).',
    );
  });

  it('prefers the Chromium shipped in an npm package, then Debian’s, and otherwise names the command to run', async () => {
    const shipped = async (): Promise<string> => '/opt/from-npm/chromium';
    await expect(services.provisionChromium(() => undefined, { given: undefined, shipped })).resolves.toBe('/opt/from-npm/chromium');
    const none = async (): Promise<undefined> => undefined;
    await expect(services.provisionChromium(() => undefined, { given: undefined, shipped: none, debian: '/nonexistent/chromium', install: never })).rejects.toThrow(
      /^The browser specs need Chromium: run `sudo apt-get install -y chromium` \(or set FACTPULSE_RX_CHROMIUM to a Chromium binary\)\.$/,
    );
  });
});
