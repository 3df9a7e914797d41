// Poll efficiency: requests per task and detection delay for every schedule on offer, in
// compressed (virtual) time, against the oracle (the optimal schedule knowing the true law).
//
// The real pipeline runs: `taskStatus$` with `scheduler` set to an RxJS VirtualTimeScheduler and
// a transport that answers from each task's true timeline, so each schedule's real `next` /
// `complete` are called exactly as in production, only faster. No real timer is involved.
//
// Duration tasks: log-normal durations (median 8 s, σ given), arriving every `arrivalGap` ms, so
// several run at once and a learning schedule learns from those that ended before. Two variants:
// PENDING until the end, and an early STARTED (100–500 ms after submission, as Celery answers
// with `task_track_started` on an idle worker). A request sent at t shows the task as it is at t;
// its response arrives `latency` ms later. Detection delay = the arrival of the response that
// showed SUCCESS − the true end.
//
// The oracle knows the law and the latency: the poll plan of the exact optimiser
// (lib/schedules/poll-plan.ts, dynamic programming, gaps up to 20 s, a grid of 1/64 of the
// delay: wider or finer changes nothing measurable) for the true CDF, allowed
// exactly the constant 2.5 s schedule's p95 as measured on the same tasks, 5 % late.
//
// Progress tasks: a queue wait (exponential, mean 2 s), then a run (log-normal, median 30 s,
// σ 0.5) reporting PROGRESS `{ current, total: 100 }`: linear with noise (sd 2 points); with a
// stall (the progress stops for 20–60 % of the run, somewhere between 20 and 70 %); with a jump
// (15–35 % of the work skipped at once, somewhere between 20 and 60 %).
//
//   node bench/schedules.mjs [--quick] [--no-write] [--dist=DIR]   (alone; or via bench/run.mjs)
//
// Exported: runSchedules(lib, config, internals) and schedulesMarkdown(results).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { VirtualTimeScheduler, VirtualAction, defer, map, timer } from 'rxjs';
import { upsertBlock } from './harness.mjs';
import { logNormal, mulberry32, percentile } from './lognormal.mjs';
import { progressTasks } from '../spec/helpers/progress-tasks.cjs';

const MEDIAN = 8000;
const REFERENCE = 'constant-2500';

/** Full and quick configurations (bench/run.mjs passes its own `schedules` config). */
export const CONFIGS = {
  full: { sigmas: [0.6, 0.7, 0.8], seeds: [1, 2, 3], learn: 50, evaluate: 1000, arrivalGap: 2000, latency: 100 },
  quick: { sigmas: [0.7], seeds: [1], learn: 50, evaluate: 300, arrivalGap: 2000, latency: 100 },
};

/** The schedules compared, each built fresh per run (learning ones start empty). */
export function scheduleSet(lib, seed) {
  const { constantSchedule, exponentialSchedule, decorrelatedJitterSchedule, adaptiveSchedule } = lib;
  return [
    { name: 'constant 2.5 s (reference)', key: REFERENCE, make: () => constantSchedule(2500) },
    { name: 'constant 2 s', key: 'constant-2000', make: () => constantSchedule(2000) },
    { name: 'constant 3 s', key: 'constant-3000', make: () => constantSchedule(3000) },
    { name: 'exponential 1 s × 1.5 → 10 s (SDK helper)', key: 'exponential', make: () => exponentialSchedule({ initial: 1000, factor: 1.5, max: 10_000 }) },
    {
      name: 'decorrelated jitter 1 s → 10 s',
      key: 'decorrelated',
      make: () => decorrelatedJitterSchedule({ base: 1000, max: 10_000, random: mulberry32(seed * 7919) }),
    },
    { name: 'adaptive (defaults)', key: 'adaptive', make: () => adaptiveSchedule({ random: mulberry32(seed * 104_729) }) },
    {
      name: 'adaptive, targetDelay 3 s',
      key: 'adaptive-3s',
      make: () => adaptiveSchedule({ targetDelay: 3000, random: mulberry32(seed * 104_729) }),
    },
  ];
}

/**
 * The oracle: knows the law (log-normal, median 8 s, σ) and the latency, and polls by the exact
 * optimiser's plan for a late share of exactly 5 % beyond `delay` (the reference's measured p95).
 * The optimiser minimises requests + λ · late (dynamic programming) with λ found by bisection,
 * which lands on a plan at or under the budget; the optimum at exactly the budget mixes it with
 * the next plan over it (each task draws one, with the probabilities that spend exactly 5 %), as
 * a Lagrangian optimum does when the plans are discrete.
 */
function oracleSchedule(internals, sigma, delay, latency, seed) {
  const { planPolls, normalCdf } = internals;
  const budget = 0.05;
  const cdf = (t) => (t > latency ? normalCdf(Math.log((t - latency) / MEDIAN) / sigma) : 0);
  const horizon = MEDIAN * Math.exp(4 * sigma) + latency;
  const plan = (b) => planPolls(cdf, horizon, { minGap: latency + 1, maxGap: 20_000, targetDelay: delay - latency, budget: b, maxCells: 20_000, resolution: 64 });
  const under = plan(budget);
  let over;
  for (let factor = 1.01; factor < 3 && over === undefined; factor *= 1.05) {
    const candidate = plan(budget * factor);
    if (candidate.late > budget + 1e-9) over = candidate;
  }
  const pOver = over === undefined || over.late <= under.late ? 0 : (budget - under.late) / (over.late - under.late);
  const random = mulberry32(seed * 65_537 + 11);
  const chosen = new Map();
  const schedule = (ctx) => {
    let p = chosen.get(ctx.taskId);
    if (p === undefined) chosen.set(ctx.taskId, (p = over !== undefined && random() < pOver ? over : under));
    // Times in the plan are those of responses: wait = gap − latency.
    return Math.max(0, (p.gapAt(ctx.elapsed) ?? delay - latency) - latency);
  };
  schedule.planned = { requests: (1 - pOver) * under.requests + pOver * (over?.requests ?? 0), late: (1 - pOver) * under.late + pOver * (over?.late ?? 0) };
  return schedule;
}

/** A task's answer to a request sent at `now`: `{ done, status, meta }`. */
function answer(task, now) {
  if (now >= task.end) return { done: true };
  if (task.start === undefined || now < task.start) return { done: false, status: 'PENDING' };
  if (task.progress === undefined) return { done: false, status: 'STARTED', meta: { pid: 1, hostname: 'worker@bench' } };
  const current = Math.round(Math.min(1, Math.max(0, task.progress(now))) * 100);
  return { done: false, status: 'PROGRESS', meta: { current, total: 100 } };
}

/**
 * Follows every task through one schedule in virtual time, via the real pipeline. Returns the
 * requests and delays of the tasks that arrived after the schedule had seen `learn` tasks end
 * ("evaluated"), and of those that arrived before ("learning"), and whether the schedule was
 * ever handed a decoded state with progress.
 */
function runOne(lib, schedule, tasksIn, { learn, arrivalGap, latency }) {
  const { taskStatus$ } = lib;
  const scheduler = new VirtualTimeScheduler(VirtualAction, Infinity);
  const tasks = new Map();
  let ended = 0;
  let sawProgress = false;
  const probe = (ctx) => {
    if (ctx.state?.progress !== undefined) sawProgress = true;
  };
  const wrapped =
    typeof schedule === 'function'
      ? (ctx) => (probe(ctx), schedule(ctx))
      : { next: (ctx) => (probe(ctx), schedule.next(ctx)), complete: (o) => schedule.complete?.(o) };
  const transport = (request) =>
    defer(() => {
      const task = tasks.get(request.taskId);
      task.requests++;
      const a = answer(task, scheduler.now() - task.arrival);
      const body = a.done
        ? { task_id: request.taskId, status: 'SUCCESS', result: { status: 'SUCCESS' } }
        : { task_id: request.taskId, status: a.status, result: a.meta ?? null };
      const headers = !a.done && task.pace !== undefined ? task.pace(scheduler.now() - task.arrival, task) : {};
      return timer(latency, scheduler).pipe(map(() => ({ status: 200, headers, body })));
    });
  tasksIn.forEach((spec, i) => {
    const arrival = i * arrivalGap;
    const id = `00000000-0000-4000-8000-${i.toString(16).padStart(12, '0')}`;
    scheduler.schedule(() => {
      const task = { ...spec, arrival, requests: 0, delay: NaN, seen: ended };
      tasks.set(id, task);
      taskStatus$(id, { baseUrl: 'http://127.0.0.1:1', transport, interval: wrapped, scheduler }).subscribe({
        next: (t) => {
          if (t.to === 'succeeded') {
            task.delay = scheduler.now() - arrival - task.end;
            ended++;
          }
        },
        error: (e) => {
          throw e;
        },
      });
    }, arrival);
  });
  scheduler.flush();
  const groups = { learning: { requests: 0, delays: [] }, evaluated: { requests: 0, delays: [] }, sawProgress };
  for (const task of tasks.values()) {
    if (Number.isNaN(task.delay)) throw new Error('a simulated task never ended');
    const g = task.seen >= learn ? groups.evaluated : groups.learning;
    g.requests += task.requests;
    g.delays.push(task.delay);
  }
  return groups;
}

const summarise = (g) => {
  const delays = [...g.delays].sort((a, b) => a - b);
  return { tasks: delays.length, requestsPerTask: g.requests / delays.length, p50: percentile(delays, 0.5), p95: percentile(delays, 0.95), max: delays[delays.length - 1] };
};

/** Duration tasks of one seed: `{ end }`, or `{ start, end }` with an early STARTED. */
function durationTasks(n, sigma, seed, early) {
  const durations = Array.from({ length: n }, logNormal({ median: MEDIAN, sigma, seed }));
  const random = mulberry32(seed * 4099 + 17);
  return durations.map((end) => (early ? { end, start: Math.min(end, 100 + 400 * random()) } : { end }));
}

/** Progress-reporting tasks of one seed (see the header): one generator, shared with the specs. */
export { progressTasks };

const savingOf = (row, ref) => 1 - row.requestsPerTask / ref.requestsPerTask;

/**
 * Every schedule × σ × variant × seed, then the progress tasks; per seed figures, summarised
 * (median and range over seeds) by `schedulesMarkdown`.
 * config: { sigmas, seeds, learn, evaluate, arrivalGap, latency }; internals: { planPolls, normalCdf }.
 */
export function runSchedules(lib, config, internals) {
  const n = config.learn + config.evaluate;
  const rows = [];
  for (const sigma of config.sigmas) {
    for (const variant of ['pending', 'early-started']) {
      const pooled = new Map();
      for (const seed of config.seeds) {
        const tasks = durationTasks(n, sigma, seed, variant === 'early-started');
        const perSeed = [];
        const delays = new Map();
        for (const s of scheduleSet(lib, seed)) {
          const groups = runOne(lib, s.make(), tasks, config);
          delays.set(s.key, groups.evaluated.delays);
          delays.set(`${s.key}:learning`, groups.learning.delays);
          perSeed.push({ key: s.key, name: s.name, evaluated: summarise(groups.evaluated), learning: summarise(groups.learning) });
        }
        const ref = perSeed.find((r) => r.key === REFERENCE);
        const oracleSchedule_ = oracleSchedule(internals, sigma, ref.evaluated.p95, config.latency, seed);
        const oracle = runOne(lib, oracleSchedule_, tasks, config);
        delays.set('oracle', oracle.evaluated.delays);
        delays.set('oracle:learning', oracle.learning.delays);
        perSeed.push({ key: 'oracle', name: 'oracle (knows the law; same p95 as the reference)', evaluated: summarise(oracle.evaluated), learning: summarise(oracle.learning), planned: oracleSchedule_.planned });
        const best = perSeed[perSeed.length - 1];
        for (const r of perSeed) {
          r.saving = savingOf(r.evaluated, ref.evaluated);
          r.ofOracle = r.saving / savingOf(best.evaluated, ref.evaluated);
          rows.push({ group: 'durations', sigma, variant, seed, ...r });
        }
        for (const [key, ds] of delays) pooled.set(key, [...(pooled.get(key) ?? []), ...ds]);
      }
      // p95 over all seeds' tasks at once: the figure the "no worse" comparison is made on.
      for (const [key, ds] of pooled) rows.push({ group: 'pooled', sigma, variant, key, p95: percentile(ds.sort((a, b) => a - b), 0.95) });
    }
  }
  let progressSeen = true;
  for (const kind of ['linear', 'stall', 'jump']) {
    for (const seed of config.seeds) {
      const tasks = progressTasks(n, seed, kind);
      const silent = tasks.map(({ start, end }) => ({ start, end }));
      const runs = [
        { key: REFERENCE, name: 'constant 2.5 s (reference)', schedule: lib.constantSchedule(2500), tasks },
        { key: 'adaptive', name: 'adaptive (defaults)', schedule: lib.adaptiveSchedule(), tasks },
        { key: 'adaptive-silent', name: 'adaptive, same tasks reporting no progress', schedule: lib.adaptiveSchedule(), tasks: silent },
      ];
      const perSeed = runs.map((r) => {
        const groups = runOne(lib, r.schedule, r.tasks, config);
        if (r.key === 'adaptive' && !groups.sawProgress) progressSeen = false;
        return { key: r.key, name: r.name, evaluated: summarise(groups.evaluated), learning: summarise(groups.learning) };
      });
      const ref = perSeed[0];
      for (const r of perSeed) rows.push({ group: 'progress', kind, seed, saving: savingOf(r.evaluated, ref.evaluated), ...r });
    }
  }
  // The server's pace: answers carry Retry-After (seconds) or retry-after-ms, which the pipeline
  // follows (capped by maxRetryAfter) whatever the schedule.
  const paces = {
    'retry-after-5': { name: 'server sends `Retry-After: 5`', pace: () => ({ 'retry-after': '5' }) },
    'retry-after-ms-eta': { name: 'server sends `retry-after-ms` = time to its end + 200 ms', pace: (now, task) => ({ 'retry-after-ms': String(Math.max(1, Math.ceil(task.end - now + 200))) }) },
  };
  const sigma = config.sigmas.includes(0.7) ? 0.7 : config.sigmas[0];
  for (const [pace, { name, pace: headers }] of Object.entries(paces)) {
    for (const seed of config.seeds) {
      const tasks = durationTasks(n, sigma, seed, false).map((t) => ({ ...t, pace: headers }));
      const plain = durationTasks(n, sigma, seed, false);
      const ref = summarise(runOne(lib, lib.constantSchedule(2500), plain, config).evaluated);
      for (const [key, label, make] of [
        [REFERENCE, 'constant 2.5 s', () => lib.constantSchedule(2500)],
        ['adaptive', 'adaptive (defaults)', () => lib.adaptiveSchedule()],
      ]) {
        const evaluated = summarise(runOne(lib, make(), tasks, config).evaluated);
        rows.push({ group: 'server-paced', sigma, pace, paceName: name, seed, key, name: label, evaluated, saving: savingOf(evaluated, ref) });
      }
    }
  }
  return { rows, progressSeen };
}

// ---------------------------------------------------------------- markdown

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const fmt = (x, digits = 2) => (x === undefined || !Number.isFinite(x) ? '—' : x.toFixed(digits));
/** "median (min–max)" over seeds, of `pick(row)`, scaled. */
const spread = (rows, pick, digits = 2, scale = 1) => {
  const xs = rows.map(pick).map((x) => x * scale);
  if (xs.length === 1) return fmt(xs[0], digits);
  return `${fmt(median(xs), digits)} (${fmt(Math.min(...xs), digits)}–${fmt(Math.max(...xs), digits)})`;
};
function table(headers, rows) {
  const align = headers.map((_, i) => (i === 0 ? ':--' : '--:'));
  return [`| ${headers.join(' | ')} |`, `| ${align.join(' | ')} |`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}
const VARIANTS = { pending: 'PENDING until the end', 'early-started': 'STARTED 0.1–0.5 s after submission' };

/** The tables of the poll-efficiency section (results: { seeds, learn, evaluate, rows, progressSeen }). */
export function schedulesMarkdown(results) {
  const { rows, seeds, learn, evaluate } = results;
  const sigmas = [...new Set(rows.filter((r) => r.group === 'durations').map((r) => r.sigma))];
  const per = `${seeds.length} seed${seeds.length > 1 ? 's' : ''} × ${evaluate} tasks evaluated after ${learn} learned; median (min–max) over seeds`;
  const parts = [];
  // Summary: adaptive against the oracle, every σ and variant.
  const summary = [];
  for (const sigma of sigmas) {
    for (const variant of Object.keys(VARIANTS)) {
      const of = (key) => rows.filter((r) => r.group === 'durations' && r.sigma === sigma && r.variant === variant && r.key === key);
      const a = of('adaptive');
      const o = of('oracle');
      const c = of(REFERENCE);
      if (a.length === 0) continue;
      const pooledOf = (key) => rows.find((r) => r.group === 'pooled' && r.sigma === sigma && r.variant === variant && r.key === key)?.p95;
      summary.push([
        `σ ${sigma}, ${VARIANTS[variant]}`,
        spread(o, (r) => r.saving, 1, 100) + ' %',
        spread(a, (r) => r.saving, 1, 100) + ' %',
        spread(a, (r) => r.ofOracle, 0, 100) + ' %',
        spread(c, (r) => r.evaluated.p95 / 1000),
        spread(a, (r) => r.evaluated.p95 / 1000),
        spread(o, (r) => r.evaluated.p95 / 1000),
        `${fmt(pooledOf(REFERENCE) / 1000, 3)} / ${fmt(pooledOf('adaptive') / 1000, 3)} / ${fmt(pooledOf('oracle') / 1000, 3)}`,
        `${spread(a, (r) => r.learning.requestsPerTask)} / ${spread(c, (r) => r.learning.requestsPerTask)}`,
        `${fmt(pooledOf('adaptive:learning') / 1000, 3)} / ${fmt(pooledOf(`${REFERENCE}:learning`) / 1000, 3)}`,
      ]);
    }
  }
  parts.push(
    `### Summary: \`adaptiveSchedule\` against the oracle (${per})`,
    '',
    table(['durations (log-normal, median 8 s)', 'oracle saves', 'adaptive saves', '% of the oracle\'s saving', 'p95 s: constant 2.5 s', 'p95 s: adaptive', 'p95 s: oracle', 'p95 s of all seeds\' tasks: constant / adaptive / oracle', 'while learning, requests / task: adaptive / constant', 'while learning, p95 s of all seeds\' tasks: adaptive / constant'], summary),
  );
  for (const sigma of sigmas) {
    for (const variant of Object.keys(VARIANTS)) {
      const here = rows.filter((r) => r.group === 'durations' && r.sigma === sigma && r.variant === variant);
      if (here.length === 0) continue;
      const keys = [...new Set(here.map((r) => r.key))];
      const body = keys.map((key) => {
        const rs = here.filter((r) => r.key === key);
        return [
          rs[0].name,
          spread(rs, (r) => r.evaluated.requestsPerTask),
          spread(rs, (r) => -r.saving, 1, 100) + ' %',
          key === REFERENCE ? '—' : spread(rs, (r) => r.ofOracle, 0, 100) + ' %',
          spread(rs, (r) => r.evaluated.p50 / 1000),
          spread(rs, (r) => r.evaluated.p95 / 1000),
          key === 'oracle' ? '—' : spread(rs, (r) => r.learning.requestsPerTask),
          key === 'oracle' ? '—' : spread(rs, (r) => r.learning.p95 / 1000),
        ];
      });
      parts.push(
        '',
        `### σ = ${sigma}, ${VARIANTS[variant]} (${per})`,
        '',
        table(['schedule', 'requests / task', 'vs constant 2.5 s', '% of the oracle\'s saving', 'delay p50 s', 'delay p95 s', 'while learning: requests / task', 'while learning: p95 s'], body),
      );
    }
  }
  const progress = rows.filter((r) => r.group === 'progress');
  if (progress.length > 0) {
    const kinds = { linear: 'linear, with noise and a queue wait', stall: 'stalls (20–60 % of the run)', jump: 'jumps (15–35 % of the work at once)' };
    const body = [];
    for (const kind of Object.keys(kinds)) {
      for (const key of [...new Set(progress.map((r) => r.key))]) {
        const rs = progress.filter((r) => r.kind === kind && r.key === key);
        if (rs.length === 0) continue;
        body.push([
          `${kinds[kind]}: ${rs[0].name}`,
          spread(rs, (r) => r.evaluated.requestsPerTask),
          spread(rs, (r) => -r.saving, 1, 100) + ' %',
          spread(rs, (r) => r.evaluated.p50 / 1000),
          spread(rs, (r) => r.evaluated.p95 / 1000),
          spread(rs, (r) => r.evaluated.max / 1000, 1),
        ]);
      }
    }
    parts.push(
      '',
      `### Tasks reporting progress (queue wait ~ 2 s, run log-normal median 30 s, σ 0.5; ${per})`,
      '',
      results.progressSeen ? '' : '**The pipeline did not hand the schedule `state` (PollContext.state) in this run: the adaptive rows below are paced without progress.**\n',
      table(['progress', 'requests / task', 'vs constant 2.5 s', 'delay p50 s', 'delay p95 s', 'longest delay s'], body),
    );
  }
  const paced = rows.filter((r) => r.group === 'server-paced');
  if (paced.length > 0) {
    const body = [];
    for (const pace of [...new Set(paced.map((r) => r.pace))]) {
      for (const key of [...new Set(paced.map((r) => r.key))]) {
        const rs = paced.filter((r) => r.pace === pace && r.key === key);
        body.push([
          `${rs[0].paceName}; client: ${rs[0].name}`,
          spread(rs, (r) => r.evaluated.requestsPerTask),
          spread(rs, (r) => -r.saving, 1, 100) + ' %',
          spread(rs, (r) => r.evaluated.p50 / 1000),
          spread(rs, (r) => r.evaluated.p95 / 1000),
        ]);
      }
    }
    parts.push(
      '',
      `### The server's pace: \`Retry-After\` on 200 answers (durations log-normal, median 8 s, σ ${paced[0].sigma}; ${per})`,
      '',
      table(['server and client', 'requests / task', 'vs constant 2.5 s without Retry-After', 'delay p50 s', 'delay p95 s'], body),
    );
  }
  return parts.filter((p, i, all) => !(p === '' && all[i - 1] === '')).join('\n');
}

// ---------------------------------------------------------------- alone: node bench/schedules.mjs

/** Loads the library and the optimiser from a build. */
export async function loadBuild(dist) {
  const load = (path) => import(pathToFileURL(`${dist}/esm/${path}`).href);
  const lib = await load('index.js');
  const { planPolls } = await load('schedules/poll-plan.js');
  const { normalCdf } = await load('schedules/duration-histogram.js');
  return { lib, internals: { planPolls, normalCdf } };
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const here = dirname(fileURLToPath(import.meta.url));
  const args = process.argv.slice(2);
  const distArg = args.find((a) => a.startsWith('--dist='));
  const dist = resolve(distArg ? distArg.slice(7) : resolve(here, '../dist'));
  if (!existsSync(`${dist}/esm/index.js`)) {
    console.error(`no build at ${dist}/esm/index.js: run \`npm run build\` first`);
    process.exit(1);
  }
  const config = args.includes('--quick') ? CONFIGS.quick : CONFIGS.full;
  const { lib, internals } = await loadBuild(dist);
  const loadBefore = loadavg().map((x) => x.toFixed(2));
  const t0 = Date.now();
  const results = { ...config, ...runSchedules(lib, config, internals) };
  const m = cpus();
  const head = `Machine: ${m.length} cores (\`nproc\`), ${m[0]?.model ?? 'unknown'}, ${Math.round(totalmem() / 2 ** 30)} GB; Node ${process.version}; ${new Date().toISOString().slice(0, 10)}; load average ${loadBefore.join(' / ')} at the start, ${loadavg().map((x) => x.toFixed(2)).join(' / ')} at the end; ${((Date.now() - t0) / 1000).toFixed(0)} s. Command: \`node bench/schedules.mjs${args.length ? ` ${args.join(' ')}` : ''}\`.`;
  const markdown = schedulesMarkdown(results);
  console.log(markdown);
  if (!args.includes('--no-write')) {
    const file = resolve(here, '../BENCHMARKS.md');
    writeFileSync(file, upsertBlock(readFileSync(file, 'utf8'), 'schedules', `${head}\n\n${markdown}`));
    console.log(`wrote the schedules block of ${file}`);
  }
}
