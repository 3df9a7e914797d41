/**
 * Follows one invoice task against the local simulator with OpenTelemetry on: each span is
 * printed by the SDK's ConsoleSpanExporter as it ends (the task's `GET` requests, a 503 retried
 * among them, then the `factpulse.task` span with its transitions as events), and the metrics
 * once at the end by the ConsoleMetricExporter.
 *
 *   node --require ./spec/helpers/ts-register.cjs examples/otel/main.ts
 *
 * In an app, import from `factpulse-rx` and `factpulse-rx/otel` (see README.md, "Observability");
 * this example imports the sources so that it runs without a build.
 */
import { context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { ConsoleMetricExporter, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, ConsoleSpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { lastValueFrom } from 'rxjs';
import { createTaskClient, type TaskTransition } from '../../lib/index.js';
import { instrumentTaskClient } from '../../lib/adapters/otel/index.js';
import { startSimulator } from '../../lib/simulator/index.js';

/** Runs the example; resolves with the task's last transition once everything is shut down. */
export async function runConsoleSpansExample(): Promise<TaskTransition> {
  // What @opentelemetry/sdk-node sets up: context through async calls, spans and metrics to the console.
  const contextManager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(contextManager);
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(new ConsoleSpanExporter())] });
  const meterProvider = new MeterProvider({
    readers: [new PeriodicExportingMetricReader({ exporter: new ConsoleMetricExporter(), exportIntervalMillis: 60_000 })],
  });

  // A local FactPulse whose tasks answer 503 to their first poll (retried), then run for 1.2 s.
  const sim = await startSimulator({ durationMs: 1200, progressSteps: 2, retryRate: 0, faults: { script: ['http-503'] } });
  const client = createTaskClient({ baseUrl: sim.url, token: sim.token, interval: 300, retry: { initialInterval: 100 } });
  const telemetry = instrumentTaskClient(client, { meterProvider, tracerProvider });
  try {
    const { taskId } = await sim.submit({ outcome: 'success' });
    const last = await lastValueFrom(client.status$(taskId));
    await meterProvider.forceFlush(); // prints the metrics
    return last;
  } finally {
    telemetry.detach();
    client.dispose();
    await sim.close();
    await tracerProvider.shutdown();
    await meterProvider.shutdown();
    contextManager.disable();
    context.disable();
  }
}
