import type { CliIo, CliStream } from '../../lib/cli/cli-io.js';

/** A {@link CliStream} that keeps what is written. */
export interface CapturedStream extends CliStream {
  readonly text: () => string;
}

/** A stream capturing writes; `isTTY`/`columns` as given. */
export function captureStream(tty: { isTTY?: boolean; columns?: number } = {}): CapturedStream {
  const chunks: string[] = [];
  return {
    write: (chunk: string) => chunks.push(chunk),
    ...tty,
    text: () => chunks.join(''),
  };
}

/** CLI streams capturing stdout and stderr, plus an abort controller standing for Ctrl-C. */
export function captureIo(options: { tty?: boolean; cwd?: string } = {}): CliIo & {
  stdout: CapturedStream;
  stderr: CapturedStream;
  controller: AbortController;
} {
  const controller = new AbortController();
  return {
    stdout: captureStream(options.tty === true ? { isTTY: true, columns: 120 } : {}),
    stderr: captureStream(),
    signal: controller.signal,
    controller,
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
  };
}

/** The JSON objects of an NDJSON text (throws if a line is not JSON). */
export function ndjson(text: string): Array<Record<string, unknown>> {
  return text
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}
