/**
 * Decodes standard base64 (RFC 4648 §4, padded) into bytes, or returns `undefined` when the text
 * is not valid base64. The bytes are an exact-size `Uint8Array` over an `ArrayBuffer` of their
 * own (`bytes.byteOffset === 0`, `bytes.buffer.byteLength === bytes.length`). Uses `Buffer` where it exists (one native pass plus a length check, since
 * Node's decoder silently skips characters outside the alphabet) and `atob` elsewhere.
 *
 * @internal
 */
export function decodeBase64(text: string): Uint8Array | undefined {
  const length = text.length;
  if (length % 4 !== 0) return undefined;
  let padding = 0;
  if (length > 0 && text.charCodeAt(length - 1) === 61) padding = text.charCodeAt(length - 2) === 61 ? 2 : 1;
  const expected = ((length - padding) * 3) >> 2;
  const NodeBuffer = (globalThis as { Buffer?: typeof Buffer }).Buffer;
  if (NodeBuffer !== undefined) {
    // Node also accepts the URL-safe alphabet; standard base64 never contains '-' or '_'.
    if (text.indexOf('-') !== -1 || text.indexOf('_') !== -1) return undefined;
    // Written straight into a buffer of its own (never a slice of Node's shared pool, which
    // holds unrelated data), exactly the decoded size.
    const bytes = NodeBuffer.allocUnsafeSlow(expected);
    if (bytes.write(text, 'base64') !== expected) return undefined;
    return new Uint8Array(bytes.buffer, 0, expected);
  }
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text)) return undefined;
  let binary: string;
  try {
    binary = atob(text);
  } catch {
    return undefined;
  }
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}
