/**
 * The command's exit codes: 0 every task succeeded; 1 a task was rejected or failed; 2 usage
 * error; 3 transport, auth or deadline error (takes precedence over 1); 130 interrupted (Ctrl-C).
 *
 * @example
 * ```ts
 * process.exitCode = ExitCode.Usage
 * ```
 */
export const ExitCode = {
  Ok: 0,
  TaskUnsuccessful: 1,
  Usage: 2,
  Error: 3,
  Interrupted: 130,
} as const;

/** One of the {@link ExitCode} values. */
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];
