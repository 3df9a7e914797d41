/**
 * Shared pieces of the reliability specs: a bounded way to run a stream to its end, the secret
 * token, task ids, pipeline options with tiny timeouts, and a deep "does this contain the token"
 * check.
 */
import { inspect } from 'node:util';
import type { Observable } from 'rxjs';
import type { TaskStatusOptions } from '../../lib/options.js';
import type { TaskTransition } from '../../lib/transitions.js';

/** The bearer token of every reliability test: it must never show up anywhere. */
export const TOKEN = 'rel-s3cret-t0ken-7f3a9c0de1b2';

/** A task id (UUID v4). */
export const TASK = '6f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f';

/** The n-th of a family of distinct task ids. */
export function taskId(n: number): string {
  return `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
}

/** A small PDF-ish payload and its base64. */
export const CONTENT = Buffer.from('%PDF-1.4 reliability fixture');
export const SUCCESS_RESULT = { status: 'SUCCESS', content_b64: CONTENT.toString('base64'), invoiceNumber: 'INV-7' };

/** Retries per poll in the table tests (so a retried fault needs `MAX_RETRIES + 1` replies to end the stream). */
export const MAX_RETRIES = 2;

/**
 * Options with small timeouts and backoff, so real-network tests stay fast (the request timeout
 * is 1 s rather than less so that a loaded machine does not time out an ordinary answer).
 */
export function fastOptions(baseUrl: string, extra: TaskStatusOptions = {}): TaskStatusOptions {
  return {
    baseUrl,
    token: TOKEN,
    interval: 1,
    requestTimeout: 1000,
    retry: { initialInterval: 1, maxInterval: 5, maxRetries: MAX_RETRIES, jitter: 'none', maxRetryAfter: 300 },
    ...extra,
  };
}

/** How a stream ended. */
export interface StreamOutcome {
  readonly transitions: TaskTransition[];
  readonly error: unknown;
  readonly completed: boolean;
  /** `true` when `timeoutMs` passed first (the stream was unsubscribed). */
  readonly timedOut: boolean;
  readonly ms: number;
}

/** Subscribes and collects until error, completion, or `timeoutMs` (then unsubscribes). */
export function runStream(source: Observable<TaskTransition>, timeoutMs = 5_000): Promise<StreamOutcome> {
  const started = performance.now();
  const transitions: TaskTransition[] = [];
  return new Promise((resolve) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const finish = (error: unknown, completed: boolean, timedOut: boolean): void => {
      if (timer !== undefined) clearTimeout(timer);
      resolve({ transitions, error, completed, timedOut, ms: performance.now() - started });
    };
    const subscription = source.subscribe({
      next: (t) => transitions.push(t),
      error: (e: unknown) => finish(e, false, false),
      complete: () => finish(undefined, true, false),
    });
    if (!subscription.closed) {
      timer = setTimeout(() => {
        subscription.unsubscribe();
        finish(undefined, false, true);
      }, timeoutMs);
    }
  });
}

/** The phases a stream went through. */
export function phases(outcome: StreamOutcome): string[] {
  return outcome.transitions.map((t) => t.to);
}

/**
 * Everything that could carry a secret, as text: `String(x)`, the message and stack, the JSON of
 * own properties and `util.inspect` to any depth (which follows `cause` chains).
 */
export function exposedText(value: unknown): string {
  const parts: string[] = [];
  try {
    parts.push(String(value));
  } catch {
    // an object without toString
  }
  if (value instanceof Error) parts.push(value.message, value.stack ?? '');
  try {
    parts.push(JSON.stringify(value, (_k, v: unknown) => (v instanceof Uint8Array ? `[${v.byteLength} bytes]` : v)) ?? '');
  } catch {
    // circular
  }
  parts.push(inspect(value, { depth: Infinity, showHidden: false, getters: false }));
  return parts.join('\n');
}
