/**
 * The public hooks `factpulse-rx/otel` is built on, in virtual time: `client.addInterceptor`
 * (around each send, inside the concurrency gate, with the resend count), `request-start`'s
 * `waited`, and the `task-start` / `transition` / `task-end` events.
 */
import { Observable, finalize, tap } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { createTaskClient, type TaskClientEvent, type TaskRequestInfo, type Transport } from '../../../lib/index.js';
import { http, scripted, status } from '../../helpers/marble-transport.js';

const A = '0b9f3a52-6f0e-4a57-9a0a-2f6c1d8e4b10';
const B = '6f1d2c3b-4a59-4e8f-9d7c-1b2a3c4d5e6f';
const TOKEN = 'fake-token-for-tests';

const newScheduler = (): TestScheduler => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));

describe('client hooks for instrumentation', () => {
  it('wraps each send with the interceptors, first added outermost, inside the gate; removing one stops it', () => {
    const scheduler = newScheduler();
    scheduler.run((helpers) => {
      const { transport } = scripted(scheduler, helpers, [
        { marble: '--r|', values: { r: status(A, 'PENDING') } },
        { marble: '--r|', values: { r: http(503) } },
        { marble: '--r|', values: { r: status(A, 'SUCCESS', { status: 'SUCCESS' }) } },
        { marble: '-r|', values: { r: status(B, 'SUCCESS', { status: 'SUCCESS' }) } },
      ]);
      const client = createTaskClient({ transport, token: TOKEN, interval: 10, retry: { initialInterval: 5, jitter: 'none' }, scheduler, pauseWhenHidden: false });
      const log: string[] = [];
      const infos: TaskRequestInfo[] = [];
      const outer = client.addInterceptor((info, send) => {
        infos.push(info);
        return new Observable((subscriber) => {
          log.push(`outer+${scheduler.now()}`);
          return send.pipe(finalize(() => log.push(`outer-${scheduler.now()}`))).subscribe(subscriber);
        });
      });
      const inner = client.addInterceptor((_info, send) => send.pipe(tap((r) => log.push(`inner:${r.status}`))));
      client.status$(A).subscribe();
      helpers.flush();
      expect(infos.map(({ polls, resend }) => [polls, resend])).toEqual([
        [1, 0],
        [2, 0],
        [3, 1],
      ]);
      expect(infos[0]).toEqual({ taskId: A, method: 'GET', url: `https://factpulse.fr/api/v1/processing/tasks/${A}/status`, polls: 1, resend: 0 });
      expect(JSON.stringify(infos)).not.toContain(TOKEN);
      expect(log).toEqual(['outer+0', 'inner:200', 'outer-2', 'outer+12', 'inner:503', 'outer-14', 'outer+19', 'inner:200', 'outer-21']);
      inner();
      outer();
      outer(); // idempotent
      const sent = [...log];
      let done = false;
      client.status$(B).subscribe({ complete: () => (done = true) });
      helpers.flush();
      expect(done).toBe(true);
      expect(log).toEqual(sent);
      expect(infos).toHaveLength(3);
    });
  });

  it('reports the wait for a slot on request-start, and each task from start to end', () => {
    const scheduler = newScheduler();
    scheduler.run((helpers) => {
      const responses: Record<string, string> = { [A]: '----r|', [B]: '-r|' };
      const transport: Transport = (request) =>
        helpers.cold(responses[request.taskId]!, { r: status(request.taskId, request.taskId === A ? 'SUCCESS' : 'STARTED', request.taskId === A ? { status: 'SUCCESS' } : undefined) });
      const client = createTaskClient({ transport, interval: 100, maxConcurrent: 1, scheduler, pauseWhenHidden: false });
      const events: TaskClientEvent[] = [];
      client.events$.subscribe((e) => events.push(e));
      client.status$(A).subscribe();
      const b = client.status$(B).subscribe();
      scheduler.schedule(() => b.unsubscribe(), 110);
      helpers.flush();
      const of = (type: string) => events.filter((e) => e.type === type);
      expect(of('request-start').map((e) => e.type === 'request-start' && [e.taskId, e.waited, e.at])).toEqual([
        [A, 0, 0],
        [B, 4, 4], // waited for A's slot
        [B, 0, 105],
      ]);
      expect(of('task-start')).toEqual([
        { type: 'task-start', taskId: A, resumed: false, at: 0 },
        { type: 'task-start', taskId: B, resumed: false, at: 0 },
      ]);
      expect(of('transition')).toEqual([
        { type: 'transition', taskId: A, from: null, to: 'succeeded', celeryStatus: 'SUCCESS', polls: 1, elapsed: 4, at: 4 },
        { type: 'transition', taskId: B, from: null, to: 'started', celeryStatus: 'STARTED', polls: 1, elapsed: 5, at: 5 },
      ]);
      expect(of('task-end')).toEqual([
        { type: 'task-end', taskId: A, outcome: 'succeeded', polls: 1, elapsed: 4, at: 4 },
        { type: 'task-end', taskId: B, outcome: 'unsubscribed', polls: 2, elapsed: 110, at: 110 },
      ]);
    });
  });
});
