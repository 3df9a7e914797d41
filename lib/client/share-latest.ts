import type { Observable, Observer, Subscriber, Subscription } from 'rxjs';

/** Called with each value of the shared source before its subscribers get it. */
export interface LatestShareTap<T> {
  beforeNext(value: T): void;
}

const NONE: readonly never[] = [];

/**
 * @internal One subscription to `source` shared by every subscriber, the latest value replayed
 * to late ones: what `share({ connector: () => new ReplaySubject(1), resetOnRefCountZero: true })`
 * does (reset on error, on complete and when the last subscriber leaves; a subscriber after a
 * reset starts a new subscription and gets no replay), in one small object.
 *
 * Why not `share`: a client follows thousands of tasks, each with its own shared loop, and nearly
 * all of them sit waiting; `share` with a `ReplaySubject` held some 1.3 KB per task (the subject,
 * its buffer and observer list, the reset closures, two subscribers per connection), this holds a
 * few fields and one small observer per connection.
 *
 * @example
 * ```ts
 * const share = new LatestShare(pollTask(taskId, runtime))
 * const stop = new Observable((subscriber) => share.add(subscriber)).subscribe(a) // connects
 * new Observable((subscriber) => share.add(subscriber)).subscribe(b) // the latest value at once, then the rest
 * share.error(new Error('disposed')) // both error; the source is unsubscribed
 * ```
 */
export class LatestShare<T> {
  private observers: Subscriber<T>[] = NONE as never[];
  private latest: { readonly value: T } | undefined;
  private connection: Subscription | undefined;
  /** @internal The observer of the current connection; callbacks of an older one are ignored. */
  current: Connection<T> | undefined;

  constructor(
    private readonly source: Observable<T>,
    private readonly tap?: LatestShareTap<T>,
  ) {}

  /**
   * Adds a subscriber: replays the latest value, connects if needed. Returns its teardown (use it
   * as the return value of an `Observable` subscribe function).
   */
  add(subscriber: Subscriber<T>): () => void {
    if (this.observers.length === 0) this.observers = [subscriber];
    else this.observers.push(subscriber);
    if (this.latest !== undefined) subscriber.next(this.latest.value);
    if (this.current === undefined && !subscriber.closed) this.connect();
    return () => this.remove(subscriber);
  }

  /**
   * Sets the value replayed to the next subscribers before the source is connected (a value kept
   * from an earlier connection); the source's own values replace it. Ignored once connected.
   */
  seed(value: T): void {
    if (this.current === undefined) this.latest = { value };
  }

  /** Errors every subscriber with `error` and unsubscribes the source (when connected). */
  error(error: unknown): void {
    if (this.current === undefined) return;
    const connection = this.connection;
    for (const observer of this.reset()) observer.error(error);
    connection?.unsubscribe();
  }

  /** @internal From the current connection. */
  onNext(value: T): void {
    this.tap?.beforeNext(value);
    this.latest = { value };
    const observers = this.observers;
    if (observers.length === 1) observers[0]!.next(value);
    else for (const observer of observers.slice()) observer.next(value);
  }

  /** @internal From the current connection. */
  onEnd(error: unknown, failed: boolean): void {
    for (const observer of this.reset()) {
      if (failed) observer.error(error);
      else observer.complete();
    }
  }

  private connect(): void {
    const current = new Connection(this);
    this.current = current;
    const subscription = this.source.subscribe(current);
    // The source may have ended (or every subscriber left) while it was being subscribed.
    if (this.current === current) this.connection = subscription;
    else subscription.unsubscribe();
  }

  private remove(subscriber: Subscriber<T>): void {
    const index = this.observers.indexOf(subscriber);
    if (index === -1) return;
    this.observers.splice(index, 1);
    if (this.observers.length === 0 && this.current !== undefined) {
      const connection = this.connection;
      this.reset();
      connection?.unsubscribe();
    }
  }

  /** Forgets the connection and the latest value; returns the subscribers it had. */
  private reset(): Subscriber<T>[] {
    const observers = this.observers;
    this.observers = NONE as never[];
    this.latest = undefined;
    this.connection = undefined;
    this.current = undefined;
    return observers;
  }
}

/** The observer of one connection: forwards to its share while it is the current one. */
class Connection<T> implements Observer<T> {
  constructor(private readonly share: LatestShare<T>) {}

  private get live(): boolean {
    return this.share.current === this;
  }

  next(value: T): void {
    if (this.live) this.share.onNext(value);
  }

  error(error: unknown): void {
    if (this.live) this.share.onEnd(error, true);
  }

  complete(): void {
    if (this.live) this.share.onEnd(undefined, false);
  }
}
