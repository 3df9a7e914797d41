#!/usr/bin/env node
// `node bench/otel-overhead.mjs [--rounds=5] [--tasks=1000] [--interval=500] [--no-write]` — the CPU
// a `createTaskClient` spends per poll with `instrumentTaskClient` (factpulse-rx/otel) attached,
// against the same client without it, side by side in one run. Measures the BUILT package
// (`npm run build` first), as users get it.
//
// Each round runs three modes, each in a fresh process (`--expose-gc`) against a fresh status
// server process (bench/server.mjs: PENDING, STARTED ×4, SUCCESS — 6 polls a task), the order
// reversed every other round; medians over rounds are reported:
//   off — no OpenTelemetry at all;
//   sdk — a production-shaped SDK set up (the AsyncLocalStorage context manager, a MeterProvider
//         with a PeriodicExportingMetricReader (1 s), a BasicTracerProvider with a
//         BatchSpanProcessor, exporters that drop what they get: serialising and sending is the
//         exporter's cost, not this library's), the client NOT instrumented — what an app that
//         uses OpenTelemetry pays anyway;
//   metrics — the same, with `instrumentTaskClient(client, { meterProvider })` (no tracer: the
//         global no-op one);
//   on  — the same, with `instrumentTaskClient(client, { meterProvider, tracerProvider })`
//         (every span sampled: the default AlwaysOn sampler, the most it can cost).
// Each process first follows 200 tasks (JIT and pools warm); CPU = process.cpuUsage() (user +
// system) of the measured phase ÷ the requests the server answered. Then, in this process, the
// adapter alone: the events and interceptor calls of 6 000 polls driven synchronously through
// the same SDK (no network, no context manager), to isolate what `instrumentTaskClient` itself
// costs per poll. Writes the table between the `<!-- bench:otel -->` markers of BENCHMARKS.md.
import { fork } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { median, message, startServer } from './harness.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const option = (name, fallback) => {
  const hit = args.find((a) => a.startsWith(`--${name}=`));
  return hit === undefined ? fallback : hit.slice(name.length + 3);
};
const dist = resolve(here, '../dist');
const TASK = { startedAt: 2, successAt: 6, latency: 0 };

/** A UUID-shaped id per index (group 9000: warm-up). */
const taskId = (warmup, i) => `00000000-0000-4000-${warmup ? '9000' : '8000'}-${i.toString(16).padStart(12, '0')}`;

// ------------------------------------------------------------------------- child: one mode
async function child(job) {
  process.on('disconnect', () => process.exit(0));
  const { createTaskClient } = await import(pathToFileURL(`${dist}/esm/index.js`).href);
  const { lastValueFrom } = await import('rxjs');
  let shutdown = async () => undefined;
  let instrument = () => undefined;
  if (job.mode !== 'off') {
    const { context } = await import('@opentelemetry/api');
    const { AsyncLocalStorageContextManager } = await import('@opentelemetry/context-async-hooks');
    const { MeterProvider, PeriodicExportingMetricReader, AggregationTemporality } = await import('@opentelemetry/sdk-metrics');
    const { BasicTracerProvider, BatchSpanProcessor } = await import('@opentelemetry/sdk-trace-base');
    const { instrumentTaskClient } = await import(pathToFileURL(`${dist}/esm/adapters/otel/index.js`).href);
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    const dropMetrics = {
      export: (_metrics, done) => done({ code: 0 }),
      forceFlush: async () => undefined,
      shutdown: async () => undefined,
      selectAggregationTemporality: () => AggregationTemporality.CUMULATIVE,
    };
    const dropSpans = { export: (_spans, done) => done({ code: 0 }), shutdown: async () => undefined };
    const meterProvider = new MeterProvider({ readers: [new PeriodicExportingMetricReader({ exporter: dropMetrics, exportIntervalMillis: 1000 })] });
    const tracerProvider = new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(dropSpans, { maxQueueSize: 65_536, maxExportBatchSize: 2048, scheduledDelayMillis: 500 })] });
    instrument = (client) =>
      job.mode === 'sdk'
        ? undefined
        : job.mode === 'noop' // (a probe) the adapter on the global no-op providers: its plumbing alone
          ? instrumentTaskClient(client)
          : job.mode === 'events' // (a probe) no request interceptor: metrics and task spans only
          ? instrumentTaskClient({ events$: client.events$, stats: () => client.stats() }, { meterProvider, tracerProvider })
          : instrumentTaskClient(client, job.mode === 'metrics' ? { meterProvider } : { meterProvider, tracerProvider });
    shutdown = async () => {
      await meterProvider.shutdown();
      await tracerProvider.shutdown();
    };
  }
  const client = createTaskClient({ baseUrl: job.base, interval: job.interval });
  instrument(client);
  const follow = (id) => lastValueFrom(client.status$(id));
  // Warm-up: JIT, keep-alive pool, SDK instruments.
  await Promise.all(Array.from({ length: 200 }, (_, i) => follow(taskId(true, i))));
  process.send({ type: 'ready' });
  await new Promise((resolveGo) => process.once('message', (m) => m?.type === 'go' && resolveGo()));
  globalThis.gc?.();
  const u0 = process.cpuUsage();
  const t0 = performance.now();
  // Tasks arrive spread over one interval, as in an app.
  const all = [];
  for (let i = 0; i < job.tasks; i++) {
    all.push(follow(taskId(false, i)));
    if (i % Math.max(1, Math.floor(job.tasks / 50)) === 0) await new Promise((r) => setTimeout(r, job.interval / 50));
  }
  await Promise.all(all);
  const u = process.cpuUsage(u0);
  const wallMs = performance.now() - t0;
  const requests = client.stats().requests;
  client.dispose();
  await shutdown();
  process.send({ type: 'result', result: { cpuUs: u.user + u.system, wallMs, requests } });
  setTimeout(() => process.exit(0), 50);
}

// ------------------------------------------------------------------------- parent
async function runMode(mode, { tasks, interval }) {
  const server = await startServer(TASK);
  const proc = fork(fileURLToPath(import.meta.url), ['--child', JSON.stringify({ mode, tasks, interval, base: server.base })], {
    execArgv: ['--expose-gc'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  try {
    await message(proc, 'ready', 120_000);
    await server.reset();
    proc.send({ type: 'go' });
    const { result } = await message(proc, 'result', 300_000);
    const stats = await server.stats();
    return { ...result, answered: stats.answered, usPerPoll: result.cpuUs / stats.answered };
  } finally {
    if (proc.exitCode === null && proc.signalCode === null) {
      const exited = new Promise((r) => proc.once('exit', r));
      const t = setTimeout(() => proc.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(t);
    }
    await server.stop();
  }
}

/** The adapter alone: `polls` polls' worth of events and interceptor calls, synchronously, through the SDK. */
async function adapterAlone(withTraces) {
  const { Subject, of } = await import('rxjs');
  const { MeterProvider, PeriodicExportingMetricReader, AggregationTemporality } = await import('@opentelemetry/sdk-metrics');
  const { BasicTracerProvider, BatchSpanProcessor } = await import('@opentelemetry/sdk-trace-base');
  const { instrumentTaskClient } = await import(pathToFileURL(`${dist}/esm/adapters/otel/index.js`).href);
  const dropMetrics = { export: (_m, done) => done({ code: 0 }), forceFlush: async () => undefined, shutdown: async () => undefined, selectAggregationTemporality: () => AggregationTemporality.CUMULATIVE };
  const dropSpans = { export: (_s, done) => done({ code: 0 }), shutdown: async () => undefined };
  const meterProvider = new MeterProvider({ readers: [new PeriodicExportingMetricReader({ exporter: dropMetrics, exportIntervalMillis: 1000 })] });
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(dropSpans, { maxQueueSize: 65_536 })] });
  const events = new Subject();
  let interceptor;
  const client = { events$: events, stats: () => ({ inFlight: 0, queued: 0, tasks: 0 }), addInterceptor: (i) => ((interceptor = i), () => undefined) };
  const handle = instrumentTaskClient(client, withTraces ? { meterProvider, tracerProvider } : { meterProvider });
  const response = { status: 200, headers: {}, body: {} };
  const round = (n) => {
    for (let t = 0; t < n; t++) {
      const id = taskId(false, t);
      events.next({ type: 'task-start', taskId: id, resumed: false, at: 0 });
      for (let p = 1; p <= 6; p++) {
        events.next({ type: 'request-start', taskId: id, polls: p, waited: 0, at: 0 });
        const url = `http://127.0.0.1:4000/api/v1/processing/tasks/${id}/status`;
        interceptor?.({ taskId: id, method: 'GET', url, polls: p, resend: 0 }, of(response)).subscribe(() => undefined);
        events.next({ type: 'request-end', taskId: id, status: 200, duration: 1, at: 1 });
        const to = p === 1 ? 'pending' : p === 6 ? 'succeeded' : p === 2 ? 'started' : undefined;
        if (to !== undefined) events.next({ type: 'transition', taskId: id, from: p === 1 ? null : p === 2 ? 'pending' : 'started', to, celeryStatus: 'X', polls: p, elapsed: 5, at: 5 });
      }
      events.next({ type: 'task-end', taskId: id, outcome: 'succeeded', polls: 6, elapsed: 5, at: 5 });
    }
  };
  for (let i = 0; i < 5; i++) round(1000); // warm-up
  const samples = [];
  for (let i = 0; i < 7; i++) {
    await new Promise((r) => setTimeout(r, 20)); // let the batch processor export
    const u0 = process.cpuUsage();
    round(1000);
    const u = process.cpuUsage(u0);
    samples.push((u.user + u.system) / 6000);
  }
  handle.detach();
  await meterProvider.shutdown();
  await tracerProvider.shutdown();
  return median(samples);
}

async function parent() {
  const rounds = Number(option('rounds', 5));
  const tasks = Number(option('tasks', 1000));
  const interval = Number(option('interval', 500));
  const MODES = ['off', 'sdk', 'metrics', 'on'];
  const runs = { off: [], sdk: [], metrics: [], on: [] };
  const ratios = [];
  const ratiosSdk = [];
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? MODES : [...MODES].reverse();
    const got = {};
    for (const mode of order) {
      got[mode] = await runMode(mode, { tasks, interval });
      runs[mode].push(got[mode]);
    }
    ratios.push(got.on.usPerPoll / got.off.usPerPoll);
    ratiosSdk.push(got.on.usPerPoll / got.sdk.usPerPoll);
    console.log(
      `[otel-overhead] round ${round + 1}/${rounds}: ${MODES.map((m) => `${m} ${got[m].usPerPoll.toFixed(0)}`).join(', ')} µs/poll (on/off ${ratios.at(-1).toFixed(2)}×, on/sdk ${ratiosSdk.at(-1).toFixed(2)}×)`,
    );
  }
  const metricsOnly = await adapterAlone(false);
  const both = await adapterAlone(true);
  const fmt = (x) => Math.round(x).toLocaleString('en-US').replace(/,/g, ' ');
  const med = (mode) => median(runs[mode].map((r) => r.usPerPoll));
  const [off, sdk, metricsOn, on] = MODES.map(med);
  const load = loadavg()[0].toFixed(1);
  const table = [
    `${tasks} tasks × 6 polls, \`interval\` ${interval} ms, ${rounds} rounds (medians; order alternated), ${cpus().length} vCPU, Node ${process.versions.node}, load average ${load}, ${new Date().toISOString().slice(0, 10)}:`,
    '',
    '| `createTaskClient` | CPU µs per poll | ratio to off | ratio to SDK set up |',
    '| :-- | --: | --: | --: |',
    `| no OpenTelemetry (off) | ${fmt(off)} | 1.00× | |`,
    `| SDK set up (context manager, providers), client not instrumented | ${fmt(sdk)} | ${(sdk / off).toFixed(2)}× | 1.00× |`,
    `| \`instrumentTaskClient\`, metrics only (no \`tracerProvider\`) | ${fmt(metricsOn)} | ${(metricsOn / off).toFixed(2)}× | ${(metricsOn / sdk).toFixed(2)}× |`,
    `| \`instrumentTaskClient\` on (metrics + traces, every span sampled) | ${fmt(on)} | **${(on / off).toFixed(2)}×** | **${(on / sdk).toFixed(2)}×** |`,
    `| the adapter alone (in process, no network): metrics / metrics + traces | ${metricsOnly.toFixed(1)} / ${both.toFixed(1)} | | |`,
    '',
    `Per-round ratios on/off: ${ratios.map((r) => `${r.toFixed(2)}×`).join(', ')} (median ${median(ratios).toFixed(2)}×); on/SDK: ${ratiosSdk.map((r) => `${r.toFixed(2)}×`).join(', ')} (median ${median(ratiosSdk).toFixed(2)}×).`,
  ].join('\n');
  console.log(`\n${table}\n`);
  if (args.includes('--no-write')) return;
  const file = resolve(here, '../BENCHMARKS.md');
  const text = readFileSync(file, 'utf8');
  const start = '<!-- bench:otel -->';
  const end = '<!-- /bench:otel -->';
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  if (from === -1 || to === -1) throw new Error(`BENCHMARKS.md has no ${start} … ${end} markers`);
  writeFileSync(file, `${text.slice(0, from + start.length)}\n${table}\n${text.slice(to)}`);
  console.log('[otel-overhead] BENCHMARKS.md updated');
}

const at = process.argv.indexOf('--child');
if (at !== -1) {
  child(JSON.parse(process.argv[at + 1])).catch((error) => {
    process.send?.({ type: 'error', error: String(error?.stack ?? error) });
    setTimeout(() => process.exit(1), 50);
  });
} else {
  parent().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
