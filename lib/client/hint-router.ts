import type { Observable, Subscription } from 'rxjs';
import type { ConcurrencyGate } from './concurrency-gate.js';
import { hintTaskId } from './hint-task-id.js';
import type { TaskClientMetrics } from './task-client-metrics.js';
import type { TaskEntry } from './task-entry.js';
import { VisibilityWatch, type VisibilityDocument } from './visibility.js';

/**
 * @internal What pokes a client's tasks between their polls: hints that name a task (the
 * `hints` option, the hub's) poke that task; the page shown again (`pauseWhenHidden`) pokes every
 * task waiting for its next poll, and hiding it pauses the gate. It listens only while the client
 * follows a task ({@link listen} with the first, {@link stop} after the last), so an idle client
 * holds no subscription and no listener.
 *
 * Hints to one task coalesce here: one is handed to its loop and the rest are dropped until the
 * loop sends a request, which serves them all. A task not followed (idle, or its terminal state
 * cached) costs nothing.
 *
 * @example
 * ```ts
 * const router = new HintRouter(entries, [options.hints], doc, gate, metrics, () => scheduler.now())
 * if (entries.size === 1) router.listen()
 * if (entries.size === 0) router.stop()
 * ```
 */
export class HintRouter {
  private readonly watch: VisibilityWatch | undefined;
  private subscriptions: Subscription[] = [];

  constructor(
    private readonly entries: ReadonlyMap<string, TaskEntry>,
    private readonly sources: readonly Observable<unknown>[],
    doc: VisibilityDocument | undefined,
    private readonly gate: ConcurrencyGate,
    private readonly metrics: TaskClientMetrics,
    private readonly now: () => number,
  ) {
    this.watch = doc === undefined ? undefined : new VisibilityWatch(doc, (hidden) => this.onVisibility(hidden));
  }

  /** True when anything may poke a task: the client's entries then carry a hint trigger. */
  get active(): boolean {
    return this.sources.length > 0 || this.watch !== undefined;
  }

  /** The client follows its first task: listen for hints and visibility. */
  listen(): void {
    // A broken hint source must not break the client: its errors and completion are ignored.
    this.subscriptions = this.sources.map((source) => source.subscribe({ next: (hint) => this.route(hint), error: () => undefined }));
    if (this.watch?.attach() === true) this.gate.pause();
  }

  /**
   * The client follows no task any more (or is disposed): leave no listener behind, and no
   * paused gate (without sending what is queued: those requests belong to the tasks that just ended).
   */
  stop(): void {
    for (const s of this.subscriptions) s.unsubscribe();
    this.subscriptions = [];
    this.watch?.detach();
    this.gate.unpause();
  }

  private route(hint: unknown): void {
    const id = hintTaskId(hint);
    if (id !== undefined) this.entries.get(id.toLowerCase())?.poke(hint);
  }

  private onVisibility(hidden: boolean): void {
    this.metrics.emit({ type: 'visibility', hidden, at: this.now() });
    if (hidden) {
      this.gate.pause();
      return;
    }
    // Tasks waiting for their next poll poll now; those queued at the gate go when it resumes.
    for (const entry of this.entries.values()) if (entry.busy === 0) entry.poke('visible');
    this.gate.resume();
  }
}
