/**
 * `npm run example:server`: starts the example on http://127.0.0.1:3000 (or `PORT`). A busy port
 * is one line on stderr and exit code 2.
 */
import { startExampleServer } from './example-server.js';

async function main(): Promise<void> {
  const port = Number(process.env['PORT'] ?? 3000);
  if (!/^\d+$/.test(process.env['PORT'] ?? '3000') || port > 65535) {
    process.stderr.write(`example server: PORT must be a port number between 0 and 65535, got ${JSON.stringify((process.env['PORT'] ?? '').slice(0, 20))}\n`);
    process.exit(2);
  }
  let example;
  try {
    example = await startExampleServer({ port });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      process.stderr.write(`example server: port ${port} is in use; set PORT to another one (PORT=0 picks a free one)\n`);
      process.exit(2);
    }
    throw error;
  }
  process.stdout.write(`factpulse-rx example: open ${example.url} (simulator at ${example.simulator.url}); Ctrl-C stops\n`);
  const stop = (): void => {
    example.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`example server failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
