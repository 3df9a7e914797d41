let utf8Encoder: TextEncoder | undefined;
const EMPTY = new Uint8Array(0);

/**
 * The library's one bounded body reader: collects the chunks of a body (from a fetch response,
 * a Node request, any stream) up to a size limit, without copying a lone chunk. Every reader of
 * a body pushes its chunks here, so the size cap is checked in one place.
 *
 * `push` takes a `Uint8Array` (a `Buffer` too), an `ArrayBuffer` or a string (UTF-8), and throws
 * a `TypeError` on anything else; it returns `false`, keeping nothing more, once the body went
 * past `limit` bytes — the caller then stops reading (and answers 413, or throws its own
 * "too large" error).
 *
 * @example
 * ```ts
 * const body = new BoundedBytes(64 * 1024)
 * req.on('data', (chunk) => {
 *   if (!body.push(chunk)) tooLarge()
 * })
 * req.on('end', () => handle(body.bytes()))
 * ```
 */
export class BoundedBytes {
  private readonly chunks: Uint8Array[] = [];
  private size = 0;

  /** @param limit - the largest body accepted, in bytes (`Infinity` for none). */
  constructor(readonly limit: number) {}

  /** Bytes pushed so far (those past the limit included). */
  get total(): number {
    return this.size;
  }

  /** Adds a chunk; `false` (and the chunk not kept) once the body is over `limit`. */
  push(chunk: unknown): boolean {
    const bytes = toBytes(chunk);
    this.size += bytes.byteLength;
    if (this.size > this.limit) return false;
    this.chunks.push(bytes);
    return true;
  }

  /** The body so far, as one `Uint8Array` (a lone chunk as it came, several concatenated). */
  bytes(): Uint8Array {
    const { chunks } = this;
    if (chunks.length === 0) return EMPTY;
    if (chunks.length === 1) return chunks[0] as Uint8Array;
    const total = chunks.reduce((n, chunk) => n + chunk.byteLength, 0);
    const out = new Uint8Array(total);
    let offset = 0;
    for (const chunk of chunks) {
      out.set(chunk, offset);
      offset += chunk.byteLength;
    }
    return out;
  }
}

/** @internal A body chunk as bytes: bytes as they are, a string as UTF-8, else a TypeError. */
function toBytes(chunk: unknown): Uint8Array {
  if (chunk instanceof Uint8Array) return chunk;
  if (typeof chunk === 'string') return (utf8Encoder ??= new TextEncoder()).encode(chunk);
  if (chunk instanceof ArrayBuffer) return new Uint8Array(chunk);
  throw new TypeError('the response body yielded a chunk that is not bytes');
}
