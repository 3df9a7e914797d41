import type { IncomingMessage } from 'node:http';
import { request } from 'node:http';
import { createWebhookHandler, type WebhookPayload } from '../../../lib/adapters/webhook/index.js';
import { signWebhookBody, startSimulator } from '../../../lib/simulator/index.js';
import { startTestServer, type TestServer } from '../../helpers/test-server.js';
import { eventually } from '../ws/socket-kit.js';

const secret = 'whsec-handler';
const event = { event_type: 'generation.completed', data: { taskId: '0b8f7a4e-1f7c-4a55-9d7e-2b1f0c3d4e5f', status: 'SUCCESS' } };
const body = JSON.stringify(event);

interface Answer {
  status: number;
  headers: IncomingMessage['headers'];
  json: unknown;
}

/** POSTs (or sends `method`) with a fresh connection; `chunks` are written one by one without content-length. */
function send(url: string, init: { method?: string; body?: string | Buffer; signature?: string; chunks?: Buffer[]; headers?: Record<string, string> }): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { 'content-type': 'application/json', ...init.headers };
    if (init.signature !== undefined) headers['x-webhook-signature'] = init.signature;
    if (init.body !== undefined) headers['content-length'] = Buffer.byteLength(init.body);
    const req = request(url, { method: init.method ?? 'POST', headers, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => {
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          json = text;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, json });
      });
    });
    req.on('error', reject);
    if (init.chunks !== undefined) {
      for (const c of init.chunks) req.write(c);
      req.end();
    } else req.end(init.body);
  });
}

describe('createWebhookHandler', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());
  afterEach(() => server.reset());

  it('answers 200 to a well-signed event and emits it on events$', async () => {
    const handler = createWebhookHandler({ secret });
    const seen: WebhookPayload[] = [];
    const sub = handler.events$.subscribe((e) => seen.push(e));
    server.handle(handler);
    const answer = await send(`${server.url}/hook`, { body, signature: signWebhookBody(body, secret) });
    expect(answer.status).toBe(200);
    expect(seen).toEqual([event]);
    sub.unsubscribe();
  });

  it('answers 401 to a missing, malformed or wrong signature, and emits nothing', async () => {
    const handler = createWebhookHandler({ secret });
    const seen: unknown[] = [];
    const sub = handler.events$.subscribe((e) => seen.push(e));
    server.handle(handler);
    const flipped = Buffer.from(body);
    flipped[10] = flipped[10]! ^ 0x01; // the same bytes replayed, one bit changed
    const cases: Array<{ body: string | Buffer; signature?: string }> = [
      { body },
      { body, signature: 'garbage' },
      { body, signature: signWebhookBody(body, 'wrong-secret') },
      { body: flipped, signature: signWebhookBody(body, secret) },
      { body: `${body} `, signature: signWebhookBody(body, secret) },
    ];
    for (const c of cases) expect((await send(`${server.url}/hook`, c)).status).toBe(401);
    expect(seen).toEqual([]);
    sub.unsubscribe();
  });

  it('answers 405 to anything but POST', async () => {
    server.handle(createWebhookHandler({ secret }));
    for (const method of ['GET', 'PUT', 'DELETE']) {
      const answer = await send(`${server.url}/hook`, { method });
      expect(answer.status).toBe(405);
      expect(answer.headers['allow']).toBe('POST');
    }
  });

  it('answers 413 to a body over maxBodyBytes, by content-length or while reading, and emits nothing', async () => {
    const handler = createWebhookHandler({ secret, maxBodyBytes: 1024 });
    const seen: unknown[] = [];
    const sub = handler.events$.subscribe((e) => seen.push(e));
    server.handle(handler);
    const big = JSON.stringify({ event_type: 'generation.completed', data: { pad: 'x'.repeat(2000) } });
    expect((await send(`${server.url}/hook`, { body: big, signature: signWebhookBody(big, secret) })).status).toBe(413);
    const chunked = await send(`${server.url}/hook`, { chunks: [Buffer.from(big.slice(0, 800)), Buffer.from(big.slice(800))], signature: signWebhookBody(big, secret) });
    expect(chunked.status).toBe(413);
    // exactly at the limit is fine
    const fits = JSON.stringify({ event_type: 'e', data: { pad: 'y'.repeat(1024 - 36) } });
    expect(Buffer.byteLength(fits)).toBe(1024);
    expect((await send(`${server.url}/hook`, { body: fits, signature: signWebhookBody(fits, secret) })).status).toBe(200);
    expect(seen).toHaveLength(1);
    sub.unsubscribe();
  });

  it('answers 400 to a signed body that is not a JSON object with an event_type', async () => {
    server.handle(createWebhookHandler({ secret }));
    for (const text of ['not json', '[1]', '{"data":{}}', '{"event_type":3}', '{"event_type":"x","data":"y"}']) {
      expect((await send(`${server.url}/hook`, { body: text, signature: signWebhookBody(text, secret) })).status).toBe(400);
    }
  });

  it('calls onEvent first; when it fails the webhook gets 500 and nothing is emitted', async () => {
    const order: string[] = [];
    let fail = false;
    const handler = createWebhookHandler({
      secret,
      onEvent: async (e, req) => {
        order.push(`onEvent ${e.event_type} ${req.url ?? ''}`);
        if (fail) throw new Error('db down');
      },
    });
    const sub = handler.events$.subscribe((e) => order.push(`events$ ${e.event_type}`));
    server.handle(handler);
    fail = true;
    expect((await send(`${server.url}/h`, { body, signature: signWebhookBody(body, secret) })).status).toBe(500);
    // Not handled, so not remembered as seen: the sender's retry is handled.
    fail = false;
    expect((await send(`${server.url}/h`, { body, signature: signWebhookBody(body, secret) })).status).toBe(200);
    expect(order).toEqual(['onEvent generation.completed /h', 'onEvent generation.completed /h', 'events$ generation.completed']);
    sub.unsubscribe();
  });

  it('verifies the raw bytes a framework kept (express.raw body, req.rawBody)', async () => {
    const handler = createWebhookHandler({ secret });
    const seen: unknown[] = [];
    const sub = handler.events$.subscribe((e) => seen.push(e));
    const other = JSON.stringify({ ...event, event_type: 'generation.failed' });
    server.handle((req, res) => {
      req.resume(); // the framework read the stream already
      const raw = req.url === '/raw' ? body : other;
      const kept = Buffer.from(raw);
      handler(Object.assign(req, req.url === '/raw' ? { body: kept } : { rawBody: kept, body: JSON.parse(raw) as unknown }), res);
    });
    expect((await send(`${server.url}/raw`, { body, signature: signWebhookBody(body, secret) })).status).toBe(200);
    expect((await send(`${server.url}/rawBody`, { body: other, signature: signWebhookBody(other, secret) })).status).toBe(200);
    expect(seen).toHaveLength(2);
    sub.unsubscribe();
  });

  it('answers 500 at once (no hang) when a parser consumed the body and kept no raw bytes', async () => {
    const handler = createWebhookHandler({ secret });
    server.handle((req, res) => {
      let text = '';
      req.setEncoding('utf8');
      req.on('data', (c: string) => (text += c));
      req.on('end', () => handler(Object.assign(req, { body: JSON.parse(text) as unknown }), res));
    });
    const answer = await send(`${server.url}/parsed`, { body, signature: signWebhookBody(body, secret) });
    expect(answer.status).toBe(500);
    expect(answer.json).toEqual({ error: expect.stringContaining('express.raw()') });
  });

  it('receives the simulator’s webhooks', async () => {
    const sim = await startSimulator({ webhookSecret: secret });
    try {
      const handler = createWebhookHandler({ secret: sim.webhookSecret });
      const seen: WebhookPayload[] = [];
      const sub = handler.events$.subscribe((e) => seen.push(e));
      server.handle(handler);
      const { taskId } = await sim.submit({ outcome: 'rejected', durationMs: 20, callbackUrl: `${server.url}/factpulse` });
      await eventually(() => sim.stats(taskId).webhooks.length === 1, 5000, 'the delivery');
      expect(sim.stats(taskId).webhooks).toEqual([{ status: 200 }]);
      // (What the event says of the task is the simulator's business; here: it arrived, verified, whole.)
      expect(seen).toEqual([expect.objectContaining({ event_type: expect.stringMatching(/^generation\./), data: expect.objectContaining({ taskId }) })]);
      sub.unsubscribe();
    } finally {
      await sim.close();
    }
  });

  it('validates its options when called', () => {
    expect(() => createWebhookHandler(undefined as never)).toThrow(/\boptions: must be /);
    expect(() => createWebhookHandler({ secret: '' })).toThrow(/\bsecret: must be /);
    expect(() => createWebhookHandler({ secret, maxBodyBytes: 0 })).toThrow(/\bmaxBodyBytes: must be /);
    expect(() => createWebhookHandler({ secret, maxBodyBytes: 1.5 })).toThrow(/\bmaxBodyBytes: must be /);
    expect(() => createWebhookHandler({ secret, onEvent: 'x' as never })).toThrow(/\bonEvent: must be /);
  });
});
