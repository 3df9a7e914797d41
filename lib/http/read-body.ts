import { ResponseTooLargeError } from '../errors/response-too-large-error.js';
import { BoundedBytes } from './bounded-bytes.js';
import type { FetchResponse } from './fetch-transport.js';
import { collectNodeStream, isNodeStream, isWhatwgStream } from './node-stream-body.js';
import { redactText } from './redact-token.js';
import type { TransportResponse } from './transport.js';

/**
 * Body reading and parsing for the fetch transport: the whole body within the size limit, from
 * whatever the fetch in use hands over (a `ReadableStream`, node-fetch's Node stream, an async
 * iterable, or only `arrayBuffer()`), then JSON when it parses, else a shortened text.
 *
 * @internal
 */

/** Longest `text` kept from a body that is not JSON, in characters. */
const TEXT_LIMIT = 2048;
const EMPTY = new Uint8Array(0);
const NON_SPACE = /\S/;

let utf8: TextDecoder | undefined;

function noop(): void {
  /* swallows late errors of a cancelled body */
}

/** @internal Reads the whole body; past `limit` bytes cancels it and throws a `ResponseTooLargeError`. */
export async function readBytes(res: FetchResponse, limit: number, controller: AbortController, taskId: string): Promise<Uint8Array> {
  const body = res.body;
  const collected = new BoundedBytes(limit);
  if (body === undefined && typeof res.arrayBuffer === 'function') {
    // XHR-based polyfills have no body stream: the size is checked after the fact.
    if (!collected.push(await res.arrayBuffer())) throw new ResponseTooLargeError(limit, { taskId });
    return collected.bytes();
  }
  if (body == null) return EMPTY;
  if (isWhatwgStream(body)) {
    const reader = body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (!collected.push(value)) {
        reader.cancel().catch(noop);
        controller.abort();
        throw new ResponseTooLargeError(limit, { taskId });
      }
    }
  } else if (isNodeStream(body)) {
    return collectNodeStream(body, limit, controller, taskId);
  } else if (typeof (body as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function') {
    for await (const value of body as AsyncIterable<unknown>) {
      if (!collected.push(value)) {
        // Leaving the loop destroys the stream; the abort closes node-fetch's socket too.
        controller.abort();
        throw new ResponseTooLargeError(limit, { taskId });
      }
    }
  } else {
    throw new TypeError('the response body is neither a ReadableStream nor an async iterable');
  }
  return collected.bytes();
}

/** @internal The transport response of a body: JSON when the text parses, else the text (shortened); an empty body gives neither. */
export function toResponse(status: number, headers: Readonly<Record<string, string>>, bytes: Uint8Array, credential: string | undefined): TransportResponse {
  if (bytes.byteLength === 0) return { status, headers };
  // A body that echoes the token (a gateway page, a debug proxy) loses it here, before it is parsed.
  const text = redactText((utf8 ??= new TextDecoder()).decode(bytes), credential);
  try {
    return { status, headers, body: JSON.parse(text) as unknown };
  } catch {
    // Only whitespace: no body (JSON.parse refuses it too, so the common case scans the text once).
    if (!NON_SPACE.test(text)) return { status, headers };
    return { status, headers, text: text.length > TEXT_LIMIT ? `${text.slice(0, TEXT_LIMIT - 1)}…` : text };
  }
}
