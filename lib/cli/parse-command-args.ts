import { parseArgs } from 'node:util';
import { UsageError } from './usage-error.js';

type Options = NonNullable<Parameters<typeof parseArgs>[0]>['options'] & object;

/**
 * @internal The options of one subcommand, parsed strictly (no positionals, no unknown flag): a
 * parse failure is a {@link UsageError} of that command.
 *
 * @example
 * ```ts
 * const values = parseCommandArgs('demo', args, { seed: { type: 'string' } })
 * ```
 */
export function parseCommandArgs<const O extends Options>(
  command: string,
  args: readonly string[],
  options: O,
): ReturnType<typeof parseArgs<{ args: string[]; strict: true; allowPositionals: false; options: O }>>['values'] {
  try {
    return parseArgs({ args: [...args], strict: true, allowPositionals: false, options }).values;
  } catch (error) {
    throw new UsageError((error as Error).message, command);
  }
}

/** @internal A `--seed`: digits are a number, anything else a string seed; absent stays absent. */
export function parseSeed(text: string | undefined): number | string | undefined {
  return text === undefined ? undefined : /^\d+$/.test(text) ? Number(text) : text;
}
