#!/usr/bin/env node
// Redis hub: requests to the API and transition latency against the number of processes
// (1, 2, 4, 8) following the same tasks, with the BUILT package (run `npm run build` first) and a
// real Redis (FACTPULSE_RX_REDIS_URL, default redis://127.0.0.1:6390).
//
//   node bench/redis-hub.mjs [--processes 1,2,4,8] [--tasks 50] [--duration 6000] [--interval 1000]
//                            [--lease 5000] [--redis redis://…] [--dist dist]
//
// For each process count N, twice — with a Redis hub, and without (each process polls on its
// own) — the simulator runs in this process, N child processes each run a TaskClient (the hub in
// `createTaskClient({ hub })`), all of them follow the same --tasks fresh tasks
// (pending → started [→ retrying → started] → terminal) until every task ended in every process.
// Measured:
//   - requests: the status requests the simulator served, in all (and per task);
//   - latency: for every transition in every process, the time from the response that showed it
//     (`at`, read in the polling process) to its emission in that process: p50 / p95 / max. With
//     the hub this is the price of the hub (publish script, pub/sub, stream read) for the
//     followers, and of the publish for the poller; without it, local processing only. (The
//     time a phase waits for the next poll is the same in both: --interval / 2 on average.)
// Prints a markdown table and one JSON line.
import { spawn } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { fileURLToPath, pathToFileURL } from 'node:url';

const { values: args } = parseArgs({
  options: {
    processes: { type: 'string', default: '1,2,4,8' },
    tasks: { type: 'string', default: '50' },
    duration: { type: 'string', default: '6000' },
    interval: { type: 'string', default: '1000' },
    lease: { type: 'string', default: '5000' },
    redis: { type: 'string', default: process.env.FACTPULSE_RX_REDIS_URL ?? 'redis://127.0.0.1:6390' },
    dist: { type: 'string', default: 'dist' },
    child: { type: 'string' },
  },
});
const DIST = resolve(fileURLToPath(new URL('..', import.meta.url)), args.dist);
const load = (path) => import(pathToFileURL(resolve(DIST, 'esm', path)).href);

/** One server process: a TaskClient (with or without the hub) following the tasks it is sent. */
async function child(config) {
  const { createTaskClient } = await load('index.js');
  const { createRedisTaskHub } = await load('adapters/redis/index.js');
  const hub = config.hub ? createRedisTaskHub({ redis: config.redis, keyPrefix: config.keyPrefix, leaseMs: config.lease }) : undefined;
  const client = createTaskClient({ baseUrl: config.baseUrl, token: config.token, interval: config.interval, maxConcurrent: 64, hub });
  const out = (line) => process.stdout.write(JSON.stringify(line) + '\n');
  const latencies = [];
  let fallbacks = 0;
  client.events$.subscribe((e) => {
    if (e.type === 'hub-fallback') fallbacks++;
  });
  if (hub !== undefined) await hub.latest('00000000-0000-4000-8000-000000000000'); // connected
  out({ kind: 'ready' });
  for await (const line of createInterface({ input: process.stdin })) {
    const taskIds = JSON.parse(line);
    let open = taskIds.length;
    let transitions = 0;
    await new Promise((done) => {
      for (const id of taskIds) {
        client.status$(id).subscribe({
          next: (t) => {
            transitions++;
            latencies.push(Date.now() - t.at);
          },
          error: (e) => {
            out({ kind: 'error', name: e.name, message: e.message });
            if (--open === 0) done();
          },
          complete: () => {
            if (--open === 0) done();
          },
        });
      }
    });
    await hub?.close();
    out({ kind: 'done', requests: client.stats().requests, transitions, fallbacks, latencies });
    client.dispose();
    process.exit(0);
  }
}

function startChild(config) {
  const proc = spawn(process.execPath, [fileURLToPath(import.meta.url), '--child', JSON.stringify(config)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = [];
  const waiters = [];
  createInterface({ input: proc.stdout }).on('line', (text) => {
    lines.push(JSON.parse(text));
    for (const wake of waiters.splice(0)) wake();
  });
  const waitFor = async (kind) => {
    for (;;) {
      const found = lines.find((l) => l.kind === kind);
      if (found !== undefined) return found;
      await new Promise((wake) => waiters.push(wake));
    }
  };
  return { proc, lines, waitFor };
}

const percentile = (sorted, p) => (sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]);

async function run(processes, withHub) {
  const { startSimulator } = await load('simulator/index.js');
  const sim = await startSimulator({ seed: 42, durationMs: Number(args.duration), retryRate: 0.25 });
  const keyPrefix = `factpulse-rx-bench:${Date.now()}:`;
  const config = { hub: withHub, redis: args.redis, keyPrefix, lease: Number(args.lease), baseUrl: sim.url, token: sim.token, interval: Number(args.interval) };
  const children = Array.from({ length: processes }, () => startChild(config));
  await Promise.all(children.map((c) => c.waitFor('ready')));
  const taskIds = [];
  for (let i = 0; i < Number(args.tasks); i++) taskIds.push((await sim.submit()).taskId);
  const started = Date.now();
  for (const c of children) c.proc.stdin.write(JSON.stringify(taskIds) + '\n');
  const results = await Promise.all(children.map((c) => c.waitFor('done')));
  const wall = Date.now() - started;
  const errors = children.flatMap((c) => c.lines.filter((l) => l.kind === 'error'));
  const requests = taskIds.reduce((sum, id) => sum + sim.stats(id).requests, 0);
  await sim.close();
  const latencies = results.flatMap((r) => r.latencies).sort((a, b) => a - b);
  return {
    processes,
    hub: withHub,
    requests,
    requestsPerTask: requests / taskIds.length,
    pollingProcesses: results.filter((r) => r.requests > 0).length,
    transitions: results.reduce((s, r) => s + r.transitions, 0),
    fallbacks: results.reduce((s, r) => s + r.fallbacks, 0),
    errors: errors.length,
    latency: { p50: percentile(latencies, 50), p95: percentile(latencies, 95), max: latencies.at(-1) ?? NaN },
    wallMs: wall,
  };
}

async function main() {
  const counts = args.processes.split(',').map(Number);
  const rows = [];
  for (const n of counts) {
    for (const withHub of [true, false]) {
      const row = await run(n, withHub);
      rows.push(row);
      process.stderr.write(`${n} process(es) ${withHub ? 'with' : 'without'} hub: ${row.requests} requests, latency p50 ${row.latency.p50} ms\n`);
    }
  }
  const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}, load average ${loadavg()[0]?.toFixed(1)}`;
  console.log(`${args.tasks} tasks of ${args.duration} ms (seed 42, 25 % through RETRY), interval ${args.interval} ms, leaseMs ${args.lease}; ${machine}\n`);
  console.log('| processes | hub | requests (per task) | processes that polled | transitions emitted | latency p50 / p95 / max (ms) | fallbacks, errors |');
  console.log('|---:|:---:|---:|---:|---:|---:|---:|');
  for (const r of rows) {
    const perTask = r.requestsPerTask.toFixed(1);
    console.log(
      `| ${r.processes} | ${r.hub ? 'Redis' : 'none'} | ${r.requests} (${perTask}) | ${r.pollingProcesses} | ${r.transitions} | ${r.latency.p50} / ${r.latency.p95} / ${r.latency.max} | ${r.fallbacks}, ${r.errors} |`,
    );
  }
  console.log(JSON.stringify({ bench: 'redis-hub', tasks: Number(args.tasks), durationMs: Number(args.duration), interval: Number(args.interval), rows }));
}

if (args.child !== undefined) await child(JSON.parse(args.child));
else await main();
