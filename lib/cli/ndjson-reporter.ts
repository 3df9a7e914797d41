import type { CliStream } from './cli-io.js';
import { toTransitionJson } from '../transition-wire.js';
import { progressOf } from './progress-of.js';
import { describeError, type WatchReporter } from './watch-reporter.js';

/** Options of {@link createNdjsonReporter}. */
export interface NdjsonReporterOptions {
  /** Clock of `elapsedMs`. @default Date.now */
  readonly now?: () => number;
  /** The status URL of a task, named in HTTP error lines (`error.url`). */
  readonly requestUrl?: (taskId: string) => string;
}

/**
 * A {@link WatchReporter} writing one JSON object per line: one per transition
 * (`{"event":"transition","taskId","from","to","at","polls","elapsedMs", …}`, plus `status` and,
 * when the task reports it, `progress: {current,total,ratio}` for a waiting or running task — a
 * progress update has `from === to` — and for terminal phases `contentBytes`/`file`, or the
 * `error`); one per transient failure about to be retried
 * (`{"event":"retry","taskId","attempt","delayMs","error","status"?,"elapsedMs"}`, so a
 * refused port is visible at once, not after the retries ran out); one per stream error
 * (`{"event":"error","taskId","polls","elapsedMs","error":{"name","message","status"?,"url"?}}`);
 * on Ctrl-C, `{"event":"interrupted","taskId",…}` for each unfinished task.
 * Nothing else goes to stdout, so the output can be piped to `jq`.
 *
 * @example
 * ```ts
 * const reporter = createNdjsonReporter(process.stdout)
 * ```
 */
export function createNdjsonReporter(out: CliStream, options: NdjsonReporterOptions | (() => number) = {}): WatchReporter {
  const { now = Date.now, requestUrl } = typeof options === 'function' ? { now: options, requestUrl: undefined } : options;
  let startedAt = now();
  const line = (value: unknown): void => {
    out.write(`${JSON.stringify(value)}\n`);
  };
  return {
    start() {
      startedAt = now();
    },
    transition(t, file) {
      // The transition's wire form (the JSON ws and SSE send), its state flattened into the line.
      const { state, ...fields } = toTransitionJson(t);
      const base = { event: 'transition', ...fields, elapsedMs: now() - startedAt };
      switch (state.phase) {
        case 'succeeded':
          line({ ...base, contentBytes: state.contentBytes ?? null, ...(file === undefined ? {} : { file }) });
          return;
        case 'rejected':
        case 'failed':
          line({ ...base, error: state.error });
          return;
        default: {
          const progress = progressOf(t.state);
          line({ ...base, status: state.status, ...(progress === undefined ? {} : { progress }) });
        }
      }
    },
    activity(event) {
      if (event.type !== 'retry' || event.taskId === undefined) return;
      line({
        event: 'retry',
        taskId: event.taskId,
        attempt: event.attempt ?? 1,
        delayMs: Math.max(0, Math.round(event.delay ?? 0)),
        error: event.error ?? 'Error',
        ...(event.status === undefined ? {} : { status: event.status }),
        elapsedMs: now() - startedAt,
      });
    },
    error(taskId, error, polls) {
      line({ event: 'error', taskId, polls, elapsedMs: now() - startedAt, error: describeError(error, requestUrl?.(taskId)) });
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
