import { DestroyRef, NgZone, PLATFORM_ID, computed, signal, type Injector, type Signal } from '@angular/core';
import { isPlatformServer } from '@angular/common';
import { toObservable } from '@angular/core/rxjs-interop';
import { EMPTY, Observable, catchError, defer, distinctUntilChanged, switchMap } from 'rxjs';
import { failOption, type TaskStatusSource, type TaskTransition } from '../../index.js';

/**
 * The task to follow: a task id, or a signal of one (an `input()`, a route parameter read with
 * `toSignal`), or any function reading signals. `null`, `undefined` or `''` follows nothing.
 *
 * @example
 * ```ts
 * const id: TaskIdInput = input.required<string>()
 * ```
 */
export type TaskIdInput = string | (() => string | null | undefined);

/**
 * What `taskStatus()` and `TaskStatusService.statusSignal()` return: a signal of the task's latest
 * transition (`undefined` until the first response), plus `error`, the error that ended the
 * stream (transport, auth, time limits; `undefined` while all is well).
 *
 * Reading the signal never throws, so a template can show an error instead of breaking change
 * detection (unlike `toSignal`, which rethrows on read). `failed` and `rejected` are transitions,
 * not errors.
 *
 * @example
 * ```ts
 * readonly status = taskStatus(this.taskId)
 * readonly phase = computed(() => this.status()?.to ?? 'waiting')
 * readonly failure = computed(() => this.status.error() as Error | undefined)
 * ```
 */
export interface TaskStatusSignal extends Signal<TaskTransition | undefined> {
  /** The error that ended the stream, or `undefined`. Reset when a signal task id changes. */
  readonly error: Signal<unknown>;
}

/**
 * Options of `taskStatus()` and `TaskStatusService.statusSignal()`.
 *
 * @example
 * ```ts
 * ngOnInit() { this.status = taskStatus(this.id, { injector: this.injector }) }
 * ```
 */
export interface TaskStatusSignalOptions {
  /**
   * The injector whose `DestroyRef` ends the subscription, to call it outside an injection
   * context (e.g. in `ngOnInit`).
   * @default the current injection context's injector
   */
  readonly injector?: Injector | undefined;
}

const sameId = (a: string | null | undefined, b: string | null | undefined): boolean =>
  a === b || (typeof a === 'string' && typeof b === 'string' && a.toLowerCase() === b.toLowerCase());

/**
 * @internal The signal of one task (or of whichever task a signal names), subscribed at once and
 * unsubscribed when `injector`'s `DestroyRef` fires. On the server it never subscribes: a task
 * is followed in the browser.
 */
export function createTaskStatusSignal(source: TaskStatusSource, taskId: TaskIdInput, injector: Injector): TaskStatusSignal {
  const value = signal<TaskTransition | undefined>(undefined);
  const error = signal<unknown>(undefined);
  const result: TaskStatusSignal = Object.assign(value.asReadonly(), { error: error.asReadonly() });

  // Polling is started outside Angular's zone (a no-op when zoneless): its timers then never keep
  // a zone-based app from becoming stable (hydration, service worker registration, tests).
  const zone = injector.get(NgZone, null, { optional: true });
  const outsideZone = (source$: Observable<TaskTransition>): Observable<TaskTransition> =>
    zone === null ? source$ : new Observable<TaskTransition>((subscriber) => zone.runOutsideAngular(() => source$.subscribe(subscriber)));

  let stream$: Observable<TaskTransition>;
  if (typeof taskId === 'string') {
    // Validates the id now: a TypeError at call time, as taskStatus$.
    stream$ = outsideZone(source.status$(taskId));
  } else if (typeof taskId !== 'function') {
    failOption('taskId', 'a task id or a signal of one', taskId);
  } else {
    if (isPlatformServer(injector.get(PLATFORM_ID))) return result;
    const id = computed(taskId);
    stream$ = toObservable(id, { injector }).pipe(
      distinctUntilChanged(sameId),
      switchMap((next) => {
        value.set(undefined);
        error.set(undefined);
        if (next === null || next === undefined || next === '') return EMPTY;
        return outsideZone(defer(() => source.status$(next))).pipe(
          catchError((failure: unknown) => {
            error.set(failure);
            return EMPTY;
          }),
        );
      }),
    );
  }
  if (isPlatformServer(injector.get(PLATFORM_ID))) return result;

  const destroyRef = injector.get(DestroyRef);
  const subscription = stream$.subscribe({
    next: (transition) => value.set(transition),
    error: (failure: unknown) => error.set(failure),
  });
  try {
    destroyRef.onDestroy(() => subscription.unsubscribe());
  } catch (failure: unknown) {
    // The injector is already destroyed: follow nothing.
    subscription.unsubscribe();
    throw failure;
  }
  return result;
}
