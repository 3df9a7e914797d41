import fc from 'fast-check';
import { NEVER, Observable, asyncScheduler, firstValueFrom, of, take, toArray } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import * as t from 'io-ts';
import {
  AsyncTaskStatus,
  BusinessError,
  BusinessResult,
  BusinessSuccess,
  CeleryStatus,
  ApiError,
  HttpValidationError,
  ValidationErrorDetail,
} from '../../lib/codecs/index.js';
import { decodeWith } from '../../lib/codecs/decode-with.js';
import { DecodeError } from '../../lib/errors/decode-error.js';
import { NetworkError } from '../../lib/errors/network-error.js';
import { TaskStatusError } from '../../lib/errors/task-status-error.js';
import { parseRetryAfter } from '../../lib/http/retry-after.js';
import type { Transport, TransportResponse } from '../../lib/http/transport.js';
import { MAX_TIMER_DELAY, retryDelay, type Jitter } from '../../lib/operators/backoff-delay.js';
import { intervalBackoff } from '../../lib/operators/interval-backoff.js';
import { retryBackoff } from '../../lib/operators/retry-backoff.js';
import { normaliseOptions, type TaskStatusOptions } from '../../lib/options.js';
import type { PollEvent } from '../../lib/poll-events.js';
import { decorrelatedJitterSchedule } from '../../lib/schedules/decorrelated-jitter-schedule.js';
import { exponentialSchedule } from '../../lib/schedules/exponential-schedule.js';
import { createTaskClient } from '../../lib/task-client.js';
import { createRuntime, pollTask, taskStatus$ } from '../../lib/task-status.js';
import { isTerminal, toState, type TaskPhase, type TaskState, type TaskTransition } from '../../lib/transitions.js';
import { TASK } from './run-stream.js';

// Property tests: decoders are total and never touch a prototype, backoff delays stay in their
// bounds, and the transition stream keeps its invariants for any scripted sequence of responses.

// ── hostile JSON ──────────────────────────────────────────────────────────────────────────────

const HOSTILE_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'valueOf', 'hasOwnProperty', 'then'] as const;
const FIELD_KEYS = [
  'taskId', 'task_id', 'status', 'result', 'content_b64', 'contentB64', 'errorCode', 'errorMessage', 'details', 'detail',
  'item', 'reason', 'level', 'source', 'code', 'loc', 'msg', 'type', 'exc_type', 'exc_message', 'message', 'meta',
] as const;
const STATUSES = ['PENDING', 'STARTED', 'RETRY', 'SUCCESS', 'FAILURE', 'REVOKED', 'PROGRESS', 'ERROR', 'Error', 'Warning', 'schematron'] as const;

const key = fc.oneof(fc.constantFrom(...HOSTILE_KEYS), fc.constantFrom(...FIELD_KEYS), fc.string({ maxLength: 6 }));
const leafText = fc
  .oneof(
    fc.constant(null),
    fc.boolean(),
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.string({ maxLength: 12 }),
    fc.constantFrom(...STATUSES, ...HOSTILE_KEYS, 'QUJD', 'not base64!', ''),
    fc.uint8Array({ maxLength: 12 }).map((b) => Buffer.from(b).toString('base64')),
  )
  .map((v) => JSON.stringify(v));

/**
 * JSON *text* (so `__proto__` keys are own properties after JSON.parse, exactly as a server's
 * body arrives), with hostile and meaningful keys mixed in.
 */
const { json: jsonText } = fc.letrec<{ json: string; array: string; object: string }>((tie) => ({
  json: fc.oneof({ depthSize: 'small', maxDepth: 4 }, leafText, tie('array'), tie('object')),
  array: fc.array(tie('json'), { maxLength: 4 }).map((items) => `[${items.join(',')}]`),
  object: fc
    .array(fc.tuple(key, tie('json')), { maxLength: 6 })
    .map((pairs) => `{${pairs.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`),
}));

/** A status payload close to the real one, with hostile keys and random values mixed in. */
const payloadText = fc
  .tuple(
    fc.constantFrom('taskId', 'task_id', '__proto__'),
    fc.oneof(fc.constant(JSON.stringify(TASK)), leafText),
    fc.oneof(fc.constantFrom(...STATUSES).map((s) => JSON.stringify(s)), leafText),
    fc.oneof(
      jsonText,
      fc
        .tuple(fc.constantFrom('SUCCESS', 'ERROR', 'x'), jsonText, jsonText, fc.array(fc.tuple(key, jsonText), { maxLength: 3 }))
        .map(
          ([status, content, details, extra]) =>
            `{"status":${JSON.stringify(status)},"content_b64":${content},"errorCode":"E","errorMessage":"m","details":${details}${extra
              .map(([k, v]) => `,${JSON.stringify(k)}:${v}`)
              .join('')}}`,
        ),
    ),
    fc.array(fc.tuple(key, jsonText), { maxLength: 3 }),
  )
  .map(
    ([idKey, id, status, result, extra]) =>
      `{${JSON.stringify(idKey)}:${id},"status":${status},"result":${result}${extra.map(([k, v]) => `,${JSON.stringify(k)}:${v}`).join('')}}`,
  );

const CODECS: ReadonlyArray<readonly [string, t.Decoder<unknown, unknown> & { is: (u: unknown) => boolean }]> = [
  ['AsyncTaskStatus', AsyncTaskStatus],
  ['CeleryStatus', CeleryStatus],
  ['BusinessResult', BusinessResult],
  ['BusinessSuccess', BusinessSuccess],
  ['BusinessError', BusinessError],
  ['ValidationErrorDetail', ValidationErrorDetail],
  ['ApiError', ApiError],
  ['HttpValidationError', HttpValidationError],
];

const PROTOTYPES = [Object.prototype, Array.prototype, Function.prototype, String.prototype, Number.prototype, Boolean.prototype];
const snapshot = (): string[][] => PROTOTYPES.map((p) => Object.getOwnPropertyNames(p).sort());
const BEFORE = snapshot();
const TO_STRING = Object.prototype.toString;

/** No built-in prototype gained a property or lost its `toString`; a fresh object has no stray field. */
function expectPrototypesIntact(): void {
  expect(snapshot()).toEqual(BEFORE);
  expect(Object.prototype.toString).toBe(TO_STRING);
  const probe = {} as Record<string, unknown>;
  expect(probe['polluted']).toBeUndefined();
  expect(Object.getPrototypeOf(probe)).toBe(Object.prototype);
}

/** Every object reachable from `value` has a built-in prototype (or none): none was swapped. */
function expectPlainPrototypes(value: unknown, seen = new Set<unknown>()): void {
  if (typeof value !== 'object' || value === null || seen.has(value)) return;
  seen.add(value);
  const proto: unknown = Object.getPrototypeOf(value);
  expect([Object.prototype, Array.prototype, Uint8Array.prototype, null]).toContain(proto);
  for (const k of Object.getOwnPropertyNames(value)) expectPlainPrototypes((value as Record<string, unknown>)[k], seen);
}

describe('decoders, over JSON with __proto__, constructor and toString keys', () => {
  afterEach(expectPrototypesIntact);

  it('the codecs never throw, whatever the JSON', () => {
    fc.assert(
      fc.property(fc.oneof(jsonText, payloadText), (text) => {
        const value: unknown = JSON.parse(text);
        for (const [, codec] of CODECS) {
          codec.decode(value);
          codec.is(value);
        }
        expectPrototypesIntact();
      }),
      { numRuns: 250 },
    );
  });

  it('decoding a status payload to a state either succeeds with plain objects or throws a DecodeError, never anything else', () => {
    fc.assert(
      fc.property(payloadText, (text) => {
        const value: unknown = JSON.parse(text);
        let state: TaskState | undefined;
        try {
          state = toState(decodeWith(AsyncTaskStatus, value, TASK));
        } catch (error) {
          expect(error).toBeInstanceOf(DecodeError);
          expect((error as DecodeError).report.length).toBeGreaterThan(0);
        }
        if (state !== undefined) expectPlainPrototypes(state);
        expectPrototypesIntact();
      }),
      { numRuns: 400 },
    );
  });

  it('through the pipeline, a 200 with any body is a transition or a DecodeError on the error channel', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(payloadText, jsonText), async (text) => {
        const body: unknown = JSON.parse(text);
        const transport: Transport = () => of({ status: 200, headers: {}, body });
        const outcome = await firstValueFrom(taskStatus$(TASK, { transport, interval: 60_000 })).then(
          (transition) => ({ transition }),
          (error: unknown) => ({ error }),
        );
        if ('error' in outcome) expect(outcome.error).toBeInstanceOf(DecodeError);
        else expectPlainPrototypes(outcome.transition);
        expectPrototypesIntact();
      }),
      { numRuns: 150 },
    );
  });
});

// ── backoff bounds ────────────────────────────────────────────────────────────────────────────

const anyNumber = fc.oneof(fc.double(), fc.constantFrom(NaN, Infinity, -Infinity, -0, Number.MAX_VALUE, -1));
const jitterArb: fc.Arbitrary<Jitter> = fc.oneof(
  fc.constantFrom<Jitter>('none', 'full'),
  anyNumber.map((n): Jitter => () => n),
  fc.double({ min: -2, max: 3, noNaN: true }).map((f): Jitter => (delay) => delay * f),
);

describe('backoff delays stay within their bounds', () => {
  it('retryDelay is a number in [0, min(maxInterval, 2^k · initialInterval, 2^31 − 1)], never NaN, whatever the jitter or random source', () => {
    fc.assert(
      fc.property(
        fc.nat({ max: 2000 }),
        fc.double({ min: 0, max: 1e9, noNaN: true }),
        fc.oneof(fc.double({ min: 0, max: 1e12, noNaN: true }), fc.constant(Infinity)),
        jitterArb,
        fc.oneof(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), anyNumber),
        (k, initialInterval, maxInterval, jitter, r) => {
          const delay = retryDelay(k, { initialInterval, maxInterval, jitter, random: () => r });
          // (2^k overflows to Infinity for k ≥ 1024; Infinity · 0 is NaN, and a 0 ms start stays 0.)
          const bound = initialInterval === 0 ? 0 : Math.min(maxInterval, Math.pow(2, k) * initialInterval, MAX_TIMER_DELAY);
          expect(Number.isNaN(delay)).toBe(false);
          expect(delay).toBeGreaterThanOrEqual(0);
          expect(delay).toBeLessThanOrEqual(bound);
          if (jitter === 'none') expect(delay).toBe(bound);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('parseRetryAfter is undefined or a non-negative number (never NaN or Infinity), whatever the headers', () => {
    const value = fc.oneof(
      fc.string(),
      fc.double().map(String),
      fc.integer().map(String),
      fc.date({ noInvalidDate: true }).map((d) => d.toUTCString()),
      fc.constantFrom('1e999', '99999999999999999999999', 'NaN', 'Infinity', '-0', ' 5 ', '5,5', '0x10'),
    );
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom('retry-after', 'Retry-After', 'retry-after-ms', 'x'), value), fc.double(), (headers, now) => {
        const ms = parseRetryAfter(headers, now);
        if (ms !== undefined) {
          expect(Number.isNaN(ms)).toBe(false);
          expect(Number.isFinite(ms)).toBe(true);
          expect(ms).toBeGreaterThanOrEqual(0);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('the pipeline waits, before each retry, a backoff delay within [0, min(2^(n−1) · initialInterval, maxInterval)] or a Retry-After within [0, maxRetryAfter]', () => {
    const failure = fc.oneof(
      fc.record({ kind: fc.constant('network' as const) }),
      fc.record({
        kind: fc.constant('http' as const),
        status: fc.constantFrom(408, 429, 500, 502, 503, 504),
        retryAfter: fc.option(fc.oneof(fc.nat({ max: 100 }).map(String), fc.constantFrom('garbage', '999999', 'Sun, 06 Nov 1994 08:49:37 GMT')), {
          nil: undefined,
        }),
      }),
    );
    fc.assert(
      fc.property(
        fc.array(failure, { minLength: 1, maxLength: 8 }),
        fc.integer({ min: 1, max: 50 }),
        fc.integer({ min: 1, max: 400 }),
        fc.integer({ min: 0, max: 300 }),
        fc.constantFrom<Jitter>('full', 'none'),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (failures, initialInterval, maxInterval, maxRetryAfter, jitter, r) => {
          const scheduler = new TestScheduler((a, b) => expect(a).toEqual(b));
          scheduler.run(() => {
            const sentAt: number[] = [];
            const transport: Transport = () => {
              const n = sentAt.length;
              sentAt.push(scheduler.now());
              const f = failures[n];
              if (f === undefined) return of<TransportResponse>({ status: 200, headers: {}, body: { taskId: TASK, status: 'SUCCESS' } });
              if (f.kind === 'network') throw new NetworkError('down', { taskId: TASK });
              const headers: Record<string, string> = f.retryAfter === undefined ? {} : { 'retry-after': f.retryAfter };
              return of<TransportResponse>({ status: f.status, headers, body: {} });
            };
            const events: PollEvent[] = [];
            const options = normaliseOptions({
              transport,
              interval: 1000,
              retry: { initialInterval, maxInterval, maxRetries: Infinity, jitter, maxRetryAfter },
              random: () => r,
            });
            const transitions: TaskTransition[] = [];
            pollTask(TASK, createRuntime(options, { onEvent: (e) => events.push(e) })).subscribe((x) => transitions.push(x));
            scheduler.flush();
            expect(transitions.map((x) => x.to)).toEqual(['succeeded']);
            const retries = events.filter((e): e is Extract<PollEvent, { type: 'retry' }> => e.type === 'retry');
            expect(retries).toHaveLength(failures.length);
            retries.forEach((e, i) => {
              const f = failures[i]!;
              const hinted = f.kind === 'http' && f.retryAfter !== undefined && parseRetryAfter({ 'retry-after': f.retryAfter }, 0) !== undefined;
              const bound = hinted ? maxRetryAfter : Math.min(Math.pow(2, e.attempt - 1) * initialInterval, maxInterval);
              expect(e.delay).toBeGreaterThanOrEqual(0);
              expect(e.delay).toBeLessThanOrEqual(bound);
              // …and the next request really went out that long after the failure.
              expect(Math.abs(sentAt[i + 1]! - sentAt[i]! - e.delay)).toBeLessThan(1e-6);
            });
          });
        },
      ),
      { numRuns: 150 },
    );
  });

  it('retryBackoff and intervalBackoff wait within [0, min(2^k · initialInterval, maxInterval)] between attempts / values', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 100 }),
        fc.oneof(fc.integer({ min: 0, max: 2000 }), fc.constant(Infinity)),
        jitterArb,
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (initialInterval, maxInterval, jitter, r) => {
          const scheduler = new TestScheduler((a, b) => expect(a).toEqual(b));
          scheduler.run(({ cold }) => {
            const attempts: number[] = [];
            const source = cold<never>('#');
            const failing = new Observable<never>((s) => {
              attempts.push(scheduler.now());
              return source.subscribe(s);
            });
            failing.pipe(retryBackoff({ initialInterval, maxInterval, maxRetries: 6, jitter, random: () => r })).subscribe({ error: () => undefined });
            const ticks: number[] = [];
            intervalBackoff({ initialInterval, maxInterval, jitter, random: () => r })
              .pipe(take(7))
              .subscribe(() => ticks.push(scheduler.now()));
            scheduler.flush();
            expect(attempts).toHaveLength(7);
            for (let k = 0; k < 6; k++) {
              const bound = initialInterval === 0 ? 0 : Math.min(Math.pow(2, k) * initialInterval, maxInterval, MAX_TIMER_DELAY);
              expect(attempts[k + 1]! - attempts[k]!).toBeGreaterThanOrEqual(0);
              expect(attempts[k + 1]! - attempts[k]!).toBeLessThanOrEqual(bound);
              expect(ticks[k + 1]! - ticks[k]!).toBeGreaterThanOrEqual(0);
              expect(ticks[k + 1]! - ticks[k]!).toBeLessThanOrEqual(bound);
            }
          });
        },
      ),
      { numRuns: 150 },
    );
  });

  it('exponentialSchedule and decorrelatedJitterSchedule stay within [initial/base, max]', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10_000 }),
        fc.integer({ min: 0, max: 100_000 }),
        fc.double({ min: 1, max: 10, noNaN: true }),
        fc.array(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), { minLength: 1, maxLength: 30 }),
        (initial, extra, factor, draws) => {
          const max = initial + extra;
          const exp = exponentialSchedule({ initial, factor, max });
          let i = 0;
          const dj = decorrelatedJitterSchedule({ base: initial, max, random: () => draws[i++ % draws.length]! });
          for (let polls = 1; polls <= draws.length; polls++) {
            const ctx = { taskId: TASK, polls, elapsed: 0, phase: 'pending' as const, inPhase: 0 };
            const e = exp.next(ctx);
            const d = dj.next(ctx);
            for (const delay of [e, d]) {
              expect(delay).toBeGreaterThanOrEqual(initial);
              expect(delay).toBeLessThanOrEqual(max);
            }
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});

// ── the transition stream ─────────────────────────────────────────────────────────────────────

/** One scripted answer of the transport. */
type Step =
  | { readonly kind: 'body'; readonly status: number; readonly text: string; readonly delay: number }
  | { readonly kind: 'network'; readonly delay: number }
  | { readonly kind: 'hang' };

const celeryBody = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('PENDING', 'STARTED', 'RETRY', 'PROGRESS').map((s) => JSON.stringify({ taskId: TASK, status: s })) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      JSON.stringify({ taskId: TASK, status: 'SUCCESS', result: { status: 'SUCCESS', content_b64: 'QUJD' } }),
      JSON.stringify({ taskId: TASK, status: 'SUCCESS', result: { status: 'ERROR', errorCode: 'E', errorMessage: 'no', details: [] } }),
      JSON.stringify({ taskId: TASK, status: 'FAILURE', result: { exc_message: 'boom' } }),
      JSON.stringify({ taskId: TASK, status: 'REVOKED' }),
    ),
  },
  { weight: 1, arbitrary: payloadText },
);
const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { weight: 8, arbitrary: fc.record({ kind: fc.constant('body' as const), status: fc.constant(200), text: celeryBody, delay: fc.nat({ max: 30 }) }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('body' as const),
      status: fc.constantFrom(401, 404, 422, 429, 500, 503),
      text: fc.constant('{"detail":"x"}'),
      delay: fc.nat({ max: 30 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('network' as const), delay: fc.nat({ max: 30 }) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'hang' as const }) },
);

/** The state a 200 body decodes to, or `'decode-error'` (an answer about another task included). */
function stateOf(text: string): TaskState | 'decode-error' {
  try {
    const payload = decodeWith(AsyncTaskStatus, JSON.parse(text), TASK);
    return payload.taskId.toLowerCase() === TASK.toLowerCase() ? toState(payload) : 'decode-error';
  } catch {
    return 'decode-error';
  }
}

/** The model of DESIGN's rule 2: how far along a phase is (started ⇄ retrying share a rank). */
const RANK: Record<TaskPhase, number> = { pending: 0, started: 1, retrying: 1, succeeded: 2, rejected: 2, failed: 2 };

/** What makes a non-terminal state new: its phase, its Celery status and its `meta`. */
function keyOf(state: TaskState): string {
  const running = state.phase === 'started' || state.phase === 'retrying';
  return JSON.stringify([state.phase, running ? state.status : '', running ? (state.meta ?? null) : null]);
}

describe('the transition stream, for any scripted sequence of responses (TestScheduler)', () => {
  it('chains from → to, moves only forward, emits nothing after a terminal phase, and loses no change of phase, status or meta', () => {
    fc.assert(
      fc.property(fc.array(stepArb, { maxLength: 25 }), fc.boolean(), fc.nat({ max: 50 }), (steps, refreshable, interval) => {
        const scheduler = new TestScheduler((a, b) => expect(a).toEqual(b));
        scheduler.run(({ cold }) => {
          const delivered: Step[] = [];
          const transport: Transport = () => {
            const step = steps[delivered.length];
            if (step === undefined || step.kind === 'hang') {
              delivered.push({ kind: 'hang' });
              return NEVER;
            }
            delivered.push(step);
            const frames = '-'.repeat(step.delay);
            if (step.kind === 'network') return cold(`${frames}#`, undefined, new NetworkError('reset', { taskId: TASK }));
            const response: TransportResponse = { status: step.status, headers: {}, body: JSON.parse(step.text) as unknown };
            return cold(`${frames}(r|)`, { r: response });
          };
          const options: TaskStatusOptions = {
            transport,
            interval,
            requestTimeout: 100,
            token: refreshable ? ({ refresh }) => (refresh ? 'fresh' : 'stale') : 'fixed',
            retry: { initialInterval: 1, maxInterval: 20, maxRetries: 3, jitter: 'full' },
            random: () => 0.5,
            scheduler: asyncScheduler,
          };
          const emitted: TaskTransition[] = [];
          let error: unknown;
          let completed = false;
          let after = 0;
          taskStatus$(TASK, options).subscribe({
            next: (x) => {
              if (error !== undefined || completed) after++;
              emitted.push(x);
            },
            error: (e: unknown) => {
              if (error !== undefined || completed) after++;
              error = e;
            },
            complete: () => {
              if (error !== undefined || completed) after++;
              completed = true;
            },
          });
          scheduler.flush();

          // The stream ended, one way only, and nothing came after.
          expect(after).toBe(0);
          expect(completed !== (error !== undefined)).toBe(true);
          if (error !== undefined) expect(error).toBeInstanceOf(TaskStatusError);

          // Chained edges, forward only (a repeated phase is a progress update of a running
          // phase), terminal only last, completion right after it.
          emitted.forEach((x, i) => {
            expect(x.from).toBe(i === 0 ? null : emitted[i - 1]!.to);
            if (x.from !== null) expect(RANK[x.to]).toBeGreaterThanOrEqual(RANK[x.from]);
            if (x.to === x.from) expect(['started', 'retrying']).toContain(x.to);
            expect(x.state.phase).toBe(x.to);
            if (i > 0) {
              expect(x.polls).toBeGreaterThan(emitted[i - 1]!.polls);
              expect(x.at).toBeGreaterThanOrEqual(emitted[i - 1]!.at);
            }
            if (isTerminal(x.to)) expect(i).toBe(emitted.length - 1);
          });
          const last = emitted[emitted.length - 1];
          expect(completed).toBe(last !== undefined && isTerminal(last.to));

          // Nothing lost, duplicated or reordered: the emitted states are exactly the changes
          // (of phase, or of Celery status / meta inside a running phase) among the 200 bodies the
          // transport delivered, answers that would move the task back left out, up to the first
          // terminal one.
          const expected: string[] = [];
          let rank = -1;
          let decodeFailed = false;
          for (const step of delivered) {
            if (step.kind !== 'body' || step.status !== 200) continue;
            const state = stateOf(step.text);
            if (state === 'decode-error') {
              decodeFailed = true;
              break;
            }
            if (RANK[state.phase] < rank) continue;
            rank = RANK[state.phase];
            const key = keyOf(state);
            if (key !== expected[expected.length - 1]) expected.push(key);
            if (isTerminal(state.phase)) break;
          }
          expect(emitted.map((x) => keyOf(x.state))).toEqual(expected);
          if (decodeFailed) expect(error).toBeInstanceOf(DecodeError);
        });
      }),
      { numRuns: 250 },
    );
  });

  it('a TaskClient gives every subscriber of a task the same transitions (late ones from the latest)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.constantFrom('PENDING', 'STARTED', 'RETRY', 'PROGRESS'), { maxLength: 12 }), fc.constantFrom('SUCCESS', 'FAILURE'), async (middle, end) => {
        const bodies = [...middle, end].map((s) => ({ taskId: TASK, status: s, ...(s === 'FAILURE' ? { result: { exc_message: 'x' } } : {}) }));
        let n = 0;
        const transport: Transport = () => of({ status: 200, headers: {}, body: bodies[Math.min(n++, bodies.length - 1)] });
        const client = createTaskClient({ transport, interval: 0, pauseWhenHidden: false });
        try {
          const [a, b] = await Promise.all([firstValueFrom(client.status$(TASK).pipe(toArray())), firstValueFrom(client.status$(TASK).pipe(toArray()))]);
          expect(b.map((x) => x.to)).toEqual(a.map((x) => x.to));
          expect(b.map((x) => x.state)).toEqual(a.map((x) => x.state));
          a.forEach((x, i) => {
            expect(x.from).toBe(i === 0 ? null : a[i - 1]!.to);
            if (x.from !== null) expect(RANK[x.to]).toBeGreaterThanOrEqual(RANK[x.from]);
          });
          expect(isTerminal(a[a.length - 1]!.to)).toBe(true);
          expect(n).toBe(bodies.length);
        } finally {
          client.dispose();
        }
      }),
      { numRuns: 50 },
    );
  });
});
