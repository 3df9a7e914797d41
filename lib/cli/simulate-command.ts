import { rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startSimulator, type Simulator } from '../simulator/start-simulator.js';
import type { RequestLogEntry } from '../simulator/request-log.js';
import type { CliIo } from './cli-io.js';
import { colourWanted, createPaint, type Paint } from './paint.js';
import { parseDuration } from './parse-duration.js';
import { UsageError } from './usage-error.js';
import { parseCommandArgs, parseSeed } from './parse-command-args.js';
import { usageText } from './usage.js';
import type { CliEnv } from './watch-command.js';

const SAMPLE_DURATION_MS = 30_000;

/** How the `Try:` line starts: it works as printed in a project that installed the package. @internal */
export const TRY_PREFIX = 'npx factpulse-rx watch';

/** Quotes a path for a POSIX shell when it needs it (spaces, quotes…). @internal */
export function shellQuote(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

/** `simulate` arguments, parsed and checked. @internal */
export interface SimulateArgs {
  readonly port: number;
  readonly seed: number | string | undefined;
  readonly faultRate: number;
  readonly durationMs: number;
  readonly submit: number;
  readonly progressSteps: number;
  readonly tokenFile: string | undefined;
  readonly quiet: boolean;
  readonly help: boolean;
}

/** Parses and checks the arguments of `simulate`. @internal */
export function parseSimulateArgs(args: readonly string[]): SimulateArgs {
  const values = parseCommandArgs('simulate', args, {
    port: { type: 'string' },
    seed: { type: 'string' },
    'fault-rate': { type: 'string' },
    duration: { type: 'string' },
    submit: { type: 'string' },
    progress: { type: 'string' },
    'token-file': { type: 'string' },
    quiet: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  });
  const port = values.port === undefined ? 8787 : Number(values.port);
  if (!/^\d+$/.test(values.port ?? '8787') || !Number.isInteger(port) || port > 65535) throw new UsageError('--port must be an integer between 0 and 65535', 'simulate');
  const faultRate = values['fault-rate'] === undefined ? 0 : Number(values['fault-rate']);
  if (!(faultRate >= 0 && faultRate <= 1)) throw new UsageError('--fault-rate must be a number between 0 and 1, e.g. 0.2', 'simulate');
  const submit = values.submit === undefined ? 3 : Number(values.submit);
  if (!Number.isInteger(submit) || submit < 0 || submit > 100) throw new UsageError('--submit must be an integer between 0 and 100', 'simulate');
  const progressSteps = values.progress === undefined ? 5 : Number(values.progress);
  if (!/^\d+$/.test(values.progress ?? '5') || progressSteps > 100) throw new UsageError('--progress must be an integer between 0 and 100', 'simulate');
  const seed = parseSeed(values.seed);
  return {
    port,
    seed,
    faultRate,
    durationMs: values.duration === undefined ? 4000 : parseDuration(values.duration, '--duration', 'simulate'),
    submit,
    progressSteps,
    tokenFile: values['token-file'],
    quiet: values.quiet === true,
    help: values.help === true,
  };
}

function logLine(entry: RequestLogEntry, paint: Paint): string {
  const status = entry.status === 'reset' ? paint.red('reset') : entry.status >= 400 ? paint.red(String(entry.status)) : paint.green(String(entry.status));
  const extra = [entry.celeryStatus, entry.fault === undefined ? undefined : paint.yellow(`fault=${entry.fault}`), `auth=${entry.auth}`]
    .filter((x) => x !== undefined)
    .join(' ');
  return `${paint.dim(new Date(entry.at).toISOString().slice(11, 23))} ${entry.method} ${entry.path} → ${status} ${paint.dim(extra)}\n`;
}

/** Writes a token file readable by its owner only. */
async function writeTokenFile(path: string, sim: Simulator): Promise<void> {
  await writeFile(path, `${sim.createToken()}\n`, { mode: 0o600 });
}

/**
 * `factpulse-rx simulate`: runs the simulator until the signal aborts (Ctrl-C), printing how to
 * use it and, unless `--quiet`, every request. Writes a valid token to a file (mode 600, renewed
 * before it expires, removed at the end) instead of ever printing one.
 *
 * @internal
 */
export async function simulateCommand(args: readonly string[], env: CliEnv, io: CliIo): Promise<number> {
  const parsed = parseSimulateArgs(args);
  if (parsed.help) {
    io.stdout.write(usageText('simulate'));
    return 0;
  }
  const paint = createPaint(colourWanted(io.stdout, env));
  let sim: Simulator;
  try {
    sim = await startSimulator({
      port: parsed.port,
      ...(parsed.seed === undefined ? {} : { seed: parsed.seed }),
      durationMs: parsed.durationMs,
      progressSteps: parsed.progressSteps,
      faults: { rate: parsed.faultRate },
      ...(parsed.quiet ? {} : { onRequest: (entry: RequestLogEntry) => void io.stdout.write(logLine(entry, paint)) }),
    });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new UsageError(`port ${parsed.port} is in use; pick another with --port (0 picks a free one)`, 'simulate');
    throw error;
  }
  const tokenFile = resolve(io.cwd ?? process.cwd(), parsed.tokenFile ?? join(tmpdir(), `factpulse-rx-simulator-${sim.port}.token`));
  let renew: ReturnType<typeof setInterval> | undefined;
  try {
    await writeTokenFile(tokenFile, sim);
    renew = setInterval(() => void writeTokenFile(tokenFile, sim).catch(() => undefined), 10 * 60_000);
    const outcomes = ['success', 'rejected', 'failed'] as const;
    const ids: string[] = [];
    for (let i = 0; i < parsed.submit; i++) {
      const outcome = outcomes[i % outcomes.length] ?? 'success';
      // Sample tasks run longer than the default so there is time to start a watch on them.
      ids.push(`${(await sim.submit({ outcome, durationMs: Math.max(parsed.durationMs, SAMPLE_DURATION_MS) })).taskId}  ${paint.dim(outcome)}`);
    }
    const lines = [
      `${paint.bold('FactPulse simulator')} listening on ${paint.cyan(sim.url)} ${paint.dim(`(seed ${sim.seed}, fault rate ${parsed.faultRate}, tasks take ${parsed.durationMs} ms, ${parsed.progressSteps} progress steps)`)}`,
      `  log in:     POST ${sim.url}/api/token/ {"username":"${sim.credentials.username}","password":"${sim.credentials.password}"}`,
      `  submit:     POST ${sim.url}/api/v1/processing/generate-invoice {"outcome":"success"|"rejected"|"failed"}`,
      `  status:     GET  ${sim.url}/api/v1/processing/tasks/{task_id}/status`,
      `  token file: ${tokenFile} ${paint.dim('(valid 30 min, renewed every 10 min)')}`,
    ];
    if (ids.length > 0) {
      lines.push(`  sample tasks ${paint.dim(`(finish ${Math.max(parsed.durationMs, SAMPLE_DURATION_MS) / 1000} s after start)`)}:`, ...ids.map((id) => `    ${id}`));
      const plainIds = ids.map((id) => id.slice(0, 36)).join(' ');
      // `npx` finds the command in a local install (node_modules/.bin) as well as a global one.
      lines.push('', `Try: ${TRY_PREFIX} --base-url ${sim.url} --token-file ${shellQuote(tokenFile)} ${plainIds}`);
    }
    lines.push(paint.dim('Press Ctrl-C to stop.'), '');
    io.stdout.write(`${lines.join('\n')}\n`);
    await new Promise<void>((done) => {
      if (io.signal === undefined) return; // runs until the process ends
      if (io.signal.aborted) return done();
      io.signal.addEventListener('abort', () => done(), { once: true });
    });
  } finally {
    if (renew !== undefined) clearInterval(renew);
    await sim.close();
    await rm(tokenFile, { force: true });
  }
  io.stdout.write('simulator stopped\n');
  return 0;
}
