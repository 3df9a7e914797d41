import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const ROOT = join(__dirname, '..', '..', '..');
const REGISTER = join(ROOT, 'spec', 'helpers', 'ts-register.cjs');
const CHILD = join(__dirname, 'hub-child.cjs');

/** What a child process reports (see hub-child.cjs). */
export type ChildLine =
  | { kind: 'ready'; pid: number }
  | { kind: 'event'; type: 'hub-role' | 'hub-fallback'; taskId: string; role?: 'poller' | 'follower'; received: number }
  | {
      kind: 'transition';
      taskId: string;
      from: string | null;
      to: string;
      at: number;
      received: number;
      bytes?: { length: number; sha256: string; isUint8Array: boolean };
    }
  | { kind: 'error'; taskId: string; name: string; message: string }
  | { kind: 'stats'; following: number; polling: number; local: number; requests: number; received: number }
  | { kind: 'done' | 'stopped'; requests: Record<string, number>; total: number };

/** The configuration a child gets on its command line. */
export interface ChildConfig {
  readonly redisUrl: string;
  readonly keyPrefix: string;
  readonly leaseMs: number;
  readonly baseUrl: string;
  readonly token: string;
  readonly interval: number;
  readonly maxRequestsPerSecond?: number;
  readonly maxRequestsBurst?: number;
  readonly commandTimeout?: number;
}

/** A running child and everything it said so far. */
export interface HubChild {
  readonly name: string;
  readonly process: ChildProcess;
  readonly lines: ChildLine[];
  /** Resolves with the first line that `match` accepts (already received or to come); rejects if the child exits first. */
  waitFor(match: (line: ChildLine) => boolean, timeoutMs: number): Promise<ChildLine>;
  /** Resolves once `count` lines accepted by `match` were received. */
  waitForCount(match: (line: ChildLine) => boolean, count: number, timeoutMs: number): Promise<void>;
  /** Resolves once `ready(lines)` holds. */
  waitUntil(ready: (lines: readonly ChildLine[]) => boolean, what: string, timeoutMs: number): Promise<void>;
  /** Resolves when the process has exited. */
  readonly exited: Promise<number | null>;
  /** Follows these tasks (the child must be ready). */
  follow(taskIds: readonly string[]): void;
  /** SIGKILL: a crash, leaving its leases behind. */
  kill(): void;
  /** Sends `signal` (SIGSTOP / SIGCONT: a process paused and resumed). */
  signal(signal: NodeJS.Signals): void;
  /** Asks for the hub's stats and resolves with the answer. */
  stats(timeoutMs: number): Promise<Extract<ChildLine, { kind: 'stats' }>>;
  stderr(): string;
}

/** Starts one hub child (node + ts-register on the TypeScript sources) and waits until it is ready. */
export async function startChild(name: string, config: ChildConfig): Promise<HubChild> {
  const child = spawnChild(name, config);
  try {
    await child.waitFor((l) => l.kind === 'ready', 30_000);
  } catch (error) {
    child.kill();
    await child.exited;
    throw error;
  }
  return child;
}

function spawnChild(name: string, config: ChildConfig): HubChild {
  const child = spawn(process.execPath, ['--require', REGISTER, CHILD, JSON.stringify(config)], {
    cwd: ROOT,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const lines: ChildLine[] = [];
  const waiters = new Set<() => void>();
  let err = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => (err += chunk));
  createInterface({ input: child.stdout! }).on('line', (text) => {
    try {
      lines.push(JSON.parse(text) as ChildLine);
    } catch {
      err += `unparsed stdout: ${text}\n`;
    }
    for (const wake of [...waiters]) wake();
  });
  let exitCode: number | null | undefined;
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      exitCode = code;
      for (const wake of [...waiters]) wake();
      resolve(code);
    }),
  );
  const waitUntil = (ready: () => boolean, what: string, timeoutMs: number): Promise<void> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        if (ready()) {
          finish();
          resolve();
        } else if (exitCode !== undefined) {
          finish();
          reject(new Error(`${name} exited (${exitCode}) before ${what}; stderr: ${err.slice(-2000)}`));
        }
      };
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`${name}: no ${what} within ${timeoutMs} ms; stderr: ${err.slice(-2000)}`));
      }, timeoutMs);
      const finish = (): void => {
        clearTimeout(timer);
        waiters.delete(check);
      };
      waiters.add(check);
      check();
    });
  return {
    name,
    process: child,
    lines,
    exited,
    stderr: () => err,
    follow: (taskIds) => {
      child.stdin?.write(`${JSON.stringify({ follow: taskIds })}\n`);
    },
    kill: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
    signal: (signal) => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
    async stats(timeoutMs) {
      const seen = lines.length;
      child.stdin?.write('stats\n');
      await waitUntil(() => lines.slice(seen).some((l) => l.kind === 'stats'), 'stats', timeoutMs);
      return lines.slice(seen).find((l): l is Extract<ChildLine, { kind: 'stats' }> => l.kind === 'stats')!;
    },
    async waitFor(match, timeoutMs) {
      await waitUntil(() => lines.some(match), 'expected line', timeoutMs);
      return lines.find(match)!;
    },
    waitUntil(ready, what, timeoutMs) {
      return waitUntil(() => ready(lines), what, timeoutMs);
    },
    waitForCount(match, count, timeoutMs) {
      return waitUntil(() => lines.filter(match).length >= count, `${count} expected lines`, timeoutMs);
    },
  };
}
