import { TaskFailedError } from '../../lib/errors/task-failed-error.js';
import { failureOf, toState, type TaskFailedState } from '../../lib/transitions.js';

// What a real Celery 5.6 backend (and a FastAPI endpoint over AsyncResult) hands on for RETRY,
// FAILURE and REVOKED: the message a user reads is never empty.

const ID = '7c9e6679-7425-40de-944b-e07fc1f90ae7';
const celery = (type: string, args: unknown, module = 'builtins'): Record<string, unknown> => ({ exc_type: type, exc_message: args, exc_module: module });

let deep: unknown = { message: 'x' };
for (let i = 0; i < 50_000; i++) deep = { inner: deep };

describe('failure messages, from each Celery shape', () => {
  it.each<[string, string, unknown, string, string | undefined]>([
    ['SoftTimeLimitExceeded (empty exc_message)', 'FAILURE', celery('SoftTimeLimitExceeded', [], 'celery.exceptions'), 'SoftTimeLimitExceeded', 'SoftTimeLimitExceeded'],
    ['a bare assert', 'FAILURE', celery('AssertionError', []), 'AssertionError', 'AssertionError'],
    ['TimeLimitExceeded (a number)', 'FAILURE', celery('TimeLimitExceeded', [0.4], 'billiard.exceptions'), 'TimeLimitExceeded: 0.4', 'TimeLimitExceeded'],
    ['an exception with a text', 'FAILURE', celery('ValueError', ['boom']), 'boom', 'ValueError'],
    ['an exception with several arguments', 'FAILURE', celery('KeyError', ['a', 'b']), 'a, b', 'KeyError'],
    ['an exception raised with a dict that has a message', 'FAILURE', celery('InvoiceError', [{ errorMessage: 'bad VAT number' }]), 'bad VAT number', 'InvoiceError'],
    ['an exception raised with a dict without one', 'FAILURE', celery('InvoiceError', [{ code: 7, field: 'BT-1' }]), 'InvoiceError: {"code":7,"field":"BT-1"}', 'InvoiceError'],
    ['exc_message as a dict, not a list', 'FAILURE', celery('InvoiceError', { message: 'refused' }), 'refused', 'InvoiceError'],
    ['exc_message as an empty string', 'FAILURE', celery('RuntimeError', ''), 'RuntimeError', 'RuntimeError'],
    ['a worker killed mid-task', 'FAILURE', celery('WorkerLostError', ['Worker exited prematurely: signal 9 (SIGKILL) Job: 3.'], 'billiard.exceptions'), 'Worker exited prematurely: signal 9 (SIGKILL) Job: 3.', 'WorkerLostError'],
    ['{ error, type } from an endpoint', 'FAILURE', { error: 'worker died', type: 'WorkerLostError' }, 'worker died', 'WorkerLostError'],
    ['{ error: "" , type } (str(exc) empty)', 'FAILURE', { error: '', type: 'SoftTimeLimitExceeded' }, 'SoftTimeLimitExceeded', 'SoftTimeLimitExceeded'],
    ['{ error } without a type', 'FAILURE', { error: 'boom' }, 'boom', undefined],
    ['{ message }', 'FAILURE', { message: 'disk full' }, 'disk full', undefined],
    ['REVOKED with the exception', 'REVOKED', celery('TaskRevokedError', ['terminated'], 'celery.exceptions'), 'terminated', 'TaskRevokedError'],
    ['REVOKED with nothing', 'REVOKED', null, 'task revoked', undefined],
    ['FAILURE with an empty object', 'FAILURE', {}, 'task failure', undefined],
    ['FAILURE with an empty string', 'FAILURE', '', 'task failure', undefined],
    ['FAILURE with a number', 'FAILURE', 3, '3', undefined],
    ['FAILURE with a list of texts', 'FAILURE', ['a', 'b'], 'a, b', undefined],
    ['an exception type only', 'FAILURE', { exc_type: 'MemoryError' }, 'MemoryError', 'MemoryError'],
    ['blank texts only', 'FAILURE', celery('OSError', ['  ', '']), 'OSError', 'OSError'],
  ])('%s', (_, status, raw, message, type) => {
    const state = toState({ taskId: ID, status, result: raw });
    expect(state.phase).toBe('failed');
    const { error } = state as TaskFailedState;
    expect(error.message).toBe(message);
    expect(error.type).toBe(type);
    expect(error.raw).toBe(raw === undefined ? undefined : raw);
    expect(new TaskFailedError(state as TaskFailedState).message).toBe(`task failed: ${message}`);
  });

  it('is never empty, whatever the shape (a deep or huge argument gives a bounded message)', () => {
    const shapes: unknown[] = [undefined, null, '', ' ', 0, [], {}, [[]], [{}], [null], celery('X', [deep]), celery('X', ['y'.repeat(10_000)]), { exc_message: [] }, { error: null }];
    for (const raw of shapes) {
      const error = failureOf('FAILURE', raw);
      expect(error.message.trim()).not.toBe('');
      expect(error.message.length).toBeLessThanOrEqual(10_001);
    }
    expect(failureOf('FAILURE', celery('X', [{ a: 'z'.repeat(1000) }])).message.length).toBeLessThanOrEqual(210);
  });

  it('a RETRY carries its exception as meta', () => {
    expect(toState({ taskId: ID, status: 'RETRY', result: celery('ConnectionError', ['reset']) })).toEqual({
      phase: 'retrying',
      status: 'RETRY',
      meta: celery('ConnectionError', ['reset']),
    });
  });
});
