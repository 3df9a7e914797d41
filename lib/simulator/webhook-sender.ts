import { createHmac } from 'node:crypto';
import { request, type ClientRequest } from 'node:http';

/**
 * The events the simulator sends.
 *
 * @example
 * ```ts
 * if (event.event_type === 'generation.completed') refresh(event.data.taskId)
 * ```
 */
export type WebhookEventType = 'generation.completed' | 'generation.failed';

/**
 * A webhook body: `{ event_type, data }` as FactPulse sends it.
 *
 * @example
 * ```ts
 * const event = JSON.parse(rawBody) as WebhookEvent
 * ```
 */
export interface WebhookEvent {
  readonly event_type: WebhookEventType;
  /** When the event was made (ISO 8601). */
  readonly created_at: string;
  /** `{ taskId, status, result }`: the same payload the status endpoint gives once terminal. */
  readonly data: { readonly taskId: string; readonly status: string; readonly result: unknown };
}

/**
 * What happened to one webhook delivery (see the `onWebhook` option).
 *
 * @example
 * ```ts
 * await startSimulator({ onWebhook: (d) => console.log(d.eventType, d.status ?? d.error) })
 * ```
 */
export interface WebhookDelivery {
  readonly taskId: string;
  readonly url: string;
  readonly eventType: WebhookEventType;
  /** The receiver's HTTP status, or `undefined` when the request failed. */
  readonly status?: number;
  /** The network error's message when the request failed. */
  readonly error?: string;
}

/**
 * The value of `x-webhook-signature` for a raw body: `sha256=` and the hex HMAC-SHA256 of the
 * body bytes under `secret`.
 *
 * @example
 * ```ts
 * signWebhookBody('{"event_type":"generation.completed"}', 'secret') // 'sha256=…'
 * ```
 */
export function signWebhookBody(body: string | Uint8Array, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/**
 * True when `url` is an `http:` URL on this machine (`127.0.0.0/8`, `::1` or `localhost`): the
 * only callbacks the simulator makes, so it can never be used to reach elsewhere.
 *
 * @example
 * ```ts
 * isLoopbackUrl('http://127.0.0.1:9000/hook') // true
 * isLoopbackUrl('https://example.com/hook')   // false
 * ```
 */
export function isLoopbackUrl(url: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  if (parsed.protocol !== 'http:' || parsed.username !== '' || parsed.password !== '') return false;
  const host = parsed.hostname;
  return host === 'localhost' || host === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** Sends signed webhooks and can abort the ones in flight. @internal */
export interface WebhookSender {
  send(url: string, event: WebhookEvent, onDone: (delivery: WebhookDelivery) => void): void;
  /** Aborts every delivery in flight. */
  close(): void;
}

/**
 * Creates a {@link WebhookSender} that POSTs each event once (5 s timeout) with
 * `content-type: application/json` and `x-webhook-signature`.
 *
 * @internal
 */
export function createWebhookSender(secret: string): WebhookSender {
  const inFlight = new Set<ClientRequest>();
  return {
    send(url, event, onDone) {
      const body = JSON.stringify(event);
      const base = { taskId: event.data.taskId, url, eventType: event.event_type };
      let done = false;
      const finish = (delivery: WebhookDelivery): void => {
        if (done) return;
        done = true;
        inFlight.delete(req);
        onDone(delivery);
      };
      const req = request(url, {
        method: 'POST',
        agent: false,
        timeout: 5000,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          'user-agent': 'factpulse-rx-simulator',
          'x-webhook-signature': signWebhookBody(body, secret),
        },
      });
      inFlight.add(req);
      req.on('response', (res) => {
        res.resume();
        res.on('end', () => finish({ ...base, status: res.statusCode ?? 0 }));
        res.on('error', (error) => finish({ ...base, error: error.message }));
      });
      req.on('timeout', () => req.destroy(new Error('webhook receiver did not answer within 5 s')));
      req.on('error', (error) => finish({ ...base, error: error.message }));
      req.end(body);
    },
    close() {
      for (const req of inFlight) req.destroy();
      inFlight.clear();
    },
  };
}
