import { lastValueFrom, merge, toArray } from 'rxjs';
import { AuthError } from '../../lib/errors/auth-error.js';
import type { TokenContext } from '../../lib/http/auth.js';
import { destroyKeepAliveAgents } from '../../lib/http/keep-alive.js';
import { createTaskClient } from '../../lib/task-client.js';
import { taskStatus$ } from '../../lib/task-status.js';
import type { TaskTransition } from '../../lib/transitions.js';
import { sendJson, startTestServer, type TestServer } from '../helpers/test-server.js';
import { taskId } from './run-stream.js';

// Issue 14, item 5: one refresh per expiry. 200 tasks whose token expired ask the token function
// for a fresh token once, whether they share one client or are 200 taskStatus$ streams sharing
// the function, and whether or not each refresh revokes the previous token; a request refused
// for a token older than the current one is sent again with the current one. No AuthError.

const TASKS = 200;

/** A fake auth server state: which tokens the API accepts, and the token function the app gives. */
function tokenService(options: { revokeOnRefresh: boolean; cachesRefreshed: boolean }) {
  const valid = new Set<string>();
  let issued = 0;
  let current = 'fake-expired-token-0';
  const refreshCalls: number[] = [];
  const fn = ({ refresh }: TokenContext): string | Promise<string> => {
    if (!refresh) return options.cachesRefreshed ? current : 'fake-expired-token-0';
    refreshCalls.push(Date.now());
    // A login round trip: long enough for many requests to see the 401 meanwhile.
    return new Promise((resolve) =>
      setTimeout(() => {
        const next = `fake-fresh-token-${++issued}`;
        if (options.revokeOnRefresh) valid.clear();
        valid.add(next);
        current = next;
        resolve(next);
      }, 30),
    );
  };
  return { fn, valid, refreshCalls };
}

function answerAuthorized(server: TestServer, valid: ReadonlySet<string>): void {
  server.handle((req, res) => {
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (token === undefined || !valid.has(token)) {
      sendJson(res, 401, { detail: 'Token expired' });
      return;
    }
    const id = /tasks\/([^/]+)\/status/.exec(req.url ?? '')?.[1] ?? '';
    // A little latency so that requests overlap.
    setTimeout(() => sendJson(res, 200, { taskId: decodeURIComponent(id), status: 'SUCCESS', result: { status: 'SUCCESS' } }), 5);
  });
}

interface Outcome {
  readonly succeeded: number;
  readonly authErrors: number;
  readonly otherErrors: unknown[];
}

async function collect(streams: ReadonlyArray<import('rxjs').Observable<TaskTransition>>): Promise<Outcome> {
  let authErrors = 0;
  const otherErrors: unknown[] = [];
  const ends = await Promise.all(
    streams.map((s) =>
      lastValueFrom(s.pipe(toArray())).then(
        (ts) => ts.at(-1)?.to,
        (error: unknown) => {
          if (error instanceof AuthError) authErrors++;
          else otherErrors.push(error);
          return 'error';
        },
      ),
    ),
  );
  return { succeeded: ends.filter((to) => to === 'succeeded').length, authErrors, otherErrors };
}

describe('one refresh per expiry (issue 14, item 5)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterEach(() => server.reset());
  afterAll(async () => {
    await server.close();
    destroyKeepAliveAgents();
  });

  const options = (fn: (c: TokenContext) => string | Promise<string>) => ({
    baseUrl: server.url,
    token: fn,
    fetch: globalThis.fetch,
    interval: 1,
    requestTimeout: 5_000,
  });

  it.each([
    ['the previous token stays valid', false],
    ['each refresh revokes the previous token', true],
  ])('200 tasks of one client whose token expired: 1 refresh call and 0 AuthError (%s)', async (_name, revokeOnRefresh) => {
    const service = tokenService({ revokeOnRefresh, cachesRefreshed: true });
    answerAuthorized(server, service.valid);
    const client = createTaskClient({ ...options(service.fn), maxConcurrent: 64, retryBudget: false, pauseWhenHidden: false });
    try {
      const outcome = await collect(Array.from({ length: TASKS }, (_, i) => client.status$(taskId(i + 1))));
      expect(outcome).toEqual({ succeeded: TASKS, authErrors: 0, otherErrors: [] });
      expect(service.refreshCalls).toHaveLength(1);
    } finally {
      client.dispose();
    }
  });

  it.each([
    ['a function that caches the refreshed token', true],
    ['a function that keeps answering the expired token', false],
  ])('200 taskStatus$ streams sharing one token function: 1 refresh call and 0 AuthError (%s)', async (_name, cachesRefreshed) => {
    const service = tokenService({ revokeOnRefresh: true, cachesRefreshed });
    answerAuthorized(server, service.valid);
    const streams = Array.from({ length: TASKS }, (_, i) => taskStatus$(taskId(i + 1), options(service.fn)));
    const outcome = await collect(streams);
    expect(outcome).toEqual({ succeeded: TASKS, authErrors: 0, otherErrors: [] });
    expect(service.refreshCalls).toHaveLength(1);
    // Once refreshed, requests go with the fresh token: one 401 per stream at most.
    expect(server.requests.length).toBeLessThanOrEqual(2 * TASKS);
  });

  it('two clients sharing one token function share its refresh', async () => {
    const service = tokenService({ revokeOnRefresh: true, cachesRefreshed: true });
    answerAuthorized(server, service.valid);
    const clients = [0, 1].map(() => createTaskClient({ ...options(service.fn), maxConcurrent: 32, retryBudget: false, pauseWhenHidden: false }));
    try {
      const streams = Array.from({ length: TASKS }, (_, i) => clients[i % 2]!.status$(taskId(i + 1)));
      const outcome = await collect([merge(...streams.slice(0, 1)), ...streams.slice(1)]);
      expect(outcome).toEqual({ succeeded: TASKS, authErrors: 0, otherErrors: [] });
      expect(service.refreshCalls).toHaveLength(1);
    } finally {
      for (const c of clients) c.dispose();
    }
  });
});
