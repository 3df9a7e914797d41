import type { ServerResponse } from 'node:http';
import { createSeededRandom, type SeededRandom } from './seeded-random.js';
import { failOption } from '../option-checks.js';

/**
 * A kind of injected fault:
 * - `latency`: the normal answer, late (see {@link FaultOptions.latencyMs});
 * - `server-error`: a 500, 502, 503 or 504 with a JSON body (`http-500` … `http-504` pick one);
 * - `rate-limit`: 429 with `Retry-After` (see {@link FaultOptions.retryAfterSeconds});
 * - `reset`: the connection is destroyed before any header is sent;
 * - `invalid-json`: 200 with `content-type: application/json` and a truncated body;
 * - `html`: 502 with an HTML error page, as a reverse proxy sends it.
 *
 * @example
 * ```ts
 * await sim.submit({ faults: { script: ['http-503', 'reset'] } }) // the task's first two polls fail
 * ```
 */
export type FaultKind =
  | 'latency'
  | 'server-error'
  | 'http-500'
  | 'http-502'
  | 'http-503'
  | 'http-504'
  | 'rate-limit'
  | 'reset'
  | 'invalid-json'
  | 'html';

/**
 * Every {@link FaultKind}.
 *
 * @example
 * ```ts
 * FAULT_KINDS.includes('reset') // true
 * ```
 */
export const FAULT_KINDS: readonly FaultKind[] = [
  'latency',
  'server-error',
  'http-500',
  'http-502',
  'http-503',
  'http-504',
  'rate-limit',
  'reset',
  'invalid-json',
  'html',
];

/**
 * The routes faults can be injected on.
 *
 * @example
 * ```ts
 * await startSimulator({ faults: { rate: 0.1, routes: ['token', 'status'] } })
 * ```
 */
export type FaultRoute = 'token' | 'submit' | 'status';

/**
 * Fault injection settings, for the whole simulator (`startSimulator({ faults })`) or for one
 * task (the `faults` field of a submission, which then replaces the simulator's for that task).
 *
 * @example
 * ```ts
 * await startSimulator({ seed: 3, faults: { rate: 0.2, kinds: ['server-error', 'rate-limit'], retryAfterSeconds: 2 } })
 * ```
 */
export interface FaultOptions {
  /** Probability in `[0, 1]` that a request gets a fault. @default 0 */
  readonly rate?: number;
  /**
   * Kinds to draw from. The default holds only faults a well-behaved client rides out by retrying;
   * ask for `invalid-json` explicitly. @default ['latency', 'server-error', 'rate-limit', 'reset', 'html']
   */
  readonly kinds?: readonly FaultKind[];
  /** Faults forced on a task's first status requests, in order (before `rate` applies). @default [] */
  readonly script?: readonly FaultKind[];
  /** Seed of the draws, so a run can be replayed. @default the simulator's seed */
  readonly seed?: number | string;
  /** Added latency in ms, a fixed value or a `[min, max]` range. @default [100, 400] */
  readonly latencyMs?: number | readonly [number, number];
  /** `Retry-After` of a `rate-limit`, in seconds. @default 1 */
  readonly retryAfterSeconds?: number;
  /** Routes the simulator-wide faults apply to (ignored per task). @default ['status'] */
  readonly routes?: readonly FaultRoute[];
}

/** Validated {@link FaultOptions} with defaults applied. @internal */
export interface FaultSettings {
  readonly rate: number;
  readonly kinds: readonly FaultKind[];
  readonly script: readonly FaultKind[];
  readonly seed: number | string | undefined;
  readonly latencyMs: readonly [number, number];
  readonly retryAfterSeconds: number;
  readonly routes: readonly FaultRoute[];
}

/**
 * The fault the simulator applied to one request, as its log names it (every `http-5xx` is a
 * `server-error`).
 *
 * @example
 * ```ts
 * sim.log.filter((e) => e.fault === 'reset').length
 * ```
 */
export type AppliedFaultKind = 'latency' | 'server-error' | 'rate-limit' | 'reset' | 'invalid-json' | 'html';

/** A fault decided for one request. @internal */
export interface Fault {
  readonly kind: AppliedFaultKind;
  /** The HTTP status sent (absent for `latency` and `reset`). */
  readonly status?: number;
  /** The added delay of `latency`, in ms. */
  readonly delayMs?: number;
  /** The `Retry-After` of `rate-limit`, in seconds. */
  readonly retryAfterSeconds?: number;
}

const DEFAULT_KINDS: readonly FaultKind[] = ['latency', 'server-error', 'rate-limit', 'reset', 'html'];
const ROUTES: readonly FaultRoute[] = ['token', 'submit', 'status'];

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function kindList(value: unknown, field: string): readonly FaultKind[] {
  if (!Array.isArray(value) || !value.every((k) => FAULT_KINDS.includes(k as FaultKind))) {
    failOption(field, `a list of fault kinds (${FAULT_KINDS.join(', ')})`, value);
  }
  return value as FaultKind[];
}

/**
 * Validates fault options (from code or from a submission body) and applies the defaults.
 * Throws a `TypeError` naming the bad field, prefixed with `field`.
 *
 * @internal
 */
export function normaliseFaults(input: unknown, field: string): FaultSettings {
  if (input === undefined || input === null) input = {};
  if (!isRecord(input)) failOption(field, 'an object', input);
  const { rate = 0, kinds = DEFAULT_KINDS, script = [], seed, latencyMs = [100, 400], retryAfterSeconds = 1, routes = ['status'] } = input;
  if (typeof rate !== 'number' || !(rate >= 0 && rate <= 1)) failOption(`${field}.rate`, 'a number between 0 and 1', rate);
  const kindsList = kindList(kinds, `${field}.kinds`);
  if (kindsList.length === 0 && rate > 0) failOption(`${field}.kinds`, `a list that is not empty when ${field}.rate > 0`, kindsList);
  const scriptList = kindList(script, `${field}.script`);
  if (seed !== undefined && typeof seed !== 'number' && typeof seed !== 'string') failOption(`${field}.seed`, 'a number or a string', seed);
  const latency: [number, number] =
    typeof latencyMs === 'number' ? [latencyMs, latencyMs] : Array.isArray(latencyMs) && latencyMs.length === 2 ? [latencyMs[0], latencyMs[1]] : [NaN, NaN];
  if (!latency.every((n) => typeof n === 'number' && Number.isFinite(n) && n >= 0) || latency[0] > latency[1]) {
    failOption(`${field}.latencyMs`, 'a number of ms or a [min, max] range', latencyMs);
  }
  if (typeof retryAfterSeconds !== 'number' || !Number.isFinite(retryAfterSeconds) || retryAfterSeconds < 0) {
    failOption(`${field}.retryAfterSeconds`, 'a number ≥ 0', retryAfterSeconds);
  }
  if (!Array.isArray(routes) || !routes.every((r) => ROUTES.includes(r as FaultRoute))) {
    failOption(`${field}.routes`, `a list of ${ROUTES.join(', ')}`, routes);
  }
  return {
    rate,
    kinds: kindsList,
    script: scriptList,
    seed: seed as number | string | undefined,
    latencyMs: latency,
    retryAfterSeconds,
    routes: routes as FaultRoute[],
  };
}

/**
 * Turns a fault kind into the concrete fault for one request (which 5xx, how much latency).
 *
 * @internal
 */
export function resolveFault(kind: FaultKind, settings: FaultSettings, random: SeededRandom): Fault {
  switch (kind) {
    case 'latency': {
      const [min, max] = settings.latencyMs;
      return { kind, delayMs: Math.round(min + random.next() * (max - min)) };
    }
    case 'server-error':
      return { kind: 'server-error', status: random.pick([500, 502, 503, 504]) };
    case 'http-500':
    case 'http-502':
    case 'http-503':
    case 'http-504':
      return { kind: 'server-error', status: Number(kind.slice(5)) };
    case 'rate-limit':
      return { kind, status: 429, retryAfterSeconds: settings.retryAfterSeconds };
    case 'invalid-json':
      return { kind, status: 200 };
    case 'html':
      return { kind, status: 502 };
    case 'reset':
      return { kind };
  }
}

/**
 * The faults of one stream of requests (one task's status polls, or one route): first the
 * script in order, then a draw at `rate`. Deterministic for a given seed and request order.
 *
 * @internal
 * @example
 * ```ts
 * const faults = createFaultSource(normaliseFaults({ rate: 0.5 }, 'faults'), 'task-1')
 * faults.next() // a Fault or undefined, the same sequence on every run
 * ```
 */
export interface FaultSource {
  /** The fault for the next request, if any. */
  next(): Fault | undefined;
}

/**
 * Creates a {@link FaultSource}; `streamKey` (a task id or a route) and the settings' seed pick
 * the random stream, so each task's faults do not depend on other tasks' traffic.
 *
 * @internal
 */
export function createFaultSource(settings: FaultSettings, streamKey: string, defaultSeed: number | string): FaultSource {
  const random = createSeededRandom(settings.seed ?? defaultSeed).fork(streamKey);
  let index = 0;
  return {
    next() {
      const scripted = settings.script[index++];
      if (scripted !== undefined) return resolveFault(scripted, settings, random);
      if (settings.rate <= 0) return undefined;
      // Always draw both numbers so the stream stays aligned whatever the outcome.
      const hit = random.next() < settings.rate;
      const kind = settings.kinds[random.int(settings.kinds.length)];
      return hit && kind !== undefined ? resolveFault(kind, settings, random) : undefined;
    },
  };
}

const STATUS_TEXT: Readonly<Record<number, string>> = {
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

/**
 * Sends the faulty answer of every fault but `latency` (which only delays the normal answer).
 *
 * @internal
 */
export function writeFault(res: ServerResponse, fault: Fault): void {
  switch (fault.kind) {
    case 'reset':
      res.socket?.destroy();
      res.destroy();
      return;
    case 'invalid-json': {
      const body = '{"taskId": "00000000-0000-4000-8000-000000000000", "status": "PEND';
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
      return;
    }
    case 'html': {
      const body = '<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n';
      res.writeHead(502, { 'content-type': 'text/html', 'content-length': Buffer.byteLength(body) });
      res.end(body);
      return;
    }
    case 'rate-limit':
    case 'server-error': {
      const status = fault.status ?? 500;
      const body = JSON.stringify({ detail: STATUS_TEXT[status] ?? 'Error' });
      const headers: Record<string, string | number> = { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) };
      if (fault.retryAfterSeconds !== undefined) headers['retry-after'] = String(fault.retryAfterSeconds);
      res.writeHead(status, headers);
      res.end(body);
      return;
    }
    case 'latency':
      return;
  }
}
