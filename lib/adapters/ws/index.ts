/**
 * `factpulse-rx/ws`: serve task transitions to browsers over websockets, on the `ws` package
 * (an optional peer dependency: install it to use this entry point).
 *
 * @example
 * ```ts
 * import { WebSocketServer } from 'ws'
 * import { attachTaskSocketServer } from 'factpulse-rx/ws'
 * attachTaskSocketServer(new WebSocketServer({ server, path: '/tasks' }), client, { authorize })
 * ```
 *
 * @module factpulse-rx/ws
 */
export {
  attachTaskSocketServer,
  type TaskSocketServer,
  type TaskSocketServerOptions,
  type TaskAuthorizer,
} from './attach-task-socket-server.js';
export type { ClientFrame } from './client-frame.js';
export type { TaskFrame, TransitionFrame, ErrorFrame, CompleteFrame, TaskStateJson, AdapterErrorName } from '../../index.js';
