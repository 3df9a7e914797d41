'use strict';
/**
 * What the suite needs from the machine, found or provisioned once per run (jest globalSetup):
 *
 * - **Chromium** for the browser specs: the binary shipped inside the `@sparticuz/chromium` npm
 *   package (a devDependency), unpacked once into `node_modules/.cache/factpulse-rx/`; if it does
 *   not run here, Debian's `chromium` (installed with apt-get when running as root); otherwise one
 *   line naming the command to run.
 * - **redis-server** for the Redis hub specs: on the PATH, or Debian's `redis-server` installed
 *   with apt-get when running as root; otherwise one line naming the command to run. The suite
 *   starts its own server on a free loopback port (never a fixed port, never a user's Redis).
 *
 * @internal
 */
const { execFile, execFileSync, spawn } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const path = require('node:path');
const { pipeline } = require('node:stream/promises');
const zlib = require('node:zlib');

const ROOT = path.resolve(__dirname, '../../..');
const CACHE = path.join(ROOT, 'node_modules/.cache/factpulse-rx');

const isRoot = () => typeof process.getuid === 'function' && process.getuid() === 0;
const hasAptGet = () => fs.existsSync('/usr/bin/apt-get');

/** Finds `name` on the PATH (or undefined). */
function which(name, searchPath = process.env.PATH) {
  for (const dir of (searchPath ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

let aptQueue = Promise.resolve();
/** Installs Debian packages (serialised: apt holds one lock). Resolves to true on success. */
function aptInstall(packages, log) {
  const run = async () => {
    if (!isRoot() || !hasAptGet()) return false;
    log(`factpulse-rx tests: installing ${packages.join(' ')} with apt-get (once)…`);
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    const install = () =>
      new Promise((resolve) => {
        execFile('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...packages], { env, maxBuffer: 64 << 20 }, (error) => resolve(!error));
      });
    if (await install()) return true;
    // The package lists may be missing on a fresh image: update them once and try again.
    await new Promise((resolve) => execFile('apt-get', ['update', '-qq'], { env, maxBuffer: 64 << 20 }, () => resolve()));
    return install();
  };
  const result = aptQueue.then(run, run);
  aptQueue = result.then(() => undefined, () => undefined);
  return result;
}

/** True when `exe --version` runs (the binary and its shared libraries are usable here). */
function runs(exe, args = ['--version']) {
  try {
    execFileSync(exe, args, { stdio: 'ignore', timeout: 30_000 });
    return true;
  } catch {
    return false;
  }
}

/** Unpacks @sparticuz/chromium's brotli-compressed binary into the cache (atomically, once). */
async function sparticuzChromium() {
  let pkgDir;
  try {
    // The package's exports map hides package.json: resolve its entry (build/index.js), go up.
    pkgDir = path.resolve(path.dirname(require.resolve('@sparticuz/chromium', { paths: [ROOT] })), '..');
  } catch {
    return undefined;
  }
  const { version } = JSON.parse(fs.readFileSync(path.join(pkgDir, 'package.json'), 'utf8'));
  const dir = path.join(CACHE, `chromium-${version}-${process.arch}`);
  const exe = path.join(dir, 'chromium');
  if (!fs.existsSync(exe)) {
    const source = path.join(pkgDir, 'bin', 'chromium.br');
    if (!fs.existsSync(source)) return undefined;
    fs.mkdirSync(dir, { recursive: true });
    const partial = `${exe}.${process.pid}.partial`;
    try {
      await pipeline(fs.createReadStream(source), zlib.createBrotliDecompress(), fs.createWriteStream(partial, { mode: 0o755 }));
      fs.renameSync(partial, exe);
    } finally {
      fs.rmSync(partial, { force: true });
    }
  }
  return runs(exe) ? exe : undefined;
}

const DEBIAN_CHROMIUM = '/usr/bin/chromium';

/**
 * The path of a Chromium the browser specs can launch with playwright-core.
 * Rejects with one line naming the command to run when none can be found or provisioned.
 * (`how` replaces the machine's parts, for the spec of this function.)
 */
async function provisionChromium(log = console.log, how = {}) {
  const { shipped = sparticuzChromium, debian = DEBIAN_CHROMIUM, install = aptInstall } = how;
  const given = 'given' in how ? how.given : process.env.FACTPULSE_RX_CHROMIUM;
  if (given && fs.existsSync(given)) return given;
  const fromNpm = await shipped();
  if (fromNpm) return fromNpm;
  if (fs.existsSync(debian) && runs(debian)) return debian;
  if ((await install(['chromium'], log)) && fs.existsSync(debian)) return debian;
  throw new Error('The browser specs need Chromium: run `sudo apt-get install -y chromium` (or set FACTPULSE_RX_CHROMIUM to a Chromium binary).');
}

/**
 * The path of a redis-server binary; rejects with one line naming the command to run.
 * (`how` replaces the machine's parts, for the spec of this function.)
 */
async function provisionRedisServer(log = console.log, how = {}) {
  const { searchPath = process.env.PATH, candidates = ['/usr/bin/redis-server', '/usr/local/bin/redis-server'], install = aptInstall } = how;
  const find = () => which('redis-server', searchPath) ?? candidates.find((p) => fs.existsSync(p));
  const found = find();
  if (found) return found;
  if (await install(['redis-server'], log)) {
    const installed = find();
    if (installed) return installed;
  }
  throw new Error('The Redis hub specs need redis-server: run `sudo apt-get install -y redis-server` (or put redis-server on the PATH).');
}

/** A free TCP port on 127.0.0.1. */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** True when a Redis answers PING on `port` (raw RESP, no client library). */
function pings(port) {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    let answer = '';
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      answer += chunk.toString('latin1');
      if (answer.includes('\r\n')) done(answer.startsWith('+PONG'));
    });
  });
}

/**
 * Starts `redis-server` (no persistence) on a free loopback port; resolves once it answers PING.
 * `stop()` kills it and waits for it to exit.
 */
async function startRedisServer(bin) {
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort();
    const child = spawn(bin, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--protected-mode', 'yes'], {
      stdio: 'ignore',
    });
    let exited = false;
    const exit = new Promise((resolve) => child.once('exit', () => ((exited = true), resolve())));
    child.once('error', () => undefined);
    const stop = async () => {
      if (!exited) child.kill('SIGKILL');
      await exit;
    };
    for (let i = 0; i < 100 && !exited; i++) {
      if (await pings(port)) return { url: `redis://127.0.0.1:${port}`, port, pid: child.pid, stop };
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await stop(); // the port was taken between freePort() and listen, or the server did not start
  }
  throw new Error(`redis-server (${bin}) did not start on a loopback port`);
}

module.exports = { provisionChromium, provisionRedisServer, startRedisServer, freePort, CACHE };
