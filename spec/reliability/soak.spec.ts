import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

// The soak in its short form: bench/soak.mjs against the BUILT package (dist/, from `npm run
// build`), 300 tasks with a seeded mix of every fault, in a 20-second budget (it stops when every
// task has ended, typically after ~12 s). The 1 000-task form runs in .ci/run (`--seconds 30`);
// a 10-minute run's figures are in BENCHMARKS.md.

const ROOT = join(__dirname, '..', '..');
const SOAK = join(ROOT, 'bench', 'soak.mjs');

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function runSoak(args: readonly string[], killAfterMs: number): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [SOAK, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('the soak (short form)', () => {
  it('needs the built package', () => {
    for (const file of ['dist/esm/index.js', 'dist/esm/simulator/index.js', 'dist/esm/http/keep-alive.js']) {
      expect([file, existsSync(join(ROOT, file))]).toEqual([file, true]);
    }
  });

  it('300 tasks through every fault: each ends as scripted, no transition lost or duplicated, nothing leaked', async () => {
    const { code, stdout, stderr } = await runSoak(['--seconds', '20', '--tasks', '300', '--seed', '7'], 45_000);
    const line = stdout.trim().split('\n').pop() ?? '';
    // The one summary line, and the exit code that goes with it.
    expect({ line, stderr: stderr.slice(0, 2000) }).toEqual({ line: expect.stringMatching(/^soak ok: /), stderr: '' });
    expect(code).toBe(0);
    const figure = (name: string): number => Number(new RegExp(`${name} (-?[\\d.]+)`).exec(line)?.[1]);
    expect(figure('tasks')).toBe(300);
    expect(figure('polls')).toBeGreaterThan(600);
    expect(figure('faults injected')).toBeGreaterThan(300);
    expect(Number(/\((\d+) kinds/.exec(line)?.[1])).toBeGreaterThanOrEqual(25);
    for (const zero of ['wrong outcomes', 'faults not seen as scripted', 'unfinished', 'lost', 'duplicated', 'unhandled', 'token leaks', 'other-origin requests', 'leaked handles']) {
      expect([zero, figure(zero)]).toEqual([zero, 0]);
    }
  }, 60_000);

  it('refuses a budget too short for its plan', async () => {
    const { code, stderr } = await runSoak(['--seconds', '3'], 15_000);
    expect(code).toBe(2);
    expect(stderr).toMatch(/usage: node bench\/soak\.mjs/);
  });
});
