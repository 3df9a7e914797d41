import { firstValueFrom, of, toArray } from 'rxjs';
import { RESULT_BOUNDS, resultBoundProblem } from '../../lib/codecs/json-bounds.js';
import { DecodeError } from '../../lib/errors/decode-error.js';
import { taskStatus$ } from '../../lib/task-status.js';

const TASK = '6f1d2c3b-4a59-4e8f-9d0c-1b2a3c4d5e6f';

/** `{ a: { a: … } }`, `depth` objects deep, built without recursion. */
function nested(depth: number): Record<string, unknown> {
  let value: Record<string, unknown> = { current: 1, total: 2 };
  for (let i = 1; i < depth; i++) value = { a: value };
  return value;
}

describe('RESULT_BOUNDS: how deep and large a Celery result may be', () => {
  it.each([
    ['a flat meta', { current: 1, total: 2 }, undefined],
    ['a meta exactly maxDepth deep', nested(RESULT_BOUNDS.maxDepth), undefined],
    ['a meta one level deeper', nested(RESULT_BOUNDS.maxDepth + 1), `nested deeper than ${RESULT_BOUNDS.maxDepth} levels`],
    ['a 50 000-deep meta', nested(50_000), `nested deeper than ${RESULT_BOUNDS.maxDepth} levels`],
    ['an array of maxNodes - 1 numbers', new Array(RESULT_BOUNDS.maxNodes - 1).fill(0), undefined],
    ['an array of maxNodes numbers', new Array(RESULT_BOUNDS.maxNodes).fill(0), `more than ${RESULT_BOUNDS.maxNodes} values`],
    ['content bytes (not counted)', { content: new Uint8Array(2 * RESULT_BOUNDS.maxNodes) }, undefined],
  ])('%s', (_, value, problem) => {
    expect(resultBoundProblem(value)).toBe(problem);
  });

  it('through taskStatus$: the stream errors with a DecodeError and emits nothing for that answer', async () => {
    const transport = () => of({ status: 200, headers: {}, body: { taskId: TASK, status: 'PROGRESS', result: nested(50_000) } as unknown });
    const outcome = await firstValueFrom(taskStatus$(TASK, { transport, interval: 0 }).pipe(toArray())).then(
      (values) => ({ values, error: undefined as unknown }),
      (error: unknown) => ({ values: [], error }),
    );
    expect(outcome.values).toEqual([]);
    expect(outcome.error).toBeInstanceOf(DecodeError);
    expect((outcome.error as Error).message).toMatch(/result: expected a state within the bounds \(nested deeper than 64 levels\)/);
  });

  it('after progress within the bounds, a deeper answer ends the stream with a DecodeError (the progress kept)', async () => {
    const bodies = [{ current: 1, total: 2 }, nested(50_000)];
    let n = 0;
    const transport = () => of({ status: 200, headers: {}, body: { taskId: TASK, status: 'PROGRESS', result: bodies[Math.min(n++, 1)] } as unknown });
    const seen: unknown[] = [];
    const error = await new Promise<unknown>((resolve) =>
      taskStatus$(TASK, { transport, interval: 0 }).subscribe({ next: (t) => seen.push(t.state), error: resolve, complete: () => resolve(undefined) }),
    );
    expect(seen).toEqual([{ phase: 'started', status: 'PROGRESS', meta: { current: 1, total: 2 }, progress: { current: 1, total: 2, ratio: 0.5 } }]);
    expect(error).toBeInstanceOf(DecodeError);
  });
});
