/**
 * What a browser may send to `attachTaskSocketServer`, as JSON text frames:
 * `{"type":"subscribe","taskId":"…"}` (add `"content":true` to receive a success's content as
 * base64), `{"type":"unsubscribe","taskId":"…"}`.
 *
 * @example
 * ```ts
 * const frame: ClientFrame = { type: 'subscribe', taskId }
 * socket.send(JSON.stringify(frame))
 * ```
 */
export type ClientFrame =
  | { readonly type: 'subscribe'; readonly taskId: string; readonly content?: boolean }
  | { readonly type: 'unsubscribe'; readonly taskId: string };

/** @internal Why a frame was refused, and the task it named when it named one. */
export interface FrameProblem {
  readonly problem: string;
  readonly taskId: string | null;
}

/** @internal Frames longer than this (bytes, or characters of text) are refused unread: a real frame is under 200. */
export const MAX_FRAME_LENGTH = 4096;

/** A task id echoed back in an error frame: only a short string, never arbitrary input. */
function echoId(value: unknown): string | null {
  return typeof value === 'string' && value.length > 0 && value.length <= 64 ? value : null;
}

/**
 * @internal Reads one text frame: a {@link ClientFrame}, or the problem with it. Never throws.
 *
 * @example
 * ```ts
 * parseClientFrame('{"type":"subscribe","taskId":"…"}') // { type: 'subscribe', taskId: '…' }
 * parseClientFrame('nope') // { problem: 'a frame must be a JSON object', taskId: null }
 * ```
 */
export function parseClientFrame(text: string): ClientFrame | FrameProblem {
  if (text.length > MAX_FRAME_LENGTH) return { problem: `a frame must be at most ${MAX_FRAME_LENGTH} characters`, taskId: null };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { problem: 'a frame must be a JSON object', taskId: null };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { problem: 'a frame must be a JSON object', taskId: null };
  const { type, taskId, content } = value as Record<string, unknown>;
  if (type !== 'subscribe' && type !== 'unsubscribe') {
    return { problem: 'a frame\'s "type" must be "subscribe" or "unsubscribe"', taskId: echoId(taskId) };
  }
  if (typeof taskId !== 'string' || taskId.length === 0) return { problem: `a ${type} frame needs a "taskId" string`, taskId: null };
  if (type === 'unsubscribe') return { type, taskId };
  if (content !== undefined && typeof content !== 'boolean') return { problem: '"content" must be a boolean', taskId: echoId(taskId) };
  return content === true ? { type, taskId, content } : { type, taskId };
}
