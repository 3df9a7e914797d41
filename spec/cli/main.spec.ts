import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../lib/cli/main.js';
import { startSimulator, type Simulator } from '../../lib/simulator/index.js';
import { captureIo, ndjson } from '../helpers/capture-io.js';
import { httpJson, sleep } from '../helpers/simulator-http.js';

const UNKNOWN = '3fa85f64-5717-4562-b3fc-2c963f66afa6';

describe('factpulse-rx (main)', () => {
  let sim: Simulator;
  let dir: string;
  beforeAll(async () => {
    sim = await startSimulator({ seed: 4, durationMs: 250, retryRate: 0 });
    dir = await mkdtemp(join(tmpdir(), 'fprx-main-'));
  });
  afterAll(async () => {
    await sim.close();
    await rm(dir, { recursive: true, force: true });
  });
  const env = (): Record<string, string> => ({ FACTPULSE_BASE_URL: sim.url, FACTPULSE_TOKEN: sim.token });

  describe('watch', () => {
    it('follows a task to success: exit 0, NDJSON transitions, the PDF written with --out', async () => {
      // 600 ms: PENDING for the first 180 ms, long enough for the first poll even on a cold start.
      const { taskId } = await sim.submit({ outcome: 'success', durationMs: 600 });
      const io = captureIo({ cwd: dir });
      const code = await main(['watch', '--interval', '50ms', '--out', 'pdfs', taskId], env(), io);
      expect(io.stderr.text()).toBe('');
      expect(code).toBe(0);
      const lines = ndjson(io.stdout.text());
      expect(lines.map((l) => l['to'])).toEqual(['pending', 'started', 'succeeded']);
      expect(lines[0]).toMatchObject({ event: 'transition', taskId, from: null, at: expect.any(Number), polls: 1 });
      const last = lines[2] ?? {};
      expect(last).toMatchObject({ from: 'started', contentBytes: expect.any(Number), file: join(dir, 'pdfs', `${taskId}.pdf`) });
      const pdf = await readFile(join(dir, 'pdfs', `${taskId}.pdf`));
      expect(pdf.subarray(0, 8).toString()).toBe('%PDF-1.4');
      expect(pdf.length).toBe(last['contentBytes']);
      expect(sim.stats(taskId).requests).toBe(last['polls']);
    });

    it('exits 1 when a task is rejected or failed, with the AFNOR details and the failure', async () => {
      const { taskId: ok } = await sim.submit({ outcome: 'success' });
      const { taskId: refused } = await sim.submit({ outcome: 'rejected' });
      const { taskId: broken } = await sim.submit({ outcome: 'failed' });
      const io = captureIo();
      const code = await main(['watch', '--interval', '50', '--json', ok, refused, broken], env(), io);
      expect(code).toBe(1);
      const terminal = ndjson(io.stdout.text()).filter((l) => ['succeeded', 'rejected', 'failed'].includes(String(l['to'])));
      expect(terminal).toHaveLength(3);
      expect(terminal.find((l) => l['taskId'] === refused)).toMatchObject({ to: 'rejected', error: { errorCode: expect.any(String), details: expect.arrayContaining([expect.objectContaining({ item: expect.any(String) })]) } });
      expect(terminal.find((l) => l['taskId'] === broken)).toMatchObject({ to: 'failed', error: { message: expect.any(String), type: expect.any(String) } });
    });

    it('exits 3 with a DeadlineError line when a task (an unknown id: PENDING forever) outlives --deadline', async () => {
      const io = captureIo();
      const code = await main(['watch', '--interval', '50ms', '--deadline', '300ms', UNKNOWN], env(), io);
      expect(code).toBe(3);
      const lines = ndjson(io.stdout.text());
      expect(lines[0]).toMatchObject({ to: 'pending' });
      expect(lines[lines.length - 1]).toMatchObject({ event: 'error', taskId: UNKNOWN, error: { name: 'DeadlineError' } });
    });

    it('exits 3 with an AuthError for an expired token, and never prints the token', async () => {
      const expired = sim.createToken({ ttlMs: 0 });
      const io = captureIo();
      const code = await main(['watch', UNKNOWN], { FACTPULSE_BASE_URL: sim.url, FACTPULSE_TOKEN: expired }, io);
      expect(code).toBe(3);
      expect(ndjson(io.stdout.text())).toEqual([expect.objectContaining({ event: 'error', error: expect.objectContaining({ name: 'AuthError', status: 401 }) })]);
      expect(io.stdout.text() + io.stderr.text()).not.toContain(expired);
    });

    it('exits 3 when the API cannot be reached before --deadline, with a retry event per attempt meanwhile', async () => {
      const closed = await startSimulator();
      await closed.close();
      const io = captureIo();
      // stdout is not a terminal here, so NDJSON without --json.
      const code = await main(['watch', '--deadline', '800ms', UNKNOWN], { FACTPULSE_BASE_URL: closed.url, FACTPULSE_TOKEN: sim.token }, io);
      expect(code).toBe(3);
      const lines = ndjson(io.stdout.text());
      // The refused port shows at once (first retry line), not only when the retries run out.
      const retries = lines.filter((l) => l['event'] === 'retry');
      expect(retries.length).toBeGreaterThanOrEqual(1);
      expect(retries[0]).toEqual({ event: 'retry', taskId: UNKNOWN, attempt: 1, delayMs: expect.any(Number), error: 'NetworkError', elapsedMs: expect.any(Number) });
      expect(Number(retries[0]?.['elapsedMs'])).toBeLessThan(500);
      expect(retries.map((l) => l['attempt'])).toEqual(retries.map((_, i) => i + 1));
      expect(lines.slice(retries.length)).toEqual([expect.objectContaining({ event: 'error', error: expect.objectContaining({ name: 'DeadlineError' }) })]);
    });

    it('writes progress transitions with { current, total, ratio } for a task that reports PROGRESS', async () => {
      const { taskId } = await sim.submit({ outcome: 'success', durationMs: 1200, progressSteps: 3 });
      const io = captureIo({ cwd: dir });
      expect(await main(['watch', '--interval', '40ms', taskId], env(), io)).toBe(0);
      const lines = ndjson(io.stdout.text());
      const progress = lines.filter((l) => l['progress'] !== undefined);
      expect(progress.map((l) => l['progress'])).toEqual([
        { current: 1, total: 3, ratio: 1 / 3 },
        { current: 2, total: 3, ratio: 2 / 3 },
        { current: 3, total: 3, ratio: 1 },
      ]);
      expect(progress.slice(1).every((l) => l['from'] === 'started' && l['to'] === 'started' && l['status'] === 'PROGRESS')).toBe(true);
      expect(lines[lines.length - 1]).toMatchObject({ to: 'succeeded', contentBytes: expect.any(Number) });
    });

    it('shows the progress (3/10 style) on the live line of a terminal', async () => {
      const { taskId } = await sim.submit({ outcome: 'success', durationMs: 900, progressSteps: 2 });
      const io = captureIo({ tty: true });
      expect(await main(['watch', '--interval', '40ms', taskId], { ...env(), NO_COLOR: '1' }, io)).toBe(0);
      expect(io.stdout.text()).toMatch(new RegExp(`${taskId}  started .* [█▌·]{10} 1/2`));
    });

    it('reads the token from --token-file and reads it again when the API refuses the token', async () => {
      const file = join(dir, 'token');
      await writeFile(file, `${sim.createToken({ ttlMs: 150 })}\n`);
      const { taskId } = await sim.submit({ outcome: 'success', durationMs: 600 });
      const io = captureIo({ cwd: dir });
      const running = main(['watch', '--interval', '50ms', '--token-file', 'token', taskId], { FACTPULSE_BASE_URL: sim.url }, io);
      // Rotate the file while the first token is still valid; it expires at 150 ms, mid-task.
      await sleep(80);
      const rotated = sim.createToken();
      await writeFile(file, `${rotated}\n`);
      expect(await running).toBe(0);
      expect(sim.stats(taskId).unauthorized).toBe(1);
      expect(io.stdout.text()).not.toContain(rotated);
    });

    it('draws live lines and a summary on a terminal', async () => {
      const { taskId } = await sim.submit({ outcome: 'rejected' });
      const io = captureIo({ tty: true });
      const code = await main(['watch', '--interval', '50ms', taskId], { ...env(), NO_COLOR: '1' }, io);
      expect(code).toBe(1);
      const text = io.stdout.text();
      expect(text).toContain('\x1b[?25l');
      expect(text).toContain(`✖ ${taskId}  rejected`);
      expect(text).toMatch(/1 task in \d+\.\ds: 1 rejected \(\d+ polls\)/);
      expect(text).not.toContain('\x1b[3'); // NO_COLOR: no colour codes
      expect(() => ndjson(text)).toThrow();
    });

    it('prints one plain line per event on a terminal too small for a live line per task', async () => {
      const { taskId: a } = await sim.submit({ outcome: 'success' });
      const { taskId: b } = await sim.submit({ outcome: 'success' });
      const io = captureIo({ tty: true });
      const small = { ...io, stdout: Object.assign(io.stdout, { rows: 3 }) };
      expect(await main(['watch', '--interval', '50ms', a, b], { ...env(), NO_COLOR: '1' }, small)).toBe(0);
      const text = io.stdout.text();
      expect(text).not.toContain('\x1b[');
      expect(text).toContain(`${a}  started → succeeded`);
      expect(text).toContain('2 tasks in');
    });

    it('stops on Ctrl-C: exit 130, an interrupted line, no request after', async () => {
      const io = captureIo();
      const running = main(['watch', '--interval', '50ms', UNKNOWN], env(), io);
      await sleep(200);
      io.controller.abort();
      expect(await running).toBe(130);
      const lines = ndjson(io.stdout.text());
      expect(lines[lines.length - 1]).toMatchObject({ event: 'interrupted', taskId: UNKNOWN });
      const before = sim.stats(UNKNOWN).requests;
      await sleep(150);
      expect(sim.stats(UNKNOWN).requests).toBe(before);
    });

    it.each([
      [['watch', '--token', 'eyJ.cli.secret', UNKNOWN], 'shell history'],
      [['watch'], 'no task id'],
      [['watch', 'abc'], 'UUID'],
      [['frob'], 'unknown command'],
      [[], 'no command'],
    ])('exits 2 with a one-line message and where to find the usage for %j', async (argv, message) => {
      const io = captureIo();
      expect(await main(argv, env(), io)).toBe(2);
      const lines = io.stderr.text().split('\n');
      expect(lines).toHaveLength(3); // two lines and the final newline
      expect(lines[0]).toMatch(/^factpulse-rx: /);
      expect(lines[0]).toContain(message);
      expect(lines[1]).toBe(argv[0] === 'watch' ? 'Run factpulse-rx watch --help for usage.' : 'Run factpulse-rx --help for usage.');
      expect(io.stderr.text()).not.toContain('Usage:');
      expect(io.stderr.text()).not.toContain('eyJ.cli.secret');
      expect(io.stdout.text()).toBe('');
    });

    it('prints its version with --version (and -V), exit 0', async () => {
      const io = captureIo();
      expect(await main(['--version'], {}, { ...io, version: '9.8.7' })).toBe(0);
      expect(await main(['-V'], {}, { ...io, version: '9.8.7' })).toBe(0);
      expect(io.stdout.text()).toBe('factpulse-rx 9.8.7\nfactpulse-rx 9.8.7\n');
      expect(io.stderr.text()).toBe('');
    });

    it('exits 2 without a token', async () => {
      const io = captureIo();
      expect(await main(['watch', UNKNOWN], { FACTPULSE_BASE_URL: sim.url }, io)).toBe(2);
      expect(io.stderr.text()).toContain('FACTPULSE_TOKEN');
    });

    it('prints help with --help and exits 0', async () => {
      const io = captureIo();
      expect(await main(['watch', '--help'], {}, io)).toBe(0);
      expect(io.stdout.text()).toContain('--token-file PATH');
      expect(await main(['--help'], {}, io)).toBe(0);
    });
  });

  describe('simulate', () => {
    it('serves until Ctrl-C, prints how to use it, writes a token file (mode 600) it removes at the end', async () => {
      const io = captureIo({ cwd: dir });
      const running = main(['simulate', '--port', '0', '--seed', '9', '--duration', '200ms', '--submit', '2', '--token-file', 'sim.token', '--quiet'], {}, io);
      let url: string | undefined;
      for (let i = 0; i < 50 && url === undefined; i++) {
        await sleep(20);
        url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(io.stdout.text())?.[1];
      }
      expect(url).toBeDefined();
      const tokenFile = join(dir, 'sim.token');
      expect((await stat(tokenFile)).mode & 0o777).toBe(0o600);
      const token = (await readFile(tokenFile, 'utf8')).trim();
      const ids = [...io.stdout.text().matchAll(/^ {4}([0-9a-f-]{36})/gm)].map((m) => m[1] ?? '');
      expect(ids).toHaveLength(2);
      expect(io.stdout.text()).not.toContain(token);
      // The Try: line works as printed in a project with the package installed: `npx factpulse-rx …`.
      const tryLine = /^Try: (.*)$/m.exec(io.stdout.text())?.[1] ?? '';
      expect(tryLine.startsWith('npx factpulse-rx watch --base-url ')).toBe(true);
      const tryArgs = tryLine.split(' ').slice(2);
      expect(tryArgs.slice(-2)).toEqual(ids);
      const tried = captureIo({ cwd: dir });
      const trying = main([...tryArgs, '--interval', '50ms'], {}, tried);
      for (let i = 0; i < 100 && ndjson(tried.stdout.text()).length < 2; i++) await sleep(20);
      tried.controller.abort();
      expect(await trying).toBe(130);
      expect(tried.stderr.text()).toBe('');
      expect(ndjson(tried.stdout.text()).filter((l) => l['event'] === 'transition').map((l) => l['taskId']).sort()).toEqual([...ids].sort());

      expect(io.stdout.text()).toContain('finish 30 s after start');
      // A task submitted now takes --duration (200 ms); watch it through the simulator's token file.
      const submitted = await httpJson(`${url ?? ''}/api/v1/processing/generate-invoice`, { token, body: { outcome: 'success' } });
      const { taskId } = submitted.body as { taskId: string };
      const watch = captureIo({ cwd: dir });
      expect(await main(['watch', '--interval', '50ms', '--base-url', url ?? '', '--token-file', 'sim.token', taskId], {}, watch)).toBe(0);
      expect(ndjson(watch.stdout.text()).pop()).toMatchObject({ taskId, to: 'succeeded' });

      io.controller.abort();
      expect(await running).toBe(0);
      await expect(stat(tokenFile)).rejects.toMatchObject({ code: 'ENOENT' });
    }, 15_000);

    it('exits 2 for a bad --fault-rate, --port or --progress', async () => {
      const io = captureIo();
      expect(await main(['simulate', '--fault-rate', '2'], {}, io)).toBe(2);
      expect(await main(['simulate', '--port', 'http'], {}, io)).toBe(2);
      expect(await main(['simulate', '--progress', '-1'], {}, io)).toBe(2);
      expect(await main(['simulate', '--progress', '101'], {}, io)).toBe(2);
      expect(io.stderr.text()).toContain('--fault-rate');
      expect(io.stderr.text()).toContain('--port');
      expect(io.stderr.text()).toContain('--progress must be an integer between 0 and 100');
    });
  });

  describe('demo', () => {
    it('shows every outcome in a few seconds and exits 0', async () => {
      const io = captureIo({ cwd: dir });
      const started = Date.now();
      const code = await main(['demo', '--json', '--out', 'demo-out'], {}, io);
      expect(io.stderr.text()).toBe('');
      expect(code).toBe(0);
      expect(Date.now() - started).toBeLessThan(15_000);
      const terminal = ndjson(io.stdout.text()).filter((l) => l['event'] === 'transition' && ['succeeded', 'rejected', 'failed'].includes(String(l['to'])));
      expect(terminal.map((l) => l['to']).sort()).toEqual(['failed', 'rejected', 'succeeded', 'succeeded']);
      const files = await readdir(join(dir, 'demo-out'));
      expect(files).toHaveLength(2);
      expect(files.every((f) => f.endsWith('.pdf'))).toBe(true);
    }, 20_000);
  });
});
