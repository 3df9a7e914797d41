/**
 * A stand-in for the browser `document` as the Page Visibility API sees it: a `visibilityState`,
 * `visibilitychange` events, and a count of the listeners attached (so a spec can tell that
 * nothing is left listening).
 *
 * @example
 * ```ts
 * const doc = new FakeDocument()
 * ;(globalThis as { document?: unknown }).document = doc
 * doc.set('hidden')
 * expect(doc.listeners).toBe(0)
 * ```
 */
export class FakeDocument extends EventTarget {
  visibilityState: 'visible' | 'hidden' = 'visible';
  listeners = 0;
  override addEventListener(...args: Parameters<EventTarget['addEventListener']>): void {
    this.listeners++;
    super.addEventListener(...args);
  }
  override removeEventListener(...args: Parameters<EventTarget['removeEventListener']>): void {
    this.listeners--;
    super.removeEventListener(...args);
  }
  /** Sets `visibilityState` and dispatches `visibilitychange`. */
  set(state: 'visible' | 'hidden'): void {
    this.visibilityState = state;
    this.dispatchEvent(new Event('visibilitychange'));
  }
}
