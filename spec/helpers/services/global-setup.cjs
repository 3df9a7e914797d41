'use strict';
/**
 * jest globalSetup: provisions Chromium and starts the run's own redis-server (free loopback
 * port), then hands them to the specs through the environment, which every test worker inherits:
 *
 * - `FACTPULSE_RX_REDIS_URL`: `redis://127.0.0.1:<port>` of this run's redis-server;
 *   `FACTPULSE_RX_REDIS_SERVER`: the redis-server binary (for specs that start their own).
 * - `FACTPULSE_RX_CHROMIUM`: the Chromium binary for playwright-core.
 * - When one cannot be provided: `FACTPULSE_RX_REDIS_UNAVAILABLE` / `FACTPULSE_RX_CHROMIUM_UNAVAILABLE`
 *   hold the one line naming the command to run; the specs that need it fail with that line.
 *
 * @internal
 */
const fs = require('node:fs');
const path = require('node:path');
const { CACHE, provisionChromium, provisionRedisServer, startRedisServer } = require('./provision.cjs');

/** Kills redis-servers left by an earlier run that was killed before its teardown. */
function reapOrphans() {
  let names = [];
  try {
    names = fs.readdirSync(CACHE).filter((n) => /^redis-\d+\.json$/.test(n));
  } catch {
    return;
  }
  for (const name of names) {
    const file = path.join(CACHE, name);
    try {
      const { owner, pid } = JSON.parse(fs.readFileSync(file, 'utf8'));
      if (alive(owner)) continue;
      const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (cmdline.startsWith('redis-server') || cmdline.includes('/redis-server')) process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
    fs.rmSync(file, { force: true });
  }
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

module.exports = async function globalSetup() {
  const lines = [];
  const log = (line) => process.stderr.write(`${line}\n`);
  reapOrphans();
  const [chromium, redis] = await Promise.allSettled([
    provisionChromium(log),
    provisionRedisServer(log).then(async (bin) => ({ bin, server: await startRedisServer(bin) })),
  ]);
  if (chromium.status === 'fulfilled') {
    process.env.FACTPULSE_RX_CHROMIUM = chromium.value;
    delete process.env.FACTPULSE_RX_CHROMIUM_UNAVAILABLE;
  } else {
    process.env.FACTPULSE_RX_CHROMIUM_UNAVAILABLE = chromium.reason.message;
    lines.push(chromium.reason.message);
  }
  if (redis.status === 'fulfilled') {
    const { bin, server } = redis.value;
    globalThis.__factpulseRxRedis = server;
    process.env.FACTPULSE_RX_REDIS_URL = server.url;
    process.env.FACTPULSE_RX_REDIS_SERVER = bin;
    delete process.env.FACTPULSE_RX_REDIS_UNAVAILABLE;
    fs.mkdirSync(CACHE, { recursive: true });
    fs.writeFileSync(path.join(CACHE, `redis-${server.pid}.json`), JSON.stringify({ owner: process.pid, pid: server.pid, url: server.url }));
  } else {
    delete process.env.FACTPULSE_RX_REDIS_URL;
    process.env.FACTPULSE_RX_REDIS_UNAVAILABLE = redis.reason.message;
    lines.push(redis.reason.message);
  }
  for (const line of lines) log(`\nfactpulse-rx tests: ${line}`);
};
