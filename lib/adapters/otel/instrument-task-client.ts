import {
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  ValueType,
  context,
  metrics,
  trace,
  type Attributes,
  type BatchObservableCallback,
  type BatchObservableResult,
  type Context,
  type Histogram,
  type Meter,
  type MeterProvider,
  type ObservableCounter,
  type ObservableUpDownCounter,
  type Span,
  type Tracer,
  type TracerProvider,
} from '@opentelemetry/api';
import { Observable, type Subscription } from 'rxjs';
import { failOption, type TaskClientEvent, type TaskClientStats, type TaskRequestInfo, type TaskRequestInterceptor, type TransportResponse } from '../../index.js';
import { safeUrlCache } from './safe-url.js';
import { ATTR, METRICS, SPANS, SPAN_EVENTS } from './telemetry-names.js';

/**
 * What `instrumentTaskClient` needs of a client: its `events$`, and, for request spans and the
 * in-flight gauges, `addInterceptor` and `stats`. A `TaskClient` has all three, and so has
 * `factpulse-rx/angular`'s `TaskStatusService`.
 *
 * @example
 * ```ts
 * const target: InstrumentableTaskClient = createTaskClient({ token })
 * ```
 */
export interface InstrumentableTaskClient {
  readonly events$: Observable<TaskClientEvent>;
  stats?(): TaskClientStats;
  addInterceptor?(interceptor: TaskRequestInterceptor): () => void;
}

/**
 * Options of {@link instrumentTaskClient}.
 *
 * @example
 * ```ts
 * const options: InstrumentTaskClientOptions = { meterProvider, tracerProvider }
 * ```
 */
export interface InstrumentTaskClientOptions {
  /**
   * Where the metrics go.
   * @default the global one (`metrics.getMeterProvider()`: a no-op until an SDK registers one)
   */
  readonly meterProvider?: MeterProvider;
  /**
   * Where the spans go.
   * @default the global one (`trace.getTracerProvider()`)
   */
  readonly tracerProvider?: TracerProvider;
}

/**
 * The handle {@link instrumentTaskClient} returns.
 *
 * @example
 * ```ts
 * const telemetry: TaskClientInstrumentation = instrumentTaskClient(client)
 * process.on('SIGTERM', () => telemetry.detach())
 * ```
 */
export interface TaskClientInstrumentation {
  /**
   * Stops all recording: no metric, span or span event is recorded after it; spans still open
   * (tasks followed, requests in flight) end now with `factpulse.task.outcome` /
   * `factpulse.request.aborted` saying so. Idempotent.
   */
  detach(): void;
}

/** The instrumentation scope of every meter and tracer. */
const SCOPE = 'factpulse-rx';

/** HTTP client duration buckets of the semantic conventions (seconds). */
const HTTP_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];
/** Waits for a slot or a rate token (seconds). */
const WAIT_BUCKETS = [0, 0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
/** Task durations, first poll to terminal phase (seconds). */
const TASK_BUCKETS = [0.5, 1, 2.5, 5, 10, 15, 30, 60, 120, 300, 600, 1800];

/** One task span, the context its requests start from, and their attributes (one URL per task). */
interface TaskSpan {
  readonly span: Span;
  readonly context: Context;
  requestUrl?: string;
  requestAttributes?: Attributes;
}

/** The instruments, created once per instrumentation. */
interface Instruments {
  readonly requestDuration: Histogram;
  readonly requests: ObservableCounter;
  readonly retries: ObservableCounter;
  readonly waitDuration: Histogram;
  readonly tasks: ObservableCounter;
  readonly tasksEnded: ObservableCounter;
  readonly transitions: ObservableCounter;
  readonly taskDuration: Histogram;
  readonly cacheHits: ObservableCounter;
  readonly staleResponses: ObservableCounter;
  readonly budgetExhausted: ObservableCounter;
  readonly hubRoles: ObservableCounter;
  readonly hubFallbacks: ObservableCounter;
  readonly inFlight: ObservableUpDownCounter;
  readonly queued: ObservableUpDownCounter;
  readonly activeTasks: ObservableUpDownCounter;
}

function createInstruments(meter: Meter): Instruments {
  // Counters are observable: counted here in plain maps (a poll costs a Map lookup, not an SDK
  // record), reported at each collection — the same cumulative monotonic sums to an exporter.
  const counter = (name: string, unit: string, description: string): ObservableCounter =>
    meter.createObservableCounter(name, { unit, description, valueType: ValueType.INT });
  const gauge = (name: string, unit: string, description: string): ObservableUpDownCounter =>
    meter.createObservableUpDownCounter(name, { unit, description, valueType: ValueType.INT });
  const histogram = (name: string, description: string, buckets: number[]): Histogram =>
    meter.createHistogram(name, { unit: 's', description, advice: { explicitBucketBoundaries: buckets } });
  return {
    requestDuration: histogram(METRICS.requestDuration, 'Duration of HTTP client requests (task status polls).', HTTP_BUCKETS),
    requests: counter(METRICS.requests, '{request}', 'Status requests, by HTTP status class and outcome.'),
    retries: counter(METRICS.retries, '{retry}', 'Retries of transient failures, by reason.'),
    waitDuration: histogram(METRICS.waitDuration, 'Time a request waited for a maxConcurrent slot, a rate token or a visible page.', WAIT_BUCKETS),
    tasks: counter(METRICS.tasks, '{task}', 'Tasks the client started following.'),
    tasksEnded: counter(METRICS.tasksEnded, '{task}', 'Tasks the client stopped following, by outcome.'),
    transitions: counter(METRICS.transitions, '{transition}', 'Task transitions, by phase.'),
    taskDuration: histogram(METRICS.taskDuration, 'Time from the first poll of a task to its terminal phase.', TASK_BUCKETS),
    cacheHits: counter(METRICS.cacheHits, '{hit}', 'Subscriptions served from the terminal-result cache, with no request.'),
    staleResponses: counter(METRICS.staleResponses, '{response}', 'Answers that would have moved a task back (not emitted).'),
    budgetExhausted: counter(METRICS.budgetExhausted, '{failure}', 'Failures surfaced at once because the shared retry budget was empty.'),
    hubRoles: counter(METRICS.hubRoles, '{change}', 'Hub role changes (poller, follower).'),
    hubFallbacks: counter(METRICS.hubFallbacks, '{fallback}', 'Tasks polled locally because the hub backend was unreachable.'),
    inFlight: gauge(METRICS.inFlight, '{request}', 'Requests sent and not yet answered.'),
    queued: gauge(METRICS.queued, '{request}', 'Requests waiting for a maxConcurrent slot, a rate token or a visible page.'),
    activeTasks: gauge(METRICS.activeTasks, '{task}', 'Tasks followed now.'),
  };
}

/** Counts by attribute set, reported through an observable counter at each collection. */
class Tally {
  private readonly counts = new Map<string, { readonly attributes: Attributes; value: number }>();

  constructor(
    readonly instrument: ObservableCounter,
    private readonly attributesOf: (key: string) => Attributes,
  ) {}

  /** One more for the attribute set named `key` (its attributes are made on its first count). */
  add(key: string): void {
    const found = this.counts.get(key);
    if (found !== undefined) found.value++;
    else this.counts.set(key, { attributes: this.attributesOf(key), value: 1 });
  }

  observe(result: BatchObservableResult): void {
    for (const { attributes, value } of this.counts.values()) result.observe(this.instrument, value, attributes);
  }
}

/** `2xx` for 204; `none` without a response. */
function statusClass(status: number | undefined): string {
  return status === undefined ? 'none' : `${Math.floor(status / 100)}xx`;
}

/** Attribute objects are few (one per status, per reason…): made once, reused for every record. */
function memo<K>(make: (key: K) => Attributes): (key: K) => Attributes {
  const cache = new Map<K, Attributes>();
  return (key) => {
    let found = cache.get(key);
    if (found === undefined) {
      found = make(key);
      if (cache.size < 256) cache.set(key, found);
    }
    return found;
  };
}

function assertProvider(value: unknown, name: string, method: string): void {
  if (value === undefined) return;
  const ok = typeof value === 'object' && value !== null && typeof (value as Record<string, unknown>)[method] === 'function';
  if (!ok) failOption(`instrumentTaskClient: ${name}`, `an OpenTelemetry ${name === 'meterProvider' ? 'MeterProvider' : 'TracerProvider'} (with ${method}())`, value);
}

/**
 * Records what a task client does as OpenTelemetry metrics and traces, from its `events$`, its
 * `stats()` and a request interceptor (`addInterceptor`); returns the handle that detaches it
 * all. Needs the optional peer dependency `@opentelemetry/api` (^1.3); the core never imports it.
 *
 * - **Metrics** (a `Meter` named `factpulse-rx`): `http.client.request.duration` (seconds, by
 *   `http.response.status_code` / `error.type`, `server.address`), requests by status class and
 *   outcome, retries by reason, the wait for a `maxConcurrent` slot or a rate token, requests in
 *   flight and queued, tasks followed and ended, transitions by phase, `factpulse.task.duration`
 *   (first poll to terminal phase), cache hits, stale answers, hub role changes and fallbacks.
 * - **Traces**: a `factpulse.task` span per followed task, from when the client starts
 *   following it to its terminal transition (its outcome as status and attributes, each
 *   transition an event), parented on the span active when the task's first subscriber
 *   subscribed; a `GET` client span per request, its child, with `http.request.method`,
 *   `url.full` (no query, no user info), `server.address`, `http.response.status_code`,
 *   `http.request.resend_count`. The request runs in its span's context, so whatever the app's
 *   fetch instrumentation records is a child of it.
 *
 * Task ids go on spans only, never on metric attributes; no token, header or query anywhere.
 * Validated now: a `TypeError` names a bad `client`, `meterProvider` or `tracerProvider`.
 *
 * @example
 * ```ts
 * import { createTaskClient } from 'factpulse-rx'
 * import { instrumentTaskClient } from 'factpulse-rx/otel'
 *
 * const client = createTaskClient({ token })
 * const telemetry = instrumentTaskClient(client) // the global MeterProvider and TracerProvider
 * // …
 * telemetry.detach()
 * ```
 */
export function instrumentTaskClient(client: InstrumentableTaskClient, options: InstrumentTaskClientOptions = {}): TaskClientInstrumentation {
  if (typeof client !== 'object' || client === null || typeof client.events$?.subscribe !== 'function') {
    failOption('instrumentTaskClient: client', 'a task client (with events$)', client);
  }
  if (typeof options !== 'object' || options === null) failOption('instrumentTaskClient: options', 'an object', options);
  assertProvider(options.meterProvider, 'meterProvider', 'getMeter');
  assertProvider(options.tracerProvider, 'tracerProvider', 'getTracer');

  const meter = (options.meterProvider ?? metrics.getMeterProvider()).getMeter(SCOPE);
  const tracer: Tracer = (options.tracerProvider ?? trace.getTracerProvider()).getTracer(SCOPE);
  const m = createInstruments(meter);

  let detached = false;
  /** Open task spans, by task id (as the client's events spell it). */
  const taskSpans = new Map<string, TaskSpan>();
  /** Request spans in flight, ended at detach. */
  const requestSpans = new Set<Span>();
  /** `server.*` attributes of the API, learnt from the first request seen. */
  let server: Attributes = {};
  const safeUrl = safeUrlCache();

  const requestEndAttrs = memo<string>((key) => {
    const [status, error] = key.split('|');
    const attrs: Attributes = { [ATTR.method]: 'GET', ...server };
    if (status !== '') attrs[ATTR.statusCode] = Number(status);
    if (error !== '') attrs[ATTR.errorType] = error;
    else if (status !== '' && Number(status) >= 400) attrs[ATTR.errorType] = status;
    return attrs;
  });
  const requestCountAttrs = (key: string): Attributes => {
    const [status, error] = key.split('|');
    const code = status === '' ? undefined : Number(status);
    const outcome = code === undefined ? 'error' : code >= 200 && code < 300 ? 'ok' : 'http_error';
    const attrs: Attributes = { [ATTR.statusClass]: statusClass(code), [ATTR.outcome]: outcome };
    if (error !== '') attrs[ATTR.errorType] = error;
    return attrs;
  };
  const pair = (key: string, first: string, second: string): Attributes => {
    const [a, b] = key.split('|');
    return b === '' ? { [first]: a } : { [first]: a, [second]: b };
  };
  const single = (name: string) => (key: string) => ({ [name]: key });
  const t = {
    requests: new Tally(m.requests, requestCountAttrs),
    retries: new Tally(m.retries, (key) => {
      const [reason, status] = key.split('|');
      return status === '' ? { [ATTR.retryReason]: reason } : { [ATTR.retryReason]: reason, [ATTR.statusCode]: Number(status) };
    }),
    tasks: new Tally(m.tasks, (key) => ({ [ATTR.resumed]: key === 'true' })),
    tasksEnded: new Tally(m.tasksEnded, (key) => pair(key, ATTR.taskOutcome, ATTR.errorType)),
    transitions: new Tally(m.transitions, (key) => {
      const [from, to] = key.split('|');
      return { [ATTR.fromPhase]: from, [ATTR.phase]: to };
    }),
    cacheHits: new Tally(m.cacheHits, () => ({})),
    staleResponses: new Tally(m.staleResponses, single(ATTR.phase)),
    budgetExhausted: new Tally(m.budgetExhausted, single(ATTR.errorType)),
    hubRoles: new Tally(m.hubRoles, single(ATTR.hubRole)),
    hubFallbacks: new Tally(m.hubFallbacks, single(ATTR.errorType)),
  };
  const tallies = Object.values(t);
  const durationAttrs = memo<string>((key) => ({ [ATTR.taskOutcome]: key }));

  /**
   * The span of a task: started now if the client was instrumented after it began following it.
   * Keyed by the id as the client's events spell it (one spelling per followed task).
   */
  const taskSpan = (taskId: string, parent?: Context): TaskSpan => {
    const key = taskId;
    let found = taskSpans.get(key);
    if (found === undefined) {
      const from = parent ?? ROOT_CONTEXT;
      const span = tracer.startSpan(SPANS.task, { kind: SpanKind.INTERNAL, attributes: { [ATTR.taskId]: taskId } }, from);
      found = { span, context: trace.setSpan(from, span) };
      taskSpans.set(key, found);
    }
    return found;
  };

  const endTask = (taskId: string, outcome: string, attributes: Attributes, error?: { readonly type: string; readonly message: string }): void => {
    const key = taskId;
    const found = taskSpans.get(key);
    if (found === undefined) return;
    taskSpans.delete(key);
    const { span } = found;
    span.setAttributes({ ...attributes, [ATTR.taskOutcome]: outcome });
    if (error !== undefined) {
      span.setAttribute(ATTR.errorType, error.type);
      span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
    }
    span.end();
  };

  const onEvent = (e: TaskClientEvent): void => {
    if (detached) return;
    switch (e.type) {
      case 'request-start':
        m.waitDuration.record(e.waited / 1000);
        return;
      case 'request-end': {
        const key = `${e.status ?? ''}|${e.error ?? ''}`;
        m.requestDuration.record(e.duration / 1000, requestEndAttrs(key));
        t.requests.add(key);
        return;
      }
      case 'retry':
        t.retries.add(`${e.error}|${e.status ?? ''}`);
        taskSpan(e.taskId).span.addEvent(SPAN_EVENTS.retry, {
          [ATTR.attempt]: e.attempt,
          [ATTR.delay]: e.delay,
          [ATTR.errorType]: e.error,
          ...(e.status !== undefined ? { [ATTR.statusCode]: e.status } : {}),
        });
        return;
      case 'task-start':
        t.tasks.add(e.resumed ? 'true' : 'false');
        // Parented on the span active when the first subscriber subscribed (events are synchronous).
        taskSpan(e.taskId, context.active()).span.setAttribute(ATTR.resumed, e.resumed);
        return;
      case 'transition': {
        t.transitions.add(`${e.from ?? 'none'}|${e.to}`);
        const { span } = taskSpan(e.taskId);
        span.addEvent(SPAN_EVENTS.transition, {
          [ATTR.fromPhase]: e.from ?? 'none',
          [ATTR.phase]: e.to,
          [ATTR.celeryStatus]: e.celeryStatus,
          [ATTR.polls]: e.polls,
          ...(e.progress !== undefined ? { [ATTR.progress]: e.progress } : {}),
        });
        if (e.to === 'succeeded' || e.to === 'rejected' || e.to === 'failed') {
          m.taskDuration.record(e.elapsed / 1000, durationAttrs(e.to));
          const attributes = { [ATTR.polls]: e.polls, [ATTR.celeryStatus]: e.celeryStatus, [ATTR.phase]: e.to };
          const error =
            e.to === 'failed'
              ? { type: 'TaskFailedError', message: `task ${e.celeryStatus.toLowerCase()}` }
              : e.to === 'rejected'
                ? { type: 'TaskRejectedError', message: 'task rejected (business ERROR)' }
                : undefined;
          endTask(e.taskId, e.to, attributes, error);
        }
        return;
      }
      case 'task-end':
        t.tasksEnded.add(`${e.outcome}|${e.error ?? ''}`);
        endTask(
          e.taskId,
          e.outcome,
          { [ATTR.polls]: e.polls },
          e.outcome === 'error' ? { type: e.error ?? 'Error', message: `stream errored: ${e.error ?? 'Error'}` } : undefined,
        );
        return;
      case 'cache-hit':
        t.cacheHits.add('');
        return;
      case 'stale-response':
        t.staleResponses.add(e.phase);
        taskSpan(e.taskId).span.addEvent(SPAN_EVENTS.stale, { [ATTR.phase]: e.phase, [ATTR.polls]: e.polls, 'factpulse.task.received_phase': e.received });
        return;
      case 'budget-exhausted':
        t.budgetExhausted.add(e.error);
        return;
      case 'hub-role':
        t.hubRoles.add(e.role);
        // Only on a task still followed: a hub may report on a task after its end.
        taskSpans.get(e.taskId)?.span.addEvent(SPAN_EVENTS.hubRole, { [ATTR.hubRole]: e.role });
        return;
      case 'hub-fallback':
        t.hubFallbacks.add(e.error);
        taskSpans.get(e.taskId)?.span.addEvent(SPAN_EVENTS.hubFallback, { [ATTR.errorType]: e.error });
        return;
      default:
        return;
    }
  };

  /** One request as a client span, the child of its task's span; `send` is subscribed in its context. */
  const interceptor: TaskRequestInterceptor = (info: TaskRequestInfo, send: Observable<TransportResponse>) =>
    new Observable<TransportResponse>((subscriber) => {
      if (detached) return send.subscribe(subscriber);
      const task = taskSpan(info.taskId);
      let attributes = task.requestAttributes;
      if (attributes === undefined || task.requestUrl !== info.url) {
        // A task's requests share one URL: its attributes are made once (the SDK copies them).
        const url = safeUrl(info.url);
        if (url !== undefined && server[ATTR.serverAddress] === undefined) {
          server = { [ATTR.serverAddress]: url.address, [ATTR.serverPort]: url.port };
        }
        attributes = { [ATTR.method]: info.method, [ATTR.taskId]: info.taskId };
        if (url !== undefined) {
          attributes[ATTR.urlFull] = url.full;
          attributes[ATTR.urlScheme] = url.scheme;
          attributes[ATTR.serverAddress] = url.address;
          attributes[ATTR.serverPort] = url.port;
        }
        task.requestUrl = info.url;
        task.requestAttributes = attributes;
      }
      const parent = task.context;
      const span = tracer.startSpan(SPANS.request, { kind: SpanKind.CLIENT, attributes }, parent);
      if (info.resend > 0) span.setAttribute(ATTR.resendCount, info.resend);
      requestSpans.add(span);
      let open = true;
      const end = (): void => {
        open = false;
        requestSpans.delete(span);
        if (!detached) span.end();
      };
      const subscription = context.with(trace.setSpan(parent, span), () =>
        send.subscribe({
          next: (response) => {
            if (open && !detached) {
              span.setAttribute(ATTR.statusCode, response.status);
              if (response.status >= 400) {
                span.setAttribute(ATTR.errorType, String(response.status));
                span.setStatus({ code: SpanStatusCode.ERROR });
              }
            }
            subscriber.next(response);
          },
          error: (error: unknown) => {
            if (open && !detached) {
              const type = error instanceof Error ? error.name : 'Error';
              span.setAttribute(ATTR.errorType, type);
              span.setStatus({ code: SpanStatusCode.ERROR, message: type });
              end();
            }
            subscriber.error(error);
          },
          complete: () => {
            if (open) end();
            subscriber.complete();
          },
        }),
      );
      return () => {
        subscription.unsubscribe();
        if (open) {
          // Unsubscribed before the response: the request was aborted (a timeout outside, dispose).
          if (!detached) span.setAttribute(ATTR.aborted, true);
          end();
        }
      };
    });

  const observe: BatchObservableCallback = (result) => {
    if (detached) return;
    for (const tally of tallies) tally.observe(result);
    const stats = client.stats?.();
    if (stats === undefined) return;
    result.observe(m.inFlight, stats.inFlight);
    result.observe(m.queued, stats.queued);
    result.observe(m.activeTasks, stats.tasks);
  };
  const observables = [...tallies.map((tally) => tally.instrument), m.inFlight, m.queued, m.activeTasks];
  meter.addBatchObservableCallback(observe, observables);

  const removeInterceptor = typeof client.addInterceptor === 'function' ? client.addInterceptor(interceptor) : undefined;
  const subscription: Subscription = client.events$.subscribe({ next: onEvent, error: () => undefined });

  return {
    detach: () => {
      if (detached) return;
      // Open spans end now, saying why; then nothing more is recorded.
      for (const span of requestSpans) {
        span.setAttribute(ATTR.aborted, true);
        span.end();
      }
      requestSpans.clear();
      for (const { span } of taskSpans.values()) {
        span.setAttribute(ATTR.taskOutcome, 'detached');
        span.end();
      }
      taskSpans.clear();
      detached = true;
      subscription.unsubscribe();
      removeInterceptor?.();
      meter.removeBatchObservableCallback(observe, observables);
    },
  };
}
