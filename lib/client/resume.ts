import { defer, filter, map, mergeMap, race, take, type MonoTypeOperatorFunction, type Observable } from 'rxjs';
import { longTimer } from '../operators/long-timer.js';
import type { PollRuntime } from '../task-status.js';
import { compareStates, type TaskTransition } from '../transitions.js';

/**
 * @internal What a client keeps of a task after its last subscriber left (for `resumeWindow`
 * ms), so that a subscriber coming back resumes the task's pace instead of polling at once.
 */
export interface Kept {
  /** The latest transition (replayed at once to the returning subscriber). */
  readonly transition: TaskTransition | undefined;
  /** Monotonic time of the last request sent, and of the last response. */
  readonly lastRequestAt: number;
  readonly lastResponseAt: number;
  /**
   * When the loop meant to send its next request (the wait it chose after the last answer or
   * before a retry: the interval, the schedule's, the server's `Retry-After`); `undefined` when
   * it was not waiting (a request in flight).
   */
  readonly nextAt?: number | undefined;
  /** Requests sent for the task so far. */
  readonly polls: number;
  /** Monotonic time the task was first followed. */
  readonly startedAt: number;
}

/**
 * @internal The transition a subscriber gets: its own copy of the content bytes, so that one
 * subscriber (or the cache) never shares memory with another — one that zero-fills its bytes
 * after saving them cannot blank another's PDF.
 *
 * @example
 * ```ts
 * subscriber.next(ownCopy(cached))
 * ```
 */
export function ownCopy(transition: TaskTransition): TaskTransition {
  if (transition.to !== 'succeeded' || transition.state.content === undefined) return transition;
  return { ...transition, state: { ...transition.state, content: transition.state.content.slice() } };
}

/** The wait after a response the loop would use, when it was not waiting: the interval, or the schedule's answer. */
function pace(kept: Kept, taskId: string, runtime: PollRuntime, clock: () => number): number {
  const { interval } = runtime.options;
  if (typeof interval === 'number') return interval;
  const at = clock();
  const phase = kept.transition?.to ?? 'pending';
  return runtime.schedule.next({
    taskId,
    polls: Math.max(1, kept.polls),
    elapsed: Math.max(0, kept.lastResponseAt - kept.startedAt),
    phase,
    inPhase: kept.transition === undefined ? 0 : Math.max(0, at - kept.lastResponseAt),
    ...(kept.transition !== undefined ? { state: kept.transition.state } : {}),
  });
}

/**
 * After a resume the loop starts from scratch: drop what would not be news to a subscriber that
 * got the kept transition (the same state, or an older phase), and continue its `from` / `polls`.
 */
function resumeFrom(kept: Kept): MonoTypeOperatorFunction<TaskTransition> {
  let last = kept.transition;
  return (source) =>
    source.pipe(
      filter((t) => last === undefined || compareStates(last.state, t.state) === 'change'),
      map((t) => {
        const out = { ...t, from: last?.to ?? t.from, polls: t.polls + kept.polls } as TaskTransition;
        last = out;
        return out;
      }),
    );
}

/**
 * @internal The loop of a task that comes back within `resumeWindow` (`clock` is the client's
 * monotonic clock, the one `kept` was read on): its first request when the loop it resumes
 * meant to send it (`nextAt`, a server's `Retry-After` included), else no sooner than the pace
 * after the last request or response; on a hint, `hintFloor` after the last request (and that
 * request counts as hinted). Then only what is news to a subscriber that got the kept transition.
 * `loop(hinted)` builds the loop, told whether a hint started it.
 *
 * @example
 * ```ts
 * const loop$ = resumeLoop(taskId, kept, (hinted) => pollTask(taskId, runtime, hints$, hooks, hinted), hints$, runtime, clock)
 * ```
 */
export function resumeLoop(
  taskId: string,
  kept: Kept,
  loop: (hinted: boolean) => Observable<TaskTransition>,
  hints$: Observable<unknown> | undefined,
  runtime: PollRuntime,
  clock: () => number,
): Observable<TaskTransition> {
  const { scheduler, hintFloor } = runtime.options;
  return defer(() => {
    const due = kept.nextAt ?? Math.max(kept.lastRequestAt, kept.lastResponseAt) + pace(kept, taskId, runtime, clock);
    const wait = due - clock();
    if (!(wait > 0)) return loop(false);
    const paced$ = longTimer(wait, scheduler).pipe(map(() => false));
    const start$ =
      hints$ === undefined
        ? paced$
        : race(
            paced$,
            hints$.pipe(
              take(1),
              mergeMap(() => longTimer(kept.lastRequestAt + hintFloor - clock(), scheduler)),
              map(() => true),
            ),
          );
    return start$.pipe(
      take(1),
      mergeMap((hinted) => loop(hinted)),
    );
  }).pipe(resumeFrom(kept));
}
