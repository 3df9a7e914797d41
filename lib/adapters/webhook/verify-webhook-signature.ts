import { createHmac, timingSafeEqual } from 'node:crypto';
import { failOption } from '../../index.js';

const SIGNATURE = /^sha256=([0-9a-fA-F]{64})$/;

/** @internal Throws a `TypeError` naming `owner`'s `secret` unless it is a non-empty string or byte array. */
export function checkSecret(owner: string, secret: unknown): string | Uint8Array {
  if ((typeof secret === 'string' || secret instanceof Uint8Array) && secret.length > 0) return secret;
  return failOption(`${owner}: secret`, 'a non-empty string or Uint8Array', secret);
}

/**
 * Checks a FactPulse webhook signature: `signatureHeader` must be `sha256=` followed by the hex
 * HMAC-SHA256 of the raw body bytes under `secret` (the `x-webhook-signature` header). The
 * comparison is timing-safe. Returns `false` for anything malformed — a missing or repeated
 * header, another algorithm, a digest of the wrong length or not hex, a body that is not a
 * string or bytes — and never throws for them. Verify the bytes as received: a body parsed and
 * serialised again does not match. A `secret` that is not a non-empty string or byte array is a
 * programming error: `TypeError`.
 *
 * @example
 * ```ts
 * import { verifyWebhookSignature } from 'factpulse-rx/webhook'
 * app.post('/factpulse/webhook', express.raw({ type: 'application/json' }), (req, res) => {
 *   if (!verifyWebhookSignature(req.body, req.get('x-webhook-signature'), process.env.WEBHOOK_SECRET)) return res.sendStatus(401)
 *   // …
 * })
 * ```
 */
export function verifyWebhookSignature(
  rawBody: string | Uint8Array,
  signatureHeader: string | readonly string[] | null | undefined,
  secret: string | Uint8Array,
): boolean {
  const key = checkSecret('verifyWebhookSignature', secret);
  if (typeof signatureHeader !== 'string') return false;
  const match = SIGNATURE.exec(signatureHeader);
  const hex = match?.[1];
  if (hex === undefined) return false;
  if (typeof rawBody !== 'string' && !(rawBody instanceof Uint8Array)) return false;
  const expected = createHmac('sha256', key).update(rawBody).digest();
  const given = Buffer.from(hex, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}
