import { failOption } from '../option-checks.js';
import type { TaskRequestInterceptor } from '../poll-events.js';

/**
 * @internal A client's request interceptors (`client.addInterceptor`), composed into one: the
 * first added runs outermost. {@link current} is read once per request, so a request already
 * sent keeps the interceptors it was sent with.
 *
 * @example
 * ```ts
 * const chain = new InterceptorChain()
 * const remove = chain.add((info, send) => send.pipe(tap(() => log(info.url))))
 * chain.current?.(info, send$) // through every interceptor; `undefined` when there are none
 * remove()
 * ```
 */
export class InterceptorChain {
  /** The registrations, in order: one record each, so removing one never removes a twin. */
  private list: readonly { readonly interceptor: TaskRequestInterceptor }[] = [];
  /** The interceptors composed, the first added outermost; `undefined` when there are none. */
  current: TaskRequestInterceptor | undefined = undefined;

  /** Adds `interceptor` (a `TypeError` unless it is a function); returns the function that removes this registration. */
  add(interceptor: TaskRequestInterceptor): () => void {
    if (typeof interceptor !== 'function') failOption('addInterceptor: interceptor', 'a function', interceptor);
    const registration = { interceptor };
    this.set([...this.list, registration]);
    let removed = false;
    return () => {
      if (removed) return;
      removed = true;
      this.set(this.list.filter((r) => r !== registration));
    };
  }

  private set(list: readonly { readonly interceptor: TaskRequestInterceptor }[]): void {
    this.list = list;
    const wraps = list.map((r) => r.interceptor);
    this.current = wraps.length === 0 ? undefined : (info, send) => wraps.reduceRight((inner, wrap) => wrap(info, inner), send);
  }
}
