import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { Subscription, lastValueFrom, toArray } from 'rxjs';
import { ResponseTooLargeError } from '../../lib/errors/response-too-large-error.js';
import { destroyKeepAliveAgents } from '../../lib/http/keep-alive.js';
import type { TaskStatusOptions } from '../../lib/options.js';
import { createTaskClient } from '../../lib/task-client.js';
import { taskStatus$ } from '../../lib/task-status.js';
import { reply, startFaultServer, type FaultServer } from '../helpers/fault-server.js';
import { pollingReply } from './replies.js';
import { activeAgentSockets, eventually, grown, resourceCounts, settle, type ResourceCounts } from './resources.js';
import { SUCCESS_RESULT, TASK, fastOptions, runStream, taskId } from './run-stream.js';

// Leak tests: polls and aborted streams must leave no timer, socket or listener behind.
//
// How idle keep-alive sockets are accounted for: the client's pooled idle sockets are
// unreferenced (they cannot keep the process alive) and do not appear in
// process.getActiveResourcesInfo(); what must be zero is the agent's *active* sockets and queued
// requests (activeAgentSockets). The fault server runs in this process, so its idle keep-alive
// connections are closed with closeIdleConnections() before counting: one still carrying a
// request would stay open and show up as a TCPSocketWrap.

const ROOT = join(__dirname, '..', '..');

describe('leaks', () => {
  let server: FaultServer;
  let baseline: ResourceCounts;
  const warnings: Error[] = [];
  const onWarning = (warning: Error): void => {
    warnings.push(warning);
  };

  const options = (extra: TaskStatusOptions = {}): TaskStatusOptions => fastOptions(server.url, { interval: 0, requestTimeout: 30_000, ...extra });

  /** Back to the baseline: no active agent socket, no new timer, socket or handle. */
  async function expectBaseline(): Promise<void> {
    expect(activeAgentSockets()).toMatchObject({ active: 0, queued: 0 });
    server.closeIdle();
    await eventually(() => Object.keys(grown(baseline, resourceCounts())).length === 0);
    expect(grown(baseline, resourceCounts())).toEqual({});
  }

  beforeAll(async () => {
    server = await startFaultServer();
    process.on('warning', onWarning);
  });
  beforeEach(async () => {
    // Warm up (modules, the shared agent), then take the baseline with nothing in flight.
    server.script(reply.task('SUCCESS', SUCCESS_RESULT));
    await runStream(taskStatus$(TASK, options()));
    server.reset();
    server.closeIdle();
    await settle();
    await eventually(() => server.openConnections === 0);
    baseline = resourceCounts();
    warnings.length = 0;
  });
  afterEach(() => {
    try {
      server.verify();
    } finally {
      server.reset();
    }
  });
  afterAll(async () => {
    process.off('warning', onWarning);
    await server.close();
    destroyKeepAliveAgents();
  });

  it('2 000 polls (20 tasks × 100, half through a TaskClient) leave no timer, socket or listener behind', async () => {
    const counts = new Map<string, number>();
    server.script(...Array.from({ length: 2000 }, () => pollingReply(100, counts)));
    const client = createTaskClient({ ...options(), maxConcurrent: 4, retryBudget: false, pauseWhenHidden: false });
    const ids = Array.from({ length: 20 }, (_, i) => taskId(1000 + i));
    const runs = ids.map((id, i) => lastValueFrom((i % 2 === 0 ? taskStatus$(id, options()) : client.status$(id)).pipe(toArray())));
    const results = await Promise.all(runs);
    client.dispose();

    for (const transitions of results) {
      expect(transitions[transitions.length - 1]).toMatchObject({ to: 'succeeded', polls: 100 });
      expect(transitions).toHaveLength(100);
    }
    expect(server.requests).toHaveLength(2000);
    server.verify({ allUsed: true });
    // One connection per task at most was needed: keep-alive reuse, so 2 000 polls on few sockets.
    expect(server.openConnections).toBeLessThanOrEqual(20);
    await expectBaseline();
    expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual([]);
  });

  it('1 000 streams unsubscribed mid-request (in batches of 200, through taskStatus$ and a TaskClient) leave nothing behind', async () => {
    const client = createTaskClient({ ...options(), maxConcurrent: 50, retryBudget: false, pauseWhenHidden: false });
    let unsubscribed = 0;
    for (let batch = 0; batch < 5; batch++) {
      server.reset();
      server.script(...Array.from({ length: 200 }, () => reply.hang()));
      const subscription = new Subscription();
      const errors: unknown[] = [];
      for (let i = 0; i < 200; i++) {
        const id = taskId(batch * 1000 + i);
        // 150 direct streams, each with its request in flight; 50 through the client: its
        // maxConcurrent (50) are all in flight, so none waits in its queue.
        const source = i < 150 ? taskStatus$(id, options()) : client.status$(id);
        subscription.add(source.subscribe({ error: (e: unknown) => errors.push(e) }));
      }
      await server.waitForRequests(200);
      expect(client.stats()).toMatchObject({ inFlight: 50, queued: 0 });
      subscription.unsubscribe();
      unsubscribed += 200;
      expect(errors).toEqual([]);
      expect(client.stats()).toMatchObject({ tasks: 0, subscribers: 0, inFlight: 0, queued: 0 });
      // Every aborted request closed its connection: the server sees no exchange in progress.
      await server.waitForIdle();
    }
    expect(unsubscribed).toBe(1000);

    // Streams waiting in the client's queue (over maxConcurrent) are dropped too.
    server.reset();
    server.script(...Array.from({ length: 50 }, () => reply.hang()));
    const queued = new Subscription();
    for (let i = 0; i < 120; i++) queued.add(client.status$(taskId(9000 + i)).subscribe());
    await server.waitForRequests(50);
    expect(client.stats()).toMatchObject({ inFlight: 50, queued: 70 });
    queued.unsubscribe();
    expect(client.stats()).toMatchObject({ inFlight: 0, queued: 0, tasks: 0 });
    await server.waitForIdle();
    client.dispose();

    await expectBaseline();
    expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual([]);
  });

  describe('a client that does not read a large body leaves the server’s writes bounded', () => {
    const BIG = 256 * 1024 * 1024;
    const LIMIT = 1024 * 1024;
    /** What the server may have written: the limit plus the socket buffers of both ends. */
    const BOUND = LIMIT + 24 * 1024 * 1024;

    it.each([
      ['announced by Content-Length (refused before reading)', true, {}],
      ['chunked (cancelled at the limit)', false, {}],
      ['announced by Content-Length, through global fetch (undici)', true, { fetch: globalThis.fetch }],
      ['chunked, through global fetch (undici)', false, { fetch: globalThis.fetch }],
    ] as const)('a 256 MiB body %s', async (_name, declare, extra) => {
      server.script(reply.huge(BIG, { declare }));
      const outcome = await runStream(taskStatus$(TASK, options({ maxResponseBytes: LIMIT, ...extra })));
      expect(outcome.error).toBeInstanceOf(ResponseTooLargeError);
      await server.waitForIdle();
      const written = server.bytesWritten;
      expect(written).toBeLessThan(BOUND);
      await settle();
      expect(server.bytesWritten).toBe(written);
    });

    it('a 256 MiB body of a redirect is not read: the redirect is followed at once', async () => {
      server.script(
        reply.custom('redirect with a huge body', (_req, res) => {
          res.writeHead(302, { location: `/next/tasks/${TASK}/status`, 'content-length': String(BIG) });
          const chunk = Buffer.alloc(64 * 1024, 0x62);
          const pump = (): void => {
            while (!res.destroyed && res.write(chunk));
            if (!res.destroyed) res.once('drain', pump);
          };
          pump();
        }),
        reply.task('SUCCESS', SUCCESS_RESULT),
      );
      const outcome = await runStream(taskStatus$(TASK, options()));
      expect(outcome.transitions.map((t) => t.to)).toEqual(['succeeded']);
      await server.waitForIdle();
      expect(server.bytesWritten).toBeLessThan(BOUND);
    });

    it('unsubscribing while a body streams in closes the connection: the server writes no more', async () => {
      server.script(
        reply.custom('a body that stalls after 1 MiB', (_req, res) => {
          // 32 MiB announced (under the default 64 MiB cap), 1 MiB sent, then nothing.
          res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(32 * LIMIT) });
          res.write(Buffer.alloc(LIMIT, 0x63));
        }),
      );
      const errors: unknown[] = [];
      const subscription = taskStatus$(TASK, options()).subscribe({ error: (e: unknown) => errors.push(e) });
      await eventually(() => server.bytesWritten >= LIMIT);
      await settle();
      subscription.unsubscribe();
      await server.waitForIdle();
      const written = server.bytesWritten;
      expect(written).toBeLessThan(BOUND);
      await settle();
      expect(server.bytesWritten).toBe(written);
      expect(errors).toEqual([]);
    });
  });

  it('the heap plateaus over rounds of polls and aborted streams (child process, --expose-gc)', () => {
    const child = spawnSync(
      process.execPath,
      ['--expose-gc', '--require', join(ROOT, 'spec', 'helpers', 'ts-register.cjs'), join(__dirname, 'heap-probe.cjs')],
      { cwd: ROOT, encoding: 'utf8', timeout: 90_000 },
    );
    expect(child.stderr).toBe('');
    expect(child.status).toBe(0);
    const report = JSON.parse(child.stdout.trim().split('\n').pop() ?? '{}') as { samples: number[]; polls: number; aborted: number };
    expect(report.polls).toBeGreaterThanOrEqual(4_000);
    expect(report.aborted).toBeGreaterThanOrEqual(1_000);
    // After warm-up (JIT, inline caches: a few hundred KiB over the first rounds), the heap after
    // a full GC stays flat: the lowest of the last 3 rounds is within 1 MiB of the highest of
    // rounds 4–6. Between them lie ~2 800 polls and 500 aborted streams, so a leak of ~300 bytes
    // per stream or poll fails this. (A 60-round run of this probe: +0.8 MiB over the first 25
    // rounds, then flat within ±0.05 MiB.)
    const { samples } = report;
    const early = Math.max(...samples.slice(3, 6));
    const late = Math.min(...samples.slice(-3));
    expect(late - early).toBeLessThan(1024 * 1024);
  }, 120_000);
});
