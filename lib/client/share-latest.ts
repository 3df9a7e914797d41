import { Subscriber, type Observable, type Subscription } from 'rxjs';

/** What a {@link LatestShare}'s owner hears of the shared source (every method optional). */
export interface LatestShareTap<T> {
  /** Called with each value of the shared source before its subscribers get it. */
  beforeNext?(value: T): void;
  /** Called when the shared source errors, before its subscribers get the error (not for {@link LatestShare.error}). */
  onError?(error: unknown): void;
  /** What one subscriber gets of a value (its own copy of it, say); the value itself by default. */
  forSubscriber?(value: T): T;
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
 * few fields and one subscriber per connection. What an owner would add with operators around
 * the source or each subscriber (`tap`, `map`) is the {@link LatestShareTap}'s instead: an
 * operator is one more subscriber, with its closures, held by every waiting task.
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
  private hasLatest = false;
  private latest: T | undefined = undefined;
  private connection: Subscription | undefined;
  /** @internal The subscriber of the current connection; callbacks of an older one are ignored. */
  current: Connection<T> | undefined;

  constructor(
    private readonly source: Observable<T>,
    private readonly tap?: LatestShareTap<T>,
  ) {}

  /**
   * Adds a subscriber (see {@link join}); returns its teardown (use it as the return value of an
   * `Observable` subscribe function).
   */
  add(subscriber: Subscriber<T>): () => void {
    this.join(subscriber);
    return () => this.remove(subscriber);
  }

  /** Adds a subscriber: replays the latest value, connects if needed. {@link remove} takes it out. */
  join(subscriber: Subscriber<T>): void {
    if (this.observers.length === 0) this.observers = [subscriber];
    else this.observers.push(subscriber);
    if (this.hasLatest) subscriber.next(this.copy(this.latest as T));
    if (this.current === undefined && !subscriber.closed) this.connect();
  }

  /** Takes a subscriber out; the last one out unsubscribes the source. */
  remove(subscriber: Subscriber<T>): void {
    const index = this.observers.indexOf(subscriber);
    if (index === -1) return;
    this.observers.splice(index, 1);
    if (this.observers.length === 0 && this.current !== undefined) {
      const connection = this.connection;
      this.reset();
      connection?.unsubscribe();
    }
  }

  /**
   * Sets the value replayed to the next subscribers before the source is connected (a value kept
   * from an earlier connection); the source's own values replace it. Ignored once connected.
   */
  seed(value: T): void {
    if (this.current !== undefined) return;
    this.hasLatest = true;
    this.latest = value;
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
    this.tap?.beforeNext?.(value);
    this.hasLatest = true;
    this.latest = value;
    const observers = this.observers;
    if (observers.length === 1) observers[0]!.next(this.copy(value));
    else for (const observer of observers.slice()) observer.next(this.copy(value));
  }

  /** @internal From the current connection. */
  onEnd(error: unknown, failed: boolean): void {
    if (failed) this.tap?.onError?.(error);
    for (const observer of this.reset()) {
      if (failed) observer.error(error);
      else observer.complete();
    }
  }

  private copy(value: T): T {
    const tap = this.tap;
    return tap?.forSubscriber === undefined ? value : tap.forSubscriber(value);
  }

  private connect(): void {
    const current = new Connection(this);
    this.current = current;
    const subscription = this.source.subscribe(current);
    // The source may have ended (or every subscriber left) while it was being subscribed.
    if (this.current === current) this.connection = subscription;
    else subscription.unsubscribe();
  }

  /** Forgets the connection and the latest value; returns the subscribers it had. */
  private reset(): Subscriber<T>[] {
    const observers = this.observers;
    this.observers = NONE as never[];
    this.hasLatest = false;
    this.latest = undefined;
    this.connection = undefined;
    this.current = undefined;
    return observers;
  }
}

/**
 * The subscriber of one connection: forwards to its share while it is the current one. A
 * `Subscriber` itself, so that subscribing the source wraps it in nothing more.
 */
class Connection<T> extends Subscriber<T> {
  constructor(private readonly share: LatestShare<T>) {
    super();
  }

  private get live(): boolean {
    return this.share.current === this;
  }

  protected override _next(value: T): void {
    if (this.live) this.share.onNext(value);
  }

  protected override _error(error: unknown): void {
    try {
      if (this.live) this.share.onEnd(error, true);
    } finally {
      this.unsubscribe();
    }
  }

  protected override _complete(): void {
    try {
      if (this.live) this.share.onEnd(undefined, false);
    } finally {
      this.unsubscribe();
    }
  }
}
