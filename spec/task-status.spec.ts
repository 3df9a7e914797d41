import { Subject, map, of } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { taskStatus$ } from '../lib/task-status.js';
import type { TaskStatusOptions } from '../lib/options.js';
import type { TaskTransition } from '../lib/transitions.js';
import {
  AuthError,
  DeadlineError,
  DecodeError,
  HttpError,
  NetworkError,
  RequestTimeoutError,
  RequestValidationError,
  StalledError,
} from '../lib/errors/index.js';
import { http, scripted, status } from './helpers/marble-transport.js';

const ID = '7c9e6679-7425-40de-944b-e07fc1f90ae7';
const PDF = Buffer.from('%PDF-1.4 tiny').toString('base64');

const newScheduler = (): TestScheduler => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));

const base = (scheduler: TestScheduler, extra: Partial<TaskStatusOptions> = {}): TaskStatusOptions => ({
  scheduler,
  interval: 10,
  retry: { initialInterval: 5, maxInterval: 40, maxRetries: 3, jitter: 'none', maxRetryAfter: 50 },
  ...extra,
});

const phases = map((t: TaskTransition) => t.to);

describe('taskStatus$ timing (virtual time)', () => {
  it('sends the first poll on subscribe and the next `interval` after each response', () => {
    const s = newScheduler();
    s.run((h) => {
      const script = scripted(s, h, [
        { marble: '---(r|)', values: { r: status(ID, 'PENDING') } },
        { marble: '---(r|)', values: { r: status(ID, 'STARTED') } },
        { marble: '---(r|)', values: { r: status(ID, 'SUCCESS', { status: 'SUCCESS', content_b64: PDF }) } },
      ]);
      const out = taskStatus$(ID, base(s, { transport: script.transport })).pipe(phases);
      h.expectObservable(out).toBe('---a 12ms b 12ms (c|)', { a: 'pending', b: 'started', c: 'succeeded' });
      h.flush();
      expect(script.sentAt).toEqual([0, 13, 26]);
    });
  });

  it('never cancels a response slower than the interval and never overlaps requests', () => {
    const s = newScheduler();
    s.run((h) => {
      const script = scripted(s, h, [
        { marble: '30ms (r|)', values: { r: status(ID, 'PENDING') } },
        { marble: '30ms (r|)', values: { r: status(ID, 'SUCCESS', { status: 'SUCCESS' }) } },
      ]);
      const out = taskStatus$(ID, base(s, { transport: script.transport })).pipe(phases);
      h.expectObservable(out).toBe('30ms a 39ms (b|)', { a: 'pending', b: 'succeeded' });
      h.flush();
      h.expectSubscriptions(script.colds[0]!.subscriptions).toBe('^ 29ms !');
      h.expectSubscriptions(script.colds[1]!.subscriptions).toBe('40ms ^ 29ms !');
    });
  });

  it('emits on change of phase, and of status or meta inside a phase (from === to), with the poll count', () => {
    const s = newScheduler();
    s.run((h) => {
      const script = scripted(s, h, [
        { marble: '(r|)', values: { r: status(ID, 'PENDING') } },
        { marble: '(r|)', values: { r: status(ID, 'PENDING') } },
        { marble: '(r|)', values: { r: status(ID, 'STARTED') } },
        { marble: '(r|)', values: { r: status(ID, 'PROGRESS', { current: 1, total: 2 }) } },
        { marble: '(r|)', values: { r: status(ID, 'FAILURE', { exc_type: 'ValueError', exc_message: 'boom' }) } },
      ]);
      const seen: TaskTransition[] = [];
      taskStatus$(ID, base(s, { transport: script.transport })).subscribe((t) => seen.push(t));
      h.flush();
      expect(seen.map((t) => [t.from, t.to, t.polls, t.at])).toEqual([
        [null, 'pending', 1, 0],
        ['pending', 'started', 3, 20],
        ['started', 'started', 4, 30],
        ['started', 'failed', 5, 40],
      ]);
      expect(seen[2]!.state).toEqual({ phase: 'started', status: 'PROGRESS', meta: { current: 1, total: 2 }, progress: { current: 1, total: 2, ratio: 0.5 } });
      const failed = seen[3]!.state;
      expect(failed.phase === 'failed' && failed.error).toEqual({
        message: 'boom',
        type: 'ValueError',
        raw: { exc_type: 'ValueError', exc_message: 'boom' },
      });
    });
  });

  it('emits the terminal transition then completes, decoding content and rejection details', () => {
    const s = newScheduler();
    s.run((h) => {
      const ok = scripted(s, h, [{ marble: '(r|)', values: { r: status(ID, 'SUCCESS', { status: 'SUCCESS', content_b64: PDF, invoice: 'F-1' }) } }]);
      const seen: TaskTransition[] = [];
      taskStatus$(ID, base(s, { transport: ok.transport })).subscribe((t) => seen.push(t));
      const details = [{ item: 'BT-1', reason: 'missing', level: 'Error', source: 'schematron', code: 'BR-02' }];
      const ko = scripted(s, h, [
        { marble: '(r|)', values: { r: status(ID, 'SUCCESS', { status: 'ERROR', errorCode: 'VALIDATION', errorMessage: 'invalid', details }) } },
      ]);
      h.expectObservable(taskStatus$(ID, base(s, { transport: ko.transport })).pipe(phases)).toBe('(r|)', { r: 'rejected' });
      h.flush();
      const state = seen[0]!.state;
      expect(state.phase).toBe('succeeded');
      if (state.phase !== 'succeeded') return;
      expect(Buffer.from(state.content!).toString()).toBe('%PDF-1.4 tiny');
      expect(state.result).toEqual({ status: 'SUCCESS', invoice: 'F-1' });
    });
  });

  it('retries transient failures with exponential backoff (jitter off), counting consecutive failures', () => {
    const s = newScheduler();
    s.run((h) => {
      const script = scripted(s, h, [
        { marble: '(r|)', values: { r: http(503) } },
        { marble: '#', error: new NetworkError('reset') },
        { marble: '(r|)', values: { r: http(500) } },
        { marble: '(r|)', values: { r: status(ID, 'PENDING') } },
        { marble: '(r|)', values: { r: http(502) } },
        { marble: '(r|)', values: { r: status(ID, 'SUCCESS', { status: 'SUCCESS' }) } },
      ]);
      const out = taskStatus$(ID, base(s, { transport: script.transport })).pipe(phases);
      // retries wait 5, 10, 20 ms; the good response at 35 resets the count: the next retry waits 5 again.
      h.expectObservable(out).toBe('35ms a 14ms (b|)', { a: 'pending', b: 'succeeded' });
      h.flush();
      expect(script.sentAt).toEqual([0, 5, 15, 35, 45, 50]);
    });
  });

  it('errors with the last failure after maxRetries consecutive failures', () => {
    const s = newScheduler();
    s.run((h) => {
      const script = scripted(s, h, [0, 1, 2, 3].map(() => ({ marble: '(r|)', values: { r: http(504) } })));
      const out = taskStatus$(ID, base(s, { transport: script.transport }));
      h.expectObservable(out).toBe('35ms #', undefined, expect.any(HttpError));
      h.flush();
      expect(script.sentAt).toEqual([0, 5, 15, 35]);
    });
  });

  it('honours Retry-After (seconds, ms) and caps it at maxRetryAfter', () => {
    const s = newScheduler();
    s.run((h) => {
      const script = scripted(s, h, [
        { marble: '(r|)', values: { r: http(429, { 'retry-after-ms': '30' }) } },
        { marble: '(r|)', values: { r: http(503, { 'retry-after': '120' }) } },
        { marble: '(r|)', values: { r: status(ID, 'SUCCESS', { status: 'SUCCESS' }) } },
      ]);
      h.expectObservable(taskStatus$(ID, base(s, { transport: script.transport })).pipe(phases)).toBe('80ms (a|)', { a: 'succeeded' });
      h.flush();
      expect(script.sentAt).toEqual([0, 30, 80]);
    });
  });

  it('does not retry other statuses: 404 is an HttpError, 422 a RequestValidationError, at once', () => {
    const s = newScheduler();
    s.run((h) => {
      const a = scripted(s, h, [{ marble: '(r|)', values: { r: http(404, {}, { detail: 'Not Found' }) } }]);
      h.expectObservable(taskStatus$(ID, base(s, { transport: a.transport }))).toBe('#', undefined, expect.objectContaining({ name: 'HttpError', status: 404, body: { detail: 'Not Found' } }));
      const detail = [{ loc: ['path', 'task_id'], msg: 'Input should be a valid UUID', type: 'uuid_parsing' }];
      const b = scripted(s, h, [{ marble: '(r|)', values: { r: http(422, {}, { detail }) } }]);
      h.expectObservable(taskStatus$(ID, base(s, { transport: b.transport }))).toBe('#', undefined, expect.any(RequestValidationError));
    });
  });

  it('asks the token source once for a fresh token after a 401, then ends with AuthError', () => {
    const s = newScheduler();
    s.run((h) => {
      const calls: boolean[] = [];
      const token = ({ refresh }: { refresh: boolean }) => {
        calls.push(refresh);
        return refresh ? 'fresh-token' : 'stale-token';
      };
      const script = scripted(s, h, [
        { marble: '(r|)', values: { r: http(401) } },
        { marble: '(r|)', values: { r: status(ID, 'PENDING') } },
        { marble: '(r|)', values: { r: http(401) } },
        { marble: '(r|)', values: { r: http(401) } },
      ]);
      h.expectObservable(taskStatus$(ID, base(s, { transport: script.transport, token }))).toBe(
        'a 9ms #',
        { a: expect.objectContaining({ to: 'pending' }) },
        expect.any(AuthError),
      );
      h.flush();
      expect(calls).toEqual([false, true, false, true]);
      // After the refresh the provider knows 'fresh-token' is newer than what the function still
      // calls current, so the next poll sends it; its 401 then asks for one more refresh.
      expect(script.requests.map((r) => r.headers['authorization'])).toEqual([
        'Bearer stale-token',
        'Bearer fresh-token',
        'Bearer fresh-token',
        'Bearer fresh-token',
      ]);
    });
  });

  it('ends with AuthError at once when a plain string token gets a 401', () => {
    const s = newScheduler();
    s.run((h) => {
      const script = scripted(s, h, [{ marble: '(r|)', values: { r: http(401, {}, { detail: 'expired' }) } }]);
      h.expectObservable(taskStatus$(ID, base(s, { transport: script.transport, token: 'static-token' }))).toBe('#', undefined, expect.any(AuthError));
    });
  });

  it('times a request out after requestTimeout, aborting it, and retries', () => {
    const s = newScheduler();
    s.run((h) => {
      const script = scripted(s, h, [
        { marble: '100ms (r|)', values: { r: status(ID, 'PENDING') } },
        { marble: '(r|)', values: { r: status(ID, 'SUCCESS', { status: 'SUCCESS' }) } },
      ]);
      h.expectObservable(taskStatus$(ID, base(s, { transport: script.transport, requestTimeout: 20 })).pipe(phases)).toBe('25ms (a|)', { a: 'succeeded' });
      h.flush();
      h.expectSubscriptions(script.colds[0]!.subscriptions).toBe('^ 19ms !');
    });
  });

  it('errors with RequestTimeoutError when every attempt times out', () => {
    const s = newScheduler();
    s.run((h) => {
      const script = scripted(s, h, [{ marble: '-' }]);
      const opts = base(s, { transport: script.transport, requestTimeout: 20, retry: { maxRetries: 0 } });
      h.expectObservable(taskStatus$(ID, opts)).toBe('20ms #', undefined, expect.any(RequestTimeoutError));
    });
  });

  it('errors with DeadlineError when no terminal phase arrives in time, aborting the request', () => {
    const s = newScheduler();
    s.run((h) => {
      const script = scripted(s, h, [
        { marble: '(r|)', values: { r: status(ID, 'PENDING') } },
        { marble: '(r|)', values: { r: status(ID, 'STARTED') } },
        { marble: '30ms (r|)', values: { r: status(ID, 'STARTED') } },
      ]);
      h.expectObservable(taskStatus$(ID, base(s, { transport: script.transport, deadline: 35 })).pipe(phases)).toBe(
        'a 9ms b 24ms #',
        { a: 'pending', b: 'started' },
        expect.any(DeadlineError),
      );
      h.flush();
      h.expectSubscriptions(script.colds[2]!.subscriptions).toBe('20ms ^ 14ms !');
    });
  });

  it('errors with StalledError when the task stays pending longer than stallAfter', () => {
    const s = newScheduler();
    s.run((h) => {
      const pending = { marble: '(r|)', values: { r: status(ID, 'PENDING') } };
      const script = scripted(s, h, [pending, pending, pending, pending]);
      h.expectObservable(taskStatus$(ID, base(s, { transport: script.transport, stallAfter: 25 })).pipe(phases)).toBe(
        'a 24ms #',
        { a: 'pending' },
        expect.any(StalledError),
      );
    });
  });

  it('does not stall once the task has started', () => {
    const s = newScheduler();
    s.run((h) => {
      const script = scripted(s, h, [
        { marble: '(r|)', values: { r: status(ID, 'PENDING') } },
        { marble: '(r|)', values: { r: status(ID, 'STARTED') } },
        { marble: '(r|)', values: { r: status(ID, 'STARTED') } },
        { marble: '(r|)', values: { r: status(ID, 'STARTED') } },
        { marble: '(r|)', values: { r: status(ID, 'SUCCESS', { status: 'SUCCESS' }) } },
      ]);
      h.expectObservable(taskStatus$(ID, base(s, { transport: script.transport, stallAfter: 15 })).pipe(phases)).toBe(
        'a 9ms b 29ms (c|)',
        { a: 'pending', b: 'started', c: 'succeeded' },
      );
    });
  });

  it('polls at once on a hint, and remembers a hint that arrives during a request', () => {
    const s = newScheduler();
    s.run((h) => {
      const hints = h.hot('---x--y-----', { x: 'webhook', y: 'webhook' });
      const script = scripted(s, h, [
        { marble: '(r|)', values: { r: status(ID, 'PENDING') } },
        { marble: '----(r|)', values: { r: status(ID, 'PENDING') } },
        { marble: '(r|)', values: { r: status(ID, 'SUCCESS', { status: 'SUCCESS' }) } },
      ]);
      const opts = base(s, { transport: script.transport, hints, hintFloor: 0 });
      h.expectObservable(taskStatus$(ID, opts).pipe(phases)).toBe('a 6ms (b|)', { a: 'pending', b: 'succeeded' });
      h.flush();
      // poll 1 at 0; hint at 3 → poll 2 at 3 (answers at 7); hint at 6 arrived mid-request → poll 3 at 7.
      expect(script.sentAt).toEqual([0, 3, 7]);
    });
  });

  it('unsubscribing aborts the request in flight and leaves no timer', () => {
    const s = newScheduler();
    s.run((h) => {
      const script = scripted(s, h, [
        { marble: '(r|)', values: { r: status(ID, 'PENDING') } },
        { marble: '20ms (r|)', values: { r: status(ID, 'PENDING') } },
      ]);
      h.expectObservable(taskStatus$(ID, base(s, { transport: script.transport })).pipe(phases), '^ 14ms !').toBe('a', { a: 'pending' });
      h.flush();
      h.expectSubscriptions(script.colds[1]!.subscriptions).toBe('10ms ^ 4ms !');
      expect(script.sentAt).toEqual([0, 10]);
    });
    // No scheduled action is left once flushed.
    expect(s.actions.length).toBe(0);
  });

  it('turns a payload that fits no codec into a DecodeError naming the path', () => {
    const s = newScheduler();
    s.run((h) => {
      const script = scripted(s, h, [{ marble: '(r|)', values: { r: { status: 200, headers: {}, body: { taskId: ID, status: 42 } } } }]);
      h.expectObservable(taskStatus$(ID, base(s, { transport: script.transport }))).toBe(
        '#',
        undefined,
        expect.objectContaining({ name: 'DecodeError', report: ['status: expected string, got 42'] }),
      );
    });
  });

  it('turns an HTML 200 and invalid base64 into DecodeErrors', () => {
    const s = newScheduler();
    s.run((h) => {
      const html = scripted(s, h, [{ marble: '(r|)', values: { r: { status: 200, headers: {}, text: '<!doctype html><p>maintenance' } } }]);
      h.expectObservable(taskStatus$(ID, base(s, { transport: html.transport }))).toBe('#', undefined, expect.any(DecodeError));
      const bad = scripted(s, h, [{ marble: '(r|)', values: { r: status(ID, 'SUCCESS', { status: 'SUCCESS', content_b64: 'not base64!' }) } }]);
      h.expectObservable(taskStatus$(ID, base(s, { transport: bad.transport }))).toBe(
        '#',
        undefined,
        expect.objectContaining({ name: 'DecodeError', report: [expect.stringContaining('result.content_b64')] }),
      );
    });
  });
});

describe('taskStatus$ call-time validation', () => {
  const transport = () => of(status(ID, 'PENDING'));

  it.each([
    ['not-a-uuid', {}, /taskId/],
    [ID, { interval: -1 }, /interval/],
    [ID, { interval: 'fast' }, /interval/],
    [ID, { requestTimeout: 0 }, /requestTimeout/],
    [ID, { deadline: Number.NaN }, /deadline/],
    [ID, { retry: { maxRetries: 1.5 } }, /retry\.maxRetries/],
    [ID, { retry: { jitter: 'some' } }, /retry\.jitter/],
    [ID, { token: 42 }, /token/],
    [ID, { token: 'a\r\nX-Injected: 1' }, /token/],
    [ID, { hints: 'soon' }, /hints/],
    [ID, { baseUrl: 'http://api.example.com', token: 't' }, /allowInsecureHttp/],
  ])('refuses %s with %j', (id, options, message) => {
    expect(() => taskStatus$(id, { transport, ...(options as TaskStatusOptions) })).toThrow(TypeError);
    expect(() => taskStatus$(id, { transport, ...(options as TaskStatusOptions) })).toThrow(message);
  });

  it('accepts plain http on loopback, and elsewhere with allowInsecureHttp', () => {
    expect(() => taskStatus$(ID, { transport, baseUrl: 'http://127.0.0.1:8080', token: 't' })).not.toThrow();
    expect(() => taskStatus$(ID, { transport, baseUrl: 'http://api.example.com', token: 't', allowInsecureHttp: true })).not.toThrow();
  });

  it('percent-encodes the id into the documented path under the base URL', () => {
    const urls: string[] = [];
    const sub = taskStatus$(ID.toUpperCase(), {
      baseUrl: 'https://api.example.com/prefix/',
      transport: (r) => {
        urls.push(r.url);
        return of(status(ID, 'SUCCESS', { status: 'SUCCESS' }));
      },
    }).subscribe();
    sub.unsubscribe();
    expect(urls).toEqual([`https://api.example.com/prefix/api/v1/processing/tasks/${ID.toUpperCase()}/status`]);
  });

  it('a broken hint source does not stop polling', () => {
    const s = newScheduler();
    s.run((h) => {
      const hints = new Subject<unknown>();
      const script = scripted(s, h, [
        { marble: '(r|)', values: { r: status(ID, 'PENDING') } },
        { marble: '(r|)', values: { r: status(ID, 'SUCCESS', { status: 'SUCCESS' }) } },
      ]);
      h.expectObservable(taskStatus$(ID, base(s, { transport: script.transport, hints })).pipe(phases)).toBe('a 9ms (b|)', { a: 'pending', b: 'succeeded' });
      s.schedule(() => hints.error(new Error("webhook receiver crashed")), 3);
    });
  });
});
