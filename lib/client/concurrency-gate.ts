import { Observable, timer, type SchedulerLike, type Subscriber, type Subscription, type Unsubscribable } from 'rxjs';
import type { TokenBucket } from './token-bucket.js';

/** @internal Counts the requests of one task that are queued or in flight. */
export interface GateTracker {
  busy: number;
}

/**
 * One gated request: its place in the FIFO (a doubly linked list node) and, once started, its
 * slot. It is the subscription's teardown, so a request costs one object besides the Observable.
 */
class Ticket<T> implements Unsubscribable {
  prev: Ticket<unknown> | undefined = undefined;
  next: Ticket<unknown> | undefined = undefined;
  queued = false;
  holding = false;
  inner: Subscription | undefined = undefined;
  /** While queued: the subscription to the caller's time limit. */
  private guard: Subscription | undefined = undefined;

  constructor(
    private readonly gate: ConcurrencyGate,
    private readonly send: Observable<T>,
    private readonly subscriber: Subscriber<T>,
    private readonly tracker: GateTracker | undefined,
  ) {}

  /** Waits in the queue no longer than `limit$` allows: its error leaves the queue and ends the request. */
  guardWith(limit$: Observable<never>): void {
    this.guard = limit$.subscribe({
      error: (error: unknown) => {
        this.gate.leave(this);
        this.subscriber.error(error);
      },
    });
  }

  start(): void {
    this.guard?.unsubscribe();
    this.guard = undefined;
    this.holding = true;
    this.gate.inFlight++;
    this.inner = this.send.subscribe(this.subscriber);
  }

  unsubscribe(): void {
    this.guard?.unsubscribe();
    if (this.tracker !== undefined) this.tracker.busy--;
    this.gate.leave(this);
  }
}

/**
 * @internal The client's request gate: at most `limit` requests in flight across all tasks, the
 * rest wait first come first served (a linked FIFO: enqueue, dequeue and leaving the queue are
 * O(1), so nobody starves and an aborted wait costs nothing). An optional {@link TokenBucket}
 * spaces requests out (`maxRequestsPerSecond`); while {@link pause}d nothing new starts.
 *
 * A request is the Observable given to {@link wrap}: subscribing to it means "send", so a wait in
 * the queue never counts against the request's own timeout, which sits inside it.
 *
 * @example
 * ```ts
 * const gate = new ConcurrencyGate(16, scheduler)
 * const hooks: PollHooks = { gate: (send) => gate.wrap(send) }
 * ```
 */
export class ConcurrencyGate {
  /** Requests sent and not yet finished. */
  inFlight = 0;
  /** Requests waiting for a slot. */
  queued = 0;
  private head: Ticket<unknown> | undefined;
  private tail: Ticket<unknown> | undefined;
  private paused = false;
  private closed = false;
  private draining = false;
  private wake: Subscription | undefined;

  constructor(
    private readonly limit: number,
    private readonly scheduler: SchedulerLike,
    private readonly bucket?: TokenBucket,
  ) {}

  /**
   * Delays subscribing to `send` until a slot (and a rate token) is free; holds the slot until it
   * completes, errors or is unsubscribed. Unsubscribing while queued just leaves the queue.
   * `tracker.busy` counts the task's requests queued or in flight. `limit`, when given, is
   * subscribed while the request waits in the queue: its error ends the wait (and the request).
   */
  wrap<T>(send: Observable<T>, tracker?: GateTracker, limit?: () => Observable<never>): Observable<T> {
    return new Observable<T>((subscriber) => {
      if (this.closed) return undefined;
      if (tracker !== undefined) tracker.busy++;
      const ticket = new Ticket(this, send, subscriber, tracker);
      if (this.head === undefined && this.admit()) ticket.start();
      else {
        this.enqueue(ticket);
        this.drain();
        if (ticket.queued && limit !== undefined) ticket.guardWith(limit());
      }
      return ticket;
    });
  }

  /** Stops starting requests (those in flight go on). */
  pause(): void {
    this.paused = true;
  }

  /** Starts queued requests again, at once. */
  resume(): void {
    this.paused = false;
    this.drain();
  }

  /**
   * Lets requests start again, from the next one asked for: what is queued now stays queued (for
   * a client that follows no task any more, whose queued requests are being torn down and must
   * not be sent on their way out).
   */
  unpause(): void {
    this.paused = false;
  }

  /** For dispose: nothing starts any more, the rate timer is cancelled. */
  close(): void {
    this.closed = true;
    this.wake?.unsubscribe();
    this.wake = undefined;
  }

  /** @internal A ticket's teardown: leave the queue, or free the slot and serve the next. */
  leave(ticket: Ticket<unknown>): void {
    this.remove(ticket);
    if (!ticket.holding) return;
    ticket.holding = false;
    ticket.inner?.unsubscribe();
    this.inFlight--;
    this.drain();
  }

  /** True when one more request may start now; takes its rate token. */
  private admit(): boolean {
    if (this.closed || this.paused || this.inFlight >= this.limit) return false;
    if (this.bucket === undefined) return true;
    if (this.wake !== undefined) return false;
    const wait = this.bucket.take();
    if (wait === 0) return true;
    // The rate token's wait, on the scheduler: RxJS's `timer`, not an action scheduled by hand.
    this.wake = timer(wait, this.scheduler).subscribe(() => {
      this.wake = undefined;
      this.drain();
    });
    return false;
  }

  /** Starts queued requests while slots are free; re-entrant calls (sync responses) just return. */
  private drain(): void {
    if (this.draining) return;
    this.draining = true;
    try {
      while (this.head !== undefined && this.admit()) {
        const ticket = this.head;
        this.remove(ticket);
        ticket.start();
      }
    } finally {
      this.draining = false;
    }
  }

  private enqueue(ticket: Ticket<unknown>): void {
    ticket.queued = true;
    ticket.prev = this.tail;
    if (this.tail === undefined) this.head = ticket;
    else this.tail.next = ticket;
    this.tail = ticket;
    this.queued++;
  }

  private remove(ticket: Ticket<unknown>): void {
    if (!ticket.queued) return;
    ticket.queued = false;
    if (ticket.prev === undefined) this.head = ticket.next;
    else ticket.prev.next = ticket.next;
    if (ticket.next === undefined) this.tail = ticket.prev;
    else ticket.next.prev = ticket.prev;
    ticket.prev = undefined;
    ticket.next = undefined;
    this.queued--;
  }
}
