import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { firstValueFrom, lastValueFrom, toArray } from 'rxjs';
import { createTaskClient, type TaskClient } from '../../lib/task-client.js';
import type { TaskTransition } from '../../lib/transitions.js';

/**
 * A FactPulse-like status endpoint on 127.0.0.1: the n-th request for a task answers PENDING,
 * then STARTED, then SUCCESS from the third on. It counts requests per task and the most
 * requests of one task in flight at once.
 */
interface CountingServer {
  readonly baseUrl: string;
  readonly requests: Map<string, number>;
  readonly maxInFlightPerTask: () => number;
  close(): Promise<void>;
}

async function startCountingServer(): Promise<CountingServer> {
  const requests = new Map<string, number>();
  const inFlight = new Map<string, number>();
  let maxInFlight = 0;
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const match = /^\/api\/v1\/processing\/tasks\/([^/]+)\/status$/.exec(req.url ?? '');
    if (match === null || req.method !== 'GET') {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"detail":"Not Found"}');
      return;
    }
    const id = decodeURIComponent(match[1]!);
    const n = (requests.get(id) ?? 0) + 1;
    requests.set(id, n);
    const now = (inFlight.get(id) ?? 0) + 1;
    inFlight.set(id, now);
    maxInFlight = Math.max(maxInFlight, now);
    const status = n === 1 ? 'PENDING' : n === 2 ? 'STARTED' : 'SUCCESS';
    const body = status === 'SUCCESS' ? { taskId: id, status, result: { status: 'SUCCESS', n } } : { taskId: id, status };
    // A little latency so that requests overlap across tasks.
    setTimeout(() => {
      inFlight.set(id, (inFlight.get(id) ?? 1) - 1);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    }, 2);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    requests,
    maxInFlightPerTask: () => maxInFlight,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

const uuid = (i: number): string => `00000000-0000-4000-8000-${i.toString(16).padStart(12, '0')}`;
const edges = (ts: readonly TaskTransition[]): string[] => ts.map((t) => `${t.from ?? '∅'}→${t.to}`);

describe('TaskClient against a real HTTP server', () => {
  let server: CountingServer;
  let client: TaskClient | undefined;

  beforeEach(async () => {
    server = await startCountingServer();
  });
  afterEach(async () => {
    client?.dispose();
    client = undefined;
    await server.close();
  });

  it('serves 2 000 subscribers over 100 task ids with exactly one request per id per round', async () => {
    client = createTaskClient({ baseUrl: server.baseUrl, interval: 20 });
    const ids = Array.from({ length: 100 }, (_, i) => uuid(i));
    const all = ids.flatMap((id) => Array.from({ length: 20 }, () => lastValueFrom(client!.status$(id).pipe(toArray()))));
    expect(client.stats()).toMatchObject({ tasks: 100, subscribers: 2000 });
    const results = await Promise.all(all);
    for (const seen of results) expect(edges(seen)).toEqual(['∅→pending', 'pending→started', 'started→succeeded']);
    expect(server.requests.size).toBe(100);
    for (const id of ids) expect(server.requests.get(id)).toBe(3);
    expect(server.maxInFlightPerTask()).toBe(1);
    expect(client.stats()).toMatchObject({ tasks: 0, subscribers: 0, requests: 300, inFlight: 0, queued: 0, cached: 100 });
  });

  it('as a new user would: three subscribers and a late one cost the requests of one', async () => {
    client = createTaskClient({ baseUrl: server.baseUrl, interval: 30 });
    const alone = uuid(1000);
    const shared = uuid(1001);

    const one = await lastValueFrom(client.status$(alone).pipe(toArray()));
    const costOfOne = server.requests.get(alone);

    const collect = (onNext?: (t: TaskTransition) => void): Promise<TaskTransition[]> =>
      new Promise((resolve, reject) => {
        const seen: TaskTransition[] = [];
        client!.status$(shared).subscribe({
          next: (t) => {
            seen.push(t);
            onNext?.(t);
          },
          error: reject,
          complete: () => resolve(seen),
        });
      });
    let late: Promise<TaskTransition[]> | undefined;
    // The late subscriber arrives once the task has started.
    const three = [
      collect((t) => {
        if (t.to === 'started') setImmediate(() => (late = collect()));
      }),
      collect(),
      collect(),
    ];
    const [a, b, c] = await Promise.all(three);
    expect(late).toBeDefined();
    const lateSeen = await late!;

    expect(edges(one)).toEqual(['∅→pending', 'pending→started', 'started→succeeded']);
    for (const seen of [a!, b!, c!]) expect(edges(seen)).toEqual(edges(one));
    // The late subscriber first gets the latest transition, `from` as it was, then the rest.
    expect(edges(lateSeen)).toEqual(['pending→started', 'started→succeeded']);
    expect(server.requests.get(shared)).toBe(costOfOne);
    expect(costOfOne).toBe(3);

    // And once it is done, one more look costs nothing.
    const again = await firstValueFrom(client.result$(shared));
    expect(again.result).toEqual({ status: 'SUCCESS', n: 3 });
    expect(server.requests.get(shared)).toBe(3);
    expect(client.stats().cacheHits).toBe(1);
  });
});
