/**
 * Error description for the transports: the text of an error from any fetch library or realm
 * (undici's errors are not `instanceof` a sandbox's `Error`), its cause and code included once.
 * Not part of the public API.
 */

function errorCode(error: unknown): string | undefined {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : undefined;
}

/** `error.message` of an error from any realm (undici's errors are not `instanceof` a sandbox's `Error`). */
function messageOf(error: unknown): string | undefined {
  const message = typeof error === 'object' && error !== null ? (error as { message?: unknown }).message : undefined;
  return typeof message === 'string' ? message : undefined;
}

/** @internal An error from a fetch library as text: `message: cause message (CODE)`, each part once. */
export function describeError(error: unknown): string {
  let text = messageOf(error) ?? String(error);
  const cause = typeof error === 'object' && error !== null ? (error as { cause?: unknown }).cause : undefined;
  const causeMessage = messageOf(cause);
  if (causeMessage !== undefined && causeMessage !== '' && !text.includes(causeMessage)) text += `: ${causeMessage}`;
  const code = errorCode(error) ?? errorCode(cause);
  if (code !== undefined && !text.includes(code)) text += ` (${code})`;
  return text;
}
