import type { CliStream } from './cli-io.js';
import { describeError, type WatchReporter } from './watch-reporter.js';

/**
 * A {@link WatchReporter} writing one JSON object per line: one per transition
 * (`{"event":"transition","taskId","from","to","at","polls","elapsedMs", …}`, plus for terminal
 * phases `contentBytes`/`file`, or the `error`), and one per stream error
 * (`{"event":"error","taskId","polls","elapsedMs","error":{"name","message","status"?}}`); on
 * Ctrl-C, `{"event":"interrupted","taskId",…}` for each unfinished task.
 * Nothing else goes to stdout, so the output can be piped to `jq`.
 *
 * @example
 * ```ts
 * const reporter = createNdjsonReporter(process.stdout)
 * ```
 */
export function createNdjsonReporter(out: CliStream, now: () => number = Date.now): WatchReporter {
  let startedAt = now();
  const line = (value: unknown): void => {
    out.write(`${JSON.stringify(value)}\n`);
  };
  return {
    start() {
      startedAt = now();
    },
    transition(t, file) {
      const base = { event: 'transition', taskId: t.taskId, from: t.from, to: t.to, at: t.at, polls: t.polls, elapsedMs: now() - startedAt };
      const state = t.state;
      switch (state.phase) {
        case 'succeeded':
          line({ ...base, contentBytes: state.content?.byteLength ?? null, ...(file === undefined ? {} : { file }) });
          return;
        case 'rejected':
          line({ ...base, error: state.error });
          return;
        case 'failed':
          line({ ...base, error: { message: state.error.message, ...(state.error.type === undefined ? {} : { type: state.error.type }) } });
          return;
        default:
          line({ ...base, status: state.status });
      }
    },
    error(taskId, error, polls) {
      line({ event: 'error', taskId, polls, elapsedMs: now() - startedAt, error: describeError(error) });
    },
    finish(summary) {
      // No summary line: each task already has its terminal or error line. Only tasks cut short
      // by Ctrl-C get one more, so a consumer knows the stream of that task ends here.
      for (const task of summary.tasks) {
        if (task.outcome === 'interrupted') line({ event: 'interrupted', taskId: task.taskId, polls: task.polls, elapsedMs: task.elapsedMs });
      }
    },
  };
}
