import { writeFileSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../lib/cli/main.js';
import { captureIo, ndjson } from '../helpers/capture-io.js';
import { sendJson, startTestServer, type TestServer } from '../helpers/test-server.js';

// The command against hostile or broken loopback servers: what it prints and what it writes.
const ID = '3fa85f64-5717-4562-b3fc-2c963f66afa6';
const OTHER = '7c9e6679-7425-40de-944b-e07fc1f90ae7';
const FIRST = 'fake-first-token-aaaaaaaaaaaa';
const ROTATED = 'fake-rotated-token-bbbbbbbbbbbb';

describe('factpulse-rx watch against a hostile server', () => {
  let server: TestServer;
  let dir: string;
  beforeAll(async () => {
    server = await startTestServer();
    dir = await mkdtemp(join(tmpdir(), 'fprx-safety-'));
  });
  afterEach(() => server.reset());
  afterAll(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  const authOf = (header: string | string[] | undefined): string => (typeof header === 'string' ? header.replace(/^Bearer /, '') : '');

  describe('redacts every token the token file handed out (issue 14)', () => {
    // The first token is refused; the file has been rotated meanwhile, so the command reads the
    // new one, and the server then echoes whatever token it got in what the command prints.
    const rotateThenEcho = (tokenFile: string, echo: (res: import('node:http').ServerResponse, token: string) => void): void => {
      server.handle((req, res) => {
        const token = authOf(req.headers.authorization);
        if (token === FIRST) {
          writeFileSync(tokenFile, `${ROTATED}\n`);
          sendJson(res, 401, { errorCode: 'TOKEN_EXPIRED', errorMessage: 'expired', details: [] });
          return;
        }
        echo(res, token);
      });
    };

    it('in a task failure quoted on stdout (NDJSON)', async () => {
      const tokenFile = join(dir, 'token-failure');
      await writeFile(tokenFile, `${FIRST}\n`);
      rotateThenEcho(tokenFile, (res, token) =>
        sendJson(res, 200, { taskId: ID, status: 'FAILURE', result: { exc_type: 'EchoError', exc_message: [`gateway saw Authorization: Bearer ${token}`] } }),
      );
      const io = captureIo({ cwd: dir });
      const code = await main(['watch', '--json', '--base-url', server.url, '--token-file', 'token-failure', ID], {}, io);
      expect(server.requests.map((r) => authOf(r.headers.authorization))).toEqual([FIRST, ROTATED]);
      expect(code).toBe(1);
      const printed = io.stdout.text() + io.stderr.text();
      expect(ndjson(io.stdout.text()).pop()).toMatchObject({ to: 'failed', error: { message: expect.stringContaining('[redacted]') } });
      expect(printed).not.toContain(ROTATED);
      expect(printed).not.toContain(FIRST);
    });

    it('in a stream error on a terminal (live line and summary)', async () => {
      const tokenFile = join(dir, 'token-error');
      await writeFile(tokenFile, `${FIRST}\n`);
      // A gateway page that is not JSON, echoing the request header.
      rotateThenEcho(tokenFile, (res, token) => {
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end(`Bearer ${token} refused by the gateway`);
      });
      const io = captureIo({ cwd: dir, tty: true });
      const code = await main(['watch', '--base-url', server.url, '--token-file', 'token-error', ID], { NO_COLOR: '1' }, io);
      expect(code).toBe(3);
      const printed = io.stdout.text() + io.stderr.text();
      expect(printed).toContain('DecodeError');
      expect(printed).not.toContain(ROTATED);
      expect(printed).not.toContain(FIRST);
    });
  });

  it('never writes another task\'s PDF: a SUCCESS naming another taskId ends in an error, no file (issue 13)', async () => {
    const pdf = Buffer.from('%PDF-1.4\n% another customer\'s invoice\n%%EOF\n').toString('base64');
    server.handle((_req, res) => sendJson(res, 200, { taskId: OTHER, status: 'SUCCESS', result: { status: 'SUCCESS', content_b64: pdf } }));
    const io = captureIo({ cwd: dir });
    const code = await main(['watch', '--json', '--out', 'mixup', '--base-url', server.url, ID], { FACTPULSE_TOKEN: FIRST }, io);
    expect(code).toBe(3);
    const lines = ndjson(io.stdout.text());
    expect(lines.some((l) => l['to'] === 'succeeded')).toBe(false);
    expect(lines.pop()).toMatchObject({ event: 'error', taskId: ID, error: { name: 'DecodeError' } });
    const written = await readdir(join(dir, 'mixup')).catch(() => []);
    expect(written).toEqual([]);
  });

  it('names the URL requested in an HTTP error line, never the token (issue 16)', async () => {
    server.handle((_req, res) => sendJson(res, 404, { detail: 'Not Found' }));
    const url = `${server.url}/wrong/api/v1/processing/tasks/${ID}/status`;
    const json = captureIo();
    expect(await main(['watch', '--json', '--base-url', `${server.url}/wrong`, ID], { FACTPULSE_TOKEN: FIRST }, json)).toBe(3);
    expect(ndjson(json.stdout.text()).filter((l) => l['event'] !== 'retry')).toEqual([
      expect.objectContaining({ event: 'error', taskId: ID, error: { name: 'HttpError', status: 404, url, message: `HTTP 404 from ${url}` } }),
    ]);
    const tty = captureIo({ tty: true });
    expect(await main(['watch', '--base-url', `${server.url}/wrong`, ID], { FACTPULSE_TOKEN: FIRST, NO_COLOR: '1' }, tty)).toBe(3);
    expect(tty.stdout.text()).toContain(`HttpError: HTTP 404 from ${url}`);
    expect(json.stdout.text() + json.stderr.text() + tty.stdout.text() + tty.stderr.text()).not.toContain(FIRST);
    expect(new Set(server.requests.map((r) => r.url))).toEqual(new Set([`/wrong/api/v1/processing/tasks/${ID}/status`]));
  });
});
