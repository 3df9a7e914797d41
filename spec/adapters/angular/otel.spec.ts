/**
 * `factpulse-rx/otel` with `factpulse-rx/angular`: the `TaskStatusService` that
 * `provideFactPulseTasks` configures is instrumented like a client — its requests (through the
 * app's HttpClient) become `GET` spans under the task's span, and metrics — against the real
 * OpenTelemetry SDK.
 */
import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { instrumentTaskClient } from '../../../lib/adapters/otel/index.js';
import { provideFactPulseTasks } from '../../../lib/adapters/angular/provide-factpulse-tasks.js';
import { TaskStatusService } from '../../../lib/adapters/angular/task-status-service.js';
import { ManualClock, OTHER_TASK_ID, TASK_ID, TOKEN, record, statusBody, statusUrl, successBody } from './angular-kit.js';

class TestReader extends MetricReader {
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

describe('instrumentTaskClient on the Angular TaskStatusService', () => {
  it('records the service’s requests and task as spans and metrics; detach stops it', async () => {
    const clock = new ManualClock();
    TestBed.configureTestingModule({
      providers: [
        provideHttpClient(),
        provideHttpClientTesting(),
        provideFactPulseTasks({ token: TOKEN, interval: 1000, scheduler: clock.scheduler }),
      ],
    });
    const backend = TestBed.inject(HttpTestingController);
    const tasks = TestBed.inject(TaskStatusService);
    const reader = new TestReader();
    const meterProvider = new MeterProvider({ readers: [reader] });
    const spans = new InMemorySpanExporter();
    const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] });
    const telemetry = instrumentTaskClient(tasks, { meterProvider, tracerProvider });

    const got = record(tasks.status$(TASK_ID));
    backend.expectOne(statusUrl()).flush(statusBody('PENDING'));
    clock.advance(1000);
    backend.expectOne(statusUrl()).flush(successBody());
    expect(got.completed).toBe(true);

    const finished = spans.getFinishedSpans();
    const task = finished.find((s) => s.name === 'factpulse.task')!;
    const requests = finished.filter((s) => s.name === 'GET');
    expect(task.attributes['factpulse.task.outcome']).toBe('succeeded');
    expect(requests).toHaveLength(2);
    for (const r of requests) {
      expect(r.parentSpanContext?.spanId).toBe(task.spanContext().spanId);
      expect(r.attributes['url.full']).toBe(statusUrl());
      expect(r.attributes['http.response.status_code']).toBe(200);
    }
    const { resourceMetrics } = await reader.collect();
    const requestsMetric = resourceMetrics.scopeMetrics.flatMap((s) => s.metrics).find((m) => m.descriptor.name === 'factpulse.client.requests');
    expect(requestsMetric?.dataPoints.reduce((s, p) => s + (p.value as number), 0)).toBe(2);
    expect(JSON.stringify(finished.map((s) => [s.attributes, s.events]))).not.toContain(TOKEN);

    telemetry.detach();
    record(tasks.status$(OTHER_TASK_ID));
    backend.expectOne(statusUrl(OTHER_TASK_ID)).flush(statusBody('PENDING', undefined, OTHER_TASK_ID));
    expect(spans.getFinishedSpans()).toHaveLength(finished.length);
    await meterProvider.shutdown();
    await tracerProvider.shutdown();
  });
});
