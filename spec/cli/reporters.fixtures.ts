import type { TaskTransition } from '../../lib/transitions.js';
import type { WatchSummary } from '../../lib/cli/watch-reporter.js';

export const ID_A = '3fa85f64-5717-4562-b3fc-2c963f66afa6';
export const ID_B = '7c9e6679-7425-40de-944b-e07fc1f90ae7';
export const ID_C = '16fd2706-8baf-433b-82eb-8c7fada847da';

export const pending: TaskTransition = { taskId: ID_A, from: null, to: 'pending', state: { phase: 'pending', status: 'PENDING' }, at: 1000, polls: 1 };
export const started: TaskTransition = { taskId: ID_A, from: 'pending', to: 'started', state: { phase: 'started', status: 'STARTED' }, at: 2000, polls: 2 };
export const succeeded: TaskTransition = {
  taskId: ID_A,
  from: 'started',
  to: 'succeeded',
  state: { phase: 'succeeded', status: 'SUCCESS', content: new Uint8Array(812), result: { status: 'SUCCESS', filename: 'a.pdf' } },
  at: 3000,
  polls: 3,
};
export const rejected: TaskTransition = {
  taskId: ID_B,
  from: 'started',
  to: 'rejected',
  state: {
    phase: 'rejected',
    status: 'SUCCESS',
    error: {
      errorCode: 'VALIDATION_FAILED',
      errorMessage: 'The invoice does not comply',
      details: [
        { item: 'BT-10', reason: 'Buyer reference is required', level: 'Error', source: 'schematron', code: 'BR-FR-CO-04' },
        { item: 'BT-22', reason: 'Note too long', level: 'Warning', source: 'afnor', code: null },
      ],
    },
  },
  at: 3000,
  polls: 4,
};
export const failed: TaskTransition = {
  taskId: ID_C,
  from: 'retrying',
  to: 'failed',
  state: { phase: 'failed', status: 'FAILURE', error: { message: 'Ghostscript exited with code 1', type: 'RuntimeError' } },
  at: 3000,
  polls: 5,
};

export function summaryOf(overrides: Partial<WatchSummary> = {}): WatchSummary {
  return {
    tasks: [
      { taskId: ID_A, outcome: 'succeeded', polls: 3, last: succeeded, file: '/tmp/out/a.pdf', elapsedMs: 3000 },
      { taskId: ID_B, outcome: 'rejected', polls: 4, last: rejected, elapsedMs: 3000 },
      { taskId: ID_C, outcome: 'failed', polls: 5, last: failed, elapsedMs: 3000 },
    ],
    elapsedMs: 3200,
    interrupted: false,
    exitCode: 1,
    ...overrides,
  };
}
