import { Subscriber, type Observable } from 'rxjs';

/** No latest value yet (a value of its own, since `undefined` may be a value). */
const NONE: unique symbol = Symbol('none');

/**
 * @internal One subscription to a source shared by every subscriber, the latest value replayed
 * to late ones: what `share({ connector: () => new ReplaySubject(1), resetOnRefCountZero: true })`
 * does (reset on error, on complete and when the last subscriber leaves; a subscriber after a
 * reset starts a new subscription and gets no replay), in one small object.
 *
 * A subclass says what to connect to ({@link open}, asked on each connection, so a share that
 * waits for its first subscriber holds no source) and may hear each value before its
 * subscribers ({@link beforeNext}), hear a source error ({@link onError}) and give each
 * subscriber its own copy of a value ({@link forSubscriber}).
 *
 * Why not `share`: a client follows thousands of tasks, each with its own shared loop, and nearly
 * all of them sit waiting; `share` with a `ReplaySubject` held some 1.3 KB per task (the subject,
 * its buffer and observer list, the reset closures, two subscribers per connection), this holds a
 * few fields — the one subscriber itself, an array only from the second — and one subscriber per
 * connection. What an owner would add with operators around the source or each subscriber
 * (`tap`, `map`) are methods instead: an operator is one more subscriber, with its closures,
 * held by every waiting task.
 *
 * @example
 * ```ts
 * class Loop extends LatestShare<TaskTransition> {
 *   protected open() { return pollTask(taskId, runtime) }
 * }
 * const share = new Loop()
 * new Observable((subscriber) => share.add(subscriber)).subscribe(a) // connects
 * new Observable((subscriber) => share.add(subscriber)).subscribe(b) // the latest value at once, then the rest
 * share.error(new Error('disposed')) // both error; the source is unsubscribed
 * ```
 */
export abstract class LatestShare<T> {
  /** The subscribers: none, the only one, or (from the second) an array. */
  private observers: Subscriber<T> | Subscriber<T>[] | undefined = undefined;
  private latest: T | typeof NONE = NONE;
  /**
   * @internal The subscriber of the current connection (also its subscription: RxJS returns the
   * subscriber it was given); callbacks of an older one are ignored.
   */
  current: Connection<T> | undefined = undefined;

  /** The source of a new connection: asked each time the share connects. */
  protected abstract open(): Observable<T>;

  /** Hears each value of the source before the subscribers get it. */
  protected beforeNext(_value: T): void {}

  /** Hears a source error before the subscribers get it (not an {@link error} call). */
  protected onError(_error: unknown): void {}

  /** What one subscriber gets of a value (its own copy of it, say): the value itself here. */
  protected forSubscriber(value: T): T {
    return value;
  }

  /** True while the share has subscribers. */
  get observed(): boolean {
    const o = this.observers;
    return o !== undefined && (!Array.isArray(o) || o.length > 0);
  }

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
    const o = this.observers;
    if (o === undefined) this.observers = subscriber;
    else if (Array.isArray(o)) o.push(subscriber);
    else this.observers = [o, subscriber];
    if (this.latest !== NONE) subscriber.next(this.forSubscriber(this.latest));
    if (this.current === undefined && !subscriber.closed) this.connect();
  }

  /** Takes a subscriber out; the last one out unsubscribes the source. */
  remove(subscriber: Subscriber<T>): void {
    const o = this.observers;
    if (o === subscriber) this.observers = undefined;
    else if (Array.isArray(o) && o.includes(subscriber)) o.splice(o.indexOf(subscriber), 1);
    else return;
    this.disconnectIfUnobserved();
  }

  /**
   * Takes out every subscriber that is closed (unsubscribed); the last one out unsubscribes the
   * source. For an owner that is the teardown of all its subscribers at once: a subscriber is
   * closed before its teardowns run.
   */
  removeClosed(): void {
    const o = this.observers;
    if (o === undefined) return;
    if (!Array.isArray(o)) {
      if (!o.closed) return;
      this.observers = undefined;
    } else {
      if (!o.some((s) => s.closed)) return;
      const open = o.filter((s) => !s.closed);
      this.observers = open.length === 1 ? open[0] : open;
    }
    this.disconnectIfUnobserved();
  }

  private disconnectIfUnobserved(): void {
    const { current } = this;
    if (!this.observed && current !== undefined) {
      this.reset();
      current.unsubscribe();
    }
  }

  /**
   * Sets the value replayed to the next subscribers before the source is connected (a value kept
   * from an earlier connection); the source's own values replace it. Ignored once connected.
   */
  seed(value: T): void {
    if (this.current === undefined) this.latest = value;
  }

  /** Errors every subscriber with `error` and unsubscribes the source (when connected). */
  error(error: unknown): void {
    const { current } = this;
    if (current === undefined) return;
    for (const observer of this.reset()) observer.error(error);
    current.unsubscribe();
  }

  /** @internal From the current connection. */
  onNext(value: T): void {
    this.beforeNext(value);
    this.latest = value;
    const o = this.observers;
    if (o === undefined) return;
    if (!Array.isArray(o)) o.next(this.forSubscriber(value));
    else for (const observer of o.slice()) observer.next(this.forSubscriber(value));
  }

  /** @internal From the current connection. */
  onEnd(error: unknown, failed: boolean): void {
    if (failed) this.onError(error);
    for (const observer of this.reset()) {
      if (failed) observer.error(error);
      else observer.complete();
    }
  }

  private connect(): void {
    const current = new Connection(this);
    this.current = current;
    this.open().subscribe(current);
    // The source may have ended (or every subscriber left) while it was being subscribed.
    if (this.current !== current) current.unsubscribe();
  }

  /** Forgets the connection and the latest value; returns the subscribers it had. */
  private reset(): readonly Subscriber<T>[] {
    const o = this.observers;
    this.observers = undefined;
    this.latest = NONE;
    this.current = undefined;
    return o === undefined ? [] : Array.isArray(o) ? o : [o];
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
