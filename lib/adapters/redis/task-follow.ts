import { asyncScheduler, timer, type Observable, type Subscriber, type Subscription } from 'rxjs';
import type { TaskHubContext } from '../../client/task-hub.js';
import { isTerminal, type TaskPhase, type TaskTransition } from '../../transitions.js';
import { hubKeys, type HubKeys } from './hub-keys.js';
import { FOLLOW, PUBLISH, RELEASE, RENEW, runScript } from './hub-scripts.js';
import type { RedisLink } from './redis-link.js';
import { redactUrl } from './redis-link.js';
import type { NormalisedRedisTaskHubOptions } from './redis-task-hub-options.js';
import { RedisUnavailableError } from './redis-unavailable-error.js';
import { DecodeError } from '../../errors/decode-error.js';
import { decodeTransition, encodeTransition, entryFields } from './stored-transition.js';

/** Stream entries kept per task (approximately): far more than a task has phases. */
const MAX_ENTRIES = 100;

/**
 * @internal Where one follow stands: `starting` (reading Redis), `follower` (another process
 * polls), `poller` (this one holds the lease and publishes), `local` (Redis unreachable: polling
 * here without it), `done`.
 */
export type FollowMode = 'starting' | 'follower' | 'poller' | 'local' | 'done';

/** @internal What a follow shares with its hub. */
export interface FollowEnv {
  readonly link: RedisLink;
  readonly options: NormalisedRedisTaskHubOptions;
  /** This follow's lease owner id, unique across the fleet. */
  readonly owner: string;
  /** Keeps a lease release in flight, so that `hub.close()` waits for it. */
  readonly track: (work: Promise<unknown>) => void;
  /** Called once when the follow ends, whatever the reason. */
  readonly onDone: () => void;
}

type StreamEntry = readonly [string, readonly unknown[]];

function parseEntries(value: unknown): StreamEntry[] {
  if (!Array.isArray(value)) return [];
  return value.filter((e): e is StreamEntry => Array.isArray(e) && typeof e[0] === 'string' && Array.isArray(e[1]));
}

function parseReply(value: unknown): { code: number; entries: StreamEntry[] } {
  if (!Array.isArray(value) || typeof value[0] !== 'number') throw new Error('unexpected reply from a hub script');
  return { code: value[0], entries: parseEntries(value[1]) };
}

/** Orders stream ids (`ms-seq`): negative when `a` comes first. */
function compareIds(a: string, b: string): number {
  const [am = '0', as = '0'] = a.split('-');
  const [bm = '0', bs = '0'] = b.split('-');
  return Number(am) - Number(bm) || Number(as) - Number(bs);
}

/**
 * @internal One subscription of the hub's `follow(taskId, poll$)`: elects, through the task's
 * lease, whether this process polls (`poll$`, each transition published to the task's stream) or
 * emits what the poller publishes; takes over when the lease falls free; falls back to `poll$`
 * alone when Redis is unreachable.
 *
 * Every emission goes through {@link TaskFollow.emit}, which drops stream entries already seen
 * (stream ids only grow) and transitions to the phase already emitted, so a subscriber never gets
 * a transition twice, and gives each transition after the first the `from` this subscriber saw.
 */
export class TaskFollow {
  private mode: FollowMode = 'starting';
  private readonly keys: HubKeys;
  /** The last stream entry delivered ('' before the first). */
  private lastId = '';
  private lastPhase: TaskPhase | null = null;
  private emitted = 0;
  /** True while this follow may hold the lease (from acquisition to release or terminal publish). */
  private leased = false;
  private pollSub: Subscription | undefined;
  private timerSub: Subscription | undefined;
  private unlisten: (() => void) | undefined;
  /** Removes the connection listeners. */
  private readonly removeConnectionListeners: () => void;
  private stepping = false;
  private stepAgain = false;
  private stepAcquire = false;
  /** Counts the local loops started, so that a stopped loop's queued transitions are dropped. */
  private generation = 0;
  /** Local transitions are handled one after the other, in order. */
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly taskId: string,
    private readonly poll$: Observable<TaskTransition>,
    private readonly subscriber: Subscriber<TaskTransition>,
    private readonly env: FollowEnv,
    private readonly context: TaskHubContext | undefined,
  ) {
    this.keys = hubKeys(env.options.keyPrefix, taskId);
    const unReconnect = env.link.onReconnect(() => {
      if (this.mode === 'follower') this.step(false);
    });
    // A lost connection means lost notifications (and soon failing commands): fall back now
    // rather than at the next lease attempt.
    // (A poller needs only the command connection: it falls back when a command fails.)
    const unDown = env.link.onDown((error) => {
      if (this.mode === 'follower' || this.mode === 'starting') this.unavailable(error);
    });
    this.removeConnectionListeners = (): void => {
      unReconnect();
      unDown();
    };
  }

  /** The follow's mode (for the hub's stats). */
  get state(): FollowMode {
    return this.mode;
  }

  /** Subscribes to the task's channel, then reads its latest state and tries to take the lease. */
  start(): void {
    this.env.link.listen(this.keys.channel, (message) => this.onMessage(message)).then(
      (unlisten) => {
        if (this.mode !== 'starting') {
          unlisten();
          return;
        }
        this.unlisten = unlisten;
        this.step(true);
      },
      (error: unknown) => this.unavailable(error),
    ).catch((error: unknown) => this.end(error));
  }

  /** The subscriber left: release everything, and the lease if held. */
  stop(): void {
    this.end();
  }

  /**
   * The hub is closing: release the lease (so that another process takes over at once), then
   * behave as when Redis becomes unreachable.
   */
  hubClosed(): void {
    if (this.leased && this.live()) this.release();
    this.unavailable(new Error('the Redis hub was closed'));
  }

  /** The mode, read through a call so that TypeScript does not keep a narrowing across an await. */
  private modeNow(): FollowMode {
    return this.mode;
  }

  private live(): boolean {
    return this.mode !== 'done' && this.mode !== 'local';
  }

  private onMessage(message: string): void {
    if (this.mode === 'follower') this.step(message === 'r');
    else if (this.mode === 'starting') this.step(true);
  }

  /**
   * Reads the entries after the last one seen (and tries to take the lease when `acquire`), one
   * step at a time: a step asked while one runs runs right after it.
   */
  private step(acquire: boolean): void {
    if (this.stepping) {
      this.stepAgain = true;
      this.stepAcquire ||= acquire;
      return;
    }
    this.stepping = true;
    // Nothing may escape as an unhandled rejection: a failure of the follow ends this task only.
    this.runSteps(acquire).catch((error: unknown) => this.end(error));
  }

  private async runSteps(first: boolean): Promise<void> {
    let acquire = first;
    try {
      for (;;) {
        if (!this.live()) return;
        const wantLease = acquire && this.mode !== 'poller';
        const { leaseMs } = this.env.options;
        const reply = await this.env.link.call((r) =>
          runScript(r, FOLLOW, [this.keys.lease, this.keys.transitions], [this.env.owner, leaseMs, this.lastId, wantLease ? '1' : '0']),
        );
        if (!this.live()) {
          if (wantLease && parseReply(reply).code === -1) this.release();
          return;
        }
        const { code, entries } = parseReply(reply);
        if (wantLease && code === -1) this.leased = true;
        this.deliver(entries);
        if (!this.live()) return;
        if (wantLease) {
          if (code === -1) this.becomePoller();
          else this.becomeFollower(code);
        }
        if (!this.stepAgain) return;
        this.stepAgain = false;
        acquire = this.stepAcquire;
        this.stepAcquire = false;
      }
    } catch (error) {
      this.unavailable(error);
    } finally {
      // Cleared in the same turn as the last check of `stepAgain`, so no step asked is lost.
      this.stepping = false;
    }
  }

  private becomePoller(): void {
    if (this.mode === 'poller') return;
    this.mode = 'poller';
    this.report('poller');
    // The hub renews the lease (one timer for all its tasks), see `renew`.
    this.timerSub?.unsubscribe();
    this.timerSub = undefined;
    this.pollSub = this.subscribeLocal();
  }

  /** Waits for the lease: the next attempt when the current lease runs out (or `leaseMs` at most). */
  private becomeFollower(pttl: number): void {
    if (this.mode !== 'follower') {
      this.mode = 'follower';
      this.report('follower');
    }
    const { leaseMs } = this.env.options;
    const left = pttl >= 0 ? Math.min(pttl, leaseMs) : pttl === -2 ? 0 : leaseMs;
    // A little jitter, so that the followers of a task do not all ask at the same millisecond.
    const delay = left + Math.floor(Math.random() * Math.max(1, Math.min(50, leaseMs / 10)));
    this.timerSub?.unsubscribe();
    this.timerSub = timer(delay, asyncScheduler).subscribe(() => this.step(true));
  }

  /**
   * Queues `work` after the local transitions before it. A failure in it (a transition that
   * cannot be stored, a bug) ends this task's follow with that error — never an unhandled
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
          if (this.mode === 'local') this.end();
          else if (this.mode === 'poller') {
            // The loop ended without a terminal transition: let someone (maybe this follow) poll again.
            this.release();
            this.pollSub = undefined;
            this.mode = 'follower';
            this.report('follower');
            this.step(true);
          }
        });
      },
    });
  }

  /** A transition of this process's own loop: published (poller) or emitted as is (local). */
  private async onLocal(transition: TaskTransition): Promise<void> {
    if (this.mode === 'local') {
      this.emit(transition);
      return;
    }
    if (this.mode !== 'poller') return; // the lease moved on: the new poller publishes
    let encoded: { readonly json: string; readonly content: string };
    try {
      encoded = encodeTransition(transition);
    } catch (cause: unknown) {
      // Nested too deep or not JSON data: this task's error, the hub and its other tasks go on.
      const why = cause instanceof RangeError ? 'nested too deep' : 'not JSON data';
      this.end(new DecodeError([`state: cannot be stored as JSON (${why})`], { taskId: this.taskId, what: 'transition to store in Redis', cause }));
      return;
    }
    const { json, content } = encoded;
    const { terminalTtlMs } = this.env.options;
    const terminal = isTerminal(transition.to);
    let reply: unknown;
    try {
      reply = await this.env.link.call((r) =>
        runScript(
          r,
          PUBLISH,
          [this.keys.lease, this.keys.transitions],
          [this.env.owner, transition.to, json, content, terminal ? '1' : '0', terminalTtlMs, MAX_ENTRIES, this.keys.channel, this.lastId],
        ),
      );
    } catch (error) {
      this.unavailable(error);
      if (this.modeNow() === 'local') this.emit(transition);
      return;
    }
    // The mode may have changed while the script ran (a fallback, a lost lease, the end).
    const mode = this.modeNow();
    if (mode === 'local') {
      this.emit(transition);
      return;
    }
    if (mode !== 'poller') return;
    const { code, entries } = parseReply(reply);
    if (code === 1 && terminal) this.leased = false; // the script deleted the lease
    this.deliver(entries);
    if (code === 0 && this.modeNow() === 'poller') this.loseLease();
  }

  /** Renews the lease if this follow polls (the hub calls it every `leaseMs / 3`). */
  renew(): void {
    if (this.mode !== 'poller') return;
    const { leaseMs, terminalTtlMs } = this.env.options;
    this.env.link
      .call((r) => runScript(r, RENEW, [this.keys.lease, this.keys.transitions], [this.env.owner, leaseMs, terminalTtlMs]))
      .then(
        (renewed) => {
          if (this.mode === 'poller' && renewed !== 1) this.loseLease();
        },
        (error: unknown) => {
          if (this.mode === 'poller') this.unavailable(error);
        },
      )
      .catch((error: unknown) => this.end(error));
  }

  /** Another process holds the lease now (this one stalled past `leaseMs`): stop polling, follow. */
  private loseLease(): void {
    this.leased = false;
    this.generation++;
    this.pollSub?.unsubscribe();
    this.pollSub = undefined;
    this.timerSub?.unsubscribe();
    this.timerSub = undefined;
    this.mode = 'follower';
    this.report('follower');
    this.step(true);
  }

  /** Emits the stream entries not seen yet, in order. */
  private deliver(entries: readonly StreamEntry[]): void {
    for (const [id, flat] of entries) {
      if (!this.live()) return;
      if (this.lastId !== '' && compareIds(id, this.lastId) <= 0) continue;
      this.lastId = id;
      let transition: TaskTransition;
      try {
        transition = decodeTransition(entryFields(flat), this.taskId);
      } catch (error) {
        this.end(error);
        return;
      }
      this.emit(transition);
    }
  }

  /** The one way out to the subscriber: a change of phase only, chained on what it saw. */
  private emit(transition: TaskTransition): void {
    if (transition.to === this.lastPhase) return;
    const out: TaskTransition = this.emitted === 0 ? { ...transition, taskId: this.taskId } : { ...transition, taskId: this.taskId, from: this.lastPhase };
    this.lastPhase = transition.to;
    this.emitted++;
    this.subscriber.next(out);
    if (isTerminal(out.to)) this.end();
  }

  /** Redis is unreachable: poll here without it (`fallback`) or fail the stream (`fail`). */
  private unavailable(cause: unknown): void {
    if (!this.live()) return;
    const error = cause instanceof Error ? cause : new Error(String(cause));
    const reason = redactUrl(error.message);
    this.context?.report({ type: 'hub-fallback', taskId: this.taskId, error: error.name, reason, at: this.context.now() });
    if (this.env.options.onUnavailable === 'fail') {
      this.end(new RedisUnavailableError(`Redis is unreachable: ${reason}`, { taskId: this.taskId, cause }));
      return;
    }
    const polling = this.mode === 'poller' && this.pollSub !== undefined;
    this.mode = 'local';
    this.leased = false; // it expires by itself once Redis is back
    this.timerSub?.unsubscribe();
    this.timerSub = undefined;
    this.unlisten?.();
    this.unlisten = undefined;
    if (!polling) this.pollSub = this.subscribeLocal();
  }

  private release(): void {
    this.leased = false;
    const { lease, channel } = this.keys;
    this.env.track(this.env.link.call((r) => runScript(r, RELEASE, [lease], [this.env.owner, channel])).catch(() => undefined));
  }

  private report(role: 'poller' | 'follower'): void {
    this.context?.report({ type: 'hub-role', taskId: this.taskId, role, at: this.context.now() });
  }

  /** Ends the follow: completes (or errors) the subscriber unless it left, releases everything. */
  private end(error?: unknown): void {
    if (this.mode === 'done') return;
    const leased = this.leased;
    this.mode = 'done';
    this.timerSub?.unsubscribe();
    this.pollSub?.unsubscribe();
    this.unlisten?.();
    this.removeConnectionListeners();
    if (leased) this.release();
    this.env.onDone();
    if (error !== undefined) this.subscriber.error(error);
    else this.subscriber.complete();
  }
}
