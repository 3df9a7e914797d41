/**
 * How deep and how large the state of a transition (a custom state's `meta`, a failure, a
 * business result) may be. An answer that would emit a state beyond either bound is a
 * `DecodeError`: it never reaches a subscriber or an adapter's `JSON.stringify`, where a
 * 50 000-deep `meta` would overflow the stack. Only answers that are emitted are measured (once
 * each): an unchanged meta costs only the bounded comparison. Content bytes are not counted.
 *
 * @example
 * ```ts
 * import { RESULT_BOUNDS } from 'factpulse-rx'
 * console.log(`meta may nest ${RESULT_BOUNDS.maxDepth} levels deep`)
 * ```
 */
export const RESULT_BOUNDS = Object.freeze({
  /** Levels of nested objects and arrays (the value itself is level 1). */
  maxDepth: 64,
  /** Values in all (objects, arrays and leaves); the body's size is bounded by `maxResponseBytes` too. */
  maxNodes: 1_000_000,
});

/**
 * @internal Why `value` is beyond {@link RESULT_BOUNDS}, or `undefined` when it is within them.
 * An iterative walk (no recursion, so no stack to overflow) that stops at the first bound crossed.
 */
export function resultBoundProblem(value: unknown, bounds: { readonly maxDepth: number; readonly maxNodes: number } = RESULT_BOUNDS): string | undefined {
  const stack: Array<{ readonly value: unknown; readonly depth: number }> = [{ value, depth: 1 }];
  let nodes = 0;
  while (stack.length > 0) {
    const { value: next, depth } = stack.pop()!;
    if (++nodes > bounds.maxNodes) return `more than ${bounds.maxNodes} values`;
    if (typeof next !== 'object' || next === null || ArrayBuffer.isView(next)) continue;
    if (depth > bounds.maxDepth) return `nested deeper than ${bounds.maxDepth} levels`;
    const children = Array.isArray(next) ? next : Object.values(next);
    for (const child of children) stack.push({ value: child, depth: depth + 1 });
  }
  return undefined;
}
