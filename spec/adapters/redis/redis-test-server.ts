import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';

/**
 * The Redis the hub specs share: the run's own redis-server, started on a free loopback port by
 * the suite's globalSetup (spec/helpers/services/global-setup.cjs), which exports its URL as
 * `FACTPULSE_RX_REDIS_URL`. Each spec works under its own key prefix, so specs never see each other.
 */
export const REDIS_URL = process.env['FACTPULSE_RX_REDIS_URL'] ?? 'redis://127.0.0.1:0';

/** Why the suite could not give the specs a Redis (one line naming the command to run), if so. */
const UNAVAILABLE = process.env['FACTPULSE_RX_REDIS_UNAVAILABLE'];

/** The redis-server binary the suite found or installed (for specs that start their own). */
const REDIS_SERVER = process.env['FACTPULSE_RX_REDIS_SERVER'] ?? 'redis-server';

/** Opens a plain connection to `url` that gives up at once when nothing answers. */
export function connect(url: string = REDIS_URL): Redis {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null, connectTimeout: 2000, disconnectTimeout: 20 });
  redis.on('error', () => undefined);
  return redis;
}

/**
 * Fails with a clear message when no Redis answers at {@link REDIS_URL}: these specs need a real
 * redis-server and never skip.
 */
export async function requireRedis(): Promise<void> {
  if (UNAVAILABLE !== undefined) throw new Error(UNAVAILABLE);
  if (process.env['FACTPULSE_RX_REDIS_URL'] === undefined) {
    throw new Error('No FACTPULSE_RX_REDIS_URL: run these specs through `npm test` / `npx jest` (its globalSetup starts a redis-server).');
  }
  const redis = connect();
  try {
    await redis.connect();
    const pong = await redis.ping();
    if (pong !== 'PONG') throw new Error(`PING answered ${pong}`);
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw new Error(`The suite's redis-server at ${REDIS_URL} does not answer (${why}).`, { cause: error });
  } finally {
    redis.disconnect();
  }
}

/** A key prefix no other run uses. */
export const testPrefix = (name: string): string => `factpulse-rx-test:${name}:${randomUUID().slice(0, 8)}:`;

/** The keys under `prefix` (SCAN, bounded). */
export async function keysUnder(redis: Redis, prefix: string): Promise<string[]> {
  const found: string[] = [];
  let cursor = '0';
  for (let i = 0; i < 1000; i++) {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    found.push(...batch);
    cursor = next;
    if (cursor === '0') break;
  }
  return found.sort();
}

/** Deletes every key under `prefix`. */
export async function deleteUnder(redis: Redis, prefix: string): Promise<void> {
  const keys = await keysUnder(redis, prefix);
  if (keys.length > 0) await redis.del(...keys);
}

/** A redis-server of a test's own (so that it may be killed), on a free loopback port. */
export interface OwnRedis {
  readonly url: string;
  readonly port: number;
  /** Kills the server (SIGKILL: as abrupt as a crash) and waits for it to exit. Idempotent. */
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Starts `redis-server` on `port` (a free one by default) and resolves once it answers PING. */
export async function startOwnRedis(port?: number): Promise<OwnRedis> {
  return startRedisOn(port ?? (await freePort()));
}

async function startRedisOn(port: number): Promise<OwnRedis> {
  const child: ChildProcess = spawn(REDIS_SERVER, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: 'ignore',
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const spawnError = new Promise<never>((_, reject) => child.once('error', (e) => reject(new Error(`cannot start redis-server: ${e.message}`))));
  const url = `redis://127.0.0.1:${port}`;
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  };
  for (let attempt = 0; attempt < 100; attempt++) {
    const probe = connect(url);
    try {
      await Promise.race([probe.connect().then(() => probe.ping()), spawnError]);
      return { url, port, stop };
    } catch (error) {
      if (child.exitCode !== null || (error instanceof Error && error.message.startsWith('cannot start'))) {
        await stop();
        throw error;
      }
    } finally {
      probe.disconnect();
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await stop();
  throw new Error(`redis-server on port ${port} did not answer`);
}
