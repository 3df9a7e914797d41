import type { CliStream } from './cli-io.js';

/**
 * Wraps a stream so that none of `secrets` (e.g. the bearer token) can ever be printed: each
 * occurrence is replaced by `[redacted]`. Defence in depth — the library never puts a token in a
 * message, but a server might echo it back in an error body.
 *
 * @example
 * ```ts
 * const stderr = redactingStream(process.stderr, [token])
 * ```
 */
export function redactingStream(stream: CliStream, secrets: readonly string[]): CliStream {
  const words = secrets.filter((s) => s.length >= 4);
  if (words.length === 0) return stream;
  const scrub = (text: string): string => words.reduce((t, w) => t.split(w).join('[redacted]'), text);
  return {
    write: (chunk: string) => stream.write(scrub(chunk)),
    ...(stream.isTTY === undefined ? {} : { isTTY: stream.isTTY }),
    get columns() {
      return stream.columns;
    },
    get rows() {
      return stream.rows;
    },
  };
}
