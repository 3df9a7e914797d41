/**
 * `node --require ./spec/helpers/ts-register.cjs examples/otel/main.ts`: prints the spans and
 * metrics of one task followed with `instrumentTaskClient` (see console-spans.ts).
 */
import { runConsoleSpansExample } from './console-spans.js';

runConsoleSpansExample().then(
  (last) => process.stdout.write(`task ${last.taskId} ended ${last.to} after ${last.polls} polls\n`),
  (error: unknown) => {
    process.stderr.write(`otel example failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
