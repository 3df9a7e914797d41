import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { startSimulator, type Simulator } from '../../lib/simulator/index.js';
import { httpJson, sleep } from '../helpers/simulator-http.js';

const STATUS = (id: string): string => `/api/v1/processing/tasks/${encodeURIComponent(id)}/status`;
const UNKNOWN = '3fa85f64-5717-4562-b3fc-2c963f66afa6';

describe('simulator HTTP API', () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator({ seed: 11, durationMs: 300, retryRate: 0, credentials: { username: 'alice', password: 's3cret' } });
  });
  afterAll(() => sim.close());

  describe('POST /api/token/', () => {
    it('returns access and refresh tokens for accepted credentials, usable at once', async () => {
      const res = await httpJson(`${sim.url}/api/token/`, { body: { username: 'alice', password: 's3cret', client_uid: 'cli' } });
      expect(res.status).toBe(200);
      const { access, refresh } = res.body as { access: string; refresh: string };
      expect(access).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
      expect(refresh).not.toBe(access);
      expect((await httpJson(sim.url + STATUS(UNKNOWN), { token: access })).status).toBe(200);
    });

    it('answers 401 {detail} for wrong credentials and 400 per missing field', async () => {
      const wrong = await httpJson(`${sim.url}/api/token/`, { body: { username: 'alice', password: 'nope' } });
      expect(wrong.status).toBe(401);
      expect(wrong.body).toEqual({ detail: expect.any(String) });
      const missing = await httpJson(`${sim.url}/api/token/`, { body: { username: 'alice' } });
      expect(missing.status).toBe(400);
      expect(missing.body).toEqual({ password: ['This field is required.'] });
    });

    it('refreshes: POST /api/token/refresh/ gives a new access token, and 401 for a bad refresh token', async () => {
      const { refresh } = (await httpJson(`${sim.url}/api/token/`, { body: { username: 'alice', password: 's3cret' } })).body as { refresh: string };
      const res = await httpJson(`${sim.url}/api/token/refresh/`, { body: { refresh } });
      expect(res.status).toBe(200);
      const { access } = res.body as { access: string };
      expect((await httpJson(sim.url + STATUS(UNKNOWN), { token: access })).status).toBe(200);
      const bad = await httpJson(`${sim.url}/api/token/refresh/`, { body: { refresh: access } });
      expect(bad.status).toBe(401);
      expect(bad.body).toMatchObject({ detail: expect.any(String), code: 'token_not_valid' });
    });
  });

  describe('GET /api/v1/processing/tasks/{task_id}/status', () => {
    it('answers 401 {detail} without a token, with WWW-Authenticate', async () => {
      const res = await httpJson(sim.url + STATUS(UNKNOWN));
      expect(res.status).toBe(401);
      expect(res.body).toEqual({ detail: 'Not authenticated' });
      expect(res.headers['www-authenticate']).toBe('Bearer');
    });

    it('answers 401 {errorCode, errorMessage} for an expired token and for an unknown one', async () => {
      const expired = await httpJson(sim.url + STATUS(UNKNOWN), { token: sim.createToken({ ttlMs: 0 }) });
      expect(expired.status).toBe(401);
      expect(expired.body).toEqual({ errorCode: 'TOKEN_EXPIRED', errorMessage: expect.any(String), details: [] });
      const forged = await httpJson(sim.url + STATUS(UNKNOWN), { token: 'eyJ.forged.token' });
      expect(forged.status).toBe(401);
      expect(forged.body).toMatchObject({ errorCode: 'INVALID_TOKEN' });
    });

    it('answers 422 in FastAPI shape for a task id that is not a UUID', async () => {
      const res = await httpJson(sim.url + STATUS('not-a-uuid'), { token: sim.token });
      expect(res.status).toBe(422);
      expect(res.body).toEqual({
        detail: [{ type: 'uuid_parsing', loc: ['path', 'task_id'], msg: expect.stringContaining('valid UUID'), input: 'not-a-uuid', ctx: expect.any(Object) }],
      });
    });

    it('keeps an unknown UUID PENDING forever, as Celery does', async () => {
      const first = await httpJson(sim.url + STATUS(UNKNOWN), { token: sim.token });
      await sleep(350);
      const later = await httpJson(sim.url + STATUS(UNKNOWN.toUpperCase()), { token: sim.token });
      expect(first.body).toEqual({ taskId: UNKNOWN, status: 'PENDING', result: null });
      expect(later.body).toEqual({ taskId: UNKNOWN, status: 'PENDING', result: null });
      expect(sim.stats(UNKNOWN.toUpperCase())).toEqual(sim.stats(UNKNOWN)); // ids are counted in canonical form
      expect(sim.stats(UNKNOWN)).toMatchObject({ known: false, celeryStatus: 'PENDING' });
      expect(sim.stats(UNKNOWN).requests).toBeGreaterThanOrEqual(2);
    });

    it('follows the lifecycle in time: PENDING, then STARTED, then SUCCESS with a real PDF', async () => {
      const { taskId } = await sim.submit({ outcome: 'success', durationMs: 600, retry: false, invoiceNumber: 'INV-T-1' });
      const at = async (): Promise<{ status: string; result: unknown }> =>
        (await httpJson(sim.url + STATUS(taskId), { token: sim.token })).body as { status: string; result: unknown };
      expect((await at()).status).toBe('PENDING'); // 0–180 ms
      await sleep(300);
      expect((await at()).status).toBe('STARTED'); // 180–600 ms
      await sleep(350);
      const done = await at();
      expect(done.status).toBe('SUCCESS');
      const result = done.result as { status: string; content_b64: string };
      expect(result.status).toBe('SUCCESS');
      const pdf = Buffer.from(result.content_b64, 'base64').toString('latin1');
      expect(pdf.startsWith('%PDF-1.4')).toBe(true);
      expect(pdf).toContain('Invoice INV-T-1');
    });

    it('refuses other methods with 405 and unknown paths with 404', async () => {
      expect((await httpJson(sim.url + STATUS(UNKNOWN), { method: 'DELETE', token: sim.token })).status).toBe(405);
      const missing = await httpJson(`${sim.url}/api/v2/nothing`, { token: sim.token });
      expect(missing.status).toBe(404);
      expect(missing.body).toEqual({ detail: 'Not Found' });
    });

    it('keeps connections alive', async () => {
      const res = await httpJson(sim.url + STATUS(UNKNOWN), { token: sim.token, headers: { connection: 'keep-alive' } });
      expect(res.headers['connection']).toBe('keep-alive');
    });
  });

  describe('POST /api/v1/processing/generate-invoice', () => {
    it('answers 202 {taskId} (a UUID v4) with a valid token, 401 without', async () => {
      const ok = await httpJson(`${sim.url}/api/v1/processing/generate-invoice`, { token: sim.token, body: { outcome: 'failed', durationMs: 0 } });
      expect(ok.status).toBe(202);
      const { taskId } = ok.body as { taskId: string };
      expect(taskId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      const status = await httpJson(sim.url + STATUS(taskId), { token: sim.token });
      expect(status.body).toEqual({ taskId, status: 'FAILURE', result: { exc_type: expect.any(String), exc_message: expect.any(String) } });
      expect((await httpJson(`${sim.url}/api/v1/processing/generate-invoice`, { body: {} })).status).toBe(401);
    });

    it('answers 422 in FastAPI shape for a bad field, a non-loopback callbackUrl, or invalid JSON', async () => {
      const bad = await httpJson(`${sim.url}/api/v1/processing/generate-invoice`, { token: sim.token, body: { outcome: 'maybe' } });
      expect(bad.status).toBe(422);
      expect(bad.body).toEqual({ detail: [{ type: 'value_error', loc: ['body', 'outcome'], msg: expect.any(String), input: 'maybe' }] });
      const remote = await httpJson(`${sim.url}/api/v1/processing/generate-invoice`, { token: sim.token, body: { callbackUrl: 'http://example.com/hook' } });
      expect(remote.status).toBe(422);
      expect((remote.body as { detail: Array<{ loc: string[] }> }).detail[0]?.loc).toEqual(['body', 'callbackUrl']);
      const garbled = await httpJson(`${sim.url}/api/v1/processing/generate-invoice`, { token: sim.token, body: '{"outcome":' });
      expect(garbled.status).toBe(422);
      expect((garbled.body as { detail: Array<{ type: string }> }).detail[0]?.type).toBe('json_invalid');
    });

    it('ends a rejected task with Celery SUCCESS and an AFNOR business ERROR', async () => {
      const { taskId } = (await httpJson(`${sim.url}/api/v1/processing/generate-invoice`, { token: sim.token, body: { outcome: 'rejected', durationMs: 0 } })).body as { taskId: string };
      const { body } = await httpJson(sim.url + STATUS(taskId), { token: sim.token });
      expect(body).toMatchObject({ taskId, status: 'SUCCESS', result: { status: 'ERROR', errorCode: expect.any(String), errorMessage: expect.any(String) } });
      const details = (body as { result: { details: unknown[] } }).result.details;
      expect(details.length).toBeGreaterThan(0);
      expect(details[0]).toEqual({ item: expect.any(String), reason: expect.any(String), level: 'Error', source: expect.any(String), code: expect.anything() });
    });
  });
});

describe('simulator token expiry', () => {
  it('turns a token into a real 401 once tokenTtlMs has passed', async () => {
    const sim = await startSimulator({ tokenTtlMs: 150 });
    try {
      const { access } = (await httpJson(`${sim.url}/api/token/`, { body: sim.credentials })).body as { access: string };
      expect((await httpJson(sim.url + STATUS(UNKNOWN), { token: access })).status).toBe(200);
      await sleep(200);
      const res = await httpJson(sim.url + STATUS(UNKNOWN), { token: access });
      expect(res.status).toBe(401);
      expect(res.body).toMatchObject({ errorCode: 'TOKEN_EXPIRED' });
      expect(sim.stats(UNKNOWN)).toMatchObject({ requests: 2, served: 1, unauthorized: 1 });
    } finally {
      await sim.close();
    }
  });
});

describe('simulator task_id spelling', () => {
  it('answers with task_id when asked to, as older API versions do', async () => {
    const sim = await startSimulator({ taskIdField: 'task_id' });
    try {
      const submitted = await httpJson(`${sim.url}/api/v1/processing/generate-invoice`, { token: sim.token, body: {} });
      const id = (submitted.body as { task_id: string }).task_id;
      expect(id).toEqual(expect.any(String));
      expect((await httpJson(sim.url + STATUS(id), { token: sim.token })).body).toMatchObject({ task_id: id, status: 'PENDING' });
    } finally {
      await sim.close();
    }
  });
});

describe('simulator webhooks', () => {
  let receiver: Server;
  let hookUrl: string;
  const received: Array<{ raw: Buffer; headers: IncomingHttpHeaders }> = [];
  let arrived: () => void = () => undefined;

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({ raw: Buffer.concat(chunks), headers: req.headers });
        res.writeHead(204).end();
        arrived();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const address = receiver.address();
    hookUrl = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}/hooks/factpulse`;
  });
  afterAll(async () => {
    receiver.closeAllConnections();
    await new Promise((resolve) => receiver.close(resolve));
  });

  const waitFor = (count: number): Promise<void> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`only ${received.length} webhooks arrived`)), 3000);
      const check = (): void => {
        if (received.length >= count) {
          clearTimeout(timer);
          resolve();
        }
      };
      arrived = check;
      check();
    });

  it('POSTs {event_type, data} at the end of the task, signed with HMAC-SHA256 of the raw body', async () => {
    const sim = await startSimulator({ webhookSecret: 'whsec-test', durationMs: 100 });
    try {
      const { taskId: ok } = await sim.submit({ outcome: 'success', callbackUrl: hookUrl });
      const { taskId: refused } = await sim.submit({ outcome: 'rejected', callbackUrl: hookUrl });
      const { taskId: broken } = await sim.submit({ outcome: 'failed', callbackUrl: hookUrl });
      await waitFor(3);
      const byTask = new Map<string, { event_type: string; data: { taskId: string; status: string; result: unknown } }>();
      for (const { raw, headers } of received) {
        const signature = String(headers['x-webhook-signature']);
        const expected = `sha256=${createHmac('sha256', 'whsec-test').update(raw).digest('hex')}`;
        expect(timingSafeEqual(Buffer.from(signature), Buffer.from(expected))).toBe(true);
        expect(headers['content-type']).toBe('application/json');
        const event = JSON.parse(raw.toString('utf8')) as { event_type: string; data: { taskId: string; status: string; result: unknown } };
        byTask.set(event.data.taskId, event);
      }
      expect(byTask.get(ok)).toMatchObject({ event_type: 'generation.completed', data: { taskId: ok, status: 'SUCCESS', result: { status: 'SUCCESS' } } });
      expect(byTask.get(refused)).toMatchObject({ event_type: 'generation.failed', data: { status: 'SUCCESS', result: { status: 'ERROR' } } });
      expect(byTask.get(broken)).toMatchObject({ event_type: 'generation.failed', data: { status: 'FAILURE' } });
      expect(sim.stats(ok).webhooks).toEqual([{ status: 204 }]);
    } finally {
      await sim.close();
    }
  });

  it('sends nothing for a task that has not ended when the simulator closes', async () => {
    const before = received.length;
    const sim = await startSimulator({ durationMs: 100 });
    await sim.submit({ callbackUrl: hookUrl });
    await sim.close();
    await sleep(150);
    expect(received.length).toBe(before);
  });
});
