import { DeadlineError } from '../../lib/errors/deadline-error.js';
import { AuthError } from '../../lib/errors/auth-error.js';
import { HttpError } from '../../lib/errors/http-error.js';
import { createNdjsonReporter } from '../../lib/cli/ndjson-reporter.js';
import { captureStream, ndjson } from '../helpers/capture-io.js';
import { failed, ID_A, ID_B, pending, rejected, succeeded, summaryOf } from './reporters.fixtures.js';

describe('createNdjsonReporter', () => {
  const setup = () => {
    let clock = 0;
    const out = captureStream();
    const reporter = createNdjsonReporter(out, () => clock);
    reporter.start([ID_A]);
    return { out, reporter, tick: (ms: number) => (clock += ms) };
  };

  it('writes one JSON object per transition with taskId, from, to, at, polls', () => {
    const { out, reporter, tick } = setup();
    reporter.transition(pending);
    tick(1500);
    reporter.transition(succeeded, '/out/x.pdf');
    expect(ndjson(out.text())).toEqual([
      { event: 'transition', taskId: ID_A, from: null, to: 'pending', at: 1000, polls: 1, elapsedMs: 0, status: 'PENDING' },
      { event: 'transition', taskId: ID_A, from: 'started', to: 'succeeded', at: 3000, polls: 3, elapsedMs: 1500, contentBytes: 812, file: '/out/x.pdf' },
    ]);
  });

  it('carries the AFNOR error of a rejection and the message of a failure', () => {
    const { out, reporter } = setup();
    reporter.transition(rejected);
    reporter.transition(failed);
    const [r, f] = ndjson(out.text());
    expect(r).toMatchObject({ to: 'rejected', error: { errorCode: 'VALIDATION_FAILED', details: [{ item: 'BT-10' }, { item: 'BT-22', level: 'Warning' }] } });
    expect(f).toMatchObject({ to: 'failed', error: { message: 'Ghostscript exited with code 1', type: 'RuntimeError' } });
  });

  it('writes stream errors with their class name, message and HTTP status', () => {
    const { out, reporter } = setup();
    reporter.error(ID_A, new DeadlineError(300, { taskId: ID_A }), 4);
    reporter.error(ID_B, new AuthError({ taskId: ID_B }), 1);
    expect(ndjson(out.text())).toEqual([
      { event: 'error', taskId: ID_A, polls: 4, elapsedMs: 0, error: { name: 'DeadlineError', message: expect.stringContaining('300 ms') } },
      { event: 'error', taskId: ID_B, polls: 1, elapsedMs: 0, error: { name: 'AuthError', message: expect.any(String), status: 401 } },
    ]);
  });

  it('writes a progress update (from === to) with its { current, total, ratio }', () => {
    const { out, reporter } = setup();
    reporter.transition({ taskId: ID_A, from: 'started', to: 'started', state: { phase: 'started', status: 'PROGRESS', meta: { current: 3, total: 10 } }, at: 2500, polls: 3 });
    expect(ndjson(out.text())).toEqual([
      { event: 'transition', taskId: ID_A, from: 'started', to: 'started', at: 2500, polls: 3, elapsedMs: 0, status: 'PROGRESS', progress: { current: 3, total: 10, ratio: 0.3 } },
    ]);
  });

  it('writes a retry line for each transient failure, and nothing for other request activity', () => {
    const { out, reporter, tick } = setup();
    reporter.activity?.({ type: 'request-start', taskId: ID_A, polls: 1 });
    tick(20);
    reporter.activity?.({ type: 'retry', taskId: ID_A, attempt: 1, delay: 431.6, error: 'NetworkError' });
    reporter.activity?.({ type: 'retry', taskId: ID_A, attempt: 2, delay: 900, error: 'HttpError', status: 503 });
    reporter.activity?.({ type: 'request-end', taskId: ID_A, status: 200 });
    expect(ndjson(out.text())).toEqual([
      { event: 'retry', taskId: ID_A, attempt: 1, delayMs: 432, error: 'NetworkError', elapsedMs: 20 },
      { event: 'retry', taskId: ID_A, attempt: 2, delayMs: 900, error: 'HttpError', status: 503, elapsedMs: 20 },
    ]);
  });

  it('names the URL requested in an HTTP error when given the status URL of a task', () => {
    const out = captureStream();
    const reporter = createNdjsonReporter(out, { now: () => 0, requestUrl: (id) => `http://127.0.0.1:8787/wrong/api/v1/processing/tasks/${id}/status` });
    reporter.error(ID_A, new HttpError(404, { taskId: ID_A }), 1);
    reporter.error(ID_B, new DeadlineError(300, { taskId: ID_B }), 1);
    const url = `http://127.0.0.1:8787/wrong/api/v1/processing/tasks/${ID_A}/status`;
    const [http, deadline] = ndjson(out.text());
    expect(http?.['error']).toEqual({ name: 'HttpError', status: 404, url, message: `HTTP 404 from ${url}` });
    expect(deadline?.['error']).not.toHaveProperty('url');
  });

  it('adds nothing at the end but an interrupted line per unfinished task', () => {
    const { out, reporter } = setup();
    reporter.finish(summaryOf());
    expect(out.text()).toBe('');
    reporter.finish(summaryOf({ interrupted: true, tasks: [{ taskId: ID_A, outcome: 'interrupted', polls: 2, elapsedMs: 900 }] }));
    expect(ndjson(out.text())).toEqual([{ event: 'interrupted', taskId: ID_A, polls: 2, elapsedMs: 900 }]);
  });
});
