// Poll efficiency: requests per task and detection delay for every schedule on offer, in
// compressed (virtual) time. The real pipeline runs: `taskStatus$` with `scheduler` set to an
// RxJS VirtualTimeScheduler and a transport that answers from the task's true end time, so each
// schedule's real `next` / `complete` are called exactly as in production, only faster.
//
// Tasks: durations log-normal (median 8 s, σ given), arriving every `arrivalGap` ms, so several
// run at once and a learning schedule learns from those that ended before. A request sent at
// time t shows SUCCESS when t ≥ end; its response arrives `latency` ms later. Detection delay =
// the arrival of the response that showed SUCCESS − the true end.
//
// Exported `runSchedules(config, lib)`; bench/run.mjs calls it in a child process.
import { VirtualTimeScheduler, VirtualAction, defer, map, timer } from 'rxjs';
import { logNormal, mulberry32, percentile } from './lognormal.mjs';

const MEDIAN = 8000;

/** The schedules compared, each built fresh per run (learning ones start empty). */
export function scheduleSet(lib, seed) {
  const { constantSchedule, exponentialSchedule, decorrelatedJitterSchedule, adaptiveSchedule } = lib;
  return [
    { name: 'constant 2.5 s (reference)', key: 'constant-2500', make: () => constantSchedule(2500) },
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
 * Follows `learn + evaluate` tasks through one schedule in virtual time. Returns the requests and
 * delays of the tasks that arrived after the schedule had seen `learn` tasks end ("evaluated"),
 * and of those that arrived before ("learning").
 */
function runOne(lib, schedule, durations, { learn, arrivalGap, latency }) {
  const { taskStatus$ } = lib;
  const scheduler = new VirtualTimeScheduler(VirtualAction, Infinity);
  const tasks = new Map();
  let ended = 0;
  const transport = (request) =>
    defer(() => {
      const task = tasks.get(request.taskId);
      task.requests++;
      const done = scheduler.now() >= task.end;
      const body = { task_id: request.taskId, status: done ? 'SUCCESS' : 'PENDING', result: done ? { status: 'SUCCESS' } : null };
      return timer(latency, scheduler).pipe(map(() => ({ status: 200, headers: {}, body })));
    });
  durations.forEach((duration, i) => {
    const arrival = i * arrivalGap;
    const id = `00000000-0000-4000-8000-${i.toString(16).padStart(12, '0')}`;
    scheduler.schedule(() => {
      const task = { end: arrival + duration, requests: 0, delay: NaN, seen: ended };
      tasks.set(id, task);
      taskStatus$(id, { baseUrl: 'http://127.0.0.1:1', transport, interval: schedule, scheduler }).subscribe({
        next: (t) => {
          if (t.to === 'succeeded') {
            task.delay = scheduler.now() - task.end;
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
  const groups = { learning: { requests: 0, delays: [] }, evaluated: { requests: 0, delays: [] } };
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
  return { tasks: delays.length, requests: g.requests, requestsPerTask: g.requests / delays.length, p50: percentile(delays, 0.5), p95: percentile(delays, 0.95), delays };
};

/**
 * Every schedule × every σ × every seed; groups pooled over seeds.
 * config: { sigmas, seeds, learn, evaluate, arrivalGap, latency }
 */
export function runSchedules(lib, config) {
  const rows = [];
  for (const sigma of config.sigmas) {
    const pooled = new Map();
    for (const seed of config.seeds) {
      const durations = Array.from({ length: config.learn + config.evaluate }, logNormal({ median: MEDIAN, sigma, seed }));
      for (const s of scheduleSet(lib, seed)) {
        const groups = runOne(lib, s.make(), durations, config);
        const acc = pooled.get(s.key) ?? { name: s.name, key: s.key, learning: { requests: 0, delays: [] }, evaluated: { requests: 0, delays: [] } };
        for (const k of ['learning', 'evaluated']) {
          acc[k].requests += groups[k].requests;
          acc[k].delays.push(...groups[k].delays);
        }
        pooled.set(s.key, acc);
      }
    }
    for (const acc of pooled.values()) {
      const evaluated = summarise(acc.evaluated);
      const learning = summarise(acc.learning);
      delete evaluated.delays;
      delete learning.delays;
      rows.push({ sigma, key: acc.key, name: acc.name, evaluated, learning });
    }
  }
  return rows;
}
