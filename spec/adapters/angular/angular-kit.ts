/**
 * Shared pieces of the Angular specs: task ids and URLs, status bodies, a clock in virtual time
 * for the poll loop (HttpTestingController answers synchronously, so time is the only thing to
 * drive), and a recorder of an Observable's notifications.
 */
import { VirtualTimeScheduler, type Observable, type Subscription } from 'rxjs';

export const TASK_ID = '3f2b8c1e-9a4d-4e6b-8f0a-1c2d3e4f5a6b';
export const OTHER_TASK_ID = '7c9e6679-7425-40de-944b-e07fc1f90ae7';
export const TOKEN = 'eyJhbGciOiJIUzI1NiJ9.test-access-token.sig';

/** The status URL of `taskId` under `baseUrl`. */
export const statusUrl = (taskId: string = TASK_ID, baseUrl = 'https://factpulse.fr'): string =>
  `${baseUrl}/api/v1/processing/tasks/${taskId}/status`;

/** A FactPulse `AsyncTaskStatus` body. */
export const statusBody = (status: string, result?: unknown, taskId: string = TASK_ID): Record<string, unknown> =>
  result === undefined ? { taskId, status } : { taskId, status, result };

/** The bytes of a tiny "PDF" and the SUCCESS body carrying them. */
export const PDF_BYTES = new Uint8Array(Buffer.from('%PDF-1.7\n%test\n', 'utf8'));
export const successBody = (taskId: string = TASK_ID): Record<string, unknown> =>
  statusBody('SUCCESS', { status: 'SUCCESS', content_b64: Buffer.from(PDF_BYTES).toString('base64'), invoiceNumber: 'F-2026-001' }, taskId);

/**
 * Virtual time for the poll loop: pass `clock.scheduler` as the `scheduler` option, then
 * `clock.advance(ms)` runs every timer due within `ms` (next polls, retry delays, timeouts).
 */
export class ManualClock {
  readonly scheduler = new VirtualTimeScheduler();

  /** Moves time forward by `ms`, running what falls due. */
  advance(ms: number): void {
    const target = this.scheduler.frame + ms;
    this.scheduler.maxFrames = target;
    this.scheduler.flush();
    this.scheduler.frame = target;
  }
}

/** Everything an Observable delivered, and its subscription. */
export interface Recording<T> {
  readonly values: T[];
  readonly errors: unknown[];
  readonly completed: boolean;
  readonly subscription: Subscription;
}

/** Subscribes to `source$` and records its notifications. */
export function record<T>(source$: Observable<T>): Recording<T> {
  const values: T[] = [];
  const errors: unknown[] = [];
  let completed = false;
  const subscription = source$.subscribe({
    next: (value) => values.push(value),
    error: (error: unknown) => errors.push(error),
    complete: () => (completed = true),
  });
  return {
    values,
    errors,
    get completed() {
      return completed;
    },
    subscription,
  };
}

