/**
 * `factpulse-rx/simulator`: a FactPulse-compatible HTTP server for demos and for testing code
 * that follows FactPulse tasks, offline and without an account.
 *
 * @example
 * ```ts
 * import { startSimulator } from 'factpulse-rx/simulator'
 * const sim = await startSimulator({ durationMs: 300 })
 * ```
 *
 * @module factpulse-rx/simulator
 */
export { startSimulator, type Simulator } from './start-simulator.js';
export type { SimulatorOptions, SimulatorCredentials, OutcomeMix } from './simulator-options.js';
export type { SubmitRequest } from './task-registry.js';
export type { TaskOutcome, SimulatedCeleryStatus, SimulatedProgressMeta } from './lifecycle.js';
export { FAULT_KINDS, type FaultKind, type AppliedFaultKind, type FaultOptions, type FaultRoute } from './faults.js';
export type { RequestLogEntry, TaskStats, AuthVerdict, SimulatorRoute } from './request-log.js';
export { signWebhookBody, isLoopbackUrl, type WebhookEvent, type WebhookEventType, type WebhookDelivery } from './webhook-sender.js';
export { invoicePdf, type InvoicePdfOptions } from './pdf-fixture.js';
export { createSeededRandom, hashSeed, type SeededRandom } from './seeded-random.js';
