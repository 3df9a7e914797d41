/**
 * What the specs' HTTP servers share (spec/helpers/test-server.ts for plain handlers,
 * spec/helpers/fault-server.ts for scripted faults): listening on 127.0.0.1 and a free port,
 * waiting with a bound for a condition, and stopping with every socket destroyed, so Jest exits
 * without open handles.
 */
import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** Starts `server` on 127.0.0.1, port 0; its `http://127.0.0.1:<port>` URL and port. */
export async function listenOnLoopback(server: Server): Promise<{ readonly url: string; readonly port: number }> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, port };
}

/**
 * Resolves once `done()` holds, checked now and on each call of the `onChange` listener it
 * registers; rejects after `timeoutMs` with `<owner>: timed out after … waiting for <what()>`.
 */
export function waitUntil(
  owner: string,
  what: () => string,
  done: () => boolean,
  onChange: (listener: () => void) => () => void,
  timeoutMs: number,
): Promise<void> {
  return new Promise((resolve, reject) => {
    if (done()) return resolve();
    const check = (): void => {
      if (!done()) return;
      cleanup();
      resolve();
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`${owner}: timed out after ${timeoutMs} ms waiting for ${what()}`));
    }, timeoutMs);
    const off = onChange(check);
    const cleanup = (): void => {
      clearTimeout(timer);
      off();
    };
  });
}

/** Destroys every socket and stops `server` listening. */
export async function stopServer(server: Server, sockets: Iterable<Socket>): Promise<void> {
  for (const socket of sockets) socket.destroy();
  if (!server.listening) return;
  await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
}
