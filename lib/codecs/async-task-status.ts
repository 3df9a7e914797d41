import * as t from 'io-ts';
import * as E from 'fp-ts/lib/Either.js';

const Wire = t.intersection([
  t.union([t.type({ taskId: t.string }), t.type({ task_id: t.string })]),
  t.type({ status: t.string }),
  t.partial({ result: t.unknown }),
]);

/** A decoded task-status payload, whichever spelling of the id the server used. */
export interface AsyncTaskStatus {
  /** The task id (`taskId` on the wire, or `task_id` on older API versions). */
  readonly taskId: string;
  /**
   * The Celery state: one of {@link CeleryStatus} or a custom state such as `PROGRESS`.
   * Typed as a string so custom states decode.
   */
  readonly status: string;
  /** The Celery result: the business result on `SUCCESS`, the failure on `FAILURE`, meta otherwise. */
  readonly result?: unknown;
}

/**
 * The 200 body of `GET /api/v1/processing/tasks/{task_id}/status`. Accepts `taskId` or `task_id`
 * and always exposes `taskId`; any `status` string decodes (custom Celery states included).
 *
 * @example
 * ```ts
 * AsyncTaskStatus.decode({ task_id: 'abc', status: 'PENDING' }) // Right({ taskId: 'abc', status: 'PENDING' })
 * ```
 */
export const AsyncTaskStatus = new t.Type<AsyncTaskStatus, AsyncTaskStatus, unknown>(
  'AsyncTaskStatus',
  (u): u is AsyncTaskStatus =>
    typeof u === 'object' &&
    u !== null &&
    typeof (u as { taskId?: unknown }).taskId === 'string' &&
    typeof (u as { status?: unknown }).status === 'string',
  (u, c) => {
    const wire = Wire.validate(u, t.appendContext(c, '', Wire, u));
    if (E.isLeft(wire)) return wire;
    const w = wire.right;
    // `taskId` wins when present, and then must be a string: `{ taskId: {}, task_id: "…" }`
    // is not an answer about any task.
    const spelled = (w as { taskId?: unknown }).taskId;
    if (spelled !== undefined && typeof spelled !== 'string') {
      return t.failure<AsyncTaskStatus>(spelled, t.appendContext(c, 'taskId', t.string, spelled));
    }
    const taskId = typeof spelled === 'string' ? spelled : (w as { task_id: string }).task_id;
    return t.success(w.result === undefined ? { taskId, status: w.status } : { taskId, status: w.status, result: w.result });
  },
  t.identity,
);
