import * as t from 'io-ts';
import * as E from 'fp-ts/lib/Either.js';
import { pipe } from 'fp-ts/lib/function.js';
import { DecodeError } from '../errors/decode-error.js';

/** @internal Shows a found value briefly: `42`, `"abc"`, `an object`, `missing`. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'missing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
    case 'number':
    case 'boolean':
      return String(value);
    case 'object':
      return 'an object';
    default:
      return typeof value;
  }
}

/**
 * @internal Turns io-ts errors into `path: expected T, got V` lines, dropping the index keys that
 * unions and intersections add so the path reads like the JSON.
 */
export function reportErrors(errors: t.Errors): string[] {
  const lines = new Set<string>();
  for (const error of errors) {
    const keys: string[] = [];
    error.context.forEach((entry, i) => {
      if (i === 0 || entry.key === '') return;
      const parent = error.context[i - 1]!.type;
      if (parent instanceof t.UnionType || parent instanceof t.IntersectionType) return;
      keys.push(entry.key);
    });
    const last = error.context[error.context.length - 1];
    const expected = error.message ?? `expected ${last?.type.name ?? 'a value'}`;
    const where = keys.length === 0 ? '(root)' : keys.join('.');
    lines.add(`${where}: ${expected}, got ${describeValue(error.value)}`);
  }
  return [...lines];
}

/**
 * @internal Decodes `value` with `codec`, folding the Either into the value or a thrown
 * {@link DecodeError} that names the task and the path of each mismatch.
 */
export function decodeWith<A>(codec: t.Decoder<unknown, A>, value: unknown, taskId?: string, what?: string): A {
  return pipe(
    codec.decode(value),
    E.match(
      (errors) => {
        throw new DecodeError(reportErrors(errors), { taskId, what });
      },
      (decoded) => decoded,
    ),
  );
}
