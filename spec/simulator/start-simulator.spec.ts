import { request } from 'node:http';
import { startSimulator, type Simulator } from '../../lib/simulator/index.js';
import { httpJson, sleep } from '../helpers/simulator-http.js';

const STATUS = (id: string): string => `/api/v1/processing/tasks/${id}/status`;

/** Polls a task `n` times and reports what each request got ('reset' for a destroyed connection). */
async function pollOutcomes(sim: Simulator, taskId: string, n: number): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    try {
      const res = await httpJson(sim.url + STATUS(taskId), { token: sim.token });
      out.push(res.body === undefined ? `${res.status}:non-json` : String(res.status));
    } catch {
      out.push('reset');
    }
  }
  return out;
}

describe('startSimulator', () => {
  it('listens on 127.0.0.1 on a free port and reports its url, seed and a valid token', async () => {
    const sim = await startSimulator({ seed: 'abc' });
    try {
      expect(sim.url).toBe(`http://127.0.0.1:${sim.port}`);
      expect(sim.port).toBeGreaterThan(0);
      expect(sim.seed).toBe('abc');
      expect((await httpJson(sim.url + STATUS('3fa85f64-5717-4562-b3fc-2c963f66afa6'), { token: sim.token })).status).toBe(200);
    } finally {
      await sim.close();
    }
  });

  it('gives the same task ids and outcomes for the same seed', async () => {
    const run = async (seed: number): Promise<string[]> => {
      const sim = await startSimulator({ seed, durationMs: 0 });
      try {
        const out: string[] = [];
        for (let i = 0; i < 6; i++) {
          const { taskId } = await sim.submit();
          const { body } = await httpJson(sim.url + STATUS(taskId), { token: sim.token });
          const { status, result } = body as { status: string; result: { status?: string } };
          out.push(`${taskId}:${status}:${result.status ?? '-'}`);
        }
        return out;
      } finally {
        await sim.close();
      }
    };
    const a = await run(99);
    expect(await run(99)).toEqual(a);
    expect(await run(100)).not.toEqual(a);
  });

  it('injects faults at a rate, reproducibly for a seed, and counts them per task', async () => {
    const run = async (seed: number): Promise<{ outcomes: string[]; stats: ReturnType<Simulator['stats']> }> => {
      const sim = await startSimulator({ seed, faults: { rate: 0.5, kinds: ['http-503', 'rate-limit', 'reset', 'invalid-json', 'html'] } });
      try {
        const { taskId } = await sim.submit();
        const outcomes = await pollOutcomes(sim, taskId, 30);
        return { outcomes, stats: sim.stats(taskId) };
      } finally {
        await sim.close();
      }
    };
    const first = await run(5);
    const again = await run(5);
    expect(again.outcomes).toEqual(first.outcomes);
    expect((await run(6)).outcomes).not.toEqual(first.outcomes);
    const allowed = ['200', '503', '429', 'reset', '200:non-json', '502:non-json'];
    expect(first.outcomes.filter((o) => !allowed.includes(o))).toEqual([]);
    expect(new Set(first.outcomes).size).toBeGreaterThanOrEqual(4);
    const faulted = first.outcomes.filter((o) => o !== '200').length;
    expect(faulted).toBeGreaterThan(5);
    expect(faulted).toBeLessThan(25);
    expect(first.stats).toMatchObject({ requests: 30, faults: faulted, served: 30 - faulted, known: true });
    expect(first.stats.byStatus['reset']).toBe(first.outcomes.filter((o) => o === 'reset').length);
  });

  it('sends 429 with Retry-After and a JSON body for rate-limit', async () => {
    const sim = await startSimulator({ faults: { rate: 1, kinds: ['rate-limit'], retryAfterSeconds: 2 } });
    try {
      const res = await httpJson(sim.url + STATUS('3fa85f64-5717-4562-b3fc-2c963f66afa6'), { token: sim.token });
      expect(res.status).toBe(429);
      expect(res.headers['retry-after']).toBe('2');
      expect(res.body).toEqual({ detail: 'Too Many Requests' });
    } finally {
      await sim.close();
    }
  });

  it('adds latency, and only on the routes asked for', async () => {
    const sim = await startSimulator({ faults: { rate: 1, kinds: ['latency'], latencyMs: 150 } });
    try {
      let started = Date.now();
      expect((await httpJson(sim.url + STATUS('3fa85f64-5717-4562-b3fc-2c963f66afa6'), { token: sim.token })).status).toBe(200);
      expect(Date.now() - started).toBeGreaterThanOrEqual(140);
      started = Date.now();
      expect((await httpJson(`${sim.url}/api/token/`, { body: sim.credentials })).status).toBe(200);
      expect(Date.now() - started).toBeLessThan(140);
    } finally {
      await sim.close();
    }
  });

  it("plays a submission's fault script on its first polls, then answers normally", async () => {
    const sim = await startSimulator({ durationMs: 0 });
    try {
      const { taskId } = await sim.submit({ outcome: 'success', faults: { script: ['http-502', 'rate-limit', 'reset', 'html'] } });
      const { taskId: other } = await sim.submit({ outcome: 'success' });
      expect(await pollOutcomes(sim, taskId, 6)).toEqual(['502', '429', 'reset', '502:non-json', '200', '200']);
      expect(await pollOutcomes(sim, other, 2)).toEqual(['200', '200']);
      expect(sim.stats(taskId)).toMatchObject({ requests: 6, faults: 4, served: 2, celeryStatus: 'SUCCESS' });
    } finally {
      await sim.close();
    }
  });

  it('forces one fault with the x-simulator-fault request header', async () => {
    const sim = await startSimulator();
    try {
      const res = await httpJson(sim.url + STATUS('3fa85f64-5717-4562-b3fc-2c963f66afa6'), { token: sim.token, headers: { 'x-simulator-fault': 'http-504' } });
      expect(res.status).toBe(504);
    } finally {
      await sim.close();
    }
  });

  it('logs each request with its route, task, auth verdict and status, and never the token', async () => {
    const sim = await startSimulator();
    try {
      const id = '3fa85f64-5717-4562-b3fc-2c963f66afa6';
      await httpJson(sim.url + STATUS(id), { token: sim.token });
      await httpJson(`${sim.url + STATUS(id)}?token=${sim.token}`);
      await httpJson(sim.url + STATUS(id), { token: sim.createToken({ ttlMs: 0 }) });
      await httpJson(`${sim.url}/api/token/`, { body: sim.credentials });
      expect(sim.log.map((e) => [e.route, e.taskId, e.auth, e.status])).toEqual([
        ['status', id, 'valid', 200],
        ['status', id, 'none', 401],
        ['status', id, 'expired', 401],
        ['token', undefined, 'none', 200],
      ]);
      expect(sim.log[0]).toMatchObject({ method: 'GET', path: STATUS(id), celeryStatus: 'PENDING', durationMs: expect.any(Number) });
      expect(JSON.stringify(sim.log)).not.toContain(sim.token);
      expect(JSON.stringify(sim.log)).not.toContain(sim.credentials.password);
      expect(sim.stats(id)).toMatchObject({ requests: 3, served: 1, unauthorized: 2, known: false, celeryStatus: 'PENDING' });
      expect(sim.stats('never-asked')).toMatchObject({ requests: 0, served: 0, byStatus: {} });
    } finally {
      await sim.close();
    }
  });

  it('calls onRequest for each log entry', async () => {
    const seen: string[] = [];
    const sim = await startSimulator({ onRequest: (e) => seen.push(`${e.route}:${e.status}`) });
    try {
      await httpJson(`${sim.url}/nowhere`);
      expect(seen).toEqual(['other:404']);
    } finally {
      await sim.close();
    }
  });

  it('scales lifecycles with timeScale', async () => {
    const sim = await startSimulator({ timeScale: 0.01, durationMs: 10_000 });
    try {
      const { taskId } = await sim.submit({ outcome: 'success' });
      await sleep(150);
      expect(sim.stats(taskId).celeryStatus).toBe('SUCCESS');
    } finally {
      await sim.close();
    }
  });

  it('answers PROGRESS with { current, total } several times before the end, when progressSteps asks', async () => {
    const sim = await startSimulator({ progressSteps: 3, durationMs: 900, retryRate: 0 });
    try {
      const { taskId } = await sim.submit({ outcome: 'success' });
      const { taskId: plain } = await sim.submit({ outcome: 'success', progressSteps: 0 });
      const seen: string[] = [];
      const plainSeen = new Set<string>();
      // Poll both every 15 ms (bounded: at most 200 rounds) until the first one is terminal.
      for (let i = 0; i < 200; i++) {
        const { body } = await httpJson(sim.url + STATUS(taskId), { token: sim.token });
        const { taskId: id, status, result } = body as { taskId: string; status: string; result: { current?: number; total?: number } | null };
        expect(id).toBe(taskId);
        const label = status === 'PROGRESS' ? `PROGRESS ${result?.current}/${result?.total}` : status;
        if (seen[seen.length - 1] !== label) seen.push(label);
        plainSeen.add(((await httpJson(sim.url + STATUS(plain), { token: sim.token })).body as { status: string }).status);
        if (status === 'SUCCESS') break;
        await sleep(15);
      }
      expect(seen).toEqual(['PENDING', 'STARTED', 'PROGRESS 1/3', 'PROGRESS 2/3', 'PROGRESS 3/3', 'SUCCESS']);
      expect(plainSeen.has('PROGRESS')).toBe(false);
      expect(sim.stats(taskId).celeryStatus).toBe('SUCCESS');
    } finally {
      await sim.close();
    }
  });

  it('rejects a bad submission with a TypeError naming the field', async () => {
    const sim = await startSimulator();
    try {
      await expect(sim.submit({ durationMs: -1 })).rejects.toThrow(/durationMs/);
      await expect(sim.submit({ callbackUrl: 'https://hooks.example.com/x' })).rejects.toThrow(TypeError);
      await expect(sim.submit({ faults: { rate: 3 } })).rejects.toThrow(/faults\.rate/);
      await expect(sim.submit({ progressSteps: 2.5 })).rejects.toThrow(/progressSteps/);
      expect(() => sim.createToken({ ttlMs: -5 })).toThrow(/ttlMs/);
    } finally {
      await sim.close();
    }
  });

  it.each([
    [{ port: -1 }, 'port'],
    [{ tokenTtlMs: 'long' }, 'tokenTtlMs'],
    [{ durationMs: NaN }, 'durationMs'],
    [{ timeScale: -1 }, 'timeScale'],
    [{ retryRate: 2 }, 'retryRate'],
    [{ progressSteps: -1 }, 'progressSteps'],
    [{ progressSteps: 1000 }, 'progressSteps'],
    [{ outcomes: { success: 0, rejected: 0, failed: 0 } }, 'outcomes'],
    [{ outcomes: { failed: -1 } }, 'outcomes.failed'],
    [{ faults: { rate: 1.5 } }, 'faults.rate'],
    [{ credentials: [] }, 'credentials'],
    [{ webhookSecret: '' }, 'webhookSecret'],
    [{ taskIdField: 'id' }, 'taskIdField'],
    [{ onRequest: 'log' }, 'onRequest'],
  ])('throws a TypeError naming the option for %j', async (options, field) => {
    await expect(startSimulator(options as never)).rejects.toThrow(TypeError);
    await expect(startSimulator(options as never)).rejects.toThrow(field);
  });

  it('close() ends keep-alive connections and in-flight latency, then refuses connections', async () => {
    const sim = await startSimulator({ faults: { rate: 1, kinds: ['latency'], latencyMs: 5000 } });
    const pending = httpJson(sim.url + STATUS('3fa85f64-5717-4562-b3fc-2c963f66afa6'), { token: sim.token }).then(
      () => 'answered',
      () => 'aborted',
    );
    await sleep(50);
    const started = Date.now();
    await sim.close();
    await sim.close(); // idempotent
    expect(await pending).toBe('aborted');
    expect(Date.now() - started).toBeLessThan(1000);
    await expect(
      new Promise((resolve, reject) => request(sim.url, { agent: false }, resolve).on('error', reject).end()),
    ).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });
});
