import type { IncomingMessage, ServerResponse } from 'node:http';
import { firstValueFrom, of, toArray } from 'rxjs';
import { DecodeError } from '../../lib/errors/decode-error.js';
import type { TaskClientEvent } from '../../lib/client/task-client-event.js';
import { createFetchTransport } from '../../lib/http/fetch-transport.js';
import { destroyKeepAliveAgents } from '../../lib/http/keep-alive.js';
import type { Transport } from '../../lib/http/transport.js';
import type { TaskStatusOptions } from '../../lib/options.js';
import { createTaskClient } from '../../lib/task-client.js';
import { taskStatus$ } from '../../lib/task-status.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { TASK, TOKEN, exposedText, fastOptions, runStream } from './run-stream.js';

// Issue 14, item 1: the token in no error, for any status. Servers that echo the request's
// Authorization header (gateway pages, debug proxies) in a 2xx page, in the headers of a redirect
// the transport refuses, or anywhere else must not put the token into an error, its stack, any
// own property, its cause chain or the client's events$.

/** Every own property of `value`, its cause chain, message and stack, as text. */
function everything(value: unknown, seen = new Set<unknown>()): string {
  if (value === null || typeof value !== 'object' || seen.has(value)) return String(value);
  seen.add(value);
  const parts = [exposedText(value)];
  for (const key of Reflect.ownKeys(value)) {
    const descriptor = Object.getOwnPropertyDescriptor(value, key);
    parts.push(String(key), everything(descriptor?.value, seen));
  }
  if (value instanceof Error) parts.push(everything(value.cause, seen));
  return parts.join('\n');
}

type Handler = (req: IncomingMessage, res: ServerResponse, server: TestServer) => void;

const echo = (req: IncomingMessage): string => String(req.headers.authorization);

const CASES: ReadonlyArray<readonly [string, Handler]> = [
  [
    'a 200 gateway page (not JSON) that starts with the echoed header',
    (req, res) => {
      res.writeHead(200, { 'content-type': 'text/html', 'x-echo-authorization': echo(req) });
      res.end(`${echo(req)} <html><body>gateway</body></html>`);
    },
  ],
  [
    'a 200 JSON success whose business status (fail closed: a DecodeError) is the echoed token',
    (req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ taskId: TASK, status: 'SUCCESS', result: { status: echo(req).slice(7) } }));
    },
  ],
  [
    'a 200 JSON answer whose status is not a string but carries the echoed token',
    (req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ taskId: TASK, status: [echo(req)] }));
    },
  ],
  [
    'a cross-origin redirect, refused, whose headers echo the token',
    (req, res) => {
      res.writeHead(302, { location: 'http://localhost:9/elsewhere', 'x-echo-authorization': echo(req) });
      res.end(echo(req));
    },
  ],
  [
    'a same-origin redirect loop (more than 5 redirects) whose headers echo the token',
    (req, res) => {
      res.writeHead(302, { location: `/loop${Math.random()}`, 'x-echo-authorization': echo(req) });
      res.end();
    },
  ],
  [
    'a 3xx without Location whose headers and body echo the token',
    (req, res) => {
      res.writeHead(302, { 'x-echo-authorization': echo(req), 'content-type': 'text/plain' });
      res.end(`redirecting ${echo(req)}`);
    },
  ],
  [
    'a redirect with an invalid Location whose headers echo the token',
    (req, res) => {
      res.writeHead(302, { location: 'http://[::1', 'x-echo-authorization': echo(req) });
      res.end();
    },
  ],
];

describe('the token in no error, for any status (issue 14, item 1)', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer();
  });
  afterEach(() => server.reset());
  afterAll(async () => {
    await server.close();
    destroyKeepAliveAgents();
  });

  const fetches: ReadonlyArray<readonly [string, TaskStatusOptions]> = [
    ['cross-fetch', {}],
    ['globalThis.fetch', { fetch: globalThis.fetch }],
  ];

  describe.each(fetches)('with %s', (_name, extra) => {
    it.each(CASES)('taskStatus$: %s', async (_case, handler) => {
      server.handle((req, res) => handler(req, res, server));
      const outcome = await runStream(taskStatus$(TASK, fastOptions(server.url, extra)));
      expect(outcome.error).toBeInstanceOf(Error);
      expect(server.requests.length).toBeGreaterThan(0);
      expect(server.requests.every((r) => r.headers.authorization === `Bearer ${TOKEN}`)).toBe(true);
      expect(everything(outcome.error)).not.toContain(TOKEN);
    });

    it.each(CASES)('createTaskClient, with its events$: %s', async (_case, handler) => {
      server.handle((req, res) => handler(req, res, server));
      const client = createTaskClient({ ...fastOptions(server.url, extra), retryBudget: false, pauseWhenHidden: false });
      const events: TaskClientEvent[] = [];
      const sub = client.events$.subscribe((e) => events.push(e));
      try {
        const outcome = await runStream(client.status$(TASK));
        expect(outcome.error).toBeInstanceOf(Error);
        expect(everything(outcome.error)).not.toContain(TOKEN);
        expect(events.length).toBeGreaterThan(0);
        expect(everything(events)).not.toContain(TOKEN);
      } finally {
        sub.unsubscribe();
        client.dispose();
      }
    });
  });

  it('redacts a 2xx page from any transport, not only the fetch one, so a DecodeError never quotes it', async () => {
    const transport: Transport = (request) =>
      of({ status: 200, headers: { 'x-echo-authorization': String(request.headers['authorization']) }, text: `${String(request.headers['authorization'])} <html>` });
    const outcome = await runStream(taskStatus$(TASK, { ...fastOptions('http://127.0.0.1:9'), transport }));
    expect(outcome.error).toBeInstanceOf(DecodeError);
    expect(everything(outcome.error)).not.toContain(TOKEN);
  });

  it('the transport itself gives no response or error that carries the token, for a 2xx page or a refused redirect', async () => {
    const transport = createFetchTransport({ fetch: globalThis.fetch });
    const request = { url: server.url, headers: { accept: 'application/json', authorization: `Bearer ${TOKEN}` }, taskId: TASK, maxResponseBytes: 1 << 20 };
    for (const [, handler] of CASES) {
      server.handle((req, res) => handler(req, res, server));
      const seen = await firstValueFrom(transport(request).pipe(toArray())).catch((error: unknown) => error);
      expect(everything(seen)).not.toContain(TOKEN);
    }
  });
});
