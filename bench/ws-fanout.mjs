#!/usr/bin/env node
// WebSocket fan-out: 1 000 websocket clients over 100 tasks on one server (factpulse-rx/ws on a
// TaskClient, against the simulator), with the BUILT package (run `npm run build` first).
//
//   node bench/ws-fanout.mjs [--clients 1000] [--tasks 100] [--seconds 5] [--dist dist]
//
// The server (simulator + TaskClient + ws adapter) runs in a child process started with
// --expose-gc, so its memory is its own; the clients run in this process. Three measurements:
//   1. memory per connection: the server's heap and RSS after a GC, with every client connected
//      and following one of the tasks (10 per task), minus the same before any client, ÷ clients;
//   2. live fan-out: 100 fresh tasks (pending → started → retrying → started → succeeded), 10
//      clients each: frames delivered, and the delay from the transition (`at`, the response
//      that showed it) to its arrival at each client (p50 / p99 / max); polls the simulator saw;
//   3. saturation: every client re-subscribes to an ended task as soon as it gets `complete`
//      (each round trip is a transition frame and a complete frame, served from the client's
//      terminal cache with no request): frames per second the server sustains for --seconds.
// Prints a markdown table and one JSON line.
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:http';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL, fileURLToPath } from 'node:url';
import WebSocket, { WebSocketServer } from 'ws';

const { values: args } = parseArgs({
  options: {
    clients: { type: 'string', default: '1000' },
    tasks: { type: 'string', default: '100' },
    seconds: { type: 'string', default: '5' },
    dist: { type: 'string', default: 'dist' },
    server: { type: 'boolean', default: false },
  },
});
const CLIENTS = Number(args.clients);
const TASKS = Number(args.tasks);
const SECONDS = Number(args.seconds);
const DIST = resolve(fileURLToPath(new URL('..', import.meta.url)), args.dist);

// ── the server process ─────────────────────────────────────────────────────────────────────────
async function serve() {
  const load = (path) => import(pathToFileURL(`${DIST}/esm/${path}`).href);
  const [{ createTaskClient }, { attachTaskSocketServer }, { startSimulator }] = await Promise.all([
    load('index.js'),
    load('adapters/ws/index.js'),
    load('simulator/index.js'),
  ]);
  const sim = await startSimulator({ seed: 1, retryRate: 0, maxLogEntries: 0 });
  const client = createTaskClient({ baseUrl: sim.url, token: sim.token, interval: 250, maxConcurrent: 64, cacheSize: 10_000 });
  const http = createServer();
  const wss = new WebSocketServer({ server: http, perMessageDeflate: false });
  const adapter = attachTaskSocketServer(wss, client, { heartbeatMs: 30_000 });
  http.listen(0, '127.0.0.1');
  await once(http, 'listening');

  const memory = () => {
    globalThis.gc?.();
    globalThis.gc?.();
    const m = process.memoryUsage();
    return { rss: m.rss, heapUsed: m.heapUsed, external: m.external + m.arrayBuffers };
  };
  const submit = async (n, body) => {
    const ids = [];
    for (let i = 0; i < n; i++) ids.push((await sim.submit(body)).taskId);
    return ids;
  };
  const polls = (ids) => ids.reduce((sum, id) => sum + sim.stats(id).requests, 0);

  process.on('message', async (msg) => {
    try {
      if (msg.type === 'memory') process.send({ type: 'memory', memory: memory() });
      else if (msg.type === 'submit') process.send({ type: 'submit', ids: await submit(msg.n, msg.body) });
      else if (msg.type === 'polls') process.send({ type: 'polls', polls: polls(msg.ids), stats: client.stats() });
      else if (msg.type === 'stop') {
        adapter.close();
        client.dispose();
        await new Promise((r) => wss.close(r));
        http.close();
        await sim.close();
        process.send({ type: 'stop' }, () => process.exit(0));
      }
    } catch (error) {
      process.send({ type: 'error', error: String(error?.stack ?? error) });
    }
  });
  process.once('disconnect', () => process.exit(1)); // the clients' process is gone
  process.send({ type: 'listening', port: http.address().port });
}

// ── the clients (this process) ─────────────────────────────────────────────────────────────────
function message(child, type, ms = 120_000) {
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => done(new Error(`no '${type}' from the server within ${ms} ms`)), ms);
    const onMessage = (msg) => {
      if (msg?.type === type) done(undefined, msg);
      else if (msg?.type === 'error') done(new Error(msg.error));
    };
    const onExit = (code) => done(new Error(`server exited (${code}) before '${type}'`));
    function done(error, msg) {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
      if (error) reject(error);
      else resolvePromise(msg);
    }
    child.on('message', onMessage);
    child.on('exit', onExit);
  });
}

async function ask(child, type, payload = {}) {
  const reply = message(child, type);
  child.send({ type, ...payload });
  return reply;
}

const quantile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
const until = async (check, ms, what) => {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

async function main() {
  const child = fork(fileURLToPath(import.meta.url), ['--server', '--dist', args.dist], {
    execArgv: ['--expose-gc'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const { port } = await message(child, 'listening', 30_000);
  const url = `ws://127.0.0.1:${port}`;

  // 1. memory per connection
  const before = (await ask(child, 'memory')).memory;
  const longIds = (await ask(child, 'submit', { n: TASKS, body: { durationMs: 3_600_000, retry: false } })).ids;
  const sockets = [];
  /** Per client: what to do with each text frame. */
  const handlers = [];
  for (let start = 0; start < CLIENTS; start += 100) {
    const batch = [];
    for (let i = start; i < Math.min(CLIENTS, start + 100); i++) {
      const ws = new WebSocket(url, { perMessageDeflate: false });
      handlers[i] = () => undefined;
      ws.on('message', (data) => handlers[i](data));
      ws.on('error', () => undefined);
      sockets[i] = ws;
      batch.push(once(ws, 'open'));
    }
    await Promise.all(batch);
  }
  let firstFrames = 0;
  for (let i = 0; i < CLIENTS; i++) {
    let got = false;
    handlers[i] = () => {
      if (!got) firstFrames++;
      got = true;
    };
    sockets[i].send(JSON.stringify({ type: 'subscribe', taskId: longIds[i % TASKS] }));
  }
  await until(() => firstFrames === CLIENTS, 60_000, 'a first frame on every client');
  await new Promise((r) => setTimeout(r, 1000));
  const connected = (await ask(child, 'memory')).memory;
  for (let i = 0; i < CLIENTS; i++) sockets[i].send(JSON.stringify({ type: 'unsubscribe', taskId: longIds[i % TASKS] }));

  // 2. live fan-out
  const liveIds = (await ask(child, 'submit', { n: TASKS, body: { durationMs: 3000, retry: true, outcome: 'success' } })).ids;
  const delays = [];
  let liveFrames = 0;
  let completes = 0;
  const liveStart = Date.now();
  for (let i = 0; i < CLIENTS; i++) {
    handlers[i] = (data) => {
      const text = String(data);
      liveFrames++;
      const frame = JSON.parse(text);
      if (frame.type === 'transition') delays.push(Date.now() - frame.at);
      else if (frame.type === 'complete') completes++;
    };
    sockets[i].send(JSON.stringify({ type: 'subscribe', taskId: liveIds[i % TASKS] }));
  }
  await until(() => completes === CLIENTS, 60_000, 'every live task to complete on every client');
  const liveSeconds = (Date.now() - liveStart) / 1000;
  const live = await ask(child, 'polls', { ids: liveIds });
  delays.sort((a, b) => a - b);

  // 3. saturation: re-subscribe to an ended (cached) task on every complete
  let satFrames = 0;
  let running = true;
  for (let i = 0; i < CLIENTS; i++) {
    const subscribe = JSON.stringify({ type: 'subscribe', taskId: liveIds[i % TASKS] });
    handlers[i] = (data) => {
      satFrames++;
      if (running && data.length < 80 && String(data).startsWith('{"type":"complete"')) sockets[i].send(subscribe);
    };
  }
  const satStart = Date.now();
  for (let i = 0; i < CLIENTS; i++) sockets[i].send(JSON.stringify({ type: 'subscribe', taskId: liveIds[i % TASKS] }));
  await new Promise((r) => setTimeout(r, SECONDS * 1000));
  running = false;
  const satSeconds = (Date.now() - satStart) / 1000;
  const satCount = satFrames;
  const after = await ask(child, 'polls', { ids: liveIds });

  for (const ws of sockets) ws.terminate();
  await ask(child, 'stop');

  const perConn = (k) => Math.round((connected[k] - before[k]) / CLIENTS);
  const result = {
    clients: CLIENTS,
    tasks: TASKS,
    memoryPerConnection: { heapUsed: perConn('heapUsed'), rss: perConn('rss'), external: perConn('external') },
    live: {
      frames: liveFrames,
      seconds: Number(liveSeconds.toFixed(2)),
      framesPerSecond: Math.round(liveFrames / liveSeconds),
      delayMs: { p50: quantile(delays, 0.5), p99: quantile(delays, 0.99), max: delays[delays.length - 1] },
      polls: live.polls,
      pollsPerTask: Number((live.polls / TASKS).toFixed(1)),
    },
    saturation: { frames: satCount, seconds: Number(satSeconds.toFixed(2)), framesPerSecond: Math.round(satCount / satSeconds), extraPolls: after.polls - live.polls },
    node: process.version,
  };
  const kib = (b) => `${(b / 1024).toFixed(1)} KiB`;
  console.log(`| measure | value |
|---|---|
| clients / tasks | ${CLIENTS} / ${TASKS} (${CLIENTS / TASKS} clients per task) |
| server memory per connection (heap, after GC) | ${kib(result.memoryPerConnection.heapUsed)} |
| server memory per connection (RSS) | ${kib(result.memoryPerConnection.rss)} |
| live fan-out: frames delivered | ${liveFrames} in ${result.live.seconds} s (${result.live.framesPerSecond}/s, bounded by the tasks' 3 s lifecycle) |
| live fan-out: transition → client delay | p50 ${result.live.delayMs.p50} ms, p99 ${result.live.delayMs.p99} ms, max ${result.live.delayMs.max} ms |
| live fan-out: polls at the simulator | ${live.polls} for ${TASKS} tasks (${result.live.pollsPerTask} per task, shared by ${CLIENTS / TASKS} clients each) |
| saturation: frames per second | ${result.saturation.framesPerSecond} (${satCount} in ${result.saturation.seconds} s, ${result.saturation.extraPolls} polls) |`);
  console.log(JSON.stringify(result));
}

if (args.server) await serve();
else await main();
