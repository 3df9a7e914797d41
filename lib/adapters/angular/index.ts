/**
 * factpulse-rx/angular — follow FactPulse tasks in an Angular app: `provideFactPulseTasks`,
 * `TaskStatusService` (injectable in root), the `taskStatus()` signal helper, and a transport
 * built on `HttpClient` so the app's interceptors apply.
 *
 * Needs Angular 20, 21 or 22: `@angular/core` and `@angular/common` `>=20.0.0 <23.0.0` (optional
 * peer dependencies; the tests run on 21.2).
 *
 * @module factpulse-rx/angular
 */
export { provideFactPulseTasks } from './provide-factpulse-tasks.js';
export type { FactPulseTasksOptions } from './factpulse-tasks-options.js';
export { TaskStatusService } from './task-status-service.js';
export { taskStatus } from './task-status.js';
export type { TaskIdInput, TaskStatusSignal, TaskStatusSignalOptions } from './task-status-signal.js';
export { createHttpClientTransport, FACTPULSE_TASK_ID, type HttpClientTransportOptions } from './http-client-transport.js';
