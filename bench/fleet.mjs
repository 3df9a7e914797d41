#!/usr/bin/env node
// The fleet: N Node processes (1, 2, 4, 8), each with its own TaskClient and Redis hub, following
// the same tasks under one fleet budget (`maxRequestsPerSecond: R` in every process), then an
// outage run (redis-server SIGKILLed mid-run and restarted). Runs the TypeScript sources (the
// processes are spec/adapters/redis/hub-child.cjs under spec/helpers/ts-register.cjs: no build),
// starts its own redis-server (FACTPULSE_RX_REDIS_SERVER, default `redis-server`) on a free
// loopback port, and the simulator in this process.
//
//   node bench/fleet.mjs [--processes 1,2,4,8] [--tasks 500] [--rate 200] [--interval 1000]
//                        [--duration 4000] [--lease 3000] [--outage-processes 4] [--outage-tasks 200]
//
// Measured per process count: the status requests the simulator saw per second (after the
// first burst, which the budget grants at once: (requests − burst) / T ≤ R; and the worst
// sliding 1 s, where fixed windows allow 2R), requests per task, the share of tasks each process polled (sent at
// least one request for), tasks polled by more than one process, and the p95 delay from the
// poller's response (`at`) to the transition's emission in every other process. Outage run:
// the time from the restarted redis-server answering to one poller per task again, and per
// process the transitions lost (edges another process emitted and this one did not) and twice.
// Prints a markdown table and one JSON line.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { cpus, loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const REGISTER = join(ROOT, 'spec', 'helpers', 'ts-register.cjs');
const CHILD = join(ROOT, 'spec', 'adapters', 'redis', 'hub-child.cjs');
const require = createRequire(import.meta.url);
require(REGISTER);
const { startSimulator } = require('../lib/simulator/index.ts');
const { Redis } = require('ioredis');

const { values: args } = parseArgs({
  options: {
    processes: { type: 'string', default: '1,2,4,8' },
    tasks: { type: 'string', default: '500' },
    rate: { type: 'string', default: '200' },
    interval: { type: 'string', default: '1000' },
    duration: { type: 'string', default: '4000' },
    lease: { type: 'string', default: '3000' },
    'outage-processes': { type: 'string', default: '4' },
    'outage-tasks': { type: 'string', default: '200' },
  },
});
const TASKS = Number(args.tasks);
const RATE = Number(args.rate);
const INTERVAL = Number(args.interval);
const DURATION = Number(args.duration);
const LEASE = Number(args.lease);
const REDIS_SERVER = process.env.FACTPULSE_RX_REDIS_SERVER ?? 'redis-server';
const TERMINAL = new Set(['succeeded', 'rejected', 'failed']);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const percentile = (sorted, p) => (sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]);

async function freePort() {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => done(port));
    });
  });
}

/** A redis-server of the bench's own, on `port`; resolves once it answers PING. */
async function startRedis(port) {
  const child = spawn(REDIS_SERVER, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  const exited = new Promise((r) => child.once('exit', r));
  for (let i = 0; i < 100; i++) {
    const probe = new Redis(`redis://127.0.0.1:${port}`, { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0, disconnectTimeout: 10 });
    probe.on('error', () => undefined);
    try {
      await probe.connect();
      await probe.ping();
      return { port, url: `redis://127.0.0.1:${port}`, kill: async () => { child.kill('SIGKILL'); await exited; } };
    } catch {
      await sleep(50);
    } finally {
      probe.disconnect();
    }
  }
  child.kill('SIGKILL');
  throw new Error(`redis-server on ${port} did not answer`);
}

/** One hub process; `lines` is everything it wrote. */
function startChild(name, config) {
  const proc = spawn(process.execPath, ['--require', REGISTER, CHILD, JSON.stringify(config)], { cwd: ROOT, stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = [];
  const waiters = new Set();
  createInterface({ input: proc.stdout }).on('line', (text) => {
    try {
      lines.push(JSON.parse(text));
    } catch {
      /* not ours */
    }
    for (const w of [...waiters]) w();
  });
  let exitCode;
  const exited = new Promise((r) =>
    proc.once('exit', (code, signal) => {
      exitCode = code ?? signal;
      for (const w of [...waiters]) w();
      r();
    }),
  );
  const waitFor = (match, timeoutMs, from = 0, what = 'line') =>
    new Promise((done, fail) => {
      const timer = setTimeout(() => {
        waiters.delete(check);
        fail(new Error(`${name}: no ${what} within ${timeoutMs} ms`));
      }, timeoutMs);
      const check = () => {
        const hit = lines.slice(from).find(match);
        if (hit !== undefined || exitCode !== undefined) {
          clearTimeout(timer);
          waiters.delete(check);
          if (hit !== undefined) done(hit);
          else fail(new Error(`${name} exited (${exitCode}) before its ${what}`));
        }
      };
      waiters.add(check);
      check();
    });
  return {
    name,
    lines,
    exited,
    follow: (ids) => proc.stdin.write(`${JSON.stringify({ follow: ids })}\n`),
    stats: async () => {
      const from = lines.length;
      proc.stdin.write('stats\n');
      return waitFor((l) => l.kind === 'stats', 20_000, from, 'stats');
    },
    waitFor,
    kill: () => proc.exitCode === null && proc.signalCode === null && proc.kill('SIGKILL'),
  };
}

/** Per task, each edge `from→to` with the number of times this process emitted it. */
function edgesOf(child) {
  const byTask = new Map();
  for (const l of child.lines) {
    if (l.kind !== 'transition') continue;
    const list = byTask.get(l.taskId) ?? [];
    list.push(l);
    byTask.set(l.taskId, list);
  }
  return byTask;
}

/** Runs one fleet of `n` processes over `taskCount` fresh tasks; `outage` kills and restarts Redis midway. */
async function run(n, taskCount, redis, { outage = false } = {}) {
  const arrivals = [];
  const sim = await startSimulator({ seed: 40 + n, retryRate: 0.3, onRequest: (e) => e.route === 'status' && arrivals.push(e.at) });
  const keyPrefix = `bench-fleet:${n}:${Date.now()}:`;
  const config = { redisUrl: redis.url, keyPrefix, leaseMs: LEASE, baseUrl: sim.url, token: sim.token, interval: INTERVAL, maxRequestsPerSecond: RATE, commandTimeout: 1000 };
  const children = [];
  let rejoinMs;
  try {
    for (let i = 0; i < n; i++) children.push(startChild(`p${i + 1}`, config));
    await Promise.all(children.map((c) => c.waitFor((l) => l.kind === 'ready', 60_000, 0, 'ready')));
    const ids = [];
    for (let i = 0; i < taskCount; i++) ids.push((await sim.submit({ durationMs: outage ? DURATION * 3 : DURATION })).taskId);
    for (const c of children) c.follow(ids);
    if (outage) {
      await sleep(DURATION);
      await redis.kill();
      await sleep(1000);
      redis = await startRedis(redis.port);
      const back = Date.now();
      rejoinMs = undefined;
      for (let i = 0; i < 400 && Date.now() - back < 20_000; i++) {
        const stats = await Promise.all(children.map((c) => c.stats()));
        const following = Math.max(...stats.map((s) => s.following));
        if (following === 0 || (stats.every((s) => s.local === 0) && stats.reduce((a, s) => a + s.polling, 0) === following)) {
          rejoinMs = Date.now() - back;
          break;
        }
        await sleep(25);
      }
    }
    await Promise.all(children.map((c) => c.waitFor((l) => l.kind === 'done', 240_000, 0, 'done')));

    arrivals.sort((a, b) => a - b);
    const spanS = Math.max(0.001, (arrivals.at(-1) - arrivals[0]) / 1000);
    // Over T seconds the budget allows R × T plus one burst (the first window, granted at once):
    // the steady rate is what comes after that burst.
    let worst = 0;
    for (let i = 0, j = 0; i < arrivals.length; i++) {
      while (arrivals[i] - arrivals[j] >= 1000) j++;
      worst = Math.max(worst, i - j + 1);
    }
    const requestsOf = children.map((c) => c.lines.find((l) => l.kind === 'done').requests);
    const polledBy = new Map(ids.map((id) => [id, requestsOf.filter((r) => (r[id] ?? 0) > 0).length]));
    const shares = requestsOf.map((r) => ids.filter((id) => (r[id] ?? 0) > 0).length / ids.length);
    const delays = [];
    children.forEach((c, i) => {
      for (const l of c.lines) if (l.kind === 'transition' && (requestsOf[i][l.taskId] ?? 0) === 0) delays.push(l.received - l.at);
    });
    delays.sort((a, b) => a - b);
    // Lost and twice, per process: against the edges some process emitted (the most times).
    const views = children.map(edgesOf);
    const lost = [];
    const twice = [];
    for (const view of views) {
      let l = 0;
      let t = 0;
      for (const id of ids) {
        const list = view.get(id) ?? [];
        list.forEach((x, k) => {
          if (k > 0 && x.to === list[k - 1].to) t++;
        });
        if (list.length === 0 || !TERMINAL.has(list.at(-1).to)) l++;
        const mine = new Map();
        for (const x of list) mine.set(`${x.from}>${x.to}`, (mine.get(`${x.from}>${x.to}`) ?? 0) + 1);
        const ref = new Map();
        for (const other of views) {
          const counts = new Map();
          for (const x of other.get(id) ?? []) counts.set(`${x.from}>${x.to}`, (counts.get(`${x.from}>${x.to}`) ?? 0) + 1);
          for (const [e, k] of counts) if (e.split('>')[0] !== 'null') ref.set(e, Math.max(ref.get(e) ?? 0, k));
        }
        for (const [e, k] of ref) l += Math.max(0, k - (mine.get(e) ?? 0));
        if (process.env.FLEET_DEBUG && [...ref].some(([e, k]) => k > (mine.get(e) ?? 0))) {
          process.stderr.write(`${id}: ${views.map((v) => (v.get(id) ?? []).map((x) => `${x.from}>${x.to}@${x.at % 100000}/${x.received % 100000}`).join(' ')).join('  ||  ')}\n`);
        }
      }
      lost.push(l);
      twice.push(t);
    }
    return {
      processes: n,
      tasks: taskCount,
      requests: arrivals.length,
      requestsPerSecond: Math.max(0, arrivals.length - RATE) / spanS,
      rawPerSecond: arrivals.length / spanS,
      spanS,
      worstSecond: worst,
      requestsPerTask: arrivals.length / taskCount,
      shares,
      multiPolled: [...polledBy.values()].filter((k) => k > 1).length,
      p95Delay: percentile(delays, 95),
      p50Delay: percentile(delays, 50),
      rejoinMs,
      lost,
      twice,
      errors: children.reduce((k, c) => k + c.lines.filter((l) => l.kind === 'error').length, 0),
      redis,
    };
  } finally {
    for (const c of children) c.kill();
    await Promise.all(children.map((c) => c.exited));
    await sim.close();
  }
}

const fmt = (x, d = 0) => (x === undefined || Number.isNaN(x) ? '—' : x.toFixed(d));
let redis = await startRedis(await freePort());
const results = [];
try {
  for (const n of args.processes.split(',').map(Number)) {
    const r = await run(n, TASKS, redis);
    redis = r.redis;
    results.push(r);
    process.stderr.write(`${n} processes: ${r.requests} requests, ${fmt(r.requestsPerSecond, 1)}/s\n`);
  }
  const o = await run(Number(args['outage-processes']), Number(args['outage-tasks']), redis, { outage: true });
  redis = o.redis;

  console.log(`Node ${process.version}, ${cpus().length} cores, load ${loadavg().map((x) => x.toFixed(1)).join(' ')}; R = ${RATE}/s (burst ${RATE}), interval ${INTERVAL} ms, leaseMs ${LEASE}, tasks of ${DURATION} ms\n`);
  console.log('| processes | tasks | requests seen, in T s | steady requests/s: (requests − burst) / T (≤ R) | worst sliding 1 s (≤ 2R) | requests per task | share polled per process | tasks polled by > 1 | p95 delay to the other processes |');
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const r of results) {
    const share = r.shares.map((s) => `${fmt(100 * s)} %`).join(' / ');
    console.log(`| ${r.processes} | ${r.tasks} | ${r.requests} in ${fmt(r.spanS, 2)} s | ${fmt(r.requestsPerSecond, 1)} | ${r.worstSecond} | ${fmt(r.requestsPerTask, 2)} | ${share} | ${r.multiPolled} | ${r.processes === 1 ? '—' : `${fmt(r.p95Delay)} ms`} |`);
  }
  console.log(`\nOutage run: ${o.processes} processes, ${o.tasks} tasks of ${DURATION * 3} ms, redis-server SIGKILLed at ${DURATION} ms and restarted 1 s later.\n`);
  console.log('| one poller per task again after the restart | transitions lost per process | twice per process | stream errors | requests per task |');
  console.log('|---|---|---|---|---|');
  console.log(`| ${o.rejoinMs === undefined ? 'not within 20 s' : `${o.rejoinMs} ms`} | ${o.lost.join(' / ')} | ${o.twice.join(' / ')} | ${o.errors} | ${fmt(o.requestsPerTask, 2)} |`);
  console.log(JSON.stringify({ results: results.map(({ redis: _r, ...r }) => r), outage: (({ redis: _r, ...r }) => r)(o) }));
} finally {
  await redis.kill();
}
