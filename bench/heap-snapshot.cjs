// Retained objects per waiting task, by constructor: a heap-snapshot diff over 2 000 tasks that
// wait (transport answering PENDING at once, interval 10 s). Usage:
//   node --expose-gc bench/heap-snapshot.cjs [dist dir] [status|client]
const dist = require('node:path').resolve(process.argv[2] || __dirname + '/../dist'); const mode = process.argv[3] || 'status';
const v8 = require('v8');
const { taskStatus$, createTaskClient } = require(dist + '/cjs/index.js');
const { of } = require('rxjs');
const N = 2000;
const ids = Array.from({ length: N }, (_, i) => `6f1c2d3e-4a5b-4c6d-8e7f-${String(i).padStart(12, '0')}`);
const transport = (req) => of({ status: 200, headers: {}, body: { taskId: req.url.split('/').slice(-2)[0], status: 'PENDING' } });
const opts = { transport, interval: 10000, baseUrl: 'http://127.0.0.1:1' };
function counts() {
  const file = v8.writeHeapSnapshot(require('node:os').tmpdir() + `/${mode}-${Math.random()}.heapsnapshot`);
  const snap = JSON.parse(require('fs').readFileSync(file, 'utf8'));
  require('fs').unlinkSync(file);
  const f = snap.snapshot.meta.node_fields; const nf = f.length; const types = snap.snapshot.meta.node_types[0];
  const ti = f.indexOf('type'), ni = f.indexOf('name'), si = f.indexOf('self_size');
  const m = new Map();
  for (let i = 0; i < snap.nodes.length; i += nf) {
    const type = types[snap.nodes[i + ti]]; const name = type === 'object' || type === 'closure' ? snap.strings[snap.nodes[i + ni]] : type;
    const k = `${type}:${name}`; const e = m.get(k) || [0, 0]; e[0]++; e[1] += snap.nodes[i + si]; m.set(k, e);
  }
  return m;
}
global.gc(); const a = counts();
const subs = []; let client;
if (mode === 'client') client = createTaskClient(opts);
for (const id of ids) subs.push((mode === 'client' ? client.status$(id) : taskStatus$(id, opts)).subscribe());
setTimeout(() => { global.gc(); const b = counts();
  const rows = [];
  for (const [k, [c, s]] of b) { const [c0, s0] = a.get(k) || [0, 0]; if (c - c0 >= N / 2) rows.push([k, ((c - c0) / N).toFixed(2), ((s - s0) / N).toFixed(0)]); }
  rows.sort((x, y) => y[2] - x[2]); let tot = 0; for (const r of rows) tot += +r[2];
  console.log(mode, dist, 'total B/task (listed)', tot); for (const r of rows.slice(0, 40)) console.log(r.join('\t'));
  process.exit(0); }, 300);
