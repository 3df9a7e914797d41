import type { Observable, Subscription } from 'rxjs';
import type { TaskStatusOptions } from '../options.js';
import { taskStatus$ } from '../task-status.js';
import { isTerminal, type TaskTransition } from '../transitions.js';
import { ExitCode } from './exit-codes.js';
import type { WatchActivity, WatchedTask, WatchReporter, WatchSummary } from './watch-reporter.js';
import { writeTaskContent } from './write-content.js';

/** Options of {@link watchTasks}. */
export interface WatchTasksOptions {
  /** Task ids to follow (duplicates are followed once). */
  readonly taskIds: readonly string[];
  /** Passed to `follow` for every task. @default {} */
  readonly statusOptions?: TaskStatusOptions;
  readonly reporter: WatchReporter;
  /** Write each succeeded task's content to `<outDir>/<taskId>.<ext>`. */
  readonly outDir?: string;
  /** Aborting stops every stream (requests in flight are aborted) and ends the watch as interrupted. */
  readonly signal?: AbortSignal;
  /** What follows one task. @default taskStatus$ */
  readonly follow?: (taskId: string, options: TaskStatusOptions) => Observable<TaskTransition>;
  /** Request activity (a task client's `events$`): live poll counts and retries for the reporter. */
  readonly activity$?: Observable<WatchActivity>;
}

interface Tracked {
  taskId: string;
  outcome: WatchedTask['outcome'];
  polls: number;
  last?: TaskTransition;
  error?: unknown;
  file?: string;
  elapsedMs: number;
  done: boolean;
}

/**
 * Follows tasks side by side with `taskStatus$`, reports every transition and error, writes the
 * content of succeeded tasks when `outDir` is set, and resolves with a summary whose `exitCode`
 * is 0 (all succeeded), 1 (some rejected or failed), 3 (some stream errored, which wins over 1)
 * or 130 (interrupted). Never rejects for a task's sake: errors are part of the summary.
 *
 * @example
 * ```ts
 * const summary = await watchTasks({ taskIds: [id], statusOptions: { baseUrl, token }, reporter })
 * process.exitCode = summary.exitCode
 * ```
 */
export function watchTasks(options: WatchTasksOptions): Promise<WatchSummary> {
  const { reporter, outDir, signal } = options;
  const follow = options.follow ?? taskStatus$;
  const ids = [...new Set(options.taskIds)];
  const startedAt = Date.now();
  const tracked = ids.map((taskId): Tracked => ({ taskId, outcome: null, polls: 0, elapsedMs: 0, done: false }));
  const subscriptions: Subscription[] = [];

  return new Promise<WatchSummary>((resolve) => {
    let finished = false;
    const finish = (interrupted: boolean): void => {
      if (finished) return;
      finished = true;
      signal?.removeEventListener('abort', onAbort);
      for (const s of subscriptions) s.unsubscribe();
      for (const t of tracked) {
        if (!t.done) {
          t.outcome = 'interrupted';
          t.elapsedMs = Date.now() - startedAt;
        }
      }
      const tasks: WatchedTask[] = tracked.map((t) => ({
        taskId: t.taskId,
        outcome: t.outcome,
        polls: t.polls,
        elapsedMs: t.elapsedMs,
        ...(t.last === undefined ? {} : { last: t.last }),
        ...(t.error === undefined ? {} : { error: t.error }),
        ...(t.file === undefined ? {} : { file: t.file }),
      }));
      const exitCode = interrupted
        ? ExitCode.Interrupted
        : tasks.some((t) => t.outcome === 'error')
          ? ExitCode.Error
          : tasks.some((t) => t.outcome !== 'succeeded')
            ? ExitCode.TaskUnsuccessful
            : ExitCode.Ok;
      const summary: WatchSummary = { tasks, elapsedMs: Date.now() - startedAt, interrupted, exitCode };
      reporter.finish(summary);
      resolve(summary);
    };
    const onAbort = (): void => finish(true);
    const settle = (t: Tracked): void => {
      t.done = true;
      t.elapsedMs = Date.now() - startedAt;
      if (tracked.every((x) => x.done)) finish(false);
    };

    reporter.start(ids);
    if (signal?.aborted === true) return finish(true);
    signal?.addEventListener('abort', onAbort, { once: true });

    const byId = new Map(tracked.map((t) => [t.taskId, t]));
    if (options.activity$ !== undefined) {
      subscriptions.push(
        options.activity$.subscribe({
          next: (event) => {
            const t = event.taskId === undefined ? undefined : byId.get(event.taskId);
            if (t === undefined || t.done || finished) return;
            if (event.type === 'request-start' && typeof event.polls === 'number') t.polls = Math.max(t.polls, event.polls);
            reporter.activity?.(event);
          },
          error: () => undefined,
        }),
      );
    }

    for (const t of tracked) {
      if (finished) break;
      let stream: Observable<TaskTransition>;
      try {
        stream = follow(t.taskId, options.statusOptions ?? {});
      } catch (error) {
        t.outcome = 'error';
        t.error = error;
        reporter.error(t.taskId, error, 0);
        settle(t);
        continue;
      }
      // Writes are chained per task so the terminal line is reported after its file exists.
      let pending: Promise<void> = Promise.resolve();
      const subscription = stream.subscribe({
        next: (transition) => {
          t.polls = Math.max(t.polls, transition.polls);
          t.last = transition;
          t.outcome = transition.to;
          const state = transition.state;
          if (outDir !== undefined && state.phase === 'succeeded' && state.content !== undefined) {
            const content = state.content;
            pending = pending.then(async () => {
              try {
                t.file = await writeTaskContent(outDir, t.taskId, content, state.result);
              } catch (error) {
                t.outcome = 'error';
                t.error = error;
              }
              if (finished) return;
              if (t.outcome === 'error') reporter.error(t.taskId, t.error, t.polls);
              else reporter.transition(transition, t.file);
            });
          } else {
            pending = pending.then(() => {
              if (!finished) reporter.transition(transition);
            });
          }
          if (isTerminal(transition.to)) void pending.then(() => settle(t));
        },
        error: (error: unknown) => {
          t.outcome = 'error';
          t.error = error;
          void pending.then(() => {
            if (!finished) reporter.error(t.taskId, error, t.polls);
            settle(t);
          });
        },
        complete: () => {
          // A stream that completes without a terminal phase (should not happen) still ends the task.
          if (t.last === undefined || !isTerminal(t.last.to)) void pending.then(() => settle(t));
        },
      });
      subscriptions.push(subscription);
    }
  });
}
