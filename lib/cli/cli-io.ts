/** A stream the command writes to: `process.stdout`, or a capture in tests. */
export interface CliStream {
  write(chunk: string): unknown;
  /** True when it is a terminal (live lines are redrawn in place only then). */
  readonly isTTY?: boolean;
  /** Terminal width, to keep live lines on one row. @default 80 */
  readonly columns?: number;
  /** Terminal height: live lines are used only when every task fits on the screen. @default 24 */
  readonly rows?: number;
}

/**
 * What `main` talks to, so the command runs the same in a terminal and in tests.
 *
 * @example
 * ```ts
 * const out: string[] = []
 * await main(['watch', id], { FACTPULSE_TOKEN: token }, { stdout: { write: (s) => out.push(s) }, stderr: process.stderr })
 * ```
 */
export interface CliIo {
  readonly stdout: CliStream;
  readonly stderr: CliStream;
  /** Aborted on Ctrl-C: the command stops its requests and returns 130. */
  readonly signal?: AbortSignal;
  /** Directory relative paths (`--out`, `--token-file`) resolve against. @default process.cwd() */
  readonly cwd?: string;
  /** What `--version` prints after `factpulse-rx ` (the package version). @default 'unknown' */
  readonly version?: string;
}
