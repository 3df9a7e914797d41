/**
 * `npm run example:server`: starts the example on http://127.0.0.1:3000 (or `PORT`).
 */
import { startExampleServer } from './example-server.js';

async function main(): Promise<void> {
  const port = Number(process.env['PORT'] ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new TypeError(`PORT must be a port number, got ${process.env['PORT'] ?? ''}`);
  const example = await startExampleServer({ port });
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
