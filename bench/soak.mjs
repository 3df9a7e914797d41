#!/usr/bin/env node
// The soak: 1 000 tasks against the FactPulse simulator, each with a seeded script of faults,
// followed by the BUILT package (run `npm run build` first), for at most N seconds.
//
//   node bench/soak.mjs [--seconds 30] [--tasks 1000] [--seed 1] [--verbose]
//
// Checked for every task: each fault it was served reached the pipeline as that fault (a hang as
// a timeout, a reset as a NetworkError, a 503 as a 503…); its stream ended in its scripted
// terminal phase, or in the typed error a model of the documented retry rules predicts from what
// the transport handed the pipeline; no transition was lost, duplicated or reordered (against
// the 200 bodies the transport handed over); no token in any error. For the run: no unhandled
// rejection, no request to the other origin, no prototype polluted, and the heap and the
// process's handles back to their baseline at the end. Prints ONE summary line and exits
// non-zero when anything is wrong.
//
// Layout, in two processes so that the servers do not share the client's core (and so that the
// heap and handle checks see the client alone): this process runs the library (taskStatus$ for
// half the tasks, a TaskClient with two subscribers per task for the other half); a child process
// (this file with --rig) runs the fault proxy, which injects the faults the simulator has no kind
// for (hangs, dripping, truncated and endless bodies, Content-Length lies, every status,
// Retry-After forms, redirects, hostile JSON), in front of the simulator, which injects its own
// kinds, asked per request with the `x-simulator-fault` header (latency, 5xx, 429, reset, invalid
// JSON, an HTML 502), and a second server, the "other origin" of cross-origin redirects.
import { fork } from 'node:child_process';
import { Agent, createServer, request as httpRequest } from 'node:http';
import { once } from 'node:events';
import { URLSearchParams, fileURLToPath } from 'node:url';
import { inspect, parseArgs } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { tap } from 'rxjs';
import { createFetchTransport, createTaskClient, taskStatus$ } from '../dist/esm/index.js';
import { destroyKeepAliveAgents } from '../dist/esm/http/keep-alive.js';
import { createSeededRandom, startSimulator } from '../dist/esm/simulator/index.js';

// ── arguments ─────────────────────────────────────────────────────────────────────────────────
const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '30' },
    tasks: { type: 'string', default: '1000' },
    seed: { type: 'string', default: '1' },
    verbose: { type: 'boolean', default: false },
    rig: { type: 'boolean', default: false },
  },
});
const SECONDS = Number(args.seconds);
const TASKS = Number(args.tasks);
const SEED = args.seed;
if (!(SECONDS >= 20) || !Number.isInteger(TASKS) || TASKS < 1) {
  process.stderr.write('usage: node bench/soak.mjs [--seconds N ≥ 20] [--tasks N ≥ 1] [--seed S] [--verbose]\n');
  process.exit(2);
}

// ── timing plan, scaled to N ──────────────────────────────────────────────────────────────────
// The run fills N but a headroom H = half of N (6 to 30 s: for a scripted hang, 3 s, and a
// loaded machine): tasks start spread over 60 % of the rest and live 40 % of it (at least
// 1.5 s), each polled about N / 6 times (8 to 100), so the last one is due at N − H. The soak
// stops as soon as every task has ended, and at N − 2 s whatever happens (a task not ended then
// is a failure).
const HEADROOM_MS = Math.min(30_000, Math.max(6000, SECONDS * 1000 * 0.5));
const SPREAD_MS = (SECONDS * 1000 - HEADROOM_MS) * 0.6;
const DURATION_MS = Math.max(1500, (SECONDS * 1000 - HEADROOM_MS) * 0.4);
const POLLS_PER_TASK = Math.min(100, Math.max(8, SECONDS / 6));
const INTERVAL_MS = Math.round(Math.max(100, DURATION_MS / POLLS_PER_TASK));
// Generous, so that a loaded machine rarely times out a normal request (such a timeout is a
// failure no script asked for: it is counted as "timeouts of a slow machine", and the model
// takes it into account); a scripted hang or drip costs one timeout (at most one per task).
const REQUEST_TIMEOUT_MS = 3000;
const MAX_RETRIES = 3;
const MAX_RESPONSE_BYTES = 256 * 1024;

// ── faults ────────────────────────────────────────────────────────────────────────────────────
/** Faults the simulator injects itself (asked with the x-simulator-fault header). */
const NATIVE = new Set(['latency', 'http-500', 'http-502', 'http-503', 'http-504', 'rate-limit', 'reset', 'invalid-json', 'html']);
/** What a fault does to the request it hits: `good` (a normal answer), `transient` (retried), `fatal` (ends the stream), `auth` (401). */
const FAULTS = {
  latency: { effect: 'good' },
  proto: { effect: 'good' },
  'redirect-same': { effect: 'good' },
  'http-500': { effect: 'transient', error: 'HttpError', status: 500 },
  'http-502': { effect: 'transient', error: 'HttpError', status: 502 },
  'http-503': { effect: 'transient', error: 'HttpError', status: 503 },
  'http-504': { effect: 'transient', error: 'HttpError', status: 504 },
  'rate-limit': { effect: 'transient', error: 'HttpError', status: 429 },
  html: { effect: 'transient', error: 'HttpError', status: 502 },
  reset: { effect: 'transient', error: 'NetworkError' },
  hang: { effect: 'transient', error: 'RequestTimeoutError' },
  drip: { effect: 'transient', error: 'RequestTimeoutError' },
  truncated: { effect: 'transient', error: 'NetworkError' },
  'short-body': { effect: 'transient', error: 'NetworkError' },
  'long-body': { effect: 'transient', error: 'NetworkError' },
  'status-408': { effect: 'transient', error: 'HttpError', status: 408 },
  'retry-after-date': { effect: 'transient', error: 'HttpError', status: 429 },
  'retry-after-past': { effect: 'transient', error: 'HttpError', status: 503 },
  'retry-after-garbage': { effect: 'transient', error: 'HttpError', status: 503 },
  'retry-after-huge': { effect: 'transient', error: 'HttpError', status: 503 },
  'retry-after-ms': { effect: 'transient', error: 'HttpError', status: 429 },
  'status-401': { effect: 'auth' },
  'invalid-json': { effect: 'fatal', error: 'DecodeError' },
  'wrong-shape': { effect: 'fatal', error: 'DecodeError' },
  endless: { effect: 'fatal', error: 'ResponseTooLargeError' },
  oversize: { effect: 'fatal', error: 'ResponseTooLargeError' },
  'status-400': { effect: 'fatal', error: 'HttpError', status: 400 },
  'status-403': { effect: 'fatal', error: 'HttpError', status: 403 },
  'status-404': { effect: 'fatal', error: 'HttpError', status: 404 },
  'status-413': { effect: 'fatal', error: 'HttpError', status: 413 },
  'status-422': { effect: 'fatal', error: 'RequestValidationError', status: 422 },
  'status-501': { effect: 'fatal', error: 'HttpError', status: 501 },
  'redirect-cross': { effect: 'fatal', error: 'HttpError', status: 302 },
  'redirect-loop': { effect: 'fatal', error: 'HttpError', status: 302 },
};
const KINDS = Object.keys(FAULTS);
const BENIGN = KINDS.filter((k) => FAULTS[k].effect === 'good' || FAULTS[k].effect === 'transient');
const TRANSIENT = KINDS.filter((k) => FAULTS[k].effect === 'transient');
const FATAL = KINDS.filter((k) => FAULTS[k].effect === 'fatal');
/** Transient faults for runs that exhaust the retries (not hangs: four timeouts in a row take long). */
const EXHAUSTING = TRANSIENT.filter((k) => k !== 'hang' && k !== 'drip');

/**
 * A task's script (the fault for each of its first requests; `ok` after it). Seeded. About half
 * the tasks ride out their faults, a quarter exhaust the retries, a quarter hit a fatal fault.
 */
function planScript(random) {
  const r = random.next();
  const script = [];
  const benign = () => {
    const n = random.int(4);
    let slow = false;
    for (let i = 0; i < n; i++) {
      let kind = random.next() < 0.15 ? 'status-401' : random.pick(BENIGN);
      if (kind === 'hang' || kind === 'drip') {
        if (slow) kind = 'latency';
        slow = true;
      }
      script.push(kind);
    }
  };
  if (r < 0.1) return script;
  benign();
  if (r < 0.5) return script;
  if (r < 0.75) {
    script.push('ok');
    const kind = random.pick(EXHAUSTING);
    for (let i = 0; i <= MAX_RETRIES; i++) script.push(kind);
  } else if (r < 0.85) {
    script.push('ok', 'status-401', 'status-401');
  } else {
    script.push('ok', random.pick(FATAL));
  }
  return script;
}

/** Statuses the pipeline retries. */
const TRANSIENT_STATUSES = new Set([408, 429, 500, 502, 503, 504]);

/**
 * What the transport must hand the pipeline for a served fault: `response <status>`, an error
 * class, or `timeout` (no answer within `requestTimeout`: the pipeline unsubscribes).
 */
function expectedObservation(kind) {
  if (kind === 'ok' || FAULTS[kind].effect === 'good' || kind === 'invalid-json' || kind === 'wrong-shape') return 'response 200';
  if (kind === 'hang' || kind === 'drip') return 'timeout';
  if (kind === 'redirect-cross' || kind === 'redirect-loop') return 'HttpError 302';
  if (kind === 'status-401') return 'response 401';
  const { error, status } = FAULTS[kind];
  return error === 'HttpError' || error === 'RequestValidationError' ? `response ${status}` : error;
}

/** An observation as text, for comparing with {@link expectedObservation}. */
function describeObservation(o) {
  if (o.kind === 'response') return `response ${o.status}`;
  if (o.kind === 'error') return o.status === undefined ? o.name : `${o.name} ${o.status}`;
  return o.kind;
}

/**
 * The model of the pipeline's rules (docs: "maxRetries counts consecutive failures, reset by any
 * good response; 401 refreshes once per request; everything else errors at once"), run on what
 * the transport handed the pipeline for a task, request by request. Returns how the stream must
 * end: `{ error, status? }`, or `{ phase: 'terminal' }` when nothing ends it early.
 */
function expectedEnd(observed) {
  let failures = 0;
  let refreshing = false;
  for (const o of observed) {
    if (o.kind === 'pending') break; // still in flight when the stream ended
    if (o.kind === 'response' && o.status === 401) {
      if (refreshing) return { error: 'AuthError', status: 401 };
      refreshing = true; // the next request carries a fresh token
      continue;
    }
    refreshing = false;
    let failure;
    if (o.kind === 'timeout') failure = { error: 'RequestTimeoutError', transient: true };
    else if (o.kind === 'error') failure = { error: o.name, status: o.status, transient: o.name === 'NetworkError' };
    else if (o.status >= 200 && o.status < 300) {
      if (phaseOf(o.body) === 'decode-error') return { error: 'DecodeError' };
      failures = 0;
      continue;
    } else if (o.status === 422) failure = { error: 'RequestValidationError', status: 422, transient: false };
    else failure = { error: 'HttpError', status: o.status, transient: TRANSIENT_STATUSES.has(o.status) };
    if (!failure.transient) return failure;
    failures++;
    if (failures > MAX_RETRIES) return failure;
  }
  return { phase: 'terminal' };
}

// ── bookkeeping ───────────────────────────────────────────────────────────────────────────────
const gc = (() => {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc');
})();
const heapNow = async () => {
  for (let i = 0; i < 3; i++) {
    await new Promise((resolve) => setImmediate(resolve));
    gc();
  }
  return process.memoryUsage().heapUsed;
};
const resourceCounts = () => {
  const counts = {};
  for (const type of process.getActiveResourcesInfo()) counts[type] = (counts[type] ?? 0) + 1;
  return counts;
};
const grownHandles = (before) => {
  const after = resourceCounts();
  let n = 0;
  const types = [];
  for (const [type, count] of Object.entries(after)) {
    const d = count - (before[type] ?? 0);
    if (d > 0) {
      n += d;
      types.push(`${type}+${d}`);
    }
  }
  return { n, types };
};
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

let unhandled = 0;
process.on('unhandledRejection', (reason) => {
  unhandled++;
  process.stderr.write(`soak: unhandled rejection: ${inspect(reason)}\n`);
});
process.on('uncaughtException', (error) => {
  unhandled++;
  process.stderr.write(`soak: uncaught exception: ${inspect(error)}\n`);
});
const warnings = [];
process.on('warning', (warning) => warnings.push(warning));

// ── the servers ───────────────────────────────────────────────────────────────────────────────
async function listen(server) {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return `http://127.0.0.1:${server.address().port}`;
}

async function startRig() {
  const sim = await startSimulator({
    seed: `soak-${SEED}`,
    durationMs: 1000,
    maxLogEntries: 0,
    faults: { rate: 0, latencyMs: [5, 60], retryAfterSeconds: 0.05 },
  });
  let guardHits = 0;
  const guard = createServer((req, res) => {
    guardHits++;
    res.writeHead(500).end();
  });
  const guardUrl = await listen(guard);

  /** Per task: its script and what it was served, request by request. */
  const tasks = new Map();
  const upstream = new Agent({ keepAlive: true, maxSockets: 256 });
  const open = new Set();
  const STATUS = /^\/api\/v1\/processing\/tasks\/([^/?]+)\/status(?:\?(.*))?$/;

  const sendJson = (res, status, body, headers = {}) => {
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
    res.end(text);
  };
  // A GET that failed before any response (the simulator closed an idle pooled connection just
  // as it was reused) is sent again once on a fresh connection, as proxies do: the fault a task
  // is served must be the scripted one, not an accident of this rig.
  const forward = (req, res, nativeFault, rewrite, fresh = false) => {
    const headers = { accept: 'application/json' };
    if (req.headers.authorization) headers.authorization = req.headers.authorization;
    if (nativeFault) headers['x-simulator-fault'] = nativeFault;
    const path = req.url.split('?')[0];
    let answered = false;
    const up = httpRequest({ host: '127.0.0.1', port: sim.port, path, headers, agent: fresh ? false : upstream }, (upRes) => {
      answered = true;
      if (rewrite === undefined) {
        res.writeHead(upRes.statusCode ?? 502, upRes.headers);
        upRes.pipe(res);
        return;
      }
      const chunks = [];
      upRes.on('data', (c) => chunks.push(c));
      upRes.on('end', () => sendJson(res, upRes.statusCode ?? 502, rewrite(Buffer.concat(chunks).toString('utf8'))));
      upRes.on('error', () => res.socket?.destroy());
    });
    up.on('error', () => {
      if (!answered && !fresh && nativeFault !== 'reset' && !res.destroyed) forward(req, res, nativeFault, rewrite, true);
      else res.socket?.destroy();
    });
    up.end();
  };
  const hostile = (text) => {
    // Hostile keys at the top level and in the result, as raw JSON text (own properties once parsed).
    const keys = '"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}},"toString":"x",';
    return `{${keys}${text.slice(1).replace(/"result":\{/, `"result":{${keys}`)}`;
  };
  const rawHead = (status, headers) => `HTTP/1.1 ${status} X\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`;
  const bodyOf = (taskId) => JSON.stringify({ taskId, status: 'PENDING' });

  const proxy = createServer((req, res) => {
    open.add(res);
    res.once('close', () => open.delete(res));
    const match = STATUS.exec(req.url ?? '');
    if (match === null) return sendJson(res, 404, { detail: 'Not Found' });
    const taskId = decodeURIComponent(match[1]);
    const query = new URLSearchParams(match[2] ?? '');
    const task = tasks.get(taskId);
    if (task === undefined) return sendJson(res, 404, { detail: 'unknown soak task' });
    if (query.has('hop')) return forward(req, res);
    if (query.has('loop')) {
      const k = Number(query.get('loop'));
      if (k > 10) return sendJson(res, 500, { detail: 'redirect loop not stopped by the client' });
      return sendJson(res, 302, { detail: 'moved' }, { location: `${req.url.split('?')[0]}?loop=${k + 1}` });
    }
    const kind = task.script[task.served.length] ?? 'ok';
    task.served.push(kind);
    if (kind === 'ok') return forward(req, res);
    if (NATIVE.has(kind)) return forward(req, res, kind);
    const path = req.url.split('?')[0];
    switch (kind) {
      case 'proto':
        return forward(req, res, undefined, hostile);
      case 'redirect-same':
        return sendJson(res, 307, { detail: 'moved' }, { location: `${path}?hop=1` });
      case 'redirect-cross':
        return sendJson(res, 302, { detail: 'moved' }, { location: `${guardUrl}${path}` });
      case 'redirect-loop':
        return sendJson(res, 302, { detail: 'moved' }, { location: `${path}?loop=1` });
      case 'hang':
        return undefined;
      case 'drip': {
        const bytes = Buffer.from(bodyOf(taskId));
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': bytes.length });
        let i = 0;
        const timer = setInterval(() => {
          if (i < bytes.length) res.write(bytes.subarray(i, ++i));
          else res.end();
        }, 100);
        res.once('close', () => clearInterval(timer));
        return undefined;
      }
      case 'truncated': {
        const text = bodyOf(taskId);
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write(text.slice(0, 20), () => req.socket.destroy());
        return undefined;
      }
      case 'short-body': {
        const text = bodyOf(taskId);
        req.socket.end(rawHead(200, { 'content-type': 'application/json', 'content-length': text.length + 50 }) + text);
        return undefined;
      }
      case 'long-body': {
        const text = bodyOf(taskId);
        req.socket.end(rawHead(200, { 'content-type': 'application/json', 'content-length': 10 }) + text);
        return undefined;
      }
      case 'endless': {
        res.writeHead(200, { 'content-type': 'application/json' });
        const chunk = Buffer.alloc(16 * 1024, 0x20);
        const pump = () => {
          while (!res.destroyed && res.write(chunk));
          if (!res.destroyed) res.once('drain', pump);
        };
        pump();
        return undefined;
      }
      case 'oversize': {
        res.writeHead(200, { 'content-type': 'application/json' });
        const content = Buffer.alloc(MAX_RESPONSE_BYTES, 0x41).toString('base64');
        res.end(JSON.stringify({ taskId, status: 'SUCCESS', result: { status: 'SUCCESS', content_b64: content } }));
        return undefined;
      }
      case 'wrong-shape':
        return sendJson(res, 200, { taskId, status: 42 });
      case 'retry-after-date':
        return sendJson(res, 429, { detail: 'slow down' }, { 'retry-after': new Date(Date.now() + 2000).toUTCString() });
      case 'retry-after-past':
        return sendJson(res, 503, { detail: 'busy' }, { 'retry-after': 'Sun, 06 Nov 1994 08:49:37 GMT' });
      case 'retry-after-garbage':
        return sendJson(res, 503, { detail: 'busy' }, { 'retry-after': 'soon' });
      case 'retry-after-huge':
        return sendJson(res, 503, { detail: 'busy' }, { 'retry-after': '99999999999' });
      case 'retry-after-ms':
        return sendJson(res, 429, { detail: 'slow down' }, { 'retry-after-ms': '40', 'retry-after': '30' });
      case 'status-422':
        return sendJson(res, 422, { detail: [{ loc: ['path', 'task_id'], msg: 'invalid', type: 'uuid_parsing' }] });
      default: {
        const status = Number(kind.slice('status-'.length));
        return sendJson(res, status, { detail: `status ${status}` });
      }
    }
  });
  // Never close an idle client connection during the run: a client reusing it at that moment
  // would see a reset this rig did not script.
  proxy.keepAliveTimeout = (SECONDS + 60) * 1000;
  const sockets = new Set();
  proxy.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.once('close', () => sockets.delete(socket));
  });
  const proxyUrl = await listen(proxy);

  return {
    sim,
    proxyUrl,
    tasks,
    guardHits: () => guardHits,
    async close() {
      for (const res of open) res.destroy();
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => proxy.close(resolve));
      guard.closeAllConnections();
      await new Promise((resolve) => guard.close(resolve));
      upstream.destroy();
      await sim.close();
    },
  };
}

/**
 * The rig process (`--rig`): starts the servers, then answers the client process over IPC:
 * `submit` (submit a task with its script), `report` (what each task was served, and the
 * other origin's hits), `close`.
 */
async function rigMain() {
  const rig = await startRig();
  process.on('message', async (message) => {
    switch (message.type) {
      case 'submit': {
        const { taskId } = await rig.sim.submit({ outcome: message.outcome, retry: message.retry, durationMs: message.durationMs });
        rig.tasks.set(taskId, { script: message.script, served: [] });
        process.send({ type: 'submitted', id: message.id, taskId });
        break;
      }
      case 'report':
        process.send({ type: 'report', served: Object.fromEntries([...rig.tasks].map(([id, t]) => [id, t.served])), guardHits: rig.guardHits() });
        break;
      case 'close':
        await rig.close();
        process.disconnect();
        // Nothing should be left; if something is, do not keep the client waiting.
        setTimeout(() => process.exit(0), 1000).unref();
        break;
    }
  });
  process.send({ type: 'ready', proxyUrl: rig.proxyUrl, token: rig.sim.token });
}

/** Starts a rig process and returns a small RPC over its IPC channel. */
async function spawnRig() {
  const child = fork(fileURLToPath(import.meta.url), ['--rig', '--seed', SEED, '--seconds', String(SECONDS)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const pending = new Map();
  let nextId = 0;
  let onReport;
  const ready = new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`soak: the rig process exited (${code}) before it was ready`)));
    child.on('message', (message) => {
      if (message.type === 'ready') resolve(message);
      else if (message.type === 'submitted') {
        pending.get(message.id)?.(message.taskId);
        pending.delete(message.id);
      } else if (message.type === 'report') onReport?.(message);
    });
  });
  const { proxyUrl, token } = await ready;
  return {
    proxyUrl,
    token,
    submit: (task) =>
      new Promise((resolve) => {
        const id = nextId++;
        pending.set(id, resolve);
        child.send({ type: 'submit', id, ...task });
      }),
    report: () =>
      new Promise((resolve) => {
        onReport = resolve;
        child.send({ type: 'report' });
      }),
    close: async () => {
      const exited = once(child, 'exit');
      child.send({ type: 'close' });
      await exited;
    },
  };
}

// ── one run ───────────────────────────────────────────────────────────────────────────────────
const OUTCOMES = ['success', 'rejected', 'failed'];
const PHASE_OF_OUTCOME = { success: 'succeeded', rejected: 'rejected', failed: 'failed' };
const TERMINAL = new Set(['succeeded', 'rejected', 'failed']);

/** The phase of a 200 body, by the documented mapping (an independent check of the library's). */
function phaseOf(body) {
  if (typeof body !== 'object' || body === null || typeof body.status !== 'string') return 'decode-error';
  switch (body.status) {
    case 'PENDING':
      return 'pending';
    case 'RETRY':
      return 'retrying';
    case 'SUCCESS':
      return body.result?.status === 'ERROR' ? 'rejected' : 'succeeded';
    case 'FAILURE':
    case 'REVOKED':
      return 'failed';
    default:
      return 'started';
  }
}

/** Longest common subsequence length, for counting lost and duplicated transitions. */
function lcs(a, b) {
  const row = new Array(b.length + 1).fill(0);
  for (let i = 1; i <= a.length; i++) {
    let prev = 0;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j];
      row[j] = a[i - 1] === b[j - 1] ? prev + 1 : Math.max(row[j], row[j - 1]);
      prev = tmp;
    }
  }
  return row[b.length];
}

/** Follows `count` tasks against a fresh rig and returns the verdicts. */
async function run({ tasks: count, timed }) {
  const random = createSeededRandom(`soak-plan-${SEED}`);
  const rig = await spawnRig();
  const inner = createFetchTransport();
  /** Per task, every request's fate as the pipeline saw it, in order. */
  const observed = new Map();
  let polls = 0;
  // The default transport (cross-fetch, shared keep-alive agent), watched: what it handed the
  // pipeline for each request is the ground truth the stream's end and transitions are checked
  // against.
  const transport = (request) => {
    polls++;
    let list = observed.get(request.taskId);
    if (list === undefined) observed.set(request.taskId, (list = []));
    const o = { kind: 'pending' };
    list.push(o);
    return inner(request).pipe(
      tap({
        next: (response) => Object.assign(o, { kind: 'response', status: response.status, body: response.body }),
        error: (error) => Object.assign(o, { kind: 'error', name: error?.name, status: error?.status }),
        unsubscribe: () => {
          if (o.kind === 'pending') o.kind = 'timeout';
        },
      }),
    );
  };
  const options = {
    baseUrl: rig.proxyUrl,
    token: () => rig.token,
    transport,
    interval: timed ? INTERVAL_MS : 100,
    requestTimeout: REQUEST_TIMEOUT_MS,
    maxResponseBytes: MAX_RESPONSE_BYTES,
    retry: { initialInterval: 10, maxInterval: 100, maxRetries: MAX_RETRIES, jitter: 'full', maxRetryAfter: 200 },
  };
  const client = createTaskClient({ ...options, maxConcurrent: 128, retryBudget: false, pauseWhenHidden: false, cacheSize: 100 });

  const records = [];
  const subscriptions = [];
  let ended = 0;
  let resolveAll;
  const allEnded = new Promise((resolve) => (resolveAll = resolve));
  const started = performance.now();
  const spread = timed ? SPREAD_MS : 0;

  const follow = (record, source, slot) =>
    source.subscribe({
      next: (t) => record.emitted[slot].push(t),
      error: (e) => {
        record.error[slot] = e;
        record.done[slot] = true;
        if (record.done.every(Boolean) && ++ended === count) resolveAll();
      },
      complete: () => {
        record.done[slot] = true;
        if (record.done.every(Boolean) && ++ended === count) resolveAll();
      },
    });

  const startTask = async (i) => {
    const outcome = OUTCOMES[random.int(3)];
    const retry = random.next() < 0.3;
    const script = planScript(random);
    const taskId = await rig.submit({ outcome, retry, durationMs: timed ? DURATION_MS : 300, script });
    const viaClient = i % 2 === 1;
    const slots = viaClient ? 2 : 1;
    const record = {
      taskId,
      outcome,
      script,
      emitted: Array.from({ length: slots }, () => []),
      error: new Array(slots).fill(undefined),
      done: new Array(slots).fill(false),
    };
    records.push(record);
    if (viaClient) subscriptions.push(follow(record, client.status$(taskId), 0), follow(record, client.status$(taskId), 1));
    else subscriptions.push(follow(record, taskStatus$(taskId, options), 0));
  };

  const starts = [];
  for (let i = 0; i < count; i++) {
    const wait = (spread * i) / count - (performance.now() - started);
    if (wait > 0) await sleep(wait);
    starts.push(startTask(i));
  }
  await Promise.all(starts);
  const budget = timed ? SECONDS * 1000 - 2000 : 20_000;
  let timer;
  await Promise.race([allEnded, new Promise((resolve) => (timer = setTimeout(resolve, Math.max(0, budget - (performance.now() - started)))))]);
  clearTimeout(timer);
  const elapsed = (performance.now() - started) / 1000;
  for (const subscription of subscriptions) subscription.unsubscribe();
  client.dispose();
  const { served: servedById, guardHits } = await rig.report();
  await rig.close();
  destroyKeepAliveAgents();

  // ── verdicts ──
  const stats = { tasks: count, polls, faults: 0, kinds: new Set(), errors: 0, lost: 0, duplicated: 0, wrong: 0, mismatched: 0, slow: 0, unfinished: 0, leaks: 0, unreached: 0, guardHits, elapsed };
  const problems = [];
  for (const r of records) {
    const served = servedById[r.taskId] ?? [];
    for (const kind of served) {
      if (kind !== 'ok') {
        stats.faults++;
        stats.kinds.add(kind);
      }
    }
    stats.unreached += Math.max(0, r.script.filter((k) => k !== 'ok').length - served.filter((k) => k !== 'ok').length);
    if (!r.done.every(Boolean)) {
      stats.unfinished++;
      problems.push(`${r.taskId}: unfinished after ${served.length} requests (script ${r.script.join(',')})`);
      continue;
    }
    // The faults reached the pipeline as they should (a hang as a timeout, a reset as a
    // NetworkError…). A request that timed out although its answer was not a scripted hang is the
    // machine being slow: counted, not a failure (the model below takes it into account).
    const seen = observed.get(r.taskId) ?? [];
    if (seen.length === served.length) {
      served.forEach((kind, i) => {
        const want = expectedObservation(kind);
        const got = describeObservation(seen[i]);
        if (got === want || got === 'pending') return;
        if (got === 'timeout') stats.slow++;
        else {
          stats.mismatched++;
          problems.push(`${r.taskId}: request ${i + 1} was served ${kind}, the pipeline got ${got} (expected ${want})`);
        }
      });
    } else {
      stats.mismatched++;
      problems.push(`${r.taskId}: ${seen.length} requests sent, ${served.length} served (${served.join(',')})`);
    }
    // How the stream must end, from what the pipeline was handed.
    const want = expectedEnd(seen);
    for (let slot = 0; slot < r.emitted.length; slot++) {
      const error = r.error[slot];
      const emitted = r.emitted[slot];
      const last = emitted[emitted.length - 1];
      if (error !== undefined) {
        if (slot === 0) stats.errors++;
        const text = `${String(error)}\n${error?.stack ?? ''}\n${inspect(error, { depth: 5 })}`;
        if (text.includes(rig.token)) {
          stats.leaks++;
          problems.push(`${r.taskId}: the token is in a ${error?.name}`);
        }
      }
      const ok =
        want.phase === 'terminal'
          ? error === undefined && last !== undefined && last.to === PHASE_OF_OUTCOME[r.outcome]
          : error?.name === want.error && (want.status === undefined || error.status === want.status);
      if (!ok) {
        stats.wrong++;
        problems.push(
          `${r.taskId}[${slot}]: expected ${want.phase ?? `${want.error} ${want.status ?? ''}`} (outcome ${r.outcome}), got ${
            error === undefined ? `phase ${last?.to}` : `${error.name} ${error.status ?? ''} ${error.message}`
          }; served ${served.join(',')}; seen ${seen.map(describeObservation).join(',')}`,
        );
      }
      // Transitions: exactly the changes of phase among the 200 bodies received, up to a terminal one.
      const expected = [];
      for (const o of seen) {
        if (o.kind !== 'response' || o.status !== 200) continue;
        const phase = phaseOf(o.body);
        if (phase === 'decode-error') break;
        if (phase !== expected[expected.length - 1]) expected.push(phase);
        if (TERMINAL.has(phase)) break;
      }
      const got = emitted.map((t) => t.to);
      const chainBroken = emitted.some((t, i) => t.from !== (i === 0 ? null : emitted[i - 1].to));
      const common = lcs(expected, got);
      if (common !== expected.length || common !== got.length || chainBroken) {
        stats.lost += expected.length - common;
        stats.duplicated += got.length - common + (chainBroken ? 1 : 0);
        problems.push(`${r.taskId}[${slot}]: transitions ${got.join('>')} for received ${expected.join('>')}`);
      }
    }
  }
  if (guardHits > 0) problems.push(`the other origin received ${guardHits} request(s)`);
  if ({}.polluted !== undefined) problems.push('Object.prototype was polluted');
  stats.problems = problems;
  return stats;
}

// ── main ──────────────────────────────────────────────────────────────────────────────────────
async function main() {
  const hardStop = setTimeout(() => {
    process.stderr.write(`soak: still running after ${SECONDS + 60} s, giving up\n`);
    process.exit(3);
  }, (SECONDS + 60) * 1000);
  hardStop.unref();

  // Warm-up (modules, agents, JIT), then the baseline with nothing running.
  await run({ tasks: 20, timed: false });
  await sleep(50);
  const baseHandles = resourceCounts();
  const baseHeap = await heapNow();

  const stats = await run({ tasks: TASKS, timed: true });

  let leaked = grownHandles(baseHandles);
  for (let i = 0; i < 100 && leaked.n > 0; i++) {
    await sleep(30);
    leaked = grownHandles(baseHandles);
  }
  const endHeap = await heapNow();
  const growthMb = (endHeap - baseHeap) / (1024 * 1024);
  const maxListeners = warnings.filter((w) => w.name === 'MaxListenersExceededWarning').length;
  if (leaked.n > 0) stats.problems.push(`handles not released: ${leaked.types.join(' ')}`);
  if (maxListeners > 0) stats.problems.push(`${maxListeners} MaxListenersExceededWarning`);
  const HEAP_LIMIT_MB = 8;
  if (growthMb > HEAP_LIMIT_MB) stats.problems.push(`heap grew by ${growthMb.toFixed(1)} MB (limit ${HEAP_LIMIT_MB})`);
  if (unhandled > 0) stats.problems.push(`${unhandled} unhandled rejection(s) / exception(s)`);

  const ok = stats.problems.length === 0;
  if (!ok || args.verbose) {
    for (const p of stats.problems.slice(0, 20)) process.stderr.write(`soak: ${p}\n`);
    if (stats.problems.length > 20) process.stderr.write(`soak: … and ${stats.problems.length - 20} more\n`);
  }
  process.stdout.write(
    `soak ${ok ? 'ok' : 'FAILED'}: ${SECONDS}s budget, ${stats.elapsed.toFixed(1)}s run, tasks ${stats.tasks}, polls ${stats.polls}, ` +
      `faults injected ${stats.faults} (${stats.kinds.size} kinds; ${stats.unreached} scripted ones not reached before the task ended), ` +
      `errors as scripted ${stats.errors}, wrong outcomes ${stats.wrong}, ` +
      `faults not seen as scripted ${stats.mismatched}, timeouts of a slow machine ${stats.slow}, ` +
      `unfinished ${stats.unfinished}, lost ${stats.lost}, duplicated ${stats.duplicated}, unhandled ${unhandled}, ` +
      `token leaks ${stats.leaks}, other-origin requests ${stats.guardHits}, leaked handles ${leaked.n}, ` +
      `heap growth ${growthMb >= 0 ? '+' : ''}${growthMb.toFixed(2)} MB, seed ${SEED}\n`,
  );
  clearTimeout(hardStop);
  process.exitCode = ok ? 0 : 1;
}

if (args.rig) await rigMain();
else await main();
