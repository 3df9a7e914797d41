import { Subject, firstValueFrom, filter } from 'rxjs';
import { taskStatus$ } from '../../lib/task-status.js';
import { isTerminal } from '../../lib/transitions.js';
import { sendJson, startTestServer, type TestServer } from '../helpers/test-server.js';

// The URL checks and the hint budget, against real loopback servers.

const ID = '7c9e6679-7425-40de-944b-e07fc1f90ae7';
const TOKEN = 'fake-token-for-tests';
// Node's own fetch: these specs are about what the pipeline sends, whatever the HTTP client.
const fetch = globalThis.fetch;

let api: TestServer;
let other: TestServer;
beforeAll(async () => {
  api = await startTestServer();
  other = await startTestServer();
});
afterEach(() => {
  api.reset();
  other.reset();
});
afterAll(async () => {
  await api.close();
  await other.close();
});

const answerPending = (server: TestServer): void =>
  server.handle((req, res) => sendJson(res, 200, { taskId: ID, status: 'PENDING', path: req.url }));

describe('the URL actually requested is checked when taskStatus$ is called', () => {
  it.each([
    ['a query', '/?tenant=acme'],
    ['an empty query', '/?'],
    ['a fragment', '/#/app'],
  ])('a baseUrl with %s is a TypeError naming baseUrl, and nothing is sent', async (_, suffix) => {
    answerPending(api);
    expect(() => taskStatus$(ID, { baseUrl: api.url + suffix, token: TOKEN, fetch })).toThrow(TypeError);
    expect(() => taskStatus$(ID, { baseUrl: api.url + suffix, token: TOKEN, fetch })).toThrow(/baseUrl/);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(api.requests).toHaveLength(0);
  });

  it('no statusPath can move the request (and the token) to another origin', async () => {
    answerPending(api);
    answerPending(other);
    const port = new URL(other.url).port;
    const moves = [
      (id: string) => `@127.0.0.1:${port}/api/v1/processing/tasks/${id}/status`,
      (id: string) => `:${port}/tasks/${id}`,
      () => `.evil.test/x`,
    ];
    for (const statusPath of moves) {
      expect(() => taskStatus$(ID, { baseUrl: api.url, token: TOKEN, fetch, statusPath })).toThrow(/statusPath/);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(other.requests).toHaveLength(0);
    expect(api.requests).toHaveLength(0);
  });

  it('a statusPath on the same origin, under a path prefix, is polled as before', async () => {
    api.handle((req, res) => sendJson(res, 200, { taskId: ID, status: 'SUCCESS', result: { status: 'SUCCESS', path: req.url } }));
    const last = await firstValueFrom(
      taskStatus$(ID, { baseUrl: `${api.url}/prefix/`, token: TOKEN, fetch, statusPath: (id) => `/tasks/${id}?format=json` }).pipe(
        filter((t) => isTerminal(t.to)),
      ),
    );
    expect(last.to).toBe('succeeded');
    expect(api.requests.map((r) => r.url)).toEqual([`/prefix/tasks/${ID}?format=json`]);
  });
});

describe('hints cannot amplify', () => {
  it('10 000 hints a second for 2 s send only a handful of requests', async () => {
    answerPending(api);
    const hints = new Subject<unknown>();
    const sub = taskStatus$(ID, { baseUrl: api.url, token: TOKEN, fetch, hints, interval: 2500 }).subscribe({ error: () => undefined });
    let sent = 0;
    await new Promise<void>((resolve) => {
      const started = Date.now();
      const tick = setInterval(() => {
        for (let i = 0; i < 100 && sent < 20_000; i++, sent++) hints.next({ event_type: 'generation.completed', data: { taskId: ID } });
        if (sent >= 20_000 || Date.now() - started > 4000) {
          clearInterval(tick);
          resolve();
        }
      }, 10);
    });
    sub.unsubscribe();
    expect(sent).toBe(20_000);
    // One on subscribe, then at most one hinted poll per second (hintFloor 1000) over ~2 s.
    expect(api.requests.length).toBeGreaterThanOrEqual(2);
    expect(api.requests.length).toBeLessThanOrEqual(5);
  });
});
