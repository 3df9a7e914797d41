import { planLifecycle, snapshotAt } from '../../lib/simulator/lifecycle.js';
import { createSeededRandom } from '../../lib/simulator/seeded-random.js';

const random = createSeededRandom(3);

describe('planLifecycle / snapshotAt', () => {
  it('runs PENDING → STARTED → SUCCESS with a PDF at 30 % and 100 % of the duration', () => {
    const plan = planLifecycle({ outcome: 'success', durationMs: 1000, retry: false, invoiceNumber: 'INV-1' }, random);
    expect(snapshotAt(plan, 0)).toEqual({ status: 'PENDING', result: null });
    expect(snapshotAt(plan, 299).status).toBe('PENDING');
    expect(snapshotAt(plan, 300)).toEqual({ status: 'STARTED', result: null });
    expect(snapshotAt(plan, 999).status).toBe('STARTED');
    const done = snapshotAt(plan, 1000);
    expect(done.status).toBe('SUCCESS');
    const result = done.result as { status: string; content_b64: string; filename: string; size: number };
    expect(result.status).toBe('SUCCESS');
    expect(result.filename).toBe('INV-1.pdf');
    const pdf = Buffer.from(result.content_b64, 'base64');
    expect(pdf.subarray(0, 8).toString()).toBe('%PDF-1.4');
    expect(pdf.length).toBe(result.size);
    expect(snapshotAt(plan, 1e9)).toEqual(done);
  });

  it('goes through RETRY (with a meta) and back to STARTED when asked', () => {
    const plan = planLifecycle({ outcome: 'failed', durationMs: 1000, retry: true, invoiceNumber: 'INV-2' }, random);
    expect([0, 200, 450, 650, 1000].map((t) => snapshotAt(plan, t).status)).toEqual(['PENDING', 'STARTED', 'RETRY', 'STARTED', 'FAILURE']);
    expect(snapshotAt(plan, 500).result).toMatchObject({ exc_type: expect.any(String) });
    expect(snapshotAt(plan, 1000).result).toEqual({ exc_type: expect.any(String), exc_message: expect.any(String) });
  });

  it('ends a rejected task with Celery SUCCESS and an AFNOR business error', () => {
    const plan = planLifecycle({ outcome: 'rejected', durationMs: 10, retry: false, invoiceNumber: 'INV-3' }, random);
    const done = snapshotAt(plan, 10);
    expect(done.status).toBe('SUCCESS');
    const result = done.result as { status: string; errorCode: string; details: Array<Record<string, unknown>> };
    expect(result.status).toBe('ERROR');
    expect(result.errorCode).toEqual(expect.any(String));
    expect(result.details.length).toBeGreaterThan(0);
    for (const d of result.details) {
      expect(d).toEqual({ item: expect.any(String), reason: expect.any(String), level: expect.stringMatching(/^(Error|Warning)$/), source: expect.anything(), code: d['code'] ?? null });
    }
  });

  it('reports Celery-style PROGRESS 1…n with { current, total, stage } between STARTED and the end', () => {
    const plan = planLifecycle({ outcome: 'success', durationMs: 1000, retry: false, invoiceNumber: 'INV-5', progressSteps: 4 }, random);
    // STARTED at 300, then the 700 ms left cut in five: PROGRESS at 440, 580, 720, 860; SUCCESS at 1000.
    expect(snapshotAt(plan, 300)).toEqual({ status: 'STARTED', result: null });
    expect(snapshotAt(plan, 439).status).toBe('STARTED');
    const seen = [440, 580, 720, 860, 999].map((t) => snapshotAt(plan, t));
    expect(seen.map((s) => s.status)).toEqual(['PROGRESS', 'PROGRESS', 'PROGRESS', 'PROGRESS', 'PROGRESS']);
    expect(seen.map((s) => s.result)).toEqual([
      { current: 1, total: 4, stage: expect.any(String) },
      { current: 2, total: 4, stage: expect.any(String) },
      { current: 3, total: 4, stage: expect.any(String) },
      { current: 4, total: 4, stage: expect.any(String) },
      { current: 4, total: 4, stage: expect.any(String) },
    ]);
    expect(snapshotAt(plan, 1000).status).toBe('SUCCESS');
  });

  it('puts the progress after the RETRY, in the last STARTED stretch (a retried Celery task starts over)', () => {
    const plan = planLifecycle({ outcome: 'failed', durationMs: 1000, retry: true, invoiceNumber: 'INV-6', progressSteps: 2 }, random);
    expect(plan.steps.map((s) => `${s.at}:${s.status}`)).toEqual(['0:PENDING', '200:STARTED', '450:RETRY', '650:STARTED', '767:PROGRESS', '883:PROGRESS', '1000:FAILURE']);
    expect(snapshotAt(plan, 800).result).toMatchObject({ current: 1, total: 2 });
  });

  it('is terminal at once with a zero duration', () => {
    const plan = planLifecycle({ outcome: 'success', durationMs: 0, retry: true, invoiceNumber: 'INV-4' }, random);
    expect(snapshotAt(plan, 0).status).toBe('SUCCESS');
    const withProgress = planLifecycle({ outcome: 'success', durationMs: 0, retry: false, invoiceNumber: 'INV-7', progressSteps: 3 }, random);
    expect(snapshotAt(withProgress, 0).status).toBe('SUCCESS');
  });
});
