import { createLogReporter } from '../../lib/cli/log-reporter.js';
import { createPaint } from '../../lib/cli/paint.js';
import { HttpError } from '../../lib/errors/http-error.js';
import { NetworkError } from '../../lib/errors/network-error.js';
import { captureStream } from '../helpers/capture-io.js';
import { ID_A, ID_B, pending, rejected, succeeded, summaryOf } from './reporters.fixtures.js';

describe('createLogReporter', () => {
  it('writes one plain line per transition, retry and error, then the summary; no escape codes', () => {
    let clock = 0;
    const out = captureStream();
    const reporter = createLogReporter(out, { paint: createPaint(false), labels: new Map([[ID_A, 'INV-1']]), now: () => clock });
    reporter.start([ID_A, ID_B]);
    reporter.transition(pending);
    clock = 1500;
    reporter.activity?.({ type: 'retry', taskId: ID_A, attempt: 2, delay: 250, error: 'HttpError', status: 503 });
    reporter.activity?.({ type: 'request-start', taskId: ID_A, polls: 3 });
    reporter.transition(succeeded, '/out/a.pdf');
    reporter.transition(rejected);
    reporter.error(ID_B, new NetworkError('socket hang up'), 2);
    reporter.finish(summaryOf());
    const lines = out.text().split('\n');
    expect(lines.slice(0, 5)).toEqual([
      `  0.0s  ${ID_A}  INV-1  start → pending  (1 poll)`,
      `  1.5s  ${ID_A}  INV-1  retry 2 after HTTP 503, next try in 250 ms`,
      `  1.5s  ${ID_A}  INV-1  started → succeeded  (3 polls)  812 B → /out/a.pdf`,
      `  1.5s  ${ID_B}  started → rejected  (4 polls)  VALIDATION_FAILED: The invoice does not comply`,
      `  1.5s  ${ID_B}  error NetworkError: socket hang up`,
    ]);
    expect(out.text()).toContain('3 tasks in 3.2s: 1 succeeded, 1 rejected, 1 failed');
    expect(out.text()).not.toContain('\x1b[');
  });

  it('shows progress updates as current/total, and the URL of an HTTP error', () => {
    const out = captureStream();
    const reporter = createLogReporter(out, { paint: createPaint(false), now: () => 0, requestUrl: (id) => `https://factpulse.test/api/v1/processing/tasks/${id}/status` });
    reporter.start([ID_A]);
    reporter.transition({ taskId: ID_A, from: 'started', to: 'started', state: { phase: 'started', status: 'PROGRESS', meta: { current: 3, total: 10 } }, at: 1, polls: 4 });
    reporter.error(ID_A, new HttpError(404, { taskId: ID_A }), 5);
    expect(out.text().split('\n').slice(0, 2)).toEqual([
      `  0.0s  ${ID_A}  started → started  (4 polls)  PROGRESS 3/10`,
      `  0.0s  ${ID_A}  error HttpError: HTTP 404 from https://factpulse.test/api/v1/processing/tasks/${ID_A}/status`,
    ]);
  });
});
