import { SpanStatusCode, context, trace } from '@opentelemetry/api';
import { lastValueFrom, toArray } from 'rxjs';
import { createTaskClient, type TaskClient, type TaskClientEvent, type TaskTransition } from '../../../lib/index.js';
import { instrumentTaskClient } from '../../../lib/adapters/otel/index.js';
import { METRICS } from '../../../lib/adapters/otel/telemetry-names.js';
import { startSimulator, type Simulator } from '../../../lib/simulator/index.js';
import { createTelemetry, dump, pointsOf, spansNamed, total, useAsyncContext, type Telemetry } from './otel-kit.js';

/** A query the status URL carries (the simulator routes on the path): it must never be recorded. */
const QUERY_SECRET = 'sig=fake-query-secret-0000';

describe('instrumentTaskClient (real OpenTelemetry SDK, simulator with faults)', () => {
  let sim: Simulator;
  let telemetry: Telemetry;
  let undoContext: () => void;
  let clients: TaskClient[] = [];

  beforeAll(async () => {
    undoContext = useAsyncContext();
    sim = await startSimulator({ seed: 20, retryRate: 0, durationMs: 250 });
  });
  afterAll(async () => {
    await sim.close();
    undoContext();
  });
  beforeEach(() => {
    telemetry = createTelemetry();
  });
  afterEach(async () => {
    for (const c of clients) c.dispose();
    clients = [];
    await telemetry.shutdown();
  });

  const client = (extra: Parameters<typeof createTaskClient>[0] = {}): TaskClient => {
    const created = createTaskClient({
      baseUrl: sim.url,
      token: sim.token,
      statusPath: (id) => `/api/v1/processing/tasks/${id}/status?${QUERY_SECRET}`,
      interval: 40,
      retry: { initialInterval: 20, jitter: 'none' },
      maxConcurrent: 1,
      ...extra,
    });
    clients.push(created);
    return created;
  };
  const all = (c: TaskClient, taskId: string): Promise<TaskTransition[]> => lastValueFrom(c.status$(taskId).pipe(toArray()));

  it('records requests, retries, waits, transitions and task durations as metrics, and a span tree per task', async () => {
    const ok = await sim.submit({ outcome: 'success', retry: true, faults: { script: ['http-503', 'reset'] } });
    const rejected = await sim.submit({ outcome: 'rejected' });
    const failed = await sim.submit({ outcome: 'failed' });
    const c = client();
    const events: TaskClientEvent[] = [];
    c.events$.subscribe((e) => events.push(e));
    const handle = instrumentTaskClient(c, { meterProvider: telemetry.meterProvider, tracerProvider: telemetry.tracerProvider });

    const [okT, rejectedT, failedT] = await Promise.all([all(c, ok.taskId), all(c, rejected.taskId), all(c, failed.taskId)]);
    const stats = c.stats();
    const metrics = await telemetry.metrics();
    const ids = [ok.taskId, rejected.taskId, failed.taskId];

    // Requests: as many as the client sent (and the simulator saw), by status and outcome.
    const simRequests = ids.reduce((s, id) => s + sim.stats(id).requests, 0);
    expect(stats.requests).toBe(simRequests);
    expect(total(metrics, METRICS.requests)).toBe(stats.requests);
    expect(total(metrics, METRICS.requests, { 'factpulse.http.status_class': '5xx', 'factpulse.request.outcome': 'http_error' })).toBe(1);
    expect(total(metrics, METRICS.requests, { 'factpulse.http.status_class': 'none', 'factpulse.request.outcome': 'error', 'error.type': 'NetworkError' })).toBe(1);
    expect(total(metrics, METRICS.requests, { 'factpulse.http.status_class': '2xx', 'factpulse.request.outcome': 'ok' })).toBe(stats.requests - 2);
    // The HTTP client duration histogram of the semantic conventions, in seconds.
    const durations = pointsOf(metrics, METRICS.requestDuration);
    expect(durations.reduce((s, p) => s + p.value, 0)).toBe(stats.requests);
    const ok200 = durations.find((p) => p.attributes['http.response.status_code'] === 200)!;
    expect(ok200.attributes).toEqual({ 'http.request.method': 'GET', 'http.response.status_code': 200, 'server.address': '127.0.0.1', 'server.port': Number(new URL(sim.url).port) });
    expect(ok200.sum! / ok200.count!).toBeLessThan(5); // seconds, not ms
    expect(durations.find((p) => p.attributes['http.response.status_code'] === 503)?.attributes['error.type']).toBe('503');
    expect(durations.find((p) => p.attributes['error.type'] === 'NetworkError')?.attributes['http.response.status_code']).toBeUndefined();

    // Retries by reason: the scripted 503 and reset.
    expect(stats.retries).toBe(2);
    expect(total(metrics, METRICS.retries)).toBe(2);
    expect(total(metrics, METRICS.retries, { 'factpulse.retry.reason': 'HttpError', 'http.response.status_code': 503 })).toBe(1);
    expect(total(metrics, METRICS.retries, { 'factpulse.retry.reason': 'NetworkError' })).toBe(1);

    // The wait for the one maxConcurrent slot: one record per request, some of it spent waiting.
    const waits = pointsOf(metrics, METRICS.waitDuration);
    expect(waits.reduce((s, p) => s + p.value, 0)).toBe(stats.requests);
    const waitedMs = events.flatMap((e) => (e.type === 'request-start' ? [e.waited] : []));
    expect(waitedMs.some((w) => w > 0)).toBe(true);
    expect(waits[0]!.sum).toBeCloseTo(waitedMs.reduce((s, w) => s + w, 0) / 1000, 6);

    // Transitions by phase, as the subscribers saw them.
    const seen = [...okT, ...rejectedT, ...failedT];
    expect(total(metrics, METRICS.transitions)).toBe(seen.length);
    for (const phase of ['pending', 'started', 'retrying', 'succeeded', 'rejected', 'failed']) {
      expect([phase, total(metrics, METRICS.transitions, { 'factpulse.task.phase': phase })]).toEqual([phase, seen.filter((t) => t.to === phase).length]);
    }
    expect(total(metrics, METRICS.transitions, { 'factpulse.task.from_phase': 'none' })).toBe(3);

    // Tasks: followed, ended by outcome, first poll to terminal phase.
    expect(pointsOf(metrics, METRICS.tasks)).toEqual([{ attributes: { 'factpulse.task.resumed': false }, value: 3 }]);
    for (const outcome of ['succeeded', 'rejected', 'failed']) {
      expect(total(metrics, METRICS.tasksEnded, { 'factpulse.task.outcome': outcome })).toBe(1);
      const d = pointsOf(metrics, METRICS.taskDuration).find((p) => p.attributes['factpulse.task.outcome'] === outcome)!;
      expect(d.count).toBe(1);
      expect(d.sum).toBeGreaterThan(0.2); // the simulator's 250 ms lifecycle
      expect(d.sum).toBeLessThan(10);
    }
    // The gauges read stats(): nothing in flight or queued once every task ended.
    expect(total(metrics, METRICS.inFlight)).toBe(0);
    expect(total(metrics, METRICS.queued)).toBe(0);
    expect(pointsOf(metrics, METRICS.activeTasks)).toEqual([{ attributes: {}, value: 0 }]);

    // Traces: one task span per task, its requests as children.
    const taskSpans = spansNamed(telemetry.spans, 'factpulse.task');
    const requestSpans = spansNamed(telemetry.spans, 'GET');
    expect(taskSpans.map((s) => s.attributes['factpulse.task.id']).sort()).toEqual([...ids].sort());
    expect(requestSpans).toHaveLength(stats.requests);
    for (const [id, transitions] of [
      [ok.taskId, okT],
      [rejected.taskId, rejectedT],
      [failed.taskId, failedT],
    ] as const) {
      const span = taskSpans.find((s) => s.attributes['factpulse.task.id'] === id)!;
      const last = transitions.at(-1)!;
      expect(span.attributes['factpulse.task.outcome']).toBe(last.to);
      expect(span.attributes['factpulse.task.polls']).toBe(last.polls);
      // Each transition is an event, in order.
      const transitionEvents = span.events.filter((e) => e.name === 'factpulse.task.transition');
      expect(transitionEvents.map((e) => `${String(e.attributes!['factpulse.task.from_phase'])}→${String(e.attributes!['factpulse.task.phase'])}`)).toEqual(
        transitions.map((t) => `${t.from ?? 'none'}→${t.to}`),
      );
      const children = requestSpans.filter((r) => r.parentSpanContext?.spanId === span.spanContext().spanId);
      expect(children).toHaveLength(sim.stats(id).requests);
      for (const r of children) {
        expect(r.spanContext().traceId).toBe(span.spanContext().traceId);
        expect(r.attributes['http.request.method']).toBe('GET');
        expect(r.attributes['url.full']).toBe(`${sim.url}/api/v1/processing/tasks/${id}/status`);
        expect(r.attributes['factpulse.task.id']).toBe(id);
      }
    }
    const okSpan = taskSpans.find((s) => s.attributes['factpulse.task.id'] === ok.taskId)!;
    expect(okSpan.status.code).toBe(SpanStatusCode.UNSET);
    expect(okSpan.events.filter((e) => e.name === 'factpulse.task.retry').map((e) => e.attributes!['error.type'])).toEqual(['HttpError', 'NetworkError']);
    const failedSpan = taskSpans.find((s) => s.attributes['factpulse.task.id'] === failed.taskId)!;
    expect(failedSpan.status.code).toBe(SpanStatusCode.ERROR);
    expect(failedSpan.attributes['error.type']).toBe('TaskFailedError');
    expect(taskSpans.find((s) => s.attributes['factpulse.task.id'] === rejected.taskId)!.attributes['error.type']).toBe('TaskRejectedError');
    // The retried requests: a 503, a reset, then a 200 that says how many sends came before it.
    const okRequests = requestSpans.filter((r) => r.attributes['factpulse.task.id'] === ok.taskId).sort((a, b) => (a.startTime[0] - b.startTime[0]) * 1e9 + (a.startTime[1] - b.startTime[1]));
    expect(okRequests.slice(0, 3).map((r) => [r.attributes['http.response.status_code'], r.attributes['error.type'], r.attributes['http.request.resend_count']])).toEqual([
      [503, '503', undefined],
      [undefined, 'NetworkError', 1],
      [200, undefined, 2],
    ]);
    expect(okRequests[0]!.status.code).toBe(SpanStatusCode.ERROR);
    expect(okRequests[2]!.status.code).toBe(SpanStatusCode.UNSET);

    // Never the token, the query or a task id on a metric.
    const everything = dump(metrics, telemetry.spans.getFinishedSpans());
    expect(everything).not.toContain(sim.token);
    expect(everything).not.toContain(QUERY_SECRET);
    expect(everything).not.toContain('?');
    const metricText = JSON.stringify(metrics.map((m) => m.dataPoints.map((p) => p.attributes)));
    for (const id of ids) expect(metricText).not.toContain(id);
    handle.detach();
  });

  it('makes the request span the parent of what the app’s fetch instrumentation records', async () => {
    const { taskId } = await sim.submit({ outcome: 'success', durationMs: 0 });
    const tracer = telemetry.tracerProvider.getTracer('app-fetch-instrumentation');
    const c = client({
      // What an app's fetch instrumentation does: a span around each fetch, under the active context.
      fetch: async (url, init) => {
        const span = tracer.startSpan('app fetch');
        try {
          return await fetch(url, init as RequestInit);
        } finally {
          span.end();
        }
      },
    });
    instrumentTaskClient(c, { meterProvider: telemetry.meterProvider, tracerProvider: telemetry.tracerProvider });
    await all(c, taskId);
    const appSpans = spansNamed(telemetry.spans, 'app fetch');
    const requestSpans = spansNamed(telemetry.spans, 'GET');
    expect(appSpans.length).toBeGreaterThan(0);
    expect(appSpans).toHaveLength(requestSpans.length);
    for (const span of appSpans) {
      const parent = requestSpans.find((r) => r.spanContext().spanId === span.parentSpanContext?.spanId);
      expect(parent?.attributes['factpulse.task.id']).toBe(taskId);
    }
  });

  it('parents the task span on the span active when the first subscriber subscribes', async () => {
    const { taskId } = await sim.submit({ outcome: 'success', durationMs: 0 });
    const c = client();
    instrumentTaskClient(c, { meterProvider: telemetry.meterProvider, tracerProvider: telemetry.tracerProvider });
    const incoming = telemetry.tracerProvider.getTracer('app').startSpan('GET /invoices/:id');
    const done = context.with(trace.setSpan(context.active(), incoming), () => all(c, taskId));
    await done;
    incoming.end();
    const [taskSpan] = spansNamed(telemetry.spans, 'factpulse.task');
    expect(taskSpan?.parentSpanContext?.spanId).toBe(incoming.spanContext().spanId);
  });

  it('stops all recording on detach, and ends the spans still open', async () => {
    const first = await sim.submit({ outcome: 'success', durationMs: 60_000 });
    const c = client();
    const handle = instrumentTaskClient(c, { meterProvider: telemetry.meterProvider, tracerProvider: telemetry.tracerProvider });
    const seen: TaskTransition[] = [];
    const sub = c.status$(first.taskId).subscribe((t) => seen.push(t));
    // One task: at most one request in flight, so 4 sent means at least 3 ended (and recorded).
    await until(() => seen.length > 0 && c.stats().requests >= 4);
    const live = await telemetry.metrics();
    expect(total(live, METRICS.requests)).toBeGreaterThanOrEqual(3);
    handle.detach();
    handle.detach(); // idempotent
    const spansAtDetach = telemetry.spans.getFinishedSpans().length;
    const [openTask] = spansNamed(telemetry.spans, 'factpulse.task');
    expect(openTask?.attributes['factpulse.task.outcome']).toBe('detached');
    const before = await telemetry.metrics();

    // The client goes on; nothing more is recorded.
    const second = await sim.submit({ outcome: 'rejected', durationMs: 0 });
    await all(c, second.taskId);
    const polled = c.stats().requests;
    await until(() => c.stats().requests >= polled + 2);
    sub.unsubscribe();
    const after = await telemetry.metrics();
    expect(telemetry.spans.getFinishedSpans()).toHaveLength(spansAtDetach);
    // Every metric stays as it was at detach, though the client went on polling.
    for (const name of Object.values(METRICS)) expect([name, pointsOf(after, name)]).toEqual([name, pointsOf(before, name)]);
    expect(total(before, METRICS.requests)).toBeGreaterThanOrEqual(3);
    expect(c.stats().requests).toBeGreaterThan(total(before, METRICS.requests));
    expect(total(after, METRICS.requestDuration)).toBe(total(before, METRICS.requestDuration));
  });

  it('reports tasks ended by an error, or by their last subscriber leaving', async () => {
    const c = client({ deadline: 150 });
    instrumentTaskClient(c, { meterProvider: telemetry.meterProvider, tracerProvider: telemetry.tracerProvider });
    const slow = await sim.submit({ outcome: 'success', durationMs: 60_000 });
    await expect(all(c, slow.taskId)).rejects.toMatchObject({ name: 'DeadlineError' });
    const other = await sim.submit({ outcome: 'success', durationMs: 60_000 });
    const sub = c.status$(other.taskId).subscribe();
    await until(() => c.stats().requests >= 5);
    sub.unsubscribe();
    const metrics = await telemetry.metrics();
    expect(total(metrics, METRICS.tasksEnded, { 'factpulse.task.outcome': 'error', 'error.type': 'DeadlineError' })).toBe(1);
    expect(total(metrics, METRICS.tasksEnded, { 'factpulse.task.outcome': 'unsubscribed' })).toBe(1);
    const spans = spansNamed(telemetry.spans, 'factpulse.task');
    const errored = spans.find((s) => s.attributes['factpulse.task.id'] === slow.taskId)!;
    expect([errored.status.code, errored.attributes['error.type'], errored.attributes['factpulse.task.outcome']]).toEqual([SpanStatusCode.ERROR, 'DeadlineError', 'error']);
    const left = spans.find((s) => s.attributes['factpulse.task.id'] === other.taskId)!;
    expect([left.status.code, left.attributes['factpulse.task.outcome']]).toEqual([SpanStatusCode.UNSET, 'unsubscribed']);
    // No request span is left open: each ended (an aborted one says so).
    expect(spansNamed(telemetry.spans, 'GET')).toHaveLength(c.stats().requests);
  });

  it('counts cache hits, and instruments through the global providers by default', async () => {
    const { taskId } = await sim.submit({ outcome: 'success', durationMs: 0 });
    const c = client();
    // No SDK registered globally: the global providers are no-ops, and nothing breaks.
    const handle = instrumentTaskClient(c);
    await all(c, taskId);
    await all(c, taskId);
    expect(c.stats().cacheHits).toBe(1);
    handle.detach();
    const c2 = client();
    instrumentTaskClient(c2, { meterProvider: telemetry.meterProvider, tracerProvider: telemetry.tracerProvider });
    await all(c2, taskId);
    await all(c2, taskId);
    expect(total(await telemetry.metrics(), METRICS.cacheHits)).toBe(1);
  });

  it('validates its arguments when called: a TypeError naming the bad one', () => {
    const c = client();
    expect(() => instrumentTaskClient({} as never)).toThrow(new TypeError('instrumentTaskClient: client: must be a task client (with events$), got an object'));
    expect(() => instrumentTaskClient(c, { meterProvider: {} as never })).toThrow(/^instrumentTaskClient: meterProvider: must be an OpenTelemetry MeterProvider/);
    expect(() => instrumentTaskClient(c, { tracerProvider: 'x' as never })).toThrow(/^instrumentTaskClient: tracerProvider: must be an OpenTelemetry TracerProvider/);
    expect(() => c.addInterceptor('x' as never)).toThrow(/^addInterceptor: interceptor: must be a function, got/);
  });
});

/** Polls `check` every 10 ms until it holds (at most 5 s). */
async function until(check: () => boolean): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > 5000) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
