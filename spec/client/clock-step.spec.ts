import { TestScheduler } from 'rxjs/testing';
import type { TaskClientOptions } from '../../lib/client/task-client-options.js';
import { monotonicClock } from '../../lib/client/monotonic-clock.js';
import { createTaskClient } from '../../lib/task-client.js';
import type { Transport } from '../../lib/http/transport.js';
import { of } from 'rxjs';
import { status } from '../helpers/marble-transport.js';
import { sendJson, startTestServer, type TestServer } from '../helpers/test-server.js';

// Issue 14, item 7: the client's budgets (the maxRequestsPerSecond bucket, the cache and resume
// windows) read a clock that never goes back, so a wall clock set back an hour (NTP, a resumed
// VM) does not stop polling.

const A = '7c9e6679-7425-40de-944b-e07fc1f90ae7';
const HOUR = 3_600_000;
const newScheduler = (): TestScheduler => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));

/** A view of `s` whose clock reads `offset` ms behind it (its timers are `s`'s). */
function steppedClock(s: TestScheduler): { scheduler: TestScheduler; stepBack: (ms: number) => void } {
  let offset = 0;
  const scheduler = Object.create(s) as TestScheduler;
  scheduler.now = () => s.now() - offset;
  return { scheduler, stepBack: (ms) => void (offset += ms) };
}

describe('clocks (issue 14, item 7)', () => {
  it('maxRequestsPerSecond keeps its pace across a clock step back an hour (virtual time)', () => {
    const s = newScheduler();
    s.run((h) => {
      const { scheduler, stepBack } = steppedClock(s);
      const sentAt: number[] = [];
      const transport: Transport = () => {
        sentAt.push(s.now());
        return of(status(A, 'PENDING'));
      };
      const options: TaskClientOptions = { scheduler, transport, interval: 100, maxRequestsPerSecond: 2, pauseWhenHidden: false };
      const client = createTaskClient(options);
      const sub = client.status$(A).subscribe();
      s.schedule(() => stepBack(HOUR), 1000);
      s.schedule(() => sub.unsubscribe(), 4000);
      h.flush();
      const after = sentAt.filter((t) => t > 1000);
      // 2 a second: about 6 in the 3 s after the step, none closer than the rate allows.
      expect(after.length).toBeGreaterThanOrEqual(5);
      expect(after.length).toBeLessThanOrEqual(7);
      client.dispose();
    });
  });

  it('the cache keeps its ttl across a step back (it neither expires early nor lives an hour longer)', () => {
    const s = newScheduler();
    s.run((h) => {
      const { scheduler, stepBack } = steppedClock(s);
      let requests = 0;
      const transport: Transport = () => {
        requests++;
        return of(status(A, 'SUCCESS', { status: 'SUCCESS' }));
      };
      const client = createTaskClient({ scheduler, transport, cacheTtl: 1000, pauseWhenHidden: false });
      client.status$(A).subscribe();
      s.schedule(() => stepBack(HOUR), 100);
      s.schedule(() => client.status$(A).subscribe(), 500); // cached
      s.schedule(() => client.status$(A).subscribe(), 1500); // expired: polls
      h.flush();
      expect(requests).toBe(2);
      expect(client.stats().cacheHits).toBe(1);
    });
  });

  it('monotonicClock never goes back and does not stop', () => {
    const s = newScheduler();
    s.run(() => {
      const { scheduler, stepBack } = steppedClock(s);
      const now = monotonicClock(scheduler);
      const readings: number[] = [];
      s.schedule(() => readings.push(now()), 10);
      s.schedule(() => (stepBack(HOUR), readings.push(now())), 20);
      s.schedule(() => readings.push(now()), 30);
      s.flush();
      expect(readings).toEqual([10, 10, 20]);
    });
  });

  describe('with the real clock (asyncScheduler) and a loopback server', () => {
    let server: TestServer;
    beforeAll(async () => {
      server = await startTestServer((_req, res) => sendJson(res, 200, { taskId: A, status: 'PENDING' }));
    });
    afterAll(() => server.close());

    it('polling goes on after Date.now() steps back an hour', async () => {
      const realNow = Date.now.bind(Date);
      let offset = 0;
      const spy = jest.spyOn(Date, 'now').mockImplementation(() => realNow() - offset);
      const client = createTaskClient({ baseUrl: server.url, token: 'fake-test-token', fetch: globalThis.fetch, interval: 10, maxRequestsPerSecond: 20, pauseWhenHidden: false });
      const sub = client.status$(A).subscribe();
      try {
        await server.waitForRequests(3);
        offset = HOUR;
        const before = server.requests.length;
        await server.waitForRequests(before + 5, 3000);
      } finally {
        sub.unsubscribe();
        client.dispose();
        spy.mockRestore();
      }
    });
  });
});
