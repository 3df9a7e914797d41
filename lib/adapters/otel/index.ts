/**
 * `factpulse-rx/otel`: OpenTelemetry metrics and traces for everything a task client does, in
 * one call (`instrumentTaskClient`). Needs the optional peer dependency `@opentelemetry/api`
 * (^1.3) and an OpenTelemetry SDK set up by the app; the rest of the package never imports it.
 *
 * @example
 * ```ts
 * import { createTaskClient } from 'factpulse-rx'
 * import { instrumentTaskClient } from 'factpulse-rx/otel'
 *
 * const client = createTaskClient({ token })
 * const telemetry = instrumentTaskClient(client, { meterProvider, tracerProvider })
 * telemetry.detach() // stops all recording
 * ```
 *
 * @module factpulse-rx/otel
 */
export {
  instrumentTaskClient,
  type InstrumentableTaskClient,
  type InstrumentTaskClientOptions,
  type TaskClientInstrumentation,
} from './instrument-task-client.js';
