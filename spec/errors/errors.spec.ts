import { NEVER, Observable, lastValueFrom, of, throwError, toArray } from 'rxjs';
import { inspect } from 'node:util';
import * as errors from '../../lib/errors/index.js';
import { taskStatus$ } from '../../lib/task-status.js';
import type { Transport, TransportResponse } from '../../lib/http/transport.js';
import { http, status } from '../helpers/marble-transport.js';
import type { TaskFailedState, TaskRejectedState } from '../../lib/transitions.js';

const ID = '7c9e6679-7425-40de-944b-e07fc1f90ae7';
const TOKEN = 'eyJhbGciOiJIUzI1NiJ9.secret-test-token.sig';

const failed: TaskFailedState = { phase: 'failed', status: 'FAILURE', error: { message: 'boom' } };
const rejected: TaskRejectedState = { phase: 'rejected', status: 'SUCCESS', error: { errorCode: 'E', errorMessage: 'm', details: [] } };

const instances: Array<[string, errors.TaskStatusError, (e: unknown) => boolean]> = [
  ['HttpError', new errors.HttpError(500, { taskId: ID }), errors.isHttpError],
  ['AuthError', new errors.AuthError({ taskId: ID }), errors.isAuthError],
  ['RequestValidationError', new errors.RequestValidationError([], { taskId: ID }), errors.isRequestValidationError],
  ['NetworkError', new errors.NetworkError('reset', { taskId: ID }), errors.isNetworkError],
  ['RequestTimeoutError', new errors.RequestTimeoutError(10, { taskId: ID }), errors.isRequestTimeoutError],
  ['ResponseTooLargeError', new errors.ResponseTooLargeError(10, { taskId: ID }), errors.isResponseTooLargeError],
  ['DecodeError', new errors.DecodeError(['status: expected string, got 42'], { taskId: ID }), errors.isDecodeError],
  ['DeadlineError', new errors.DeadlineError(10, { taskId: ID }), errors.isDeadlineError],
  ['StalledError', new errors.StalledError(10, { taskId: ID }), errors.isStalledError],
  ['TaskFailedError', new errors.TaskFailedError(failed, { taskId: ID }), errors.isTaskFailedError],
  ['TaskRejectedError', new errors.TaskRejectedError(rejected, { taskId: ID }), errors.isTaskRejectedError],
];

describe('error classes', () => {
  it.each(instances)('%s has its name, taskId, base class and guard', (name, error, guard) => {
    expect(error.name).toBe(name);
    expect(error.taskId).toBe(ID);
    expect(error).toBeInstanceOf(errors.TaskStatusError);
    expect(error).toBeInstanceOf(Error);
    expect(errors.isTaskStatusError(error)).toBe(true);
    expect(guard(error)).toBe(true);
    expect(guard(new Error('other'))).toBe(false);
    expect(String(error)).toMatch(new RegExp(`^${name}: `));
  });

  it('keeps the original error as cause', () => {
    const cause = new Error('ECONNRESET');
    expect(new errors.NetworkError('reset', { cause }).cause).toBe(cause);
  });

  it('AuthError and RequestValidationError are HttpErrors with their status', () => {
    expect(new errors.AuthError()).toBeInstanceOf(errors.HttpError);
    expect(new errors.AuthError().status).toBe(401);
    expect(new errors.RequestValidationError([{ loc: ['path', 'task_id'], msg: 'bad uuid', type: 'uuid_parsing' }]).message).toBe(
      'HTTP 422: path.task_id: bad uuid',
    );
  });
});

/** Everything a log line could show of an error: message, stack, own properties, cause chain. */
function everything(error: unknown): string {
  return [inspect(error, { depth: 8, showHidden: true }), error instanceof Error ? error.stack : '', JSON.stringify(error)].join('\n');
}

describe('the bearer token never appears in an error', () => {
  const respond = (...responses: Array<TransportResponse | Error | 'hang'>): Transport => {
    let i = 0;
    return () => {
      const next = responses[Math.min(i++, responses.length - 1)]!;
      if (next === 'hang') return NEVER;
      return next instanceof Error ? throwError(() => next) : of(next);
    };
  };
  const cases: Array<[string, Transport, object]> = [
    ['HttpError', respond(http(404, {}, { detail: 'Not Found' })), {}],
    ['AuthError', respond(http(401, { 'www-authenticate': 'Bearer' }, { detail: 'Given token not valid' })), {}],
    ['RequestValidationError', respond(http(422, {}, { detail: [{ loc: ['path', 'task_id'], msg: 'x', type: 'y' }] })), {}],
    ['NetworkError', respond(new errors.NetworkError('socket hang up', { taskId: ID, cause: new Error('ECONNRESET') })), {}],
    ['RequestTimeoutError', respond('hang'), { requestTimeout: 5 }],
    ['ResponseTooLargeError', respond(new errors.ResponseTooLargeError(10, { taskId: ID })), {}],
    ['DecodeError', respond({ status: 200, headers: {}, body: { taskId: ID, status: 42 } }), {}],
    ['DeadlineError', respond(status(ID, 'STARTED')), { deadline: 20, interval: 5 }],
    ['StalledError', respond(status(ID, 'PENDING')), { stallAfter: 20, interval: 5 }],
  ];

  it.each(cases)('%s', async (name, transport, extra) => {
    const token = ({ refresh }: { refresh: boolean }) => (refresh ? `${TOKEN}-fresh` : TOKEN);
    const run = taskStatus$(ID, { transport, token, retry: { maxRetries: 0 }, ...extra }).pipe(toArray());
    const error = await lastValueFrom(run).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(errors.TaskStatusError);
    expect((error as Error).name).toBe(name);
    expect(everything(error)).not.toContain('secret-test-token');
  });
});

describe('an Observable transport error that is not ours', () => {
  it('is passed through unchanged (not retried)', async () => {
    const boom = new Error('bug in a custom transport');
    const transport: Transport = () => new Observable((s) => s.error(boom));
    await expect(lastValueFrom(taskStatus$(ID, { transport }))).rejects.toBe(boom);
  });
});
