import type { TaskPhase, TaskTransition } from '../../index.js';
import { decodeStoredTransition, entryFields } from './stored-transition.js';
import type { StreamEntry } from './task-lease.js';

/** @internal Orders stream ids (`ms-seq`): negative when `a` comes first. */
export function compareIds(a: string, b: string): number {
  const [am = '0', as = '0'] = a.split('-');
  const [bm = '0', bs = '0'] = b.split('-');
  return Number(am) - Number(bm) || Number(as) - Number(bs);
}

/**
 * @internal Where one subscriber of a task stands: the last stream entry read and the last phase
 * emitted. It is the one filter between the task's sources (the stream, the local loop) and the
 * subscriber, so that nothing is emitted twice: an entry at or before the last id is skipped
 * (stream ids only grow), a transition to the phase emitted last is skipped, and each transition
 * after the first gets the `from` this subscriber saw.
 *
 * @example
 * ```ts
 * const cursor = new StreamCursor(taskId)
 * for (const t of cursor.read(entries)) subscriber.next(t)
 * ```
 */
export class StreamCursor {
  /** The last stream entry read ('' before the first). */
  lastId = '';
  private lastPhase: TaskPhase | null = null;
  /** When the poller saw the transition emitted last (its `at`). */
  private lastAt = Number.NEGATIVE_INFINITY;
  private emitted = 0;
  /** Set by {@link guard}: stream entries seen before the last emission are stale until one is not. */
  private guarding = false;

  constructor(private readonly taskId: string) {}

  /** The phase emitted last (`null` before the first). */
  get phase(): TaskPhase | null {
    return this.lastPhase;
  }

  /**
   * The transitions of `entries` not seen yet, in order, to emit (decoded; throws `DecodeError` on
   * an entry this version cannot read). `latestOnly` keeps only the newest entry: for a
   * subscriber that polled alone for a while (Redis was unreachable). After {@link guard}, an
   * entry the poller saw (`at`) before the transition emitted last is skipped, until one is not.
   */
  read(entries: readonly StreamEntry[], latestOnly = false): TaskTransition[] {
    const fresh = entries.filter(([id]) => this.lastId === '' || compareIds(id, this.lastId) > 0);
    const picked = latestOnly ? fresh.slice(-1) : fresh;
    const out: TaskTransition[] = [];
    for (const [id, flat] of picked) {
      this.lastId = id;
      const decoded = decodeStoredTransition(entryFields(flat), this.taskId);
      if (this.guarding) {
        if (decoded.at < this.lastAt) continue;
        this.guarding = false;
      }
      const accepted = this.accept(decoded);
      if (accepted !== undefined) out.push(accepted);
    }
    const last = fresh.at(-1);
    if (last !== undefined) this.lastId = last[0];
    return out;
  }

  /**
   * The subscriber's own view may be newer than the stream (it emitted what its local loop saw
   * while Redis was unreachable): skip stream entries older than it until one is newer. (Only
   * then are `at`s of different processes compared, so clock skew matters only there.)
   */
  guard(): void {
    this.guarding = true;
  }

  /** `transition` as this subscriber should get it, or `undefined` when its phase is the one emitted last. */
  accept(transition: TaskTransition): TaskTransition | undefined {
    if (transition.to === this.lastPhase) return undefined;
    const out: TaskTransition = this.emitted === 0 ? { ...transition, taskId: this.taskId } : { ...transition, taskId: this.taskId, from: this.lastPhase };
    this.lastPhase = transition.to;
    this.lastAt = transition.at;
    this.emitted++;
    return out;
  }
}
