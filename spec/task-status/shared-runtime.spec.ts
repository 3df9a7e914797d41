import { of, type Observable } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { taskStatus$ } from '../../lib/task-status.js';
import type { Transport, TransportRequest, TransportResponse } from '../../lib/http/transport.js';
import { status } from '../helpers/marble-transport.js';

// `taskStatus$` shares one runtime among calls whose options are equal (a new options object per
// call, as most apps write it): these tests pin down that streams with different options never
// borrow each other's transport, token, interval or retry settings, however they interleave.

const A = '7c9e6679-7425-40de-944b-e07fc1f90ae7';
const B = '16fd2706-8baf-433b-82eb-8c7fada847da';
const newScheduler = (): TestScheduler => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));

/** A transport answering PENDING at once, recording each request with the scheduler's time. */
const recording = (scheduler: TestScheduler, log: Array<{ readonly at: number; readonly request: TransportRequest }>): Transport =>
  (request): Observable<TransportResponse> => {
    log.push({ at: scheduler.now(), request });
    return of(status(request.taskId, 'PENDING'));
  };

describe('taskStatus$ streams with equal or different options', () => {
  it('streams with equal options (new objects each call) poll each at the interval, each with its own id', () => {
    const s = newScheduler();
    s.run(({ flush }) => {
      const log: Array<{ at: number; request: TransportRequest }> = [];
      const transport = recording(s, log);
      const subs = [A, B].map((id) => taskStatus$(id, { scheduler: s, transport, interval: 10, deadline: 25 }).subscribe({ error: () => undefined }));
      flush();
      subs.forEach((sub) => sub.unsubscribe());
      expect(log.map((e) => `${e.request.taskId.slice(0, 4)}@${e.at}`)).toEqual(['7c9e@0', '16fd@0', '7c9e@10', '16fd@10', '7c9e@20', '16fd@20']);
    });
  });

  it('interleaved calls with different intervals, tokens and transports keep their own', () => {
    const s = newScheduler();
    s.run(({ flush }) => {
      const fast: Array<{ at: number; request: TransportRequest }> = [];
      const slow: Array<{ at: number; request: TransportRequest }> = [];
      const fastT = recording(s, fast);
      const slowT = recording(s, slow);
      const opts = (transport: Transport, interval: number, token: string) => ({ scheduler: s, transport, interval, token, deadline: 35 });
      const subs = [
        taskStatus$(A, opts(fastT, 10, 'fake-token-fast')),
        taskStatus$(B, opts(slowT, 30, 'fake-token-slow')),
        taskStatus$(B, opts(fastT, 10, 'fake-token-fast')),
      ].map((stream) => stream.subscribe({ error: () => undefined }));
      flush();
      subs.forEach((sub) => sub.unsubscribe());
      expect(fast.map((e) => e.at)).toEqual([0, 0, 10, 10, 20, 20, 30, 30]);
      expect(slow.map((e) => e.at)).toEqual([0, 30]);
      expect(new Set(fast.map((e) => e.request.headers['authorization']))).toEqual(new Set(['Bearer fake-token-fast']));
      expect(new Set(slow.map((e) => e.request.headers['authorization']))).toEqual(new Set(['Bearer fake-token-slow']));
    });
  });

  it('a stream with retries off does not retry because an equal-but-for-retry stream does', () => {
    const s = newScheduler();
    s.run(({ flush }) => {
      const sent: string[] = [];
      const failing: Transport = (request) => {
        sent.push(`${request.taskId.slice(0, 4)}@${s.now()}`);
        return of({ status: 503, headers: {} });
      };
      const errors: string[] = [];
      const base = { scheduler: s, transport: failing, interval: 10 };
      taskStatus$(A, { ...base, retry: { initialInterval: 5, maxRetries: 2, jitter: 'none' as const } }).subscribe({ error: (e: Error) => errors.push(`A ${e.name}@${s.now()}`) });
      taskStatus$(B, { ...base, retry: false }).subscribe({ error: (e: Error) => errors.push(`B ${e.name}@${s.now()}`) });
      flush();
      expect(sent).toEqual(['7c9e@0', '16fd@0', '7c9e@5', '7c9e@15']);
      expect(errors).toEqual(['B HttpError@0', 'A HttpError@15']);
    });
  });
});
