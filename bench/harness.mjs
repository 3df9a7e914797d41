// Process plumbing for the benchmark: a status server and a contender, each in its own process.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const here = (file) => fileURLToPath(new URL(file, import.meta.url));

/** Waits for one IPC message of `type` from `child`, or rejects on exit / after `ms`. */
export function message(child, type, ms = 60_000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => done(new Error(`no '${type}' message from ${child.spawnfile} within ${ms} ms`)), ms);
    const onMessage = (msg) => {
      if (msg?.type === type) done(undefined, msg);
      else if (msg?.type === 'error') done(new Error(msg.error));
    };
    const onExit = (code) => done(new Error(`process exited (${code}) before sending '${type}'`));
    function done(error, msg) {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
      if (error) reject(error);
      else resolve(msg);
    }
    child.on('message', onMessage);
    child.on('exit', onExit);
  });
}

/** Starts the status server in its own process. */
export async function startServer(config) {
  const child = fork(here('./server.mjs'), [JSON.stringify(config)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const { port } = await message(child, 'listening', 10_000);
  return {
    base: `http://127.0.0.1:${port}`,
    async stats() {
      child.send({ type: 'stats' });
      return (await message(child, 'stats')).stats;
    },
    async reset() {
      child.send({ type: 'reset' });
      await message(child, 'reset');
    },
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.send({ type: 'stop' });
      const t = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(t);
    },
  };
}

/**
 * Runs one contender job against a fresh server: server stats are reset between the client's
 * warm-up and its measured phase. Returns the client's figures plus the server's counters.
 */
export async function runJob(job, serverConfig, { dist, timeoutMs }) {
  const server = await startServer(serverConfig);
  const execArgv = ['--expose-gc', ...(job.cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${job.cpuProf}`] : [])];
  const child = fork(here('./client.mjs'), [JSON.stringify({ ...job, base: server.base, dist, timeoutMs })], {
    execArgv,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  try {
    await message(child, 'ready', 120_000);
    await server.reset();
    child.send({ type: 'go' });
    const { result } = await message(child, 'result', timeoutMs + 60_000);
    // Counted when the client reports: a contender that gave up (timed out) still has requests in flight.
    const stats = await server.stats();
    return { ...result, server: stats };
  } finally {
    if (child.exitCode === null && child.signalCode === null) {
      // The client exits by itself once its result is sent (a CPU profile is written then).
      const exited = new Promise((resolve) => child.once('exit', resolve));
      const t = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(t);
    }
    await server.stop();
  }
}

/** Median of numbers (NaN when empty). */
export function median(values) {
  const v = values.filter((x) => typeof x === 'number' && !Number.isNaN(x)).sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  const mid = v.length >> 1;
  return v.length % 2 === 1 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

/** Replaces the content between `<!-- bench:NAME -->` and `<!-- /bench:NAME -->` (appends the block when missing). */
export function upsertBlock(doc, name, content) {
  const open = `<!-- bench:${name} -->`;
  const close = `<!-- /bench:${name} -->`;
  const block = `${open}\n${content}\n${close}`;
  const start = doc.indexOf(open);
  const end = doc.indexOf(close);
  if (start !== -1 && end > start) return doc.slice(0, start) + block + doc.slice(end + close.length);
  return `${doc.trimEnd()}\n\n${block}\n`;
}
