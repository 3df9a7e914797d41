/**
 * A mistake on the command line: `main` prints its message and
 * `Run factpulse-rx <command> --help for usage.` (one line each), and exits with code 2.
 *
 * @example
 * ```ts
 * throw new UsageError('--interval must be a duration such as 500ms or 2s', 'watch')
 * ```
 */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  /** The subcommand whose `--help` to point to, if known. */
  readonly command: string | undefined;
  constructor(message: string, command?: string) {
    super(message);
    this.command = command;
  }
}
