'use strict';
/** jest globalTeardown: stops the run's redis-server started by global-setup.cjs. @internal */
const fs = require('node:fs');
const path = require('node:path');
const { CACHE } = require('./provision.cjs');

module.exports = async function globalTeardown() {
  const server = globalThis.__factpulseRxRedis;
  if (!server) return;
  globalThis.__factpulseRxRedis = undefined;
  await server.stop();
  fs.rmSync(path.join(CACHE, `redis-${server.pid}.json`), { force: true });
};
