/** @internal A random draw clamped into [0, 1) (a bad source never yields a bad delay). */
export function draw(random: () => number): number {
  const u = random();
  return Number.isFinite(u) ? Math.min(Math.max(u, 0), 1 - Number.EPSILON) : 0;
}
