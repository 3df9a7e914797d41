/** ANSI styling that turns into plain text when colour is off. */
export interface Paint {
  readonly enabled: boolean;
  green(text: string): string;
  red(text: string): string;
  yellow(text: string): string;
  cyan(text: string): string;
  dim(text: string): string;
  bold(text: string): string;
}

/**
 * Creates a {@link Paint}: colour only on a terminal and when `NO_COLOR` is unset or empty
 * (https://no-color.org).
 *
 * @example
 * ```ts
 * createPaint(process.stdout.isTTY === true && !process.env.NO_COLOR).green('ok')
 * ```
 */
export function createPaint(enabled: boolean): Paint {
  const style = (open: number, close: number) => (text: string) => (enabled ? `\x1b[${open}m${text}\x1b[${close}m` : text);
  return {
    enabled,
    green: style(32, 39),
    red: style(31, 39),
    yellow: style(33, 39),
    cyan: style(36, 39),
    dim: style(2, 22),
    bold: style(1, 22),
  };
}

/** True when colour should be used on `stream` given the environment. @internal */
export function colourWanted(stream: { readonly isTTY?: boolean }, env: Readonly<Record<string, string | undefined>>): boolean {
  return stream.isTTY === true && (env['NO_COLOR'] === undefined || env['NO_COLOR'] === '') && env['TERM'] !== 'dumb';
}
