/**
 * `factpulse-rx/sse`: serve one task's transitions as Server-Sent Events from `node:http` or
 * Express, with no extra dependency.
 *
 * @example
 * ```ts
 * import { taskEventsHandler } from 'factpulse-rx/sse'
 * app.get('/tasks/:taskId/events', taskEventsHandler(client, { taskId: (req) => req.params.taskId }))
 * ```
 *
 * @module factpulse-rx/sse
 */
export { taskEventsHandler, type TaskEventsOptions } from './task-events-handler.js';
export type { TaskFrame, TransitionFrame, ErrorFrame, CompleteFrame, TaskStateJson, AdapterErrorName } from '../../index.js';
