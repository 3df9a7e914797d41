// Heap per waiting task only (the heap half of the scale scenario), for iterating on memory:
//   node bench/heap-probe.mjs [--n=10000] [--interval=10000] [--before=<dist>] [--rounds=1]
import { resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runJob, median } from './harness.mjs';
const here = dirname(fileURLToPath(import.meta.url));
const arg = (name, d) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? d;
const n = Number(arg('n', 10000)); const interval = Number(arg('interval', 10000)); const rounds = Number(arg('rounds', 1));
const before = arg('before', undefined); const dist = resolve(arg('dist', resolve(here, '../dist')));
const list = ['floor', 'factpulse-rx', 'client', ...(before ? ['factpulse-rx@before', 'client@before'] : [])];
const spec = { mode: 'heap', n, interval, stagger: interval, warmup: { n: 200, interval: 20 }, heapAt: [1.25, 1.5, 1.75].map((f) => Math.round(f * interval)) };
const out = Object.fromEntries(list.map((c) => [c, []]));
for (let r = 0; r < rounds; r++) for (const c of r % 2 ? [...list].reverse() : list) {
  const res = await runJob({ contender: c.replace(/@before$/, ''), ...spec }, { startedAt: 2, successAt: 1e9, latency: 0 }, { dist: c.endsWith('@before') ? before : dist, timeoutMs: interval * 4 + 60000 });
  out[c].push(...res.heapSamples.map((h) => h.heapKB / h.active));
}
const floor = median(out.floor);
for (const c of list) console.log(c.padEnd(22), median(out[c]).toFixed(2), 'KB/task', (median(out[c]) / floor).toFixed(2) + '×', out[c].map((x) => x.toFixed(2)).join(' '));
