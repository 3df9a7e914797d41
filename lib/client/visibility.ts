/**
 * @internal The part of `document` the Page Visibility pause reads. Any `EventTarget` with a
 * `visibilityState` (or `hidden`) fits, so tests can pass a fake.
 */
export interface VisibilityDocument {
  readonly visibilityState?: string;
  readonly hidden?: boolean;
  addEventListener(type: 'visibilitychange', listener: () => void): void;
  removeEventListener(type: 'visibilitychange', listener: () => void): void;
}

/** @internal The global `document` when it looks like one (browsers), else `undefined` (Node, workers). */
export function globalVisibilityDocument(): VisibilityDocument | undefined {
  const doc = (globalThis as { document?: unknown }).document;
  if (typeof doc !== 'object' || doc === null) return undefined;
  const d = doc as Partial<VisibilityDocument>;
  if (typeof d.addEventListener !== 'function' || typeof d.removeEventListener !== 'function') return undefined;
  if (typeof d.visibilityState !== 'string' && typeof d.hidden !== 'boolean') return undefined;
  return doc as VisibilityDocument;
}

/**
 * @internal Watches Page Visibility for the client's `pauseWhenHidden`: calls `onChange(hidden)`
 * on each change while attached. The client attaches it only while it follows a task, so an idle
 * client leaves no listener behind.
 *
 * @example
 * ```ts
 * const watch = new VisibilityWatch(doc, (hidden) => (hidden ? gate.pause() : gate.resume()))
 * if (watch.attach()) gate.pause()
 * ```
 */
export class VisibilityWatch {
  private attached = false;
  private last = false;

  constructor(
    private readonly doc: VisibilityDocument,
    private readonly onChange: (hidden: boolean) => void,
  ) {}

  /** True while the page is hidden. */
  isHidden(): boolean {
    const { visibilityState, hidden } = this.doc;
    return typeof visibilityState === 'string' ? visibilityState === 'hidden' : hidden === true;
  }

  /** Starts listening; returns whether the page is hidden now. */
  attach(): boolean {
    if (!this.attached) {
      this.attached = true;
      this.doc.addEventListener('visibilitychange', this.listener);
    }
    this.last = this.isHidden();
    return this.last;
  }

  /** Stops listening. */
  detach(): void {
    if (!this.attached) return;
    this.attached = false;
    this.doc.removeEventListener('visibilitychange', this.listener);
  }

  private readonly listener = (): void => {
    const hidden = this.isHidden();
    if (hidden === this.last) return;
    this.last = hidden;
    this.onChange(hidden);
  };
}
