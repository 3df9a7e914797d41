import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startSimulator, type Simulator } from '../../lib/simulator/index.js';
import { ndjson } from '../helpers/capture-io.js';

// The command as a real process: `node --require ts-register.cjs cli-entry.cjs …` runs
// lib/cli/main.ts through runCli(), exactly as bin/factpulse-rx.cjs runs the built file.
const ROOT = join(__dirname, '..', '..');
const REGISTER = join(ROOT, 'spec', 'helpers', 'ts-register.cjs');
const ENTRY = join(ROOT, 'spec', 'helpers', 'cli-entry.cjs');
const UNKNOWN = '3fa85f64-5717-4562-b3fc-2c963f66afa6';

interface Run {
  readonly child: ChildProcess;
  readonly done: Promise<{ code: number | null; stdout: string; stderr: string }>;
  readonly stdout: () => string;
}

function run(args: readonly string[], env: Record<string, string>): Run {
  const base: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('FACTPULSE_')) base[k] = v;
  const child = spawn(process.execPath, ['--require', REGISTER, ENTRY, ...args], { cwd: ROOT, env: { ...base, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.on('close', (code) => resolve({ code, stdout, stderr })),
  );
  return { child, done, stdout: () => stdout };
}

describe('factpulse-rx as a process', () => {
  let sim: Simulator;
  const children: ChildProcess[] = [];
  beforeAll(async () => {
    sim = await startSimulator({ durationMs: 300, retryRate: 0 });
  });
  afterEach(() => {
    for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  });
  afterAll(() => sim.close());

  it('writes NDJSON when stdout is a pipe, exits 1 for a rejection, and never prints the token', async () => {
    const { taskId: ok } = await sim.submit({ outcome: 'success' });
    const { taskId: refused } = await sim.submit({ outcome: 'rejected' });
    const r = run(['watch', '--interval', '100ms', ok, refused], { FACTPULSE_BASE_URL: sim.url, FACTPULSE_TOKEN: sim.token });
    children.push(r.child);
    const { code, stdout, stderr } = await r.done;
    expect(stderr).toBe('');
    expect(code).toBe(1);
    const lines = ndjson(stdout);
    // The process may start after the 300 ms lifecycle is over (a cold transpile cache), so only
    // the edges that must be there are checked: a first line from null, a last one to succeeded.
    const mine = lines.filter((l) => l['taskId'] === ok);
    expect(mine[0]).toMatchObject({ event: 'transition', from: null, polls: 1, at: expect.any(Number) });
    expect(mine[mine.length - 1]).toMatchObject({ to: 'succeeded', contentBytes: expect.any(Number) });
    expect(lines.filter((l) => l['taskId'] === refused).pop()).toMatchObject({ to: 'rejected', error: { errorCode: expect.any(String) } });
    expect(stdout + stderr).not.toContain(sim.token);
  }, 15_000);

  it('exits 2 for a token on the command line, saying why, without echoing it', async () => {
    const r = run(['watch', '--token', 'eyJ.process.secret', UNKNOWN], {});
    children.push(r.child);
    const { code, stdout, stderr } = await r.done;
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain('FACTPULSE_TOKEN');
    expect(stderr).not.toContain('eyJ.process.secret');
  }, 15_000);

  it('prints the package version with --version, exit 0', async () => {
    const r = run(['--version'], {});
    children.push(r.child);
    const { code, stdout, stderr } = await r.done;
    const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    expect({ code, stdout, stderr }).toEqual({ code: 0, stdout: `factpulse-rx ${version}\n`, stderr: '' });
  }, 15_000);

  it('stops cleanly on SIGINT (Ctrl-C) with exit code 130', async () => {
    const r = run(['watch', '--interval', '100ms', UNKNOWN], { FACTPULSE_BASE_URL: sim.url, FACTPULSE_TOKEN: sim.token });
    children.push(r.child);
    for (let i = 0; i < 200 && !r.stdout().includes('\n'); i++) await new Promise((resolve) => setTimeout(resolve, 25));
    expect(ndjson(r.stdout())[0]).toMatchObject({ taskId: UNKNOWN, to: 'pending' });
    const stoppedAt = Date.now();
    r.child.kill('SIGINT');
    const { code, stdout } = await r.done;
    expect(code).toBe(130);
    expect(Date.now() - stoppedAt).toBeLessThan(1500);
    expect(ndjson(stdout).pop()).toMatchObject({ event: 'interrupted', taskId: UNKNOWN });
  }, 15_000);
});
