import type { CliStream } from './cli-io.js';

/**
 * Wraps a stream so that none of `secrets` (e.g. the bearer tokens) can ever be printed: each
 * occurrence is replaced by `[redacted]`. `secrets` is read again on every write, so a `Set`
 * that grows — every token a token source hands out, a refreshed one too — is redacted from
 * the moment it is added. Defence in depth: the library never puts a token in a message, but a
 * server might echo it back in an error body or a task's failure.
 *
 * @example
 * ```ts
 * const tokens = new Set([token])
 * const stderr = redactingStream(process.stderr, tokens)
 * tokens.add(refreshed) // redacted from now on
 * ```
 */
export function redactingStream(stream: CliStream, secrets: Iterable<string>): CliStream {
  const scrub = (text: string): string => {
    // Longest first, so a token that contains another is replaced whole.
    const words = [...new Set(secrets)].filter((s) => s.length >= 4).sort((a, b) => b.length - a.length);
    return words.reduce((t, w) => t.split(w).join('[redacted]'), text);
  };
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

/**
 * Replaces each of `secrets` in `text` by `[redacted]` (as {@link redactingStream} does).
 *
 * @internal
 */
export function redactText(text: string, secrets: Iterable<string>): string {
  let out = '';
  redactingStream({ write: (chunk: string) => (out += chunk) }, secrets).write(text);
  return out;
}
