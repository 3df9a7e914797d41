#!/usr/bin/env node
// `npm run bench` — factpulse-rx against what a user would pick instead, side by side, on this
// machine. Measures the BUILT package (dist/), as users get it. Writes bench/results.json and the
// tables of BENCHMARKS.md (only between its `<!-- bench:NAME -->` markers: prose and sections
// written by hand or by other benchmarks are kept).
//
//   node bench/run.mjs [--quick] [--only=scale,slow,fanout,decode,schedules] [--rounds=N]
//                      [--dist=DIR] [--before=DIR] [--no-write] [--out=FILE]
//
//   --quick       a smoke run (< 3 minutes): 1 000 tasks, fewer contenders and rounds
//   --only        run these scenarios only (the others' tables are left as they are)
//   --rounds      rounds of the scale and slow-server scenarios (default 3; medians reported)
//   --dist        the built package to measure (default: ../dist)
//   --before      a second build (e.g. before a change): the scale scenario then runs the floor and
//                 taskStatus$ / createTaskClient of both builds, into the "before-after" table
//   --sizes       scale sizes to run (e.g. --sizes=1000; default all)
//   --no-write    print the tables, write nothing
//
// Every contender runs in a fresh process against a status server in another fresh process,
// over loopback only. Every loop and wait is bounded.
import { fork } from 'node:child_process';
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { dirname, resolve } from 'node:path';
import { runJob, median, message, upsertBlock } from './harness.mjs';
import { contenders } from './contenders.mjs';
import { schedulesMarkdown as renderSchedules } from './schedules.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const flag = (name) => args.includes(`--${name}`);
const option = (name, fallback) => {
  const hit = args.find((a) => a.startsWith(`--${name}=`));
  return hit === undefined ? fallback : hit.slice(name.length + 3);
};
const quick = flag('quick');
const only = option('only', 'scale,slow,fanout,decode,schedules').split(',');
const rounds = Number(option('rounds', quick ? 1 : 3));
const dist = resolve(option('dist', resolve(here, '../dist')));
const before = option('before', undefined);
const write = !flag('no-write');
const sizes = option('sizes', undefined)?.split(',').map(Number);
const resultsFile = resolve(option('out', resolve(here, 'results.json')));
const benchmarksFile = resolve(here, '../BENCHMARKS.md');

if (!existsSync(`${dist}/esm/index.js`)) {
  console.error(`no build at ${dist}/esm/index.js: run \`npm run build\` first`);
  process.exit(1);
}

const log = (...a) => console.log(`[bench ${new Date().toISOString().slice(11, 19)}]`, ...a);

// ---------------------------------------------------------------- configuration

/** Polls per task in the scale scenario: PENDING, STARTED, SUCCESS. */
const SCALE_TASK = { startedAt: 2, successAt: 3, latency: 0 };
const ALL_POLLERS = ['floor', 'floor-cross-fetch', 'factpulse-rx', 'factpulse-rx-fetch', 'client', 'client-fetch', 'sdk-axios', 'rx-polling', 'naive-rxjs'];
const CORE = ['floor', 'factpulse-rx', 'client', 'sdk-axios', 'rx-polling'];
const config = quick
  ? {
      scale: [{ n: 1000, interval: 2000, contenders: CORE }],
      heapRounds: 1,
      slow: { n: 50, interval: 200, latency: 400, startedAt: 2, successAt: 3, timeoutMs: 6000, contenders: ALL_POLLERS.filter((c) => c !== 'floor-cross-fetch') },
      fanout: { n: 2000, ids: 100, interval: 300, successAt: 4, contenders: ['client'] },
      decode: { length: 10_000_000, iterations: 2, rounds: 1 },
      schedules: { sigmas: [0.7], seeds: [1], learn: 50, evaluate: 300, arrivalGap: 2000, latency: 100 },
    }
  : {
      scale: [
        { n: 1000, interval: 2000, contenders: ALL_POLLERS },
        { n: 10_000, interval: 10_000, contenders: CORE },
      ],
      heapRounds: 1,
      slow: { n: 100, interval: 300, latency: 600, startedAt: 2, successAt: 3, timeoutMs: 15_000, contenders: ALL_POLLERS },
      fanout: { n: 10_000, ids: 100, interval: 500, successAt: 4, contenders: ['client', 'client-fetch'] },
      decode: { length: 10_000_000, iterations: 5, rounds: 3 },
      schedules: { sigmas: [0.6, 0.7, 0.8], seeds: [1, 2, 3], learn: 50, evaluate: 1000, arrivalGap: 2000, latency: 100 },
    };

// ---------------------------------------------------------------- helpers

const distOf = (contender) => (contender.endsWith('@before') ? before : dist);
const baseName = (contender) => contender.replace(/@before$/, '');

async function job(contender, spec, serverConfig) {
  const timeoutMs = spec.timeoutMs ?? spec.interval * 8 + 30_000;
  const { profile, ...rest } = spec;
  try {
    return await runJob({ contender: baseName(contender), ...rest, ...(profile ? { profile } : {}) }, serverConfig, { dist: distOf(contender), timeoutMs });
  } catch (error) {
    log(`${contender}: ${error.message}`);
    return { contender, failed: String(error.message) };
  }
}

/** Runs `fn(contender, round)` for every contender, rounds alternated (round-robin order). */
async function alternate(list, count, fn) {
  const runs = Object.fromEntries(list.map((c) => [c, []]));
  for (let round = 0; round < count; round++) {
    const order = round % 2 === 0 ? list : [...list].reverse();
    for (const c of order) runs[c].push(await fn(c, round));
  }
  return runs;
}

const fmt = (x, digits = 0) => (x === undefined || Number.isNaN(x) ? '—' : x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }));
const ratio = (x, base) => (Number.isFinite(x) && Number.isFinite(base) && base > 0 ? `${(x / base).toFixed(2)}×` : '—');
const label = (c) => {
  if (c.endsWith('@before')) return `${contenders[baseName(c)].label} — before`;
  return before && c !== 'floor' ? `${contenders[c].label} — after` : contenders[c].label;
};

function table(headers, rows, align) {
  const a = align ?? headers.map((_, i) => (i === 0 ? ':--' : '--:'));
  return [`| ${headers.join(' | ')} |`, `| ${a.join(' | ')} |`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

// ---------------------------------------------------------------- scenarios

async function scale() {
  const out = [];
  for (const size of config.scale) {
    if (sizes !== undefined && !sizes.includes(size.n)) continue;
    const list = before ? ['floor', 'factpulse-rx@before', 'factpulse-rx', 'client@before', 'client'] : size.contenders;
    log(`scale: ${size.n} tasks, interval ${size.interval} ms, ${list.length} contenders × ${rounds} rounds`);
    const spec = { n: size.n, interval: size.interval, stagger: size.interval, warmup: { n: 200, interval: 20 } };
    const runs = await alternate(list, rounds, (c) => job(c, spec, SCALE_TASK));
    // Heap: a separate run per contender (forced GCs would disturb the CPU and event-loop figures):
    // the same arrivals and interval, tasks that never end, sampled three times in the steady
    // state, when every task has been started and polls at its pace.
    const heapSpec = {
      mode: 'heap',
      n: size.n,
      interval: size.interval,
      stagger: size.interval,
      warmup: { n: 200, interval: 20 }, // warm-up ids end at poll 3 whatever the server's successAt
      heapAt: [1.25, 1.5, 1.75].map((f) => Math.round(f * size.interval)),
      timeoutMs: size.interval * 4 + 60_000,
    };
    log(`scale: ${size.n} tasks, heap runs`);
    const heapRuns = await alternate(list, config.heapRounds, (c) => job(c, heapSpec, { ...SCALE_TASK, successAt: 1e9 }));
    const rows = list.map((c) => {
      const ok = runs[c].filter((r) => !r.failed);
      const polls = (r) => r.server.requests;
      const heaps = heapRuns[c].filter((r) => !r.failed).flatMap((r) => r.heapSamples.map((h) => (h.active > 0 ? h.heapKB / h.active : NaN)));
      return {
        contender: c,
        label: label(c),
        runs: runs[c],
        heapRuns: heapRuns[c],
        cpuPerPollUs: median(ok.map((r) => r.cpuUs / polls(r))),
        heapPerTaskKB: median(heaps),
        eldP99Ms: median(ok.map((r) => r.eldP99Ms)),
        requestsPerTask: median(ok.map((r) => polls(r) / r.n)),
        wallS: median(ok.map((r) => r.wallMs / 1000)),
        connections: median(ok.map((r) => r.server.connections)),
        completed: median(ok.map((r) => r.completed)),
        serverCpuPerPollUs: median(ok.map((r) => r.server.cpuUs / polls(r))),
      };
    });
    out.push({ ...size, contenders: list, rows });
  }
  return out;
}

async function slow() {
  const s = config.slow;
  log(`slow server: ${s.n} tasks, interval ${s.interval} ms, latency ${s.latency} ms, ${s.contenders.length} contenders × ${rounds} rounds`);
  const spec = { n: s.n, interval: s.interval, stagger: s.interval, warmup: { n: 0 }, timeoutMs: s.timeoutMs };
  const runs = await alternate(s.contenders, rounds, (c) => job(c, spec, { startedAt: s.startedAt, successAt: s.successAt, latency: s.latency }));
  const rows = s.contenders.map((c) => {
    const ok = runs[c].filter((r) => !r.failed);
    return {
      contender: c,
      label: label(c),
      runs: runs[c],
      completed: median(ok.map((r) => r.completed)),
      requestsPerTask: median(ok.map((r) => r.server.requests / r.n)),
      cancelled: median(ok.map((r) => r.server.cancelled)),
      overlapping: median(ok.map((r) => r.server.overlapping)),
      afterTerminal: median(ok.map((r) => r.server.afterTerminal)),
      wallS: median(ok.map((r) => r.wallMs / 1000)),
      timedOut: ok.filter((r) => r.timedOut).length,
    };
  });
  return { ...s, rows };
}

async function fanout() {
  const f = config.fanout;
  log(`fan-out: ${f.n} subscribers over ${f.ids} ids, interval ${f.interval} ms`);
  const spec = { mode: 'fanout', n: f.n, ids: f.ids, interval: f.interval, stagger: 0, warmup: { n: 50, interval: 20 }, timeoutMs: f.interval * f.successAt * 4 + 20_000 };
  const runs = await alternate(f.contenders, rounds, (c) => job(c, spec, { startedAt: 2, successAt: f.successAt }));
  const rows = f.contenders.map((c) => {
    const ok = runs[c].filter((r) => !r.failed);
    return {
      contender: c,
      label: label(c),
      runs: runs[c],
      requests: median(ok.map((r) => r.server.requests)),
      perIdMin: median(ok.map((r) => r.server.minPerId)),
      perIdMax: median(ok.map((r) => r.server.maxPerId)),
      overlapping: median(ok.map((r) => r.server.overlapping)),
      completed: median(ok.map((r) => r.completed)),
      wallS: median(ok.map((r) => r.wallMs / 1000)),
      cpuMs: median(ok.map((r) => r.cpuUs / 1000)),
    };
  });
  return { ...f, rounds: f.successAt, rows };
}

function child(script, payload, timeoutMs) {
  const proc = fork(resolve(here, script), [JSON.stringify(payload)], { execArgv: ['--expose-gc'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return message(proc, 'result', timeoutMs).finally(() => {
    if (proc.exitCode === null) setTimeout(() => proc.exitCode === null && proc.kill('SIGKILL'), 2000).unref();
  });
}

async function decode() {
  const d = config.decode;
  log(`decode: content_b64 of ${d.length.toLocaleString('en-US')} characters`);
  const { result } = await child('decode.mjs', { ...d, dist }, 600_000);
  return { ...d, ...result };
}

async function schedules() {
  const s = config.schedules;
  log(`poll efficiency: σ ${s.sigmas.join(', ')}, seeds ${s.seeds.join(', ')}, ${s.learn} + ${s.evaluate} tasks each`);
  const { result } = await child('schedules-child.mjs', { ...s, dist }, 900_000);
  return { ...s, ...result }; // { rows, progressSeen }: rendered by bench/schedules.mjs
}

// ---------------------------------------------------------------- markdown

function machine() {
  const cpu = cpus();
  return { nproc: cpu.length, cpu: cpu[0]?.model ?? 'unknown', node: process.version, memGB: Math.round(totalmem() / 2 ** 30), loadavg: loadavg().map((x) => x.toFixed(2)) };
}

function header(results) {
  const m = results.machine;
  return `Machine: ${m.nproc} cores (\`nproc\`), ${m.cpu}, ${m.memGB} GB; Node ${m.node}; ${results.date.slice(0, 10)}; load average ${results.loadBefore.join(' / ')} at the start, ${results.loadAfter.join(' / ')} at the end. Command: \`${results.command}\`.`;
}

function scaleMarkdown(results, key = 'scale') {
  return results[key]
    .map((size) => {
      const floor = size.rows.find((r) => r.contender === 'floor');
      const rows = size.rows.map((r) => [
        r.label,
        fmt(r.cpuPerPollUs),
        ratio(r.cpuPerPollUs, floor?.cpuPerPollUs),
        fmt(r.heapPerTaskKB, 2),
        ratio(r.heapPerTaskKB, floor?.heapPerTaskKB),
        fmt(r.eldP99Ms, 1),
        fmt(r.requestsPerTask, 2),
        fmt(r.wallS, 1),
        fmt(r.connections),
        `${fmt(r.completed)}/${fmt(size.n)}`,
      ]);
      return [
        `### ${size.n.toLocaleString('en-US')} tasks, interval ${size.interval / 1000} s (${Math.round((size.n / size.interval) * 1000)} polls/s)`,
        '',
        table(['contender', 'CPU µs / poll', '× floor', 'heap KB / task', '× floor', 'event-loop p99 ms', 'requests / task', 'wall s', 'connections opened', 'completed'], rows),
      ].join('\n');
    })
    .join('\n\n');
}

/** Issue 3's table: the client against the hand-written loop at the largest size, same run. */
function clientMarkdown(results) {
  const size = [...results.scale].sort((a, b) => b.n - a.n)[0];
  const floor = size.rows.find((r) => r.contender === 'floor');
  const rows = size.rows
    .filter((r) => r.contender === 'floor' || r.contender.startsWith('client'))
    .map((r) => [r.label, fmt(r.cpuPerPollUs), ratio(r.cpuPerPollUs, floor?.cpuPerPollUs), fmt(r.heapPerTaskKB, 2), ratio(r.heapPerTaskKB, floor?.heapPerTaskKB), fmt(r.eldP99Ms, 1), fmt(r.requestsPerTask, 2)]);
  return [
    `${size.n.toLocaleString('en-US')} tasks followed at once in one process (from the scale run above; targets: CPU ≤ 1.1×, heap ≤ 1.2× the floor, event-loop p99 < 20 ms).`,
    '',
    table(['contender', 'CPU µs / poll', '× floor', 'heap KB / task', '× floor', 'event-loop p99 ms', 'requests / task'], rows),
  ].join('\n');
}

function slowMarkdown(results) {
  const s = results.slow;
  const rows = s.rows.map((r) => [
    r.label,
    `${fmt(r.completed)}/${fmt(s.n)}`,
    fmt(r.requestsPerTask, 2),
    fmt(r.cancelled),
    fmt(r.overlapping),
    fmt(r.afterTerminal),
    r.timedOut > 0 ? `gave up after ${s.timeoutMs / 1000} s` : fmt(r.wallS, 1),
  ]);
  return [
    `${s.n} tasks, interval ${s.interval} ms, every response ${s.latency} ms late (latency > interval); a task ends at answered poll number ${s.successAt}, and a request the client gives up on does not count.`,
    '',
    table(['contender', 'completed', 'requests / task', 'cancelled requests', 'overlapping requests', 'polls after the end', 'wall s'], rows),
  ].join('\n');
}

function fanoutMarkdown(results) {
  const f = results.fanout;
  const rows = f.rows.map((r) => [
    r.label,
    fmt(r.requests),
    fmt(r.requests / (f.ids * f.rounds), 2),
    `${fmt(r.perIdMin)}–${fmt(r.perIdMax)}`,
    fmt(r.overlapping),
    `${fmt(r.completed)}/${fmt(f.n)}`,
    fmt(r.cpuMs),
    fmt(r.wallS, 1),
  ]);
  return [
    `${f.n.toLocaleString('en-US')} subscribers over ${f.ids} task ids (${f.n / f.ids} per id), one client, interval ${f.interval} ms; each task ends at poll number ${f.successAt}, so the ideal is ${f.successAt} rounds × ${f.ids} ids = ${f.ids * f.successAt} requests.`,
    '',
    table(['contender', 'requests', 'requests per id per round', 'requests per id (min–max)', 'overlapping', 'subscribers completed', 'CPU ms', 'wall s'], rows),
  ].join('\n');
}

function decodeMarkdown(results) {
  const d = results.decode;
  const find = (prefix) => d.variants.find((v) => v.name.startsWith(prefix));
  const memFloor = find('floor: JSON.parse');
  const httpFloor = find('floor over HTTP');
  const rows = d.variants.map((v) => [v.name, fmt(v.ms, 1), ratio(v.ms, v.name.includes('HTTP') ? httpFloor?.ms : memFloor?.ms), fmt(v.min, 1)]);
  return [
    `One SUCCESS payload, \`content_b64\` of ${d.length.toLocaleString('en-US')} base64 characters (${((d.length / 4) * 3).toLocaleString('en-US')} bytes decoded; body ${d.bodyBytes.toLocaleString('en-US')} bytes). Median of ${d.iterations * d.rounds} runs each.`,
    '',
    table(['variant', 'ms per decode (median)', '× its floor', 'best ms'], rows),
  ].join('\n');
}

function schedulesMarkdown(results) {
  if (results.schedules.progressSeen !== undefined) return renderSchedules(results.schedules);
  const s = results.schedules;
  return s.sigmas
    .map((sigma) => {
      const rows = s.rows.filter((r) => r.sigma === sigma);
      const ref = rows.find((r) => r.key === 'constant-2500');
      const body = rows.map((r) => [
        r.name,
        fmt(r.evaluated.requestsPerTask, 2),
        ref ? `${(((r.evaluated.requestsPerTask - ref.evaluated.requestsPerTask) / ref.evaluated.requestsPerTask) * 100).toFixed(1)} %` : '—',
        fmt(r.evaluated.p50 / 1000, 2),
        fmt(r.evaluated.p95 / 1000, 2),
        fmt(r.learning.requestsPerTask, 2),
        fmt(r.learning.p95 / 1000, 2),
      ]);
      return [
        `### σ = ${sigma} (durations log-normal, median 8 s; ${s.seeds.length} seed${s.seeds.length > 1 ? 's' : ''} × ${s.evaluate} tasks evaluated after ${s.learn} learned)`,
        '',
        table(['schedule', 'requests / task', 'vs constant 2.5 s', 'delay p50 s', 'delay p95 s', 'while learning: requests / task', 'while learning: p95 s'], body),
      ].join('\n');
    })
    .join('\n\n');
}

const RENDER = { scale: (r) => scaleMarkdown(r), client: clientMarkdown, 'before-after': (r) => scaleMarkdown(r, 'before-after'), slow: slowMarkdown, fanout: fanoutMarkdown, decode: decodeMarkdown, schedules: schedulesMarkdown };

// ---------------------------------------------------------------- main

const previous = existsSync(resultsFile) ? JSON.parse(readFileSync(resultsFile, 'utf8')) : {};
const results = {
  command: `node bench/run.mjs${args.length ? ` ${args.join(' ')}` : ''}`,
  date: new Date().toISOString(),
  machine: machine(),
  loadBefore: loadavg().map((x) => x.toFixed(2)),
  config,
  rounds,
};
const started = Date.now();
const SCENARIOS = { scale, slow, fanout, decode, schedules };
for (const name of Object.keys(SCENARIOS)) {
  if (!only.includes(name)) continue;
  const t0 = Date.now();
  results[name === 'scale' && before ? 'before-after' : name] = await SCENARIOS[name]();
  log(`${name} done in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
}
results.loadAfter = loadavg().map((x) => x.toFixed(2));
results.durationS = Math.round((Date.now() - started) / 1000);

const has = (name) => (name === 'client' ? results.scale !== undefined : results[name] !== undefined);
for (const name of Object.keys(RENDER)) {
  if (!has(name)) continue;
  console.log(`\n## ${name}\n\n${RENDER[name](results)}`);
}

if (write) {
  // Scenarios not run this time keep their previous results.
  const merged = { ...previous, ...results, runs: { ...(previous.runs ?? {}) } };
  for (const name of Object.keys(RENDER)) if (has(name)) merged.runs[name] = { command: results.command, date: results.date, machine: results.machine, loadBefore: results.loadBefore, loadAfter: results.loadAfter };
  writeFileSync(resultsFile, `${JSON.stringify(merged, null, 1)}\n`);
  let doc = existsSync(benchmarksFile) ? readFileSync(benchmarksFile, 'utf8') : '# Benchmarks\n';
  for (const name of Object.keys(RENDER)) {
    if (!has(name)) continue;
    doc = upsertBlock(doc, name, `${header(results)}\n\n${RENDER[name](results)}`);
  }
  writeFileSync(benchmarksFile, doc);
  log(`wrote ${resultsFile} and ${benchmarksFile} in ${results.durationS} s`);
}
