import { basename } from 'node:path';
import type { TaskPhase, TaskTransition } from '../transitions.js';
import type { CliStream } from './cli-io.js';
import { formatBytes, formatDelay, formatElapsed } from './format-units.js';
import type { Paint } from './paint.js';
import { formatProgress, progressOf } from './progress-of.js';
import { describeError, type WatchedTask, type WatchReporter, type WatchSummary } from './watch-reporter.js';

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

interface Row {
  readonly taskId: string;
  phase: TaskPhase | 'waiting' | 'error' | 'interrupted';
  polls: number;
  endedAt: number | undefined;
  note: string;
  /** The note shows a transport retry, cleared by the next good response. */
  retrying: boolean;
  /** The note of the last transition (shown again once a retry is over). */
  base: string;
}

/** Options of {@link createTtyReporter}. */
export interface TtyReporterOptions {
  readonly paint: Paint;
  /** Redraw period of the spinner, in ms. @default 80 */
  readonly frameMs?: number;
  /** Clock of the elapsed times. @default Date.now */
  readonly now?: () => number;
  /** A short label shown after each task id (e.g. the invoice number). */
  readonly labels?: ReadonlyMap<string, string>;
  /** The status URL of a task, named in HTTP error lines. */
  readonly requestUrl?: (taskId: string) => string;
}

/** Keeps a line to `width` visible characters (the line is plain text at this point). */
function fit(text: string, width: number): string {
  const chars = Array.from(text);
  return chars.length <= width ? text : `${chars.slice(0, Math.max(0, width - 1)).join('')}…`;
}

/**
 * A {@link WatchReporter} for a terminal: one live line per task (spinner, phase, elapsed time,
 * polls) redrawn in place, then a summary with rejection details and failures. Lines are cut
 * to the terminal width so redrawing never wraps. The cursor is hidden while drawing and
 * shown again at the end.
 *
 * @example
 * ```ts
 * const reporter = createTtyReporter(process.stdout, { paint: createPaint(true) })
 * ```
 */
export function createTtyReporter(out: CliStream, options: TtyReporterOptions): WatchReporter {
  const { paint } = options;
  const frameMs = options.frameMs ?? 80;
  const now = options.now ?? Date.now;
  const rows: Row[] = [];
  let startedAt = now();
  let drawn = 0;
  let frame = 0;
  let ticker: ReturnType<typeof setInterval> | undefined;
  const labelWidth = Math.max(0, ...Array.from(options.labels?.values() ?? [], (l) => l.length));

  const icon = (row: Row): string => {
    switch (row.phase) {
      case 'succeeded':
        return paint.green('✔');
      case 'rejected':
      case 'failed':
        return paint.red('✖');
      case 'error':
        return paint.red('!');
      case 'interrupted':
        return paint.yellow('■');
      default:
        return paint.cyan(SPINNER[frame % SPINNER.length] ?? '*');
    }
  };
  const phaseText = (row: Row): string => {
    const label = row.phase.padEnd(11);
    if (row.phase === 'succeeded') return paint.green(label);
    if (row.phase === 'rejected' || row.phase === 'failed' || row.phase === 'error') return paint.red(label);
    if (row.phase === 'retrying' || row.phase === 'interrupted') return paint.yellow(label);
    return label;
  };
  const render = (row: Row): string => {
    const columns = out.columns !== undefined && out.columns > 0 ? out.columns : 80;
    const width = Math.max(40, columns - 1);
    const elapsed = formatElapsed((row.endedAt ?? now()) - startedAt).padStart(6);
    const polls = `${row.polls} poll${row.polls === 1 ? '' : 's'}`.padEnd(9);
    // Widths are measured on the plain text; colour codes are added around fixed-width parts.
    const label = labelWidth === 0 ? '' : `${(options.labels?.get(row.taskId) ?? '').padEnd(labelWidth)}  `;
    const rest = `  ${label}${row.phase.padEnd(11)} ${elapsed}  ${polls}`;
    // On a narrow terminal the id is shortened (the summary prints it whole) to leave room for the note.
    const id = width - (2 + row.taskId.length + rest.length) >= 30 ? row.taskId : `${row.taskId.slice(0, 8)}…`;
    const plainHead = `x ${id}${rest}`;
    const note = row.note === '' ? '' : ` ${fit(row.note, Math.max(0, width - plainHead.length - 1))}`;
    return `${icon(row)} ${id}  ${label}${phaseText(row)} ${elapsed}  ${paint.dim(polls)}${note}`;
  };
  const draw = (): void => {
    let text = drawn > 0 ? `\x1b[${drawn}F` : '';
    for (const row of rows) text += `\x1b[2K${render(row)}\n`;
    drawn = rows.length;
    out.write(text);
    frame++;
  };
  const rowOf = (taskId: string): Row | undefined => rows.find((r) => r.taskId === taskId);

  return {
    start(taskIds) {
      startedAt = now();
      for (const taskId of taskIds) rows.push({ taskId, phase: 'waiting', polls: 0, endedAt: undefined, note: '', retrying: false, base: '' });
      out.write('\x1b[?25l');
      draw();
      ticker = setInterval(draw, frameMs);
    },
    transition(t: TaskTransition, file?: string) {
      const row = rowOf(t.taskId);
      if (row === undefined) return;
      row.phase = t.to;
      row.polls = Math.max(row.polls, t.polls);
      row.retrying = false;
      const state = t.state;
      if (state.phase === 'succeeded') {
        row.endedAt = now();
        const size = state.content === undefined ? 'no content' : formatBytes(state.content.byteLength);
        row.note = file === undefined ? size : `${size} → ${basename(file)}`;
      } else if (state.phase === 'rejected') {
        row.endedAt = now();
        row.note = `${state.error.errorCode}: ${state.error.errorMessage}`;
      } else if (state.phase === 'failed') {
        row.endedAt = now();
        row.note = state.error.type === undefined ? state.error.message : `${state.error.type}: ${state.error.message}`;
      } else {
        // Custom Celery states (PROGRESS…) show their name next to the phase, and the progress
        // (a bar and `3/10`) when the task reports numbers.
        const custom = ['PENDING', 'STARTED', 'RETRY'].includes(state.status) ? '' : state.status;
        const progress = progressOf(state);
        // (`PROGRESS` itself goes without saying next to a bar; another custom state is named).
        const named = custom === 'PROGRESS' ? '' : custom;
        row.note = progress === undefined ? custom : `${progressBar(progress.ratio)} ${formatProgress(progress)}${named === '' ? '' : ` ${named}`}`;
        row.base = row.note;
      }
      draw();
    },
    activity(event) {
      const row = rowOf(event.taskId ?? '');
      if (row === undefined || row.endedAt !== undefined) return;
      if (event.type === 'request-start' && typeof event.polls === 'number') row.polls = Math.max(row.polls, event.polls);
      else if (event.type === 'retry') {
        const cause = event.status === undefined ? (event.error ?? 'error') : `HTTP ${event.status}`;
        row.retrying = true;
        row.note = `retry ${event.attempt ?? 1} after ${cause}, next try in ${formatDelay(event.delay ?? 0)}`;
      } else if (event.type === 'request-end' && row.retrying && event.status !== undefined && event.status < 300) {
        row.retrying = false;
        row.note = row.base;
      }
    },
    error(taskId, error, polls) {
      const row = rowOf(taskId);
      if (row === undefined) return;
      const view = describeError(error, options.requestUrl?.(taskId));
      row.phase = 'error';
      row.polls = Math.max(row.polls, polls);
      row.endedAt = now();
      row.note = `${view.name}: ${view.message}`;
      draw();
    },
    finish(summary: WatchSummary) {
      if (ticker !== undefined) clearInterval(ticker);
      for (const task of summary.tasks) {
        const row = rowOf(task.taskId);
        if (row !== undefined && task.outcome === 'interrupted') {
          row.phase = 'interrupted';
          row.endedAt = now();
          row.polls = task.polls;
        }
      }
      draw();
      out.write('\x1b[?25h');
      out.write(`\n${summaryText(summary, paint, options.requestUrl).join('\n')}\n`);
    },
  };
}

/** A ten-cell bar for a ratio in [0, 1]: `███▌······`. @internal */
export function progressBar(ratio: number, cells = 10): string {
  const eighths = Math.round(Math.min(1, Math.max(0, ratio)) * cells * 2);
  const full = Math.floor(eighths / 2);
  const half = eighths % 2 === 1 ? '▌' : '';
  return `${'█'.repeat(full)}${half}${'·'.repeat(cells - full - half.length)}`;
}

/** The summary lines printed under the live lines. @internal */
export function summaryText(summary: WatchSummary, paint: Paint, requestUrl?: (taskId: string) => string): string[] {
  const count = (outcome: WatchedTask['outcome']): number => summary.tasks.filter((t) => t.outcome === outcome).length;
  const polls = summary.tasks.reduce((sum, t) => sum + t.polls, 0);
  const parts = [
    [count('succeeded'), 'succeeded', paint.green],
    [count('rejected'), 'rejected', paint.red],
    [count('failed'), 'failed', paint.red],
    [count('error'), count('error') === 1 ? 'error' : 'errors', paint.red],
    [count('interrupted'), 'interrupted', paint.yellow],
  ] as const;
  const counts = parts.filter(([n]) => n > 0).map(([n, label, colour]) => colour(`${n} ${label}`));
  const n = summary.tasks.length;
  const lines = [
    `${paint.bold(`${n} task${n === 1 ? '' : 's'}`)} in ${formatElapsed(summary.elapsedMs)}: ${counts.join(', ') || 'nothing finished'} ${paint.dim(`(${polls} polls)`)}`,
  ];
  for (const task of summary.tasks) {
    const state = task.last?.state;
    if (task.outcome === 'rejected' && state?.phase === 'rejected') {
      lines.push(`  ${paint.red('rejected')} ${task.taskId}: ${state.error.errorCode} — ${state.error.errorMessage}`);
      for (const d of state.error.details) {
        const level = (d.level ?? 'Error').padEnd(7);
        const where = [d.source, d.code].filter((x) => x !== undefined && x !== null && x !== '').join(' ');
        lines.push(`    ${d.level === 'Warning' ? paint.yellow(level) : paint.red(level)} ${d.item}: ${d.reason}${where === '' ? '' : paint.dim(` [${where}]`)}`);
      }
    } else if (task.outcome === 'failed' && state?.phase === 'failed') {
      lines.push(`  ${paint.red('failed')}   ${task.taskId}: ${state.error.type === undefined ? '' : `${state.error.type}: `}${state.error.message}`);
    } else if (task.outcome === 'error') {
      const view = describeError(task.error, requestUrl?.(task.taskId));
      lines.push(`  ${paint.red('error')}    ${task.taskId}: ${view.name}: ${view.message}`);
    } else if (task.outcome === 'succeeded' && task.file !== undefined) {
      lines.push(`  ${paint.green('saved')}    ${task.file}`);
    }
  }
  return lines;
}
