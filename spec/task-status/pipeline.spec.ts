import { NEVER, Subject, map, of, type SchedulerLike } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { createRuntime, pollTask, taskStatus$ } from '../../lib/task-status.js';
import { normaliseOptions, type TaskStatusOptions } from '../../lib/options.js';
import type { PollEvent } from '../../lib/poll-events.js';
import type { PollContext } from '../../lib/schedules/poll-schedule.js';
import type { TaskTransition } from '../../lib/transitions.js';
import { DeadlineError, DecodeError, RequestTimeoutError } from '../../lib/errors/index.js';
import { MAX_TIMER_DELAY } from '../../lib/operators/backoff-delay.js';
import type { Transport, TransportResponse } from '../../lib/http/transport.js';
import { http, scripted, status, type Step } from '../helpers/marble-transport.js';

const ID = '7c9e6679-7425-40de-944b-e07fc1f90ae7';
const OTHER = '16fd2706-8baf-433b-82eb-8c7fada847da';
const PDF = Buffer.from('%PDF-1.4 tiny').toString('base64');
const DAY = 86_400_000;

const newScheduler = (): TestScheduler => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
const base = (scheduler: SchedulerLike, extra: Partial<TaskStatusOptions> = {}): TaskStatusOptions => ({
  scheduler,
  interval: 10,
  retry: { initialInterval: 5, maxInterval: 40, maxRetries: 3, jitter: 'none', maxRetryAfter: 50 },
  ...extra,
});
const reply = (marble: string, r: TransportResponse): Step => ({ marble, values: { r } });
const progress = (current: number, total = 3): Step => reply('(r|)', status(ID, 'PROGRESS', { current, total }));
const edges = (seen: readonly TaskTransition[]): string[] => seen.map((t) => `${t.from ?? '∅'}→${t.to}@${t.at}`);

describe('progress: a change of Celery status or meta inside a phase is a transition with from === to', () => {
  it('a task reporting PROGRESS 1, 2, 3 shows three progress transitions, then its PDF', () => {
    const s = newScheduler();
    s.run((h) => {
      const script = scripted(s, h, [
        reply('(r|)', status(ID, 'PENDING')),
        reply('(r|)', status(ID, 'STARTED', { pid: 7, hostname: 'w1' })),
        progress(1),
        progress(1),
        progress(2),
        progress(3),
        reply('(r|)', status(ID, 'SUCCESS', { status: 'SUCCESS', content_b64: PDF })),
      ]);
      const seen: TaskTransition[] = [];
      taskStatus$(ID, base(s, { transport: script.transport })).subscribe((t) => seen.push(t));
      h.flush();
      expect(edges(seen)).toEqual([
        '∅→pending@0',
        'pending→started@10',
        'started→started@20',
        'started→started@40',
        'started→started@50',
        'started→succeeded@60',
      ]);
      const ratios = seen.map((t) => (t.to === 'started' ? t.state.progress?.ratio : undefined));
      expect(ratios).toEqual([undefined, undefined, 1 / 3, 2 / 3, 1, undefined]);
      expect(seen[2]!.state).toMatchObject({ status: 'PROGRESS', meta: { current: 1, total: 3 }, progress: { current: 1, total: 3 } });
    });
  });

  it('inside retrying too, and the terminal transition still completes the stream', () => {
    const s = newScheduler();
    s.run((h) => {
      const retry = (n: number): Step => reply('(r|)', status(ID, 'RETRY', { exc_type: 'Timeout', exc_message: [`try ${n}`] }));
      const script = scripted(s, h, [retry(1), retry(1), retry(2), reply('(r|)', status(ID, 'FAILURE', { exc_type: 'Timeout', exc_message: [] }))]);
      const out = taskStatus$(ID, base(s, { transport: script.transport })).pipe(map((t) => `${t.from ?? '∅'}→${t.to}`));
      h.expectObservable(out).toBe('a 19ms b 9ms (c|)', { a: '∅→retrying', b: 'retrying→retrying', c: 'retrying→failed' });
    });
  });

  it('a meta that is large and unchanged is compared by a bounded walk, not a deep one', () => {
    const s = newScheduler();
    s.run((h) => {
      let reads = 0;
      const bigMeta = (): unknown => {
        const target: Record<string, unknown> = { current: 1, total: 2 };
        for (let i = 0; i < 50_000; i++) target[`k${i}`] = { nested: [i, i + 1] };
        return new Proxy(target, {
          get: (t, key) => {
            reads++;
            return Reflect.get(t, key);
          },
        });
      };
      // A fresh (equal) object on every poll, as JSON.parse gives one.
      const steps: Step[] = [];
      for (let i = 0; i < 5; i++) steps.push(reply('(r|)', status(ID, 'PROGRESS', bigMeta())));
      steps.push(reply('(r|)', status(ID, 'PROGRESS', JSON.parse(JSON.stringify({ a: 1 })) as unknown)));
      steps.push(reply('(r|)', status(ID, 'SUCCESS', { status: 'SUCCESS' })));
      const script = scripted(s, h, steps);
      const seen: TaskTransition[] = [];
      let readsWhenFirstSeen = 0;
      taskStatus$(ID, base(s, { transport: script.transport })).subscribe((t) => {
        if (seen.length === 0) readsWhenFirstSeen = reads;
        seen.push(t);
      });
      h.flush();
      // 5 equal big metas: one transition (whose state is measured once against RESULT_BOUNDS);
      // the 4 unchanged ones after it cost a bounded comparison each; the small one is a change.
      expect(seen.map((t) => t.polls)).toEqual([1, 6, 7]);
      expect(reads - readsWhenFirstSeen).toBeLessThan(4 * 2_000);
    });
  });
});

describe('phases only move forward', () => {
  it('a stale answer (PENDING after STARTED) is not emitted, and is reported as an event', () => {
    const s = newScheduler();
    s.run((h) => {
      const script = scripted(s, h, [
        reply('(r|)', status(ID, 'PENDING')),
        reply('(r|)', status(ID, 'STARTED')),
        reply('(r|)', status(ID, 'PENDING')),
        reply('(r|)', status(ID, 'STARTED')),
        reply('(r|)', status(ID, 'SUCCESS', { status: 'SUCCESS' })),
      ]);
      const events: PollEvent[] = [];
      const runtime = createRuntime(normaliseOptions(base(s, { transport: script.transport })), { onEvent: (e) => events.push(e) });
      const seen: TaskTransition[] = [];
      pollTask(ID, runtime).subscribe((t) => seen.push(t));
      h.flush();
      expect(edges(seen)).toEqual(['∅→pending@0', 'pending→started@10', 'started→succeeded@40']);
      expect(events.filter((e) => e.type === 'stale-response')).toEqual([
        { type: 'stale-response', taskId: ID, phase: 'started', received: 'pending', polls: 3, at: 20 },
      ]);
    });
  });

  it('started ⇄ retrying both ways is forward; nothing comes back from a terminal phase', () => {
    const s = newScheduler();
    s.run((h) => {
      const script = scripted(s, h, [
        reply('(r|)', status(ID, 'STARTED')),
        reply('(r|)', status(ID, 'RETRY')),
        reply('(r|)', status(ID, 'STARTED')),
        reply('(r|)', status(ID, 'REVOKED')),
      ]);
      const out = taskStatus$(ID, base(s, { transport: script.transport })).pipe(map((t) => t.to));
      h.expectObservable(out).toBe('a 9ms b 9ms c 9ms (d|)', { a: 'started', b: 'retrying', c: 'started', d: 'failed' });
    });
  });
});

describe('the schedule is never asked for a wait after the end', () => {
  it('a synchronous transport whose first answer is terminal', () => {
    const s = newScheduler();
    s.run(() => {
      const next = jest.fn((_: PollContext) => 10);
      const complete = jest.fn();
      const transport: Transport = () => of(status(ID, 'SUCCESS', { status: 'SUCCESS' }));
      const seen: TaskTransition[] = [];
      let completed = false;
      taskStatus$(ID, base(s, { transport, interval: { next, complete } })).subscribe({ next: (t) => seen.push(t), complete: () => (completed = true) });
      s.flush();
      expect(seen.map((t) => t.to)).toEqual(['succeeded']);
      expect(completed).toBe(true);
      expect(next).not.toHaveBeenCalled();
      expect(complete).toHaveBeenCalledTimes(1);
    });
  });

  it('tells the schedule the decoded state of the last good response (PollContext.state)', () => {
    const s = newScheduler();
    s.run((h) => {
      const contexts: PollContext[] = [];
      const script = scripted(s, h, [progress(1), progress(2), reply('(r|)', status(ID, 'SUCCESS', { status: 'SUCCESS' }))]);
      const interval = (ctx: PollContext): number => {
        contexts.push(ctx);
        return 10;
      };
      taskStatus$(ID, base(s, { transport: script.transport, interval })).subscribe();
      h.flush();
      expect(contexts.map((c) => (c.state?.phase === 'started' ? c.state.progress?.current : undefined))).toEqual([1, 2]);
    });
  });
});

describe('hints', () => {
  it('a hint while a hinted poll is pending sends no extra request', () => {
    const s = newScheduler();
    s.run((h) => {
      const hints = new Subject<string>();
      const script = scripted(s, h, [
        // Hint x comes while the first request is in flight: the poll it asks for is sent once
        // the answer lands, at 5; hint y comes at 5 too, after that answer, while that poll is pending.
        { marble: '-----(r|)', values: { r: status(ID, 'PENDING') } },
        reply('(r|)', status(ID, 'PENDING')),
        reply('(r|)', status(ID, 'SUCCESS', { status: 'SUCCESS' })),
        reply('(r|)', status(ID, 'SUCCESS', { status: 'SUCCESS' })),
      ]);
      const seen: string[] = [];
      taskStatus$(ID, base(s, { transport: script.transport, hints, hintFloor: 0 })).subscribe((t) => seen.push(`${t.to}@${s.now()}`));
      s.schedule(() => hints.next('x'), 3);
      // Scheduled after the subscription, so it runs after the first answer's action at frame 5.
      s.schedule(() => hints.next('y'), 5);
      h.flush();
      expect(script.sentAt).toEqual([0, 5, 15]);
      expect(seen).toEqual(['pending@5', 'succeeded@15']);
    });
  });

  it('hints coalesce and hinted polls of a task are spaced by hintFloor', () => {
    const s = newScheduler();
    s.run((h) => {
      // A hint on every frame from 1 to 50.
      const hints = h.hot(`-${'x'.repeat(50)}`);
      const steps: Step[] = Array.from({ length: 7 }, () => reply('(r|)', status(ID, 'PENDING')));
      steps.push(reply('(r|)', status(ID, 'SUCCESS', { status: 'SUCCESS' })));
      const script = scripted(s, h, steps);
      taskStatus$(ID, base(s, { transport: script.transport, hints, hintFloor: 10, interval: 100 })).subscribe();
      h.flush();
      expect(script.sentAt).toEqual([0, 1, 11, 21, 31, 41, 51, 151]);
    });
  });

  it('defaults hintFloor to 1000 ms, and hintFloor: Infinity serves one hint at once and the rest through scheduled polls', () => {
    const s = newScheduler();
    s.run((h) => {
      // Hints at 1, 501 and 1501.
      const hints = h.hot('-x 499ms x 999ms x');
      const steps = Array.from({ length: 8 }, () => reply('(r|)', status(ID, 'PENDING')));
      const a = scripted(s, h, steps);
      const b = scripted(s, h, steps);
      const subs = [
        taskStatus$(ID, base(s, { transport: a.transport, hints, interval: 10_000 })).subscribe(),
        taskStatus$(ID, base(s, { transport: b.transport, hints, interval: 10_000, hintFloor: Infinity })).subscribe(),
      ];
      s.schedule(() => subs.forEach((sub) => sub.unsubscribe()), 12_000);
      h.flush();
      expect(a.sentAt).toEqual([0, 1, 1001, 2001]);
      expect(b.sentAt).toEqual([0, 1, 10_001]);
    });
  });
});

describe('the server paces: Retry-After on a 200', () => {
  it('is the next wait, capped by maxRetryAfter', () => {
    const s = newScheduler();
    s.run((h) => {
      const script = scripted(s, h, [
        reply('(r|)', { ...status(ID, 'PENDING'), headers: { 'retry-after-ms': '30' } }),
        reply('(r|)', { ...status(ID, 'PENDING'), headers: { 'retry-after': '120' } }),
        reply('(r|)', { ...status(ID, 'PENDING'), headers: { 'retry-after': '0' } }),
        reply('(r|)', status(ID, 'SUCCESS', { status: 'SUCCESS' })),
      ]);
      taskStatus$(ID, base(s, { transport: script.transport })).subscribe();
      h.flush();
      // 30 ms asked; 120 s capped at 50; 0 is no hint: the interval (10).
      expect(script.sentAt).toEqual([0, 30, 80, 90]);
    });
  });

  it('a hint still cuts it short', () => {
    const s = newScheduler();
    s.run((h) => {
      const hints = h.hot('------x');
      const script = scripted(s, h, [
        reply('(r|)', { ...status(ID, 'PENDING'), headers: { 'retry-after': '40' } }),
        reply('(r|)', status(ID, 'SUCCESS', { status: 'SUCCESS' })),
      ]);
      const out = taskStatus$(ID, base(s, { transport: script.transport, hints, retry: { maxRetryAfter: 60_000 } })).pipe(map((t) => t.to));
      h.expectObservable(out).toBe('a 5ms (b|)', { a: 'pending', b: 'succeeded' });
      h.flush();
      expect(script.sentAt).toEqual([0, 6]);
    });
  });
});

/** A scheduler that records every delay handed to it, over a TestScheduler. */
function recording(inner: TestScheduler): SchedulerLike & { readonly delays: number[] } {
  const delays: number[] = [];
  return {
    delays,
    now: () => inner.now(),
    schedule: ((work: Parameters<SchedulerLike['schedule']>[0], delay?: number, state?: unknown) => {
      delays.push(delay ?? 0);
      return inner.schedule(work, delay, state);
    }) as SchedulerLike['schedule'],
  };
}

describe('time: every duration up to Infinity, nothing over 2^31 − 1 ms reaches a timer', () => {
  it('a 30-day interval polls after 30 days and a 45-day deadline fires at 45 days, through timers of at most 2^31 − 1 ms', () => {
    const s = newScheduler();
    const r = recording(s);
    const sentAt: number[] = [];
    const seen: string[] = [];
    let failedAt = -1;
    s.run(() => {
      const transport: Transport = () => {
        sentAt.push(s.now());
        return of(status(ID, sentAt.length < 2 ? 'PENDING' : 'STARTED'));
      };
      taskStatus$(ID, base(r, { transport, interval: 30 * DAY, deadline: 45 * DAY, requestTimeout: 40 * DAY })).subscribe({
        next: (t) => seen.push(t.to),
        error: (e: unknown) => {
          if (e instanceof DeadlineError) failedAt = s.now();
        },
      });
    });
    expect(sentAt).toEqual([0, 30 * DAY]);
    expect(seen).toEqual(['pending', 'started']);
    expect(failedAt).toBe(45 * DAY);
    expect(r.delays.length).toBeGreaterThan(0);
    expect(Math.max(...r.delays)).toBeLessThanOrEqual(MAX_TIMER_DELAY);
  });

  it('Infinity means none: interval (poll once, then on hints), requestTimeout, deadline, stallAfter', () => {
    const s = newScheduler();
    const r = recording(s);
    let sent = 0;
    const events: string[] = [];
    const options = { interval: Infinity, requestTimeout: Infinity, deadline: Infinity, stallAfter: Infinity, hintFloor: Infinity };
    const sub = s.run(() => {
      const transport: Transport = () => {
        sent++;
        return of(status(ID, 'PENDING'));
      };
      return taskStatus$(ID, base(r, { transport, ...options })).subscribe({
        next: (t) => events.push(t.to),
        error: () => events.push('error'),
        complete: () => events.push('complete'),
      });
    });
    expect(events).toEqual(['pending']);
    expect(sent).toBe(1);
    expect(r.delays).toEqual([]);
    sub.unsubscribe();
  });

  it('requestTimeout: Infinity lets a slow answer arrive (no 1 ms timeout)', () => {
    const s = newScheduler();
    s.run((h) => {
      const script = scripted(s, h, [{ marble: '5000ms (r|)', values: { r: status(ID, 'SUCCESS', { status: 'SUCCESS' }) } }]);
      const out = taskStatus$(ID, base(s, { transport: script.transport, requestTimeout: Infinity })).pipe(map((t) => t.to));
      h.expectObservable(out).toBe('5000ms (a|)', { a: 'succeeded' });
    });
  });

  it('a token source that never settles ends the stream with RequestTimeoutError (the wait counts toward requestTimeout)', () => {
    const s = newScheduler();
    s.run((h) => {
      const script = scripted(s, h, []);
      const opts = base(s, { transport: script.transport, token: () => NEVER, requestTimeout: 20, retry: { maxRetries: 2, initialInterval: 5, jitter: 'none' } });
      // 20 (wait) + 5 + 20 + 10 + 20: the third wait for a token times out at 75.
      h.expectObservable(taskStatus$(ID, opts)).toBe('75ms #', undefined, expect.any(RequestTimeoutError));
      h.flush();
      expect(script.sentAt).toEqual([]);
    });
  });

  it('a slow token leaves the rest of requestTimeout to the request', () => {
    const s = newScheduler();
    s.run((h) => {
      const token = () => h.cold<string>('15ms (t|)', { t: 'fake-token' });
      const script = scripted(s, h, [{ marble: '10ms (r|)', values: { r: status(ID, 'PENDING') } }]);
      const opts = base(s, { transport: script.transport, token, requestTimeout: 20, retry: false });
      h.expectObservable(taskStatus$(ID, opts)).toBe('20ms #', undefined, expect.any(RequestTimeoutError));
    });
  });

  it('defaults deadline to 10 minutes: a task left STARTED forever ends in DeadlineError', () => {
    const s = newScheduler();
    s.run(() => {
      let sent = 0;
      const transport: Transport = () => {
        sent++;
        return of(status(ID, 'STARTED'));
      };
      let error: unknown;
      let at = -1;
      taskStatus$(ID, { scheduler: s, transport, interval: 2500 }).subscribe({
        error: (e: unknown) => {
          error = e;
          at = s.now();
        },
      });
      s.flush();
      expect(error).toBeInstanceOf(DeadlineError);
      expect(at).toBe(600_000);
      // Polls at 0, 2 500, …, 597 500: the deadline, not the API quota, ends it.
      expect(sent).toBe(240);
    });
  });
});

describe('integrity: an answer must be about the task asked for', () => {
  it('a 200 naming another task is a DecodeError naming both ids, never a transition', () => {
    const s = newScheduler();
    s.run((h) => {
      const script = scripted(s, h, [reply('(r|)', status(OTHER, 'SUCCESS', { status: 'SUCCESS', content_b64: PDF }))]);
      h.expectObservable(taskStatus$(ID, base(s, { transport: script.transport }))).toBe(
        '#',
        undefined,
        expect.objectContaining({ name: 'DecodeError', message: expect.stringMatching(new RegExp(`${ID}.*${OTHER}`)) as unknown }),
      );
      const snake = scripted(s, h, [reply('(r|)', { status: 200, headers: {}, body: { task_id: OTHER, status: 'PENDING' } })]);
      h.expectObservable(taskStatus$(ID, base(s, { transport: snake.transport }))).toBe('#', undefined, expect.any(DecodeError));
    });
  });

  it('compares ids as UUIDs: case does not matter', () => {
    const s = newScheduler();
    s.run((h) => {
      const script = scripted(s, h, [reply('(r|)', { status: 200, headers: {}, body: { task_id: ID.toUpperCase(), status: 'SUCCESS', result: { status: 'SUCCESS' } } })]);
      h.expectObservable(taskStatus$(ID, base(s, { transport: script.transport })).pipe(map((t) => t.to))).toBe('(a|)', { a: 'succeeded' });
    });
  });

  it('matches Celery and business statuses without regard to case, and fails closed on an unknown business status', () => {
    const s = newScheduler();
    s.run((h) => {
      const a = scripted(s, h, [
        reply('(r|)', status(ID, 'pending')),
        reply('(r|)', status(ID, 'Started')),
        reply('(r|)', status(ID, 'success', { status: 'error', errorCode: 'E1', errorMessage: 'refused' })),
      ]);
      h.expectObservable(taskStatus$(ID, base(s, { transport: a.transport })).pipe(map((t) => `${t.to}:${t.state.status}`))).toBe('a 9ms b 9ms (c|)', {
        a: 'pending:PENDING',
        b: 'started:STARTED',
        c: 'rejected:SUCCESS',
      });
      const b = scripted(s, h, [reply('(r|)', status(ID, 'SUCCESS', { status: 'WARNING', content_b64: PDF }))]);
      h.expectObservable(taskStatus$(ID, base(s, { transport: b.transport }))).toBe(
        '#',
        undefined,
        expect.objectContaining({ name: 'DecodeError', report: ['result.status: expected "SUCCESS" or "ERROR", got "WARNING"'] }),
      );
    });
  });

  it('a 401 after the refresh still ends in AuthError; non-2xx bodies never reach the decoder', () => {
    const s = newScheduler();
    s.run((h) => {
      const script = scripted(s, h, [reply('(r|)', http(404, {}, { taskId: OTHER, status: 'SUCCESS' }))]);
      h.expectObservable(taskStatus$(ID, base(s, { transport: script.transport }))).toBe('#', undefined, expect.objectContaining({ name: 'HttpError', status: 404 }));
    });
  });
});

describe('content bytes own their memory', () => {
  it('every decode gives an exact-size Uint8Array over an ArrayBuffer of its own', () => {
    const s = newScheduler();
    s.run((h) => {
      const body = status(ID, 'SUCCESS', { status: 'SUCCESS', content_b64: PDF });
      const a = scripted(s, h, [reply('(r|)', body)]);
      const b = scripted(s, h, [reply('(r|)', body)]);
      const got: Uint8Array[] = [];
      for (const script of [a, b]) {
        taskStatus$(ID, base(s, { transport: script.transport })).subscribe((t) => {
          if (t.to === 'succeeded' && t.state.content) got.push(t.state.content);
        });
      }
      h.flush();
      expect(got).toHaveLength(2);
      for (const content of got) {
        expect(content.byteOffset).toBe(0);
        expect(content.buffer.byteLength).toBe(content.byteLength);
        expect(Buffer.from(content).toString()).toBe('%PDF-1.4 tiny');
      }
      got[0]!.fill(0);
      expect(Buffer.from(got[1]!).toString()).toBe('%PDF-1.4 tiny');
      expect(got[0]!.buffer).not.toBe(got[1]!.buffer);
    });
  });
});

describe('TaskTransition is a union over phases', () => {
  it('testing `to` narrows `state` (checked by the compiler)', () => {
    const t = { taskId: ID, from: 'started', to: 'rejected', at: 0, polls: 1, state: { phase: 'rejected', status: 'SUCCESS', error: { errorCode: 'E', errorMessage: 'm', details: [] } } } as TaskTransition;
    const code = t.to === 'rejected' ? t.state.error.errorCode : t.to === 'succeeded' ? t.state.result : undefined;
    expect(code).toBe('E');
  });
});
