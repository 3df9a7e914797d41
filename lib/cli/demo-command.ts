import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startSimulator } from '../simulator/start-simulator.js';
import { createTaskClient } from '../task-client.js';
import type { SubmitRequest } from '../simulator/task-registry.js';
import type { TaskPhase } from '../transitions.js';
import type { CliIo } from './cli-io.js';
import { ExitCode } from './exit-codes.js';
import { createLogReporter } from './log-reporter.js';
import { createNdjsonReporter } from './ndjson-reporter.js';
import { colourWanted, createPaint } from './paint.js';
import { postJson } from './post-json.js';
import { createTtyReporter } from './tty-reporter.js';
import { parseCommandArgs, parseSeed } from './parse-command-args.js';
import { usageText } from './usage.js';
import { STATUS_PATH, statusUrlOf, type CliEnv } from './watch-command.js';
import { watchTasks } from './watch-tasks.js';

/** One task of the demo: what is submitted, what it shows, and how it must end. @internal */
export interface DemoTask {
  readonly label: string;
  readonly story: string;
  readonly request: SubmitRequest;
  readonly expected: TaskPhase;
}

/** The demo's tasks: every outcome, and one that rides out injected faults. @internal */
export const DEMO_TASKS: readonly DemoTask[] = [
  {
    label: 'INV-2025-0001',
    story: 'a valid invoice: Factur-X PDF written to disk',
    request: { invoiceNumber: 'INV-2025-0001', outcome: 'success', durationMs: 1800, retry: false },
    expected: 'succeeded',
  },
  {
    label: 'INV-2025-0002',
    story: 'an incomplete invoice: rejected with AFNOR validation details',
    request: { invoiceNumber: 'INV-2025-0002', outcome: 'rejected', durationMs: 1200, retry: false },
    expected: 'rejected',
  },
  {
    label: 'INV-2025-0003',
    story: 'a worker crash: Celery RETRY, then FAILURE',
    request: { invoiceNumber: 'INV-2025-0003', outcome: 'failed', durationMs: 2400, retry: true },
    expected: 'failed',
  },
  {
    label: 'INV-2025-0004',
    story: 'a flaky network (503, reset, 429 + Retry-After, HTML 502, latency): retried, still a PDF',
    request: {
      invoiceNumber: 'INV-2025-0004',
      outcome: 'success',
      durationMs: 3000,
      retry: false,
      faults: { script: ['http-503', 'reset', 'rate-limit', 'html', 'latency'], latencyMs: 400, retryAfterSeconds: 1 },
    },
    expected: 'succeeded',
  },
];

/** Parses the arguments of `demo`. @internal */
export function parseDemoArgs(args: readonly string[]): { out: string | undefined; seed: number | string; json: boolean; help: boolean } {
  const values = parseCommandArgs('demo', args, {
    out: { type: 'string' },
    seed: { type: 'string' },
    json: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  });
  const seed = parseSeed(values.seed) ?? 2025;
  return { out: values.out, seed, json: values.json === true, help: values.help === true };
}

/**
 * `factpulse-rx demo`: starts a simulator in this process, logs in, submits the
 * {@link DEMO_TASKS} and follows them with the library, live on a terminal, as log lines in a
 * pipe, or as NDJSON with `--json`. Exits 0 when every task ended as the demo expects.
 *
 * @internal
 */
export async function demoCommand(args: readonly string[], env: CliEnv, io: CliIo): Promise<number> {
  const parsed = parseDemoArgs(args);
  if (parsed.help) {
    io.stdout.write(usageText('demo'));
    return 0;
  }
  const paint = createPaint(colourWanted(io.stdout, env));
  const say = (text = ''): void => {
    if (!parsed.json) io.stdout.write(`${text}\n`);
  };
  const outDir = parsed.out === undefined ? await mkdtemp(join(tmpdir(), 'factpulse-rx-demo-')) : resolve(io.cwd ?? process.cwd(), parsed.out);
  // Tasks report PROGRESS 1…4 while they run, so the live lines show real progress.
  const sim = await startSimulator({ seed: parsed.seed, retryRate: 0, progressSteps: 4 });
  try {
    say(`${paint.bold('factpulse-rx demo')} ${paint.dim('— offline, against a FactPulse simulator in this process')}`);
    say(`  simulator  ${sim.url} ${paint.dim(`(seed ${sim.seed})`)}`);

    // Log in as a FactPulse client does; the token source logs in again when asked to refresh.
    const login = async (): Promise<string> => {
      const res = await postJson(`${sim.url}/api/token/`, { username: sim.credentials.username, password: sim.credentials.password, client_uid: 'factpulse-rx-demo' });
      const access = (res.body as { access?: unknown } | undefined)?.access;
      if (res.status !== 200 || typeof access !== 'string') throw new Error(`login failed with HTTP ${res.status}`);
      return access;
    };
    let token = await login();
    const tokenSource = async ({ refresh }: { refresh: boolean }): Promise<string> => {
      if (refresh) token = await login();
      return token;
    };
    say(`  logged in  POST /api/token/ as "${sim.credentials.username}" ${paint.dim('(token kept in memory, never printed)')}`);

    const labels = new Map<string, string>();
    const expected = new Map<string, TaskPhase>();
    say('  submitted  POST /api/v1/processing/generate-invoice');
    for (const task of DEMO_TASKS) {
      const res = await postJson(`${sim.url}/api/v1/processing/generate-invoice`, task.request, token);
      const taskId = (res.body as { taskId?: unknown } | undefined)?.taskId;
      if (res.status !== 202 || typeof taskId !== 'string') throw new Error(`submission failed with HTTP ${res.status}`);
      labels.set(taskId, task.label);
      expected.set(taskId, task.expected);
      say(`    ${task.label}  ${paint.dim(task.story)}`);
    }
    say();

    const live = !parsed.json && io.stdout.isTTY === true;
    const requestUrl = statusUrlOf(sim.url);
    const reporter = parsed.json
      ? createNdjsonReporter(io.stdout, { requestUrl })
      : live
        ? createTtyReporter(io.stdout, { paint, labels, requestUrl })
        : createLogReporter(io.stdout, { paint, labels, requestUrl });
    const client = createTaskClient({
      baseUrl: sim.url,
      statusPath: STATUS_PATH,
      token: tokenSource,
      interval: 300,
      retry: { initialInterval: 150, maxInterval: 1000, maxRetries: 8, maxRetryAfter: 1500 },
      requestTimeout: 3000,
      deadline: 30_000,
    });
    let summary;
    try {
      summary = await watchTasks({
        taskIds: [...labels.keys()],
        follow: (taskId) => client.status$(taskId),
        activity$: client.events$,
        reporter,
        outDir,
        ...(io.signal === undefined ? {} : { signal: io.signal }),
      });
    } finally {
      client.dispose();
    }
    if (summary.interrupted) return ExitCode.Interrupted;

    say();
    say(paint.bold('What the simulator saw (each poll costs one call of the daily quota):'));
    for (const [taskId, label] of labels) {
      const stats = sim.stats(taskId);
      const kinds = sim.log
        .filter((e) => e.taskId === taskId && e.fault !== undefined)
        .map((e) => (e.fault === 'server-error' || e.fault === 'html' ? `${e.fault === 'html' ? 'HTML ' : ''}${e.status}` : e.fault));
      const faults = kinds.length === 0 ? '' : `, ${kinds.length} with injected faults (${kinds.join(', ')})`;
      say(`  ${label}  ${stats.requests} requests${faults}`);
    }
    const surprises = summary.tasks.filter((t) => t.outcome !== expected.get(t.taskId));
    if (surprises.length > 0) {
      io.stderr.write(`demo: unexpected outcome for ${surprises.map((t) => `${labels.get(t.taskId) ?? t.taskId} (${String(t.outcome)})`).join(', ')}\n`);
      return ExitCode.TaskUnsuccessful;
    }
    say();
    say(`${paint.green('✔')} every outcome shown; the PDF is in ${outDir}`);
    say(paint.dim('  Next: npx factpulse-rx simulate, then the watch command it prints, in another terminal (see the README).'));
    return ExitCode.Ok;
  } finally {
    await sim.close();
  }
}
