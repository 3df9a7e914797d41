'use strict';
// A server process for spec/reliability/payload-crash.spec.ts: a task client on the test's
// fake FactPulse (FACTPULSE_URL), served over websockets and SSE on one http server, and, when
// REDIS_URL is set, through a Redis hub. No uncaughtException / unhandledRejection handler: a
// payload that throws out of an adapter ends this process (exit code 1), which the spec sees.
// Run with: node --require spec/helpers/ts-register.cjs spec/reliability/payload-child.cjs
const { createServer } = require('node:http');
const { WebSocketServer } = require('ws');
const { createTaskClient } = require('../../lib/index.ts');
const { attachTaskSocketServer } = require('../../lib/adapters/ws/index.ts');
const { taskEventsHandler } = require('../../lib/adapters/sse/index.ts');

const hub = process.env.REDIS_URL
  ? require('../../lib/adapters/redis/index.ts').createRedisTaskHub({ redis: process.env.REDIS_URL, keyPrefix: process.env.KEY_PREFIX })
  : undefined;
const client = createTaskClient({
  baseUrl: process.env.FACTPULSE_URL,
  token: 'fake-test-token',
  fetch: globalThis.fetch,
  interval: 20,
  pauseWhenHidden: false,
  ...(hub ? { hub } : {}),
});
const sse = taskEventsHandler(client, { heartbeatMs: 0 });
const http = createServer((req, res) => sse(req, res));
const wss = new WebSocketServer({ server: http });
attachTaskSocketServer(wss, client, { heartbeatMs: 0 });
http.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: http.address().port })}\n`);
});
process.on('SIGTERM', () => process.exit(0));
