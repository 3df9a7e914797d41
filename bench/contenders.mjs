// The contenders: each is `load(ctx)` → a factory `({ interval }) => follow(id)` where
// `follow(id)` polls the task until SUCCESS or FAILURE and returns a Promise of its outcome
// ('done', or 'error' when the contender gave up). Every contender is loaded in a fresh process
// (bench/client.mjs) and imports only what it uses, so its heap and CPU are its own.
//
// ctx: { base: 'http://127.0.0.1:PORT', dist: absolute path of the built package (dist/) }
import { pathToFileURL } from 'node:url';

const statusPath = (id) => `/api/v1/processing/tasks/${encodeURIComponent(id)}/status`;
const TERMINAL = new Set(['SUCCESS', 'FAILURE', 'REVOKED']);
const MAX_POLLS = 10_000; // every hand-written loop is bounded

const library = (ctx) => import(pathToFileURL(`${ctx.dist}/esm/index.js`).href);

/** Subscribes and resolves on completion: the same thin adapter for every RxJS contender. */
function untilComplete(observable) {
  return new Promise((resolve) => {
    observable.subscribe({ complete: () => resolve('done'), error: () => resolve('error') });
  });
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** floor: fetch, res.json(), wait, repeat — the least a JavaScript client can do. */
function floorLoop(fetchImpl, init) {
  return (ctx) =>
    ({ interval }) =>
    async (id) => {
      const url = ctx.base + statusPath(id);
      for (let i = 0; i < MAX_POLLS; i++) {
        const res = await fetchImpl(url, init);
        const body = await res.json();
        if (TERMINAL.has(body.status)) return 'done';
        await sleep(interval);
      }
      return 'error';
    };
}

export const contenders = {
  /** The reference: Node's global fetch (undici), a hand-written loop. */
  'floor': {
    label: 'floor: hand-written loop, global fetch',
    load: async (ctx) => floorLoop(globalThis.fetch, { headers: { accept: 'application/json' } })(ctx),
  },
  /** The same loop on cross-fetch (node-fetch v2) with a right-sized keep-alive agent. */
  'floor-cross-fetch': {
    label: 'floor: hand-written loop, cross-fetch + keep-alive agent',
    load: async (ctx) => {
      const { fetch } = await import('cross-fetch');
      const http = await import('node:http');
      const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity, maxFreeSockets: 16_384, scheduling: 'lifo' });
      return floorLoop(fetch, { headers: { accept: 'application/json' }, agent })(ctx);
    },
  },
  'factpulse-rx': {
    label: 'factpulse-rx taskStatus$, default HTTP client (cross-fetch + keep-alive agent)',
    load: async (ctx) => {
      const { taskStatus$ } = await library(ctx);
      return ({ interval }) =>
        (id) =>
          untilComplete(taskStatus$(id, { baseUrl: ctx.base, interval }));
    },
  },
  'factpulse-rx-fetch': {
    label: "factpulse-rx taskStatus$, Node's global fetch",
    load: async (ctx) => {
      const { taskStatus$ } = await library(ctx);
      return ({ interval }) =>
        (id) =>
          untilComplete(taskStatus$(id, { baseUrl: ctx.base, interval, fetch: globalThis.fetch }));
    },
  },
  'client': {
    label: 'factpulse-rx createTaskClient (defaults: maxConcurrent 16), default HTTP client',
    load: async (ctx) => {
      const { createTaskClient } = await library(ctx);
      return ({ interval }) => {
        const client = createTaskClient({ baseUrl: ctx.base, interval });
        return (id) => untilComplete(client.status$(id));
      };
    },
  },
  'client-fetch': {
    label: "factpulse-rx createTaskClient (defaults: maxConcurrent 16), Node's global fetch",
    load: async (ctx) => {
      const { createTaskClient } = await library(ctx);
      return ({ interval }) => {
        const client = createTaskClient({ baseUrl: ctx.base, interval, fetch: globalThis.fetch });
        return (id) => untilComplete(client.status$(id));
      };
    },
  },
  /**
   * The official FactPulse SDK helper's algorithm, written here from its description: an axios
   * GET per poll, checks of `status` (SUCCESS returns the result, FAILURE throws), a sleep, an
   * overall timeout. The SDK grows its sleep 1 s × 1.5 up to 10 s; here it is set equal to the others.
   */
  'sdk-axios': {
    label: 'official SDK helper algorithm (axios GET + sleep)',
    load: async (ctx) => {
      const { default: axios } = await import('axios');
      const http = axios.create({ baseURL: ctx.base, headers: { Accept: 'application/json' }, timeout: 30_000 });
      return ({ interval }) =>
        async (id) => {
          const started = Date.now();
          for (let i = 0; i < MAX_POLLS; i++) {
            if (Date.now() - started > 600_000) throw new Error(`task ${id}: polling timed out`);
            const { data } = await http.get(statusPath(id));
            if (data.status === 'SUCCESS') return 'done';
            if (data.status === 'FAILURE') return 'done';
            await sleep(interval);
          }
          return 'error';
        };
    },
  },
  /** rx-polling 1.1 around `fromFetch` (it needs a `document`: a stub stands in on Node). */
  'rx-polling': {
    label: 'rx-polling 1.1 (fromFetch request$)',
    load: async (ctx) => {
      if (globalThis.document === undefined) {
        const doc = new EventTarget();
        const { setMaxListeners } = await import('node:events');
        setMaxListeners(0, doc); // one visibilitychange listener per polled task
        doc.hidden = false;
        globalThis.document = doc; // rx-polling reads document.hidden and listens for visibilitychange
      }
      const mod = await import('rx-polling');
      const polling = mod.default.default ?? mod.default; // CommonJS with __esModule: the function is exports.default
      const { fromFetch } = await import('rxjs/fetch');
      const { takeWhile } = await import('rxjs');
      return ({ interval }) =>
        (id) => {
          const request$ = fromFetch(ctx.base + statusPath(id), { headers: { accept: 'application/json' }, selector: (r) => r.json() });
          return untilComplete(polling(request$, { interval, attempts: 0 }).pipe(takeWhile((b) => !TERMINAL.has(b.status), true)));
        };
    },
  },
  /** The pattern people write by hand: a fixed clock, switchMap to the request. */
  'naive-rxjs': {
    label: 'naive RxJS: timer(0, p) + switchMap(fromFetch) + takeWhile',
    load: async (ctx) => {
      const { fromFetch } = await import('rxjs/fetch');
      const { timer, switchMap, takeWhile } = await import('rxjs');
      return ({ interval }) =>
        (id) => {
          const url = ctx.base + statusPath(id);
          return untilComplete(
            timer(0, interval).pipe(
              switchMap(() => fromFetch(url, { headers: { accept: 'application/json' }, selector: (r) => r.json() })),
              takeWhile((b) => !TERMINAL.has(b.status), true),
            ),
          );
        };
    },
  },
};
