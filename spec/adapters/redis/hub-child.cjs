'use strict';
// One "server process" of the multi-process hub specs, run from the TypeScript sources:
//   node --require spec/helpers/ts-register.cjs spec/adapters/redis/hub-child.cjs '<config JSON>'
// It follows tasks through a task client with a Redis hub and writes one JSON line per fact on
// stdout: {kind:'ready'} once loaded and connected, {kind:'event'} (hub-role / hub-fallback),
// {kind:'transition'}, {kind:'error'}, {kind:'done'} once every task ended (then it closes and
// exits). Lines on stdin: {"follow":[ids]} follows those tasks; "stop" unsubscribes everything,
// closes and exits; "stats" writes {kind:'stats'} (the hub's stats and the requests sent so far).
const { createHash } = require('node:crypto');
const { createInterface } = require('node:readline');
const { createTaskClient } = require('../../../lib/task-client.ts');
const { createRedisTaskHub } = require('../../../lib/adapters/redis/index.ts');

const config = JSON.parse(process.argv[2]);
const out = (line) => process.stdout.write(JSON.stringify(line) + '\n');

const hub = createRedisTaskHub({
  redis: config.redisUrl,
  keyPrefix: config.keyPrefix,
  leaseMs: config.leaseMs,
  ...(config.commandTimeout !== undefined ? { commandTimeout: config.commandTimeout } : {}),
});
const client = createTaskClient({
  baseUrl: config.baseUrl,
  token: config.token,
  interval: config.interval,
  maxConcurrent: 64,
  hub,
  ...(config.maxRequestsPerSecond !== undefined ? { maxRequestsPerSecond: config.maxRequestsPerSecond } : {}),
  ...(config.maxRequestsBurst !== undefined ? { maxRequestsBurst: config.maxRequestsBurst } : {}),
});
const requests = {};
client.events$.subscribe((e) => {
  if (e.type === 'hub-role' || e.type === 'hub-fallback') out({ kind: 'event', ...e, received: Date.now() });
  else if (e.type === 'request-start') requests[e.taskId] = (requests[e.taskId] ?? 0) + 1;
});

const subscriptions = [];
let open = 0;
let finished = false;
const finish = async (kind) => {
  if (finished) return;
  finished = true;
  for (const s of subscriptions) s.unsubscribe();
  await hub.close();
  out({ kind, requests, total: client.stats().requests });
  client.dispose();
  process.exit(0);
};
const follow = (taskIds) => {
  open += taskIds.length;
  for (const taskId of taskIds) {
    subscriptions.push(
      client.status$(taskId).subscribe({
        next: (t) => {
          const content = t.state.phase === 'succeeded' && t.state.content !== undefined ? t.state.content : undefined;
          out({
            kind: 'transition',
            taskId: t.taskId,
            from: t.from,
            to: t.to,
            at: t.at,
            received: Date.now(),
            bytes: content === undefined ? undefined : { length: content.length, sha256: createHash('sha256').update(content).digest('hex'), isUint8Array: content instanceof Uint8Array },
          });
        },
        error: (e) => {
          out({ kind: 'error', taskId, name: e.name, message: e.message });
          if (--open === 0) void finish('done');
        },
        complete: () => {
          if (--open === 0) void finish('done');
        },
      }),
    );
  }
};

createInterface({ input: process.stdin })
  .on('line', (line) => {
    if (line.trim() === 'stop') void finish('stopped');
    else if (line.trim() === 'stats') out({ kind: 'stats', ...hub.stats(), requests: client.stats().requests, received: Date.now() });
    else follow(JSON.parse(line).follow);
  })
  .on('close', () => void finish('stopped'));
// Connected (a read of a task nobody follows) before saying ready.
hub.latest('00000000-0000-4000-8000-000000000000').then(
  () => out({ kind: 'ready', pid: process.pid }),
  (e) => out({ kind: 'error', taskId: '', name: e.name, message: e.message }),
);
