const WATCH = `Usage: factpulse-rx watch [options] <taskId...>

Follow FactPulse tasks until each one succeeds, is rejected or fails.

Options:
  --base-url URL      API origin (default: $FACTPULSE_BASE_URL, else https://factpulse.fr)
  --token-file PATH   read the bearer token from PATH (default: $FACTPULSE_TOKEN)
  --interval DURATION time between polls of a task (default: 2.5s), e.g. 500ms, 2s
  --deadline DURATION give up on a task after this long (exit code 3), e.g. 5m
  --json              NDJSON: one JSON object per line for each transition (progress included),
                      retry and error (default when stdout is not a terminal; on a terminal, more
                      tasks than fit on the screen get one plain line per event)
  --out DIR           write each succeeded task's document to DIR/<taskId>.pdf
  -h, --help          show this help

The token is never taken from the command line (it would end up in your shell history and in
the process list): export FACTPULSE_TOKEN or use --token-file.

Exit codes: 0 all succeeded, 1 a task was rejected or failed, 2 usage error,
3 transport, auth or deadline error, 130 interrupted (Ctrl-C).
`;

const SIMULATE = `Usage: factpulse-rx simulate [options]

Run a FactPulse-compatible simulator on 127.0.0.1 until Ctrl-C.

Options:
  --port N            port to listen on (default: 8787; 0 picks a free one)
  --seed S            seed of task ids, outcomes and faults (default: random)
  --fault-rate R      probability in [0, 1] of a fault on a status request (default: 0)
  --duration DURATION time a task takes to finish (default: 4s)
  --submit N          submit N sample tasks (30 s long) at start and print their ids (default: 3)
  --progress N        PROGRESS answers {current, total} a running task reports (default: 5; 0: none)
  --token-file PATH   where to write a valid token, kept fresh (default: a file in the temp dir)
  --quiet             do not print each request
  -h, --help          show this help

Log in with POST /api/token/ {"username":"demo","password":"demo"}.
`;

const DEMO = `Usage: factpulse-rx demo [options]

Start a simulator in this process and watch a few tasks reach every outcome: a PDF written,
a rejection with AFNOR details, a failure, and a task that rides out injected faults.
Offline, no account needed, about five seconds.

Options:
  --out DIR           where to write the PDF (default: a new temp directory)
  --seed S            simulator seed (default: 2025)
  --json              NDJSON output, as watch --json
  -h, --help          show this help
`;

const GENERAL = `Usage: factpulse-rx <command> [options]

Commands:
  watch <taskId...>   follow FactPulse tasks to their result
  simulate            run a FactPulse-compatible simulator locally
  demo                see the library work end to end, offline

Options:
  -h, --help          show this help
  -V, --version       print the version

Run factpulse-rx <command> --help for the options of a command.
`;

/**
 * The usage text of a subcommand (or of the command as a whole).
 *
 * @example
 * ```ts
 * process.stdout.write(usageText('watch'))
 * ```
 */
export function usageText(command?: string): string {
  switch (command) {
    case 'watch':
      return WATCH;
    case 'simulate':
      return SIMULATE;
    case 'demo':
      return DEMO;
    default:
      return GENERAL;
  }
}
