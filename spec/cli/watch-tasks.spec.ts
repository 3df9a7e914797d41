import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NEVER, Observable, Subject, of, throwError } from 'rxjs';
import { watchTasks } from '../../lib/cli/watch-tasks.js';
import type { WatchActivity, WatchReporter, WatchSummary } from '../../lib/cli/watch-reporter.js';
import { DeadlineError } from '../../lib/errors/deadline-error.js';
import type { TaskTransition } from '../../lib/transitions.js';
import { failed, ID_A, ID_B, ID_C, pending, rejected, started, succeeded } from './reporters.fixtures.js';

function recorder(): WatchReporter & { calls: string[]; summary?: WatchSummary } {
  const rec: WatchReporter & { calls: string[]; summary?: WatchSummary } = {
    calls: [],
    start: (ids) => rec.calls.push(`start ${ids.length}`),
    transition: (t, file) => rec.calls.push(`${t.taskId.slice(0, 4)} ${t.to}${file === undefined ? '' : ' file'}`),
    error: (id, e, polls) => rec.calls.push(`${id.slice(0, 4)} error ${(e as Error).name} ${polls}`),
    activity: (e) => rec.calls.push(`${(e.taskId ?? '').slice(0, 4)} ${e.type}`),
    finish: (s) => {
      rec.summary = s;
      rec.calls.push(`finish ${s.exitCode}`);
    },
  };
  return rec;
}

const streams = (map: Record<string, Observable<TaskTransition>>) => (id: string) => map[id] ?? throwError(() => new Error('unexpected id'));

describe('watchTasks', () => {
  it('exits 0 when every task succeeds, following duplicates once', async () => {
    const reporter = recorder();
    const summary = await watchTasks({ taskIds: [ID_A, ID_A], reporter, follow: streams({ [ID_A]: of(pending, started, succeeded) }) });
    expect(summary.exitCode).toBe(0);
    expect(reporter.calls).toEqual(['start 1', '3fa8 pending', '3fa8 started', '3fa8 succeeded', 'finish 0']);
    expect(summary.tasks).toEqual([expect.objectContaining({ taskId: ID_A, outcome: 'succeeded', polls: 3, last: succeeded })]);
  });

  it('exits 1 for a rejection or a failure, and 3 when a stream errors (3 wins)', async () => {
    const one = await watchTasks({ taskIds: [ID_B, ID_C], reporter: recorder(), follow: streams({ [ID_B]: of(rejected), [ID_C]: of(failed) }) });
    expect(one.exitCode).toBe(1);
    const reporter = recorder();
    const three = await watchTasks({
      taskIds: [ID_B, ID_A],
      reporter,
      follow: streams({ [ID_B]: of(rejected), [ID_A]: throwError(() => new DeadlineError(100, { taskId: ID_A })) }),
    });
    expect(three.exitCode).toBe(3);
    expect(reporter.calls).toContain('3fa8 error DeadlineError 0');
    expect(three.tasks.find((t) => t.taskId === ID_A)).toMatchObject({ outcome: 'error', error: expect.any(DeadlineError) });
  });

  it('reports a call-time TypeError of follow as that task’s error', async () => {
    const summary = await watchTasks({
      taskIds: [ID_A],
      reporter: recorder(),
      follow: () => {
        throw new TypeError('baseUrl must be https');
      },
    });
    expect(summary.exitCode).toBe(3);
    expect(summary.tasks[0]).toMatchObject({ outcome: 'error', error: expect.any(TypeError) });
  });

  it('writes the content before reporting the terminal transition', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fprx-watch-'));
    try {
      const pdf: TaskTransition = { ...succeeded, to: 'succeeded', state: { phase: 'succeeded', status: 'SUCCESS', content: new Uint8Array(Buffer.from('%PDF-1.4 x')), result: { status: 'SUCCESS' } } };
      const reporter = recorder();
      const summary = await watchTasks({ taskIds: [ID_A], reporter, outDir: dir, follow: streams({ [ID_A]: of(pending, pdf) }) });
      expect(reporter.calls).toEqual(['start 1', '3fa8 pending', '3fa8 succeeded file', 'finish 0']);
      expect(summary.tasks[0]?.file).toBe(join(dir, `${ID_A}.pdf`));
      expect((await readFile(join(dir, `${ID_A}.pdf`))).toString()).toBe('%PDF-1.4 x');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('on abort: exit 130, every stream unsubscribed, unfinished tasks interrupted', async () => {
    let unsubscribed = 0;
    const hanging = new Observable<TaskTransition>((subscriber) => {
      subscriber.next(pending);
      return () => unsubscribed++;
    });
    const controller = new AbortController();
    const reporter = recorder();
    const running = watchTasks({ taskIds: [ID_A, ID_B], reporter, signal: controller.signal, follow: streams({ [ID_A]: hanging, [ID_B]: of(rejected) }) });
    await new Promise((resolve) => setTimeout(resolve, 10));
    controller.abort();
    const summary = await running;
    expect(summary.exitCode).toBe(130);
    expect(summary.interrupted).toBe(true);
    expect(unsubscribed).toBe(1);
    expect(summary.tasks.map((t) => t.outcome)).toEqual(['interrupted', 'rejected']);
  });

  it('passes the activity of watched tasks to the reporter and counts polls from it', async () => {
    const activity$ = new Subject<WatchActivity>();
    const stream = new Subject<TaskTransition>();
    const reporter = recorder();
    const running = watchTasks({ taskIds: [ID_A], reporter, activity$, follow: () => stream });
    activity$.next({ type: 'request-start', taskId: ID_A, polls: 1 });
    activity$.next({ type: 'request-start', taskId: ID_C, polls: 1 }); // not watched: ignored
    activity$.next({ type: 'retry', taskId: ID_A, attempt: 1, delay: 100, error: 'HttpError', status: 503 });
    activity$.next({ type: 'request-start', taskId: ID_A, polls: 2 });
    stream.error(new DeadlineError(100, { taskId: ID_A }));
    const summary = await running;
    expect(reporter.calls).toEqual(['start 1', '3fa8 request-start', '3fa8 retry', '3fa8 request-start', '3fa8 error DeadlineError 2', 'finish 3']);
    expect(summary.tasks[0]?.polls).toBe(2);
    expect(activity$.observed).toBe(false);
  });

  it('resolves at once as interrupted when the signal is already aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    const summary = await watchTasks({ taskIds: [ID_A], reporter: recorder(), signal: controller.signal, follow: () => NEVER });
    expect(summary).toMatchObject({ exitCode: 130, interrupted: true });
  });
});
