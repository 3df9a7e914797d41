import { Observable, type MonoTypeOperatorFunction } from 'rxjs';

/** @internal What {@link firstResponse} does besides taking the first value. */
export interface FirstResponseConfig<T> {
  /** The error when the source completes without a value. */
  readonly onEmpty: () => Error;
  /** Told how the request ended: its value, or its error (`undefined` value then). */
  readonly settled?: ((value: T | undefined, error?: unknown) => void) | undefined;
  /** Applied to the value before it goes on (the token taken out of an echo, say). */
  readonly clean?: ((value: T) => T) | undefined;
}

/**
 * @internal The answer to one request in one subscriber: the source's first value (the source is
 * unsubscribed then), `onEmpty()`'s error when the source completes without one, `settled` told
 * of the value or of the error, the value passed through `clean`. What `take(1)`,
 * `throwIfEmpty`, `tap` and `map` do in a row, without four subscribers (and their finalizer
 * arrays) for every request a client sends.
 *
 * @example
 * ```ts
 * transport(request).pipe(firstResponse({ onEmpty: () => new NetworkError('no response'), settled: report }))
 * ```
 */
export function firstResponse<T>(config: FirstResponseConfig<T>): MonoTypeOperatorFunction<T> {
  const { onEmpty, settled, clean } = config;
  return (source) =>
    new Observable<T>((subscriber) => {
      let answered = false;
      const fail = (error: unknown): void => {
        settled?.(undefined, error);
        subscriber.error(error);
      };
      return source.subscribe({
        next: (value) => {
          if (answered) return;
          answered = true;
          let out: T;
          try {
            settled?.(value);
            out = clean === undefined ? value : clean(value);
          } catch (error) {
            subscriber.error(error);
            return;
          }
          subscriber.next(out);
          subscriber.complete();
        },
        error: fail,
        complete: () => {
          if (!answered) fail(onEmpty());
        },
      });
    });
}
