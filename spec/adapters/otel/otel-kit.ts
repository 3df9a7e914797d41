/**
 * The real OpenTelemetry SDK, set up as an app would, for the otel specs: a MeterProvider read on
 * demand (a `MetricReader` collected by the spec), a BasicTracerProvider exporting to an
 * `InMemorySpanExporter`, and the AsyncLocalStorage context manager (what `@opentelemetry/sdk-node`
 * registers), so that context propagates through fetch's promises as in production.
 */
import { context, type Attributes } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { DataPointType, MeterProvider, MetricReader, type MetricData } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';

/** A reader the spec collects itself (what a Prometheus pull exporter does). */
class TestReader extends MetricReader {
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

export interface Telemetry {
  readonly meterProvider: MeterProvider;
  readonly tracerProvider: BasicTracerProvider;
  readonly spans: InMemorySpanExporter;
  /** Every metric collected now (cumulative). */
  metrics(): Promise<MetricData[]>;
  shutdown(): Promise<void>;
}

export function createTelemetry(): Telemetry {
  const reader = new TestReader();
  const meterProvider = new MeterProvider({ readers: [reader] });
  const spans = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] });
  return {
    meterProvider,
    tracerProvider,
    spans,
    metrics: async () => {
      const { resourceMetrics, errors } = await reader.collect();
      if (errors.length > 0) throw new Error(`metric collection failed: ${String(errors[0])}`);
      return resourceMetrics.scopeMetrics.flatMap((s) => s.metrics);
    },
    shutdown: async () => {
      await meterProvider.shutdown();
      await tracerProvider.shutdown();
    },
  };
}

/** Registers the AsyncLocalStorage context manager; returns its undo. */
export function useAsyncContext(): () => void {
  const manager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(manager);
  return () => {
    manager.disable();
    context.disable();
  };
}

/** One data point, simplified: a sum's value, or a histogram's count and sum. */
export interface Point {
  readonly attributes: Attributes;
  readonly value: number;
  readonly count?: number;
  readonly sum?: number;
}

/** The points of the metric named `name` (none when it was not recorded). */
export function pointsOf(all: readonly MetricData[], name: string): Point[] {
  const metric = all.find((m) => m.descriptor.name === name);
  if (metric === undefined) return [];
  return metric.dataPoints.map((p) => {
    if (metric.dataPointType === DataPointType.HISTOGRAM) {
      const v = p.value as { count: number; sum?: number };
      return { attributes: p.attributes, value: v.count, count: v.count, sum: v.sum ?? 0 };
    }
    return { attributes: p.attributes, value: p.value as number };
  });
}

/** Sum of the values (counts, for a histogram) of the points matching `where`. */
export function total(all: readonly MetricData[], name: string, where: Attributes = {}): number {
  return pointsOf(all, name)
    .filter((p) => Object.entries(where).every(([k, v]) => p.attributes[k] === v))
    .reduce((s, p) => s + p.value, 0);
}

/** The finished spans named `name`. */
export const spansNamed = (exporter: InMemorySpanExporter, name: string): ReadableSpan[] => exporter.getFinishedSpans().filter((s) => s.name === name);

/** Everything recorded, as one string, to search for what must never be there. */
export function dump(all: readonly MetricData[], spans: readonly ReadableSpan[]): string {
  const spanData = spans.map((s) => ({ name: s.name, attributes: s.attributes, events: s.events, status: s.status, links: s.links }));
  return JSON.stringify({ metrics: all.map((m) => ({ d: m.descriptor, p: m.dataPoints })), spans: spanData });
}
