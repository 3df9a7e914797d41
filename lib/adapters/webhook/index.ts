/**
 * `factpulse-rx/webhook`: receive FactPulse's signed webhooks, and turn them into immediate
 * polls of a task client (`createTaskClient({ hints: handler.events$ })`).
 *
 * @example
 * ```ts
 * import { createWebhookHandler } from 'factpulse-rx/webhook'
 * const webhook = createWebhookHandler({ secret })
 * app.post('/factpulse/webhook', webhook)
 * ```
 *
 * @module factpulse-rx/webhook
 */
export { verifyWebhookSignature } from './verify-webhook-signature.js';
export { createWebhookHandler, type WebhookHandler, type WebhookHandlerOptions, type WebhookPayload } from './create-webhook-handler.js';
