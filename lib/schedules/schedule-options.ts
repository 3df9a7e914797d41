/**
 * Option checks shared by the schedule factories: each throws a `TypeError` naming the option,
 * at the moment the factory is called.
 *
 * @internal
 */

/** @internal Throws unless `value` is a finite number ≥ `min` (or > `min` when `strict`). */
export function checkNumber(owner: string, name: string, value: unknown, min = 0, strict = false): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || (strict && value === min)) {
    const bound = strict ? `> ${min}` : `>= ${min}`;
    throw new TypeError(`${owner}: \`${name}\` must be a finite number ${bound}, got ${describe(value)}`);
  }
  return value;
}

/** @internal Throws unless `value` is an integer ≥ `min`. */
export function checkInteger(owner: string, name: string, value: unknown, min: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new TypeError(`${owner}: \`${name}\` must be an integer >= ${min}, got ${describe(value)}`);
  }
  return value;
}

/** @internal Throws unless `value` is a function returning a number in [0, 1). */
export function checkRandom(owner: string, name: string, value: unknown): () => number {
  if (typeof value !== 'function') {
    throw new TypeError(`${owner}: \`${name}\` must be a function returning a number in [0, 1), got ${describe(value)}`);
  }
  return value as () => number;
}

/** @internal Throws unless `options` is undefined or a plain object. */
export function checkOptions(owner: string, options: unknown): void {
  if (options !== undefined && (options === null || typeof options !== 'object')) {
    throw new TypeError(`${owner}: \`options\` must be an object, got ${describe(options)}`);
  }
}

/** @internal A random draw clamped into [0, 1) (a bad source never yields a bad delay). */
export function draw(random: () => number): number {
  const u = random();
  return Number.isFinite(u) ? Math.min(Math.max(u, 0), 1 - Number.EPSILON) : 0;
}

/** @internal A short description of a bad option value for error messages. */
export function describe(value: unknown): string {
  if (typeof value === 'number' || typeof value === 'boolean' || value === null || value === undefined) return String(value);
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'function') return 'a function';
  return Array.isArray(value) ? 'an array' : `a ${typeof value}`;
}
