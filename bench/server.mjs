// The benchmark's status server: a FactPulse-style task-status endpoint in its own process, so the
// client's CPU is its own. Started by bench/run.mjs with `fork`; talks to it over IPC.
//
// GET /api/v1/processing/tasks/{id}/status answers, for the n-th *answered* poll of that id:
//   n <  startedAt  → PENDING
//   n <  successAt  → STARTED
//   n >= successAt  → SUCCESS (result.content_b64 of `contentLength` characters)
// A poll counts as answered when its response was written in full; a request the client gave up
// on (socket closed before the response finished) is *cancelled* and does not advance the task.
// Keep-alive is on. `latency` delays every answer (the slow-server scenario).
//
// Counters (IPC message { type: 'stats' } → { type: 'stats', stats }):
//   requests, answered, cancelled, overlapping (a request arriving while another request for the
//   same id is in flight), afterTerminal (polls of an id already answered SUCCESS), connections
//   (TCP connections accepted), maxOpenConnections, per-id request counts summary, server CPU µs.
import { createServer } from 'node:http';
import { randomBytes } from 'node:crypto';

const PATH = /^\/api\/v1\/processing\/tasks\/([^/]+)\/status$/;

const config = {
  startedAt: 3,
  successAt: 6,
  latency: 0,
  contentLength: 64,
  ...JSON.parse(process.argv[2] ?? '{}'),
};

/** A base64 string of exactly `length` characters (length a multiple of 4). */
function base64OfLength(length) {
  const bytes = (length / 4) * 3;
  return randomBytes(bytes).toString('base64');
}
const content = base64OfLength(config.contentLength);

/** @type {Map<string, { answered: number, inFlight: number, requests: number, done: boolean }>} */
const tasks = new Map();
const counters = () => ({
  requests: 0,
  answered: 0,
  cancelled: 0,
  overlapping: 0,
  afterTerminal: 0,
  connections: 0,
  maxOpenConnections: 0,
  notFound: 0,
});
let c = counters();
let openConnections = 0;
let cpuBase = process.cpuUsage();

/** Warm-up ids (group 9000, see client.mjs) end at poll 3 whatever `successAt` is. */
const successAt = (id) => (id.charCodeAt(19) === 57 /* '9' */ ? 3 : config.successAt);

function body(id, n) {
  if (n >= successAt(id)) {
    return `{"task_id":"${id}","status":"SUCCESS","result":{"status":"SUCCESS","content_b64":"${content}","message":"ok"}}`;
  }
  return n >= config.startedAt ? `{"task_id":"${id}","status":"STARTED","result":null}` : `{"task_id":"${id}","status":"PENDING","result":null}`;
}

const server = createServer({ keepAlive: true }, (req, res) => {
  const match = PATH.exec(req.url ?? '');
  if (req.method !== 'GET' || match === null) {
    c.notFound++;
    res.writeHead(404, { 'content-type': 'application/json' }).end('{"detail":"Not Found"}');
    return;
  }
  const id = decodeURIComponent(match[1]);
  let task = tasks.get(id);
  if (task === undefined) {
    task = { answered: 0, inFlight: 0, requests: 0, done: false };
    tasks.set(id, task);
  }
  c.requests++;
  task.requests++;
  if (task.done) c.afterTerminal++;
  if (task.inFlight > 0) c.overlapping++;
  task.inFlight++;
  let settled = false;
  let timer;
  const finish = (answered) => {
    if (settled) return;
    settled = true;
    task.inFlight--;
    if (timer !== undefined) clearTimeout(timer);
    if (answered) c.answered++;
    else c.cancelled++;
  };
  res.on('close', () => {
    // 'close' without a completed write: the client went away (abort, switchMap, timeout).
    if (!res.writableFinished) finish(false);
  });
  const answer = () => {
    timer = undefined;
    if (res.destroyed) return finish(false);
    const n = task.answered + 1;
    const text = body(id, n);
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text, () => {
      task.answered++;
      if (n >= successAt(id)) task.done = true;
      finish(true);
    });
  };
  if (config.latency > 0) timer = setTimeout(answer, config.latency);
  else answer();
});
server.keepAliveTimeout = 60_000;
server.headersTimeout = 65_000;
server.requestTimeout = 0;
server.maxRequestsPerSocket = 0;
server.on('connection', (socket) => {
  c.connections++;
  openConnections++;
  if (openConnections > c.maxOpenConnections) c.maxOpenConnections = openConnections;
  socket.on('close', () => openConnections--);
});

function stats() {
  const cpu = process.cpuUsage(cpuBase);
  let maxPerId = 0;
  let minPerId = Infinity;
  for (const t of tasks.values()) {
    if (t.requests > maxPerId) maxPerId = t.requests;
    if (t.requests < minPerId) minPerId = t.requests;
  }
  return { ...c, ids: tasks.size, maxPerId, minPerId: tasks.size === 0 ? 0 : minPerId, openConnections, cpuUs: cpu.user + cpu.system };
}

process.on('message', (msg) => {
  if (msg?.type === 'stats') process.send({ type: 'stats', stats: stats() });
  else if (msg?.type === 'reset') {
    c = counters();
    tasks.clear();
    cpuBase = process.cpuUsage();
    process.send({ type: 'reset' });
  } else if (msg?.type === 'stop') {
    server.closeAllConnections();
    server.close(() => process.exit(0));
    setTimeout(() => process.exit(0), 2000).unref();
  }
});
process.on('disconnect', () => process.exit(0));

server.listen(0, '127.0.0.1', () => {
  process.send({ type: 'listening', port: server.address().port });
});
