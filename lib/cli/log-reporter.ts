import type { CliStream } from './cli-io.js';
import { formatBytes, formatDelay, formatElapsed } from './format-units.js';
import type { Paint } from './paint.js';
import { formatProgress, progressOf } from './progress-of.js';
import { summaryText } from './tty-reporter.js';
import { describeError, type WatchReporter } from './watch-reporter.js';

/** Options of {@link createLogReporter}. */
export interface LogReporterOptions {
  readonly paint: Paint;
  /** A short label shown after each task id (e.g. the invoice number). */
  readonly labels?: ReadonlyMap<string, string>;
  /** Clock of the elapsed times. @default Date.now */
  readonly now?: () => number;
  /** The status URL of a task, named in HTTP error lines. */
  readonly requestUrl?: (taskId: string) => string;
}

/**
 * A {@link WatchReporter} for people reading a log (CI output, a pipe into `less`): one plain
 * line per transition or error, nothing redrawn, then the same summary as on a terminal.
 *
 * @example
 * ```ts
 * const reporter = createLogReporter(process.stdout, { paint: createPaint(false) })
 * ```
 */
export function createLogReporter(out: CliStream, options: LogReporterOptions): WatchReporter {
  const { paint, labels, requestUrl } = options;
  const now = options.now ?? Date.now;
  let startedAt = now();
  const head = (taskId: string): string => {
    const label = labels?.get(taskId);
    return `${paint.dim(formatElapsed(now() - startedAt).padStart(6))}  ${taskId}${label === undefined ? '' : `  ${label}`}`;
  };
  return {
    start() {
      startedAt = now();
    },
    transition(t, file) {
      const edge = `${t.from ?? 'start'} → ${t.to}`;
      const state = t.state;
      let note: string;
      if (state.phase === 'succeeded') note = `${state.content === undefined ? 'no content' : formatBytes(state.content.byteLength)}${file === undefined ? '' : ` → ${file}`}`;
      else if (state.phase === 'rejected') note = `${state.error.errorCode}: ${state.error.errorMessage}`;
      else if (state.phase === 'failed') note = `${state.error.type === undefined ? '' : `${state.error.type}: `}${state.error.message}`;
      else {
        const progress = progressOf(state);
        const custom = ['PENDING', 'STARTED', 'RETRY'].includes(state.status) ? '' : state.status;
        note = [custom, progress === undefined ? '' : formatProgress(progress)].filter((x) => x !== '').join(' ');
      }
      const colour = state.phase === 'succeeded' ? paint.green : state.phase === 'rejected' || state.phase === 'failed' ? paint.red : (s: string) => s;
      out.write(`${head(t.taskId)}  ${colour(edge)}  ${paint.dim(`(${t.polls} poll${t.polls === 1 ? '' : 's'})`)}${note === '' ? '' : `  ${note}`}\n`);
    },
    activity(event) {
      if (event.type !== 'retry' || event.taskId === undefined) return;
      const cause = event.status === undefined ? (event.error ?? 'error') : `HTTP ${event.status}`;
      out.write(`${head(event.taskId)}  ${paint.yellow(`retry ${event.attempt ?? 1}`)} after ${cause}, next try in ${formatDelay(event.delay ?? 0)}\n`);
    },
    error(taskId, error) {
      const view = describeError(error, requestUrl?.(taskId));
      out.write(`${head(taskId)}  ${paint.red(`error ${view.name}`)}: ${view.message}\n`);
    },
    finish(summary) {
      out.write(`\n${summaryText(summary, paint, requestUrl).join('\n')}\n`);
    },
  };
}
