const TERMINAL = new Set(['succeeded', 'rejected', 'failed']);

/**
 * What is wrong with one subscriber's transitions of one task, as readable lines (none when
 * right): each `from` must be the previous `to` (nothing lost in between), no phase twice in a
 * row (nothing emitted twice), one terminal transition and it comes last.
 */
export function chainProblems(transitions: ReadonlyArray<{ readonly from: string | null; readonly to: string }>): string[] {
  const problems: string[] = [];
  transitions.forEach((t, i) => {
    const prev = transitions[i - 1];
    if (prev !== undefined && t.from !== prev.to) problems.push(`#${i}: from ${String(t.from)} after ${prev.to}`);
    if (prev !== undefined && t.to === prev.to) problems.push(`#${i}: ${t.to} twice`);
    if (TERMINAL.has(t.to) && i !== transitions.length - 1) problems.push(`#${i}: ${t.to} is not last`);
  });
  const last = transitions[transitions.length - 1];
  if (last === undefined || !TERMINAL.has(last.to)) problems.push(`no terminal transition (last: ${last?.to ?? 'none'})`);
  return problems;
}

/** `from→to` edges, for comparing what two subscribers saw. */
export const edges = (transitions: ReadonlyArray<{ readonly from: string | null; readonly to: string }>): string =>
  transitions.map((t) => `${t.from ?? '∅'}→${t.to}`).join(' ');

/**
 * True when `late` is what a subscriber that came late should see of `full`: the same
 * transitions from some point on (a late subscriber gets the latest one, with its `from`, first).
 */
export function isLateView(
  late: ReadonlyArray<{ readonly from: string | null; readonly to: string }>,
  full: ReadonlyArray<{ readonly from: string | null; readonly to: string }>,
): boolean {
  return late.length > 0 && late.length <= full.length && edges(full.slice(full.length - late.length)) === edges(late);
}
