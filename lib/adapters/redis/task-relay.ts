import { timer, type Observable, type SchedulerLike, type Subscriber, type Subscription } from 'rxjs';
import { DecodeError, isTerminal, type TaskHubContext, type TaskTransition } from '../../index.js';
import { redactUrl } from './redis-link.js';
import { RedisUnavailableError } from './redis-unavailable-error.js';
import { encodeStoredTransition } from './stored-transition.js';
import { StreamCursor } from './stream-cursor.js';
import type { StreamEntry, TaskLease } from './task-lease.js';

/** What a step does: read the entries; `join` (the first step) then schedules the first lease attempt. */
type StepAsk = 'read' | 'join' | 'acquire';

/**
 * @internal Where one relay stands: `starting` (reading Redis), `follower` (another process
 * polls), `poller` (this one holds the lease and publishes), `local` (Redis unreachable: polling
 * here without it, trying to rejoin), `done`.
 */
export type RelayMode = 'starting' | 'follower' | 'poller' | 'local' | 'done';

/** @internal What the hub's connections tell a relay. */
export interface RelayConnection {
  /** The pub/sub connection is back after a loss (notifications were missed). Returns the remover. */
  onReconnect(listener: () => void): () => void;
  /** A connection that was up is lost. Returns the remover. */
  onDown(listener: (error: Error) => void): () => void;
  /** A connection became ready (Redis answers again). Returns the remover. */
  onUp(listener: () => void): () => void;
}

/** @internal What a relay shares with its hub. Time and chance come from here only. */
export interface RelayEnv {
  readonly lease: TaskLease;
  readonly connection: RelayConnection;
  readonly leaseMs: number;
  readonly onUnavailable: 'fallback' | 'fail';
  /** Every timer of the relay (lease attempts, rejoin attempts). */
  readonly scheduler: SchedulerLike;
  /** A number in [0, 1): the jitter of lease and rejoin attempts. */
  readonly random: () => number;
  /** The hub's load: tasks it polls now, plus leases it is asking for. */
  readonly load: () => number;
  /** Counts this relay's lease requests in flight into the hub's load. */
  readonly asking: (delta: number) => void;
  /**
   * ms this hub lets pass before asking for a free lease: more the more tasks it polls beyond the
   * least loaded other process, so that those ask first (0 alone, or when it is the least loaded).
   */
  readonly yieldMs: () => number;
  /** Called when this relay takes or loses the lease (the hub's load changed). */
  readonly onLeaseChange: () => void;
  /** Keeps a lease release in flight, so that `hub.close()` waits for it. */
  readonly track: (work: Promise<unknown>) => void;
  /** Called once when the relay ends, whatever the reason. */
  readonly onDone: () => void;
}

/** @internal The ms a relay waits before its first lease attempt: at most this, at random. */
export const joinSpreadMs = (leaseMs: number): number => Math.max(1, Math.min(500, Math.floor(leaseMs / 10)));

/** @internal The jitter added to a follower's lease attempt, so that followers do not all ask at once. */
export const attemptJitterMs = (leaseMs: number): number => Math.max(1, Math.min(50, Math.floor(leaseMs / 10)));

/** @internal ms between a local relay's attempts to rejoin the hub (plus jitter): well under `leaseMs`. */
export const rejoinEveryMs = (leaseMs: number): number => Math.max(10, Math.floor(leaseMs / 3));

/**
 * @internal One subscription of the hub's `follow(taskId, poll$)`: elects, through the task's
 * lease ({@link TaskLease}), whether this process polls (`poll$`, each transition published to
 * the task's stream) or emits what the poller publishes; takes over when the lease falls free;
 * polls alone when Redis is unreachable and rejoins the hub when it answers again.
 *
 * Every emission goes through one {@link StreamCursor}, so a subscriber never gets a transition
 * twice (stream ids only grow, a phase emitted last is not emitted again).
 */
export class TaskRelay {
  private mode: RelayMode = 'starting';
  private readonly cursor: StreamCursor;
  /** True while this relay may hold the lease (from acquisition to release or terminal publish). */
  private leased = false;
  private pollSub: Subscription | undefined;
  private timerSub: Subscription | undefined;
  private unlisten: (() => void) | undefined;
  private readonly removeConnectionListeners: () => void;
  private stepping = false;
  private stepAgain: StepAsk | undefined;
  private rejoining = false;
  /** When this relay last became the poller (scheduler time). */
  private pollerSince = 0;
  /** Set by `hubClosed`: the hub is gone, never rejoin. */
  private hubGone = false;
  /** The latest transition of the local loop (republished when this relay rejoins as the poller). */
  private lastLocal: TaskTransition | undefined;
  /** Counts the local loops started, so that a stopped loop's queued transitions are dropped. */
  private generation = 0;
  /** Local transitions are handled one after the other, in order. */
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly taskId: string,
    private readonly poll$: Observable<TaskTransition>,
    private readonly subscriber: Subscriber<TaskTransition>,
    private readonly env: RelayEnv,
    private readonly context: TaskHubContext | undefined,
  ) {
    this.cursor = new StreamCursor(taskId);
    const { connection } = env;
    const removers = [
      connection.onReconnect(() => {
        if (this.mode === 'follower') this.step('read');
      }),
      // A lost connection means lost notifications (and soon failing commands): poll locally now
      // rather than at the next lease attempt. (A poller needs only the command connection: it
      // falls back when a command fails.)
      connection.onDown((error) => {
        if (this.mode === 'follower' || this.mode === 'starting') this.unavailable(error);
      }),
      connection.onUp(() => {
        if (this.mode === 'local') this.scheduleRejoin(this.env.random() * attemptJitterMs(this.env.leaseMs));
      }),
    ];
    this.removeConnectionListeners = (): void => {
      for (const remove of removers) remove();
    };
  }

  /** The relay's mode (for the hub's stats). */
  get state(): RelayMode {
    return this.mode;
  }

  /** Subscribes to the task's channel, reads its latest state, then asks for the lease. */
  start(): void {
    this.env.lease
      .listen((message) => this.onMessage(message))
      .then(
        (unlisten) => {
          if (this.mode !== 'starting') {
            unlisten();
            return;
          }
          this.unlisten = unlisten;
          this.step('join');
        },
        (error: unknown) => this.unavailable(error),
      )
      .catch((error: unknown) => this.end(error));
  }

  /** The subscriber left: release everything, and the lease if held. */
  stop(): void {
    this.end();
  }

  /**
   * The hub is closing: release the lease (so that another process takes over at once), then
   * go on as when Redis becomes unreachable, for good.
   */
  hubClosed(): void {
    this.hubGone = true;
    if (this.leased && this.live()) this.release(true);
    this.unavailable(new Error('the Redis hub was closed'));
  }

  /**
   * Renews the lease if this relay polls (the hub calls it every `leaseMs / 3`); with `handoff`
   * (the hub polls more than its share), hands it to a candidate that polls fewer tasks, if any.
   * Returns whether it offered the lease (held for `leaseMs` at least) to another process.
   */
  renew(handoff = false): boolean {
    if (this.mode !== 'poller') return false;
    // Only a lease held for `leaseMs` already is handed over: a short task ends where it started.
    const handing = handoff && this.env.scheduler.now() - this.pollerSince >= this.env.leaseMs;
    this.env.lease.renew(this.env.load(), handing).then(
      (renewed) => {
        if (this.mode !== 'poller' || renewed === 'held') return;
        if (renewed === 'lost') this.loseLease();
        else this.handedOver();
      },
      (error: unknown) => {
        if (this.mode === 'poller') this.unavailable(error);
      },
    ).catch((error: unknown) => this.end(error));
    return handing;
  }

  /** The lease went to a less loaded process: stop polling, follow (ask again after the offer). */
  private handedOver(): void {
    this.leased = false;
    this.stopLocal();
    this.mode = 'follower';
    this.report('follower');
    this.env.onLeaseChange();
    this.waitThenAcquire(this.env.leaseMs + this.env.random() * attemptJitterMs(this.env.leaseMs));
  }

  /** The mode, read through a call so that TypeScript does not keep a narrowing across an await. */
  private modeNow(): RelayMode {
    return this.mode;
  }

  private live(): boolean {
    return this.mode !== 'done' && this.mode !== 'local';
  }

  private onMessage(message: string): void {
    if (this.mode === 'follower') this.step(message === 'r' ? 'acquire' : 'read');
    else if (this.mode === 'starting' || this.mode === 'poller') this.step('read');
  }

  /** One step at a time: a step asked while one runs runs right after it (the strongest ask wins). */
  private step(ask: StepAsk): void {
    if (this.stepping) {
      this.stepAgain = stronger(this.stepAgain, ask);
      return;
    }
    this.stepping = true;
    // Nothing may escape as an unhandled rejection: a failure of the relay ends this task only.
    this.runSteps(ask).catch((error: unknown) => this.end(error));
  }

  private async runSteps(first: StepAsk): Promise<void> {
    let ask: StepAsk | undefined = first;
    try {
      while (ask !== undefined) {
        if (!this.live()) return;
        const asked: StepAsk = ask === 'acquire' && this.mode === 'poller' ? 'read' : ask;
        const reply = await this.ask(asked);
        if (!this.live()) {
          if (asked === 'acquire' && reply.code === -1) this.release(false);
          return;
        }
        if (asked === 'acquire' && reply.code === -1) this.leased = true;
        this.deliver(reply.entries, false);
        if (!this.live()) return;
        if (asked === 'acquire') {
          if (reply.code === -1) this.becomePoller();
          else this.becomeFollower(reply.code);
        } else if (asked === 'join') {
          // Spread the first attempts of a fleet that starts together, so that the lease rule
          // (fewest tasks first) sees every candidate.
          this.waitThenAcquire(this.env.random() * joinSpreadMs(this.env.leaseMs));
        }
        ask = this.stepAgain;
        this.stepAgain = undefined;
      }
    } catch (error) {
      this.unavailable(error);
    } finally {
      // Cleared in the same turn as the last check of `stepAgain`, so no step asked is lost.
      this.stepping = false;
    }
  }

  private async ask(ask: StepAsk): Promise<{ code: number; entries: readonly StreamEntry[] }> {
    if (ask !== 'acquire') return this.env.lease.step(this.cursor.lastId, 'read', this.env.load());
    this.env.asking(1);
    try {
      return await this.env.lease.step(this.cursor.lastId, ask, this.env.load());
    } finally {
      this.env.asking(-1);
    }
  }

  /**
   * Asks for the lease after `delay` — and, when the time comes, after the hub's yield too (read
   * then, from the loads of that moment: a fleet's leases tend to fall free together).
   */
  private waitThenAcquire(delay: number): void {
    this.timerSub?.unsubscribe();
    this.timerSub = timer(Math.floor(delay), this.env.scheduler).subscribe(() => {
      const yieldMs = Math.floor(this.env.yieldMs());
      if (yieldMs <= 0) {
        this.step('acquire');
        return;
      }
      this.timerSub = timer(yieldMs, this.env.scheduler).subscribe(() => this.step('acquire'));
    });
  }

  private becomePoller(): void {
    if (this.mode === 'poller') return;
    this.mode = 'poller';
    this.pollerSince = this.env.scheduler.now();
    this.env.onLeaseChange();
    this.report('poller');
    // The hub renews the lease (one timer for all its tasks), see `renew`.
    this.timerSub?.unsubscribe();
    this.timerSub = undefined;
    this.pollSub ??= this.subscribeLocal();
  }

  /** Waits for the lease: the next attempt when the current lease runs out (or `leaseMs` at most). */
  private becomeFollower(code: number): void {
    if (this.mode !== 'follower') {
      this.mode = 'follower';
      this.report('follower');
    }
    const { leaseMs } = this.env;
    const left = code >= 0 ? Math.min(code, leaseMs) : code === -2 ? 0 : leaseMs;
    this.waitThenAcquire(left + this.env.random() * attemptJitterMs(leaseMs));
  }

  /**
   * Queues `work` after the local transitions before it. A failure in it (a transition that
   * cannot be stored, a bug) ends this task's relay with that error — never an unhandled
   * rejection, and the queue stays usable.
   */
  private enqueue(generation: number, work: () => void | Promise<void>): void {
    this.queue = this.queue
      .then(() => (generation === this.generation ? work() : undefined))
      .catch((error: unknown) => {
        if (generation === this.generation) this.end(error);
      });
  }

  private subscribeLocal(): Subscription {
    // Transitions of a loop stopped since (the lease was lost) are dropped from the queue.
    const generation = ++this.generation;
    return this.poll$.subscribe({
      next: (transition) => {
        this.enqueue(generation, () => this.onLocal(transition));
      },
      error: (error: unknown) => {
        this.enqueue(generation, () => this.end(error));
      },
      complete: () => {
        this.enqueue(generation, () => {
          if (generation !== this.generation) return;
          this.pollSub = undefined;
          if (this.mode === 'local') this.end();
          else if (this.mode === 'poller') {
            // The loop ended without a terminal transition: let someone (maybe this relay) poll again.
            this.release(false);
            this.mode = 'follower';
            this.report('follower');
            this.step('acquire');
          }
        });
      },
    });
  }

  /** A transition of this process's own loop: published (poller) or emitted as is (local). */
  private async onLocal(transition: TaskTransition): Promise<void> {
    this.lastLocal = transition;
    if (this.mode === 'local') {
      this.emitLocal(transition);
      return;
    }
    if (this.mode !== 'poller') return; // the lease moved on: the new poller publishes
    const encoded = encodeStoredTransition(transition);
    if (encoded.json === undefined) {
      // Nested too deep or not JSON data: this task's error, the hub and its other tasks go on.
      this.end(new DecodeError([`state: cannot be stored as JSON (${encoded.why})`], { taskId: this.taskId, what: 'transition to store in Redis' }));
      return;
    }
    const terminal = isTerminal(transition.to);
    let reply: { code: number; entries: readonly StreamEntry[] };
    try {
      reply = await this.env.lease.publish(transition.to, encoded.json, encoded.content, terminal, this.cursor.lastId);
    } catch (error) {
      this.unavailable(error);
      if (this.modeNow() === 'local') this.emitLocal(transition);
      return;
    }
    // The mode may have changed while the script ran (a fallback, a lost lease, the end).
    const mode = this.modeNow();
    if (mode === 'local') {
      this.emitLocal(transition);
      return;
    }
    if (mode !== 'poller') return;
    if (reply.code === 1 && terminal) this.leased = false; // the script deleted the lease
    this.deliver(reply.entries, false);
    if (reply.code === 0 && this.modeNow() === 'poller') this.loseLease();
  }

  /** Another process holds the lease now (this one stalled past `leaseMs`): stop polling, follow. */
  private loseLease(): void {
    this.leased = false;
    this.stopLocal();
    this.timerSub?.unsubscribe();
    this.timerSub = undefined;
    this.mode = 'follower';
    this.report('follower');
    this.step('acquire');
  }

  private stopLocal(): void {
    this.generation++;
    this.pollSub?.unsubscribe();
    this.pollSub = undefined;
  }

  /** Emits the stream entries not seen yet, in order (only the newest when `latestOnly`). */
  private deliver(entries: readonly StreamEntry[], latestOnly: boolean): void {
    let transitions: TaskTransition[];
    try {
      transitions = this.cursor.read(entries, latestOnly);
    } catch (error) {
      this.end(error);
      return;
    }
    for (const t of transitions) {
      if (this.mode === 'done') return;
      this.emitAccepted(t);
    }
  }

  /** A transition of the local loop (Redis unreachable), through the cursor. */
  private emitLocal(transition: TaskTransition): void {
    const accepted = this.cursor.accept(transition);
    if (accepted === undefined) return;
    // What this subscriber saw alone may be newer than what the stream gets next.
    this.cursor.guard();
    this.emitAccepted(accepted);
  }

  private emitAccepted(out: TaskTransition): void {
    this.subscriber.next(out);
    if (isTerminal(out.to)) this.end();
  }

  /** Redis is unreachable: poll here without it (`fallback`, rejoining later) or fail the stream (`fail`). */
  private unavailable(cause: unknown): void {
    if (!this.live()) return;
    const error = cause instanceof Error ? cause : new Error(String(cause));
    const reason = redactUrl(error.message);
    this.context?.report({ type: 'hub-fallback', taskId: this.taskId, error: error.name, reason, at: this.context.now() });
    if (this.env.onUnavailable === 'fail') {
      this.end(new RedisUnavailableError(`Redis is unreachable: ${reason}`, { taskId: this.taskId, cause }));
      return;
    }
    const polling = this.mode === 'poller' && this.pollSub !== undefined;
    this.mode = 'local';
    this.leased = false; // it expires by itself, or is taken back when this relay rejoins
    this.timerSub?.unsubscribe();
    this.timerSub = undefined;
    this.unlisten?.();
    this.unlisten = undefined;
    if (!polling) this.pollSub = this.subscribeLocal();
    this.scheduleRejoin(rejoinEveryMs(this.env.leaseMs) + this.env.random() * attemptJitterMs(this.env.leaseMs));
  }

  private scheduleRejoin(delay: number): void {
    if (this.hubGone || this.mode !== 'local') return;
    this.timerSub?.unsubscribe();
    this.timerSub = timer(Math.floor(delay), this.env.scheduler).subscribe(() => {
      this.timerSub = undefined;
      void this.rejoin();
    });
  }

  /**
   * Redis may answer again: ask for the lease. Won, this relay's local loop goes on as the poller
   * (its latest transition is published); lost, the local loop stops and the relay follows. Either
   * way only the newest stream entry is read, and only if it is news to this subscriber.
   */
  private async rejoin(): Promise<void> {
    if (this.mode !== 'local' || this.rejoining || this.hubGone) return;
    this.rejoining = true;
    let reply: { code: number; entries: readonly StreamEntry[] };
    try {
      if (this.unlisten === undefined) {
        const unlisten = await this.env.lease.listen((message) => this.onMessage(message));
        if (this.modeNow() !== 'local' || this.hubGone) {
          unlisten();
          return;
        }
        this.unlisten = unlisten;
      }
      reply = await this.ask('acquire');
    } catch {
      // Still unreachable: go on locally, try again later.
      this.rejoining = false;
      this.scheduleRejoin(rejoinEveryMs(this.env.leaseMs) + this.env.random() * attemptJitterMs(this.env.leaseMs));
      return;
    } finally {
      this.rejoining = false;
    }
    if (this.modeNow() !== 'local' || this.hubGone) {
      if (reply.code === -1) this.release(false);
      return;
    }
    if (reply.code === -1) {
      this.leased = true;
      this.mode = 'poller';
      this.pollerSince = this.env.scheduler.now();
      this.report('poller');
      this.deliver(reply.entries, true);
      if (this.modeNow() !== 'poller') return;
      const last = this.lastLocal;
      if (this.pollSub === undefined) this.pollSub = this.subscribeLocal();
      else if (last !== undefined) this.enqueue(this.generation, () => this.onLocal(last));
      return;
    }
    this.stopLocal();
    this.mode = 'follower';
    this.report('follower');
    this.deliver(reply.entries, true);
    if (this.modeNow() === 'follower') this.becomeFollower(reply.code);
  }

  private release(leave: boolean): void {
    this.leased = false;
    this.env.track(this.env.lease.release(leave).catch(() => undefined));
  }

  private report(role: 'poller' | 'follower'): void {
    this.context?.report({ type: 'hub-role', taskId: this.taskId, role, at: this.context.now() });
  }

  /** Ends the relay: completes (or errors) the subscriber unless it left, releases everything. */
  private end(error?: unknown): void {
    if (this.mode === 'done') return;
    const wasLocal = this.mode === 'local';
    this.mode = 'done';
    this.timerSub?.unsubscribe();
    this.pollSub?.unsubscribe();
    this.unlisten?.();
    this.removeConnectionListeners();
    // Release the lease if held, and withdraw this hub's candidacy for the task.
    if (!wasLocal || this.leased) this.release(true);
    this.env.onDone();
    if (error !== undefined) this.subscriber.error(error);
    else this.subscriber.complete();
  }
}

function stronger(a: StepAsk | undefined, b: StepAsk): StepAsk {
  const rank = { read: 0, join: 1, acquire: 2 } as const;
  return a === undefined || rank[b] > rank[a] ? b : a;
}
