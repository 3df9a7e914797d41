// One measurement of the library's own CPU per poll (no HTTP), in a fresh process:
//   node bench/overhead-child.cjs <dist> status|client
// 2 000 tasks × 10 polls each (PENDING ×4, STARTED ×5, SUCCESS) through a transport that answers
// at once, `interval` 1 ms, a string token, default deadline: the pipeline, decode, transitions and
// (for the client) the shared loop, gate and hooks — everything but the network. Prints one JSON
// line: { cpuUsPerPoll } (median of 5 runs after 2 warm-up runs).
const dist = require('node:path').resolve(process.argv[2]);
const mode = process.argv[3] || 'status';
const { taskStatus$, createTaskClient } = require(`${dist}/cjs/index.js`);
const { of } = require('rxjs');
const N = 2000;
const POLLS = 10;
const count = new Map();
const transport = (req) => {
  const id = req.url.split('/').slice(-2)[0];
  const n = (count.get(id) || 0) + 1;
  count.set(id, n);
  const status = n >= POLLS ? 'SUCCESS' : n > 4 ? 'STARTED' : 'PENDING';
  return of({ status: 200, headers: {}, body: { taskId: id, status, result: n >= POLLS ? { status: 'SUCCESS', invoiceNumber: 'F1' } : null } });
};
const options = { transport, interval: 1, baseUrl: 'http://127.0.0.1:1', token: 'not-a-real-token' };
async function run(group) {
  const ids = Array.from({ length: N }, (_, i) => `6f1c2d3e-4a5b-4c6d-${group}-${String(i).padStart(12, '0')}`);
  const client = mode === 'client' ? createTaskClient({ ...options, maxConcurrent: Number.POSITIVE_INFINITY }) : undefined;
  const t0 = process.cpuUsage();
  await Promise.all(
    ids.map((id) => new Promise((resolve, reject) => (client ? client.status$(id) : taskStatus$(id, options)).subscribe({ complete: resolve, error: reject }))),
  );
  const t = process.cpuUsage(t0);
  client?.dispose();
  return (t.user + t.system) / (N * POLLS);
}
(async () => {
  await run('9000');
  await run('9001');
  const runs = [];
  for (let i = 0; i < 5; i++) runs.push(await run(`8${String(i).padStart(3, '0')}`));
  runs.sort((a, b) => a - b);
  process.stdout.write(`${JSON.stringify({ cpuUsPerPoll: runs[2] })}\n`);
})();
