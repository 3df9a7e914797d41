import type { CliIo } from './cli-io.js';
import { demoCommand } from './demo-command.js';
import { ExitCode } from './exit-codes.js';
import { simulateCommand } from './simulate-command.js';
import { UsageError } from './usage-error.js';
import { usageText } from './usage.js';
import { watchCommand, type CliEnv } from './watch-command.js';

/**
 * The `factpulse-rx` command: `watch`, `simulate` and `demo` (and `--version`, `--help`). Takes
 * the arguments after the program name, the environment and the streams, and resolves with the
 * exit code (never calls `process.exit`), so it runs the same in tests as in a terminal. A usage
 * error prints one line and where to find the usage, and exits 2.
 *
 * @example
 * ```ts
 * const code = await main(['watch', taskId, '--json'], process.env, { stdout: process.stdout, stderr: process.stderr })
 * ```
 */
export async function main(argv: readonly string[], env: CliEnv, io: CliIo): Promise<number> {
  const [command, ...args] = argv;
  try {
    switch (command) {
      case 'watch':
        return await watchCommand(args, env, io);
      case 'simulate':
        return await simulateCommand(args, env, io);
      case 'demo':
        return await demoCommand(args, env, io);
      case 'help':
      case '--help':
      case '-h':
        io.stdout.write(usageText(args[0]));
        return ExitCode.Ok;
      case 'version':
      case '--version':
      case '-V':
        io.stdout.write(`factpulse-rx ${io.version ?? 'unknown'}\n`);
        return ExitCode.Ok;
      case undefined:
        throw new UsageError('no command given');
      default:
        throw new UsageError(`unknown command ${JSON.stringify(command.slice(0, 40))}`);
    }
  } catch (error) {
    if (error instanceof UsageError) {
      const help = error.command === undefined ? 'factpulse-rx --help' : `factpulse-rx ${error.command} --help`;
      io.stderr.write(`factpulse-rx: ${error.message}\nRun ${help} for usage.\n`);
      return ExitCode.Usage;
    }
    io.stderr.write(`factpulse-rx: ${error instanceof Error ? error.message : String(error)}\n`);
    return ExitCode.Error;
  }
}

/**
 * Runs {@link main} as the `factpulse-rx` process: `process.argv`, `process.env`, the standard
 * streams, Ctrl-C (SIGINT) and SIGTERM abort the command cleanly (a second Ctrl-C exits at
 * once), and the exit code is set when it is done. `version` is what `--version` prints (the
 * bin passes the package's own).
 *
 * @example
 * ```js
 * // bin/factpulse-rx.cjs
 * require('../dist/cjs/cli/main.js').runCli({ version: require('../package.json').version })
 * ```
 */
export function runCli(options: { readonly version?: string } = {}): void {
  const controller = new AbortController();
  let interrupts = 0;
  const onSignal = (): void => {
    interrupts++;
    if (interrupts > 1) process.exit(ExitCode.Interrupted);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const stdout = process.stdout;
  const restoreCursor = (): void => {
    if (stdout.isTTY) stdout.write('\x1b[?25h');
  };
  process.once('exit', restoreCursor);
  const io: CliIo = { stdout, stderr: process.stderr, signal: controller.signal, ...(options.version === undefined ? {} : { version: options.version }) };
  main(process.argv.slice(2), process.env, io).then(
    (code) => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      process.exitCode = code;
      // Nothing should be left running; if something is (a socket kept alive elsewhere), do not hang.
      setTimeout(() => process.exit(code), 2000).unref();
    },
    (error: unknown) => {
      process.stderr.write(`factpulse-rx: ${String(error)}\n`);
      process.exitCode = ExitCode.Error;
    },
  );
}
