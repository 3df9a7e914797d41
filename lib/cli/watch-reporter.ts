import { isTaskStatusError } from '../errors/task-status-error.js';
import { HttpError } from '../errors/http-error.js';
import type { TaskPhase, TaskTransition } from '../transitions.js';

/** How one watched task ended. */
export interface WatchedTask {
  readonly taskId: string;
  /** The last phase seen, `'error'` when the stream errored, `'interrupted'` on Ctrl-C, `null` if nothing arrived. */
  readonly outcome: TaskPhase | 'error' | 'interrupted' | null;
  /** Requests sent for the task. */
  readonly polls: number;
  /** The last transition, if any. */
  readonly last?: TaskTransition;
  /** The stream's error, for `outcome: 'error'`. */
  readonly error?: unknown;
  /** Where `--out` wrote the content. */
  readonly file?: string;
  /** ms from the start of the watch to the task's end. */
  readonly elapsedMs: number;
}

/** The result of a watch. */
export interface WatchSummary {
  readonly tasks: readonly WatchedTask[];
  readonly elapsedMs: number;
  readonly interrupted: boolean;
  /** 0, 1, 3 or 130 (see `ExitCode`). */
  readonly exitCode: number;
}

/**
 * What a watch hears about requests between transitions — a structural subset of a task
 * client's `events$` (`request-start` with the poll count, `request-end`, `retry` with the
 * attempt, the delay and the error), so `client.events$` can be passed as is.
 *
 * @example
 * ```ts
 * const activity$: Observable<WatchActivity> = client.events$
 * ```
 */
export interface WatchActivity {
  readonly type: string;
  readonly taskId?: string;
  /** `request-start`: requests sent for the task so far, this one included. */
  readonly polls?: number;
  /** `retry`: 1 for the first retry after a good response. */
  readonly attempt?: number;
  /** `retry`: ms until the next try. */
  readonly delay?: number;
  /** `retry` / `request-end`: the error's class name. */
  readonly error?: string;
  /** `retry` / `request-end`: the HTTP status, when there was a response. */
  readonly status?: number;
}

/**
 * Receives what a watch sees and shows it: live lines on a terminal, NDJSON otherwise.
 *
 * @example
 * ```ts
 * const reporter: WatchReporter = { start() {}, transition: (t) => console.log(t.to), error() {}, finish() {} }
 * ```
 */
export interface WatchReporter {
  /** Called once, before anything else, with the ids being watched. */
  start(taskIds: readonly string[]): void;
  /** A change of phase (after the content was written, when `--out` is set). */
  transition(transition: TaskTransition, file?: string): void;
  /** A task's stream errored (transport, auth, deadline…). */
  error(taskId: string, error: unknown, polls: number): void;
  /** Request activity of a watched task (poll counts, retries), when the watch has a source of it. */
  activity?(event: WatchActivity): void;
  /** The watch is over (every task ended, or Ctrl-C). */
  finish(summary: WatchSummary): void;
}

/** What is shown of an error: its class name, message, and HTTP status when there is one. @internal */
export interface ErrorView {
  readonly name: string;
  readonly message: string;
  readonly status?: number;
  /** The URL requested, for an HTTP error (never with a token: the token travels in a header). */
  readonly url?: string;
}

/**
 * The readable view of an error. Library errors never carry a token; other messages are shown
 * as they are (and the command scrubs its tokens from everything it prints anyway). An HTTP
 * error names the URL requested when `url` is given: `HTTP 404 from https://…/status`.
 *
 * @internal
 */
export function describeError(error: unknown, url?: string): ErrorView {
  if (error instanceof Error && error.name === 'TaskClientDisposedError') return { name: error.name, message: 'stopped' };
  if (error instanceof HttpError) {
    if (url === undefined) return { name: error.name, message: error.message, status: error.status };
    const head = `HTTP ${error.status}`;
    const message = error.message.startsWith(head)
      ? `${head} from ${url}${error.message.slice(head.length)}`
      : `${error.message} (${head} from ${url})`;
    return { name: error.name, message, status: error.status, url };
  }
  if (isTaskStatusError(error) || error instanceof Error) return { name: error.name, message: error.message };
  return { name: 'Error', message: String(error) };
}
