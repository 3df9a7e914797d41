// One contender in one fresh process (forked by bench/harness.mjs with --expose-gc).
//
// argv[2] is a JSON job: { contender, base, dist, n, interval, stagger, warmup: { n, interval },
// mode?: 'heap' | 'fanout', ids? (fanout), heapAt?: [ms…] (heap), timeoutMs, profile?, snapshot? }.
// 1. loads the contender, follows `warmup.n` tasks to the end (JIT warm-up, pools filled);
// 2. tells the parent { type: 'ready' } and waits for { type: 'go' } (the parent resets the server);
// 3. starts `n` tasks spread evenly over `stagger` ms (tasks arrive over time, as in a real app):
//    - default: follows all of them to the end and measures CPU µs (process.cpuUsage, user +
//      system), event-loop delay (monitorEventLoopDelay) and wall time;
//    - 'heap': samples heapUsed after two forced GCs at the `heapAt` times, while every task is
//      followed, and leaves without waiting for the end (GC time is kept out of CPU figures);
//    - 'fanout': `n` subscriptions over `ids` task ids, all at once;
//    `profile` writes a CPU profile of the measured phase only, `snapshot` a heap snapshot;
// 4. sends { type: 'result', result } and exits. Bounded by `timeoutMs`.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Session } from 'node:inspector/promises';
import { writeFileSync } from 'node:fs';
import { contenders } from './contenders.mjs';

const job = JSON.parse(process.argv[2]);
// Orphaned (the runner died): leave at once rather than wait for a 'go' that never comes.
process.on('disconnect', () => process.exit(0));
const gc = globalThis.gc;
if (typeof gc !== 'function') throw new Error('run with --expose-gc');

/** A UUID-shaped id, deterministic per index; warm-up ids (group 9000) always end at poll 3 (server.mjs). */
function taskId(warmup, i) {
  return `00000000-0000-4000-${warmup ? '9000' : '8000'}-${i.toString(16).padStart(12, '0')}`;
}

async function runAll(follow, ids, stagger, onStart) {
  return new Promise((resolve) => {
    let started = 0;
    let finished = 0;
    const outcomes = { done: 0, error: 0 };
    const t0 = performance.now();
    const startDue = () => {
      const due = stagger <= 0 ? ids.length : Math.min(ids.length, Math.floor(((performance.now() - t0) / stagger) * ids.length) + 1);
      while (started < due) {
        const id = ids[started++];
        onStart?.();
        follow(id).then(
          (outcome) => {
            outcomes[outcome === 'done' ? 'done' : 'error']++;
            if (++finished === ids.length) resolve(outcomes);
          },
          () => {
            outcomes.error++;
            if (++finished === ids.length) resolve(outcomes);
          },
        );
      }
      if (started < ids.length) setTimeout(startDue, 2);
    };
    startDue();
  });
}

const waitFor = (type) =>
  new Promise((resolve) => {
    const on = (msg) => {
      if (msg?.type === type) {
        process.off('message', on);
        resolve(msg);
      }
    };
    process.on('message', on);
  });

const cpuNow = () => {
  const u = process.cpuUsage();
  return u.user + u.system;
};

async function main() {
  const contender = contenders[job.contender];
  if (contender === undefined) throw new Error(`unknown contender ${job.contender}`);
  const make = await contender.load({ base: job.base, dist: job.dist });

  if (job.warmup?.n > 0) {
    const warmIds = Array.from({ length: job.warmup.n }, (_, i) => taskId(true, i));
    await runAll(make({ interval: job.warmup.interval }), warmIds, 0);
  }
  const follow = make({ interval: job.interval });
  // fan-out: `job.n` subscriptions over `job.ids` task ids (n / ids subscribers per id).
  const distinct = job.mode === 'fanout' ? job.ids : job.n;
  const distinctIds = Array.from({ length: distinct }, (_, i) => taskId(false, i));
  const ids = job.mode === 'fanout' ? Array.from({ length: job.n }, (_, i) => distinctIds[i % distinct]) : distinctIds;
  process.send({ type: 'ready' });
  await waitFor('go');

  let session;
  if (job.profile) {
    // --cpu-prof covers the whole process; this covers the measured phase only.
    session = new Session();
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 200 });
    await session.post('Profiler.start');
  }
  gc();
  gc();
  const heap0 = process.memoryUsage().heapUsed;
  const eld = monitorEventLoopDelay({ resolution: 10 });
  let gcCpu = 0;
  const heapSamples = [];
  let started = 0;
  const timers = [];
  const sampleHeap = () => {
    eld.disable();
    const before = cpuNow();
    gc();
    gc();
    const heap = process.memoryUsage().heapUsed;
    gcCpu += cpuNow() - before;
    heapSamples.push({ heapKB: (heap - heap0) / 1024, active: started - finished });
    eld.enable();
  };
  let finished = 0;
  const cpu0 = cpuNow();
  // The main thread's busy time (event-loop utilisation), beside the process's CPU (which also
  // counts V8's GC helper threads and libuv's pool).
  const elu0 = performance.eventLoopUtilization();
  const t0 = performance.now();
  eld.enable();
  for (const at of job.heapAt ?? []) timers.push(setTimeout(sampleHeap, at));

  const deadline = new Promise((resolve) => {
    const t = setTimeout(() => resolve('timeout'), job.timeoutMs);
    t.unref();
  });
  if (job.mode === 'heap') {
    // Only the heap: start every task, sample while all of them wait, leave without waiting for the end.
    void runAll(follow, ids, job.stagger, () => started++);
    await new Promise((resolve) => setTimeout(resolve, Math.max(...job.heapAt) + 50));
    for (const t of timers) clearTimeout(t);
    if (job.snapshot) (await import('node:v8')).writeHeapSnapshot(job.snapshot);
    process.send({ type: 'result', result: { contender: job.contender, n: job.n, heapSamples, rssMB: process.memoryUsage().rss / 1048576 } });
    setTimeout(() => process.exit(0), 50);
    return;
  }
  const outcome = await Promise.race([
    runAll(
      (id) =>
        follow(id).finally(() => {
          finished++;
        }),
      ids,
      job.stagger,
      () => started++,
    ),
    deadline,
  ]);
  const wallMs = performance.now() - t0;
  eld.disable();
  const cpuUs = cpuNow() - cpu0 - gcCpu;
  const mainUs = performance.eventLoopUtilization(elu0).active * 1000;
  for (const t of timers) clearTimeout(t);
  if (session !== undefined) {
    const { profile } = await session.post('Profiler.stop');
    writeFileSync(job.profile, JSON.stringify(profile));
    session.disconnect();
  }
  const timedOut = outcome === 'timeout';
  process.send({
    type: 'result',
    result: {
      contender: job.contender,
      n: job.n,
      completed: timedOut ? finished : outcome.done,
      errors: timedOut ? 0 : outcome.error,
      timedOut,
      cpuUs,
      mainUs,
      wallMs,
      eldP50Ms: eld.percentile(50) / 1e6,
      eldP99Ms: eld.percentile(99) / 1e6,
      eldMaxMs: eld.max / 1e6,
      heapSamples,
      rssMB: process.memoryUsage().rss / 1048576,
    },
  });
  // Give the IPC message time to leave; the parent kills us anyway.
  setTimeout(() => process.exit(0), 50);
}

main().catch((error) => {
  process.send?.({ type: 'error', error: String(error?.stack ?? error) });
  setTimeout(() => process.exit(1), 50);
});
