import type { Observable } from 'rxjs';
import type { RunHelpers } from 'rxjs/testing';
import type { TestScheduler } from 'rxjs/testing';
import type { Transport, TransportRequest, TransportResponse } from '../../lib/http/transport.js';

/** A status payload for task `id`. */
export const status = (taskId: string, s: string, result?: unknown): TransportResponse => ({
  status: 200,
  headers: { 'content-type': 'application/json' },
  body: result === undefined ? { taskId, status: s } : { taskId, status: s, result },
});

/** A response with only a status code (and optional headers/body). */
export const http = (code: number, headers: Record<string, string> = {}, body?: unknown): TransportResponse => ({
  status: code,
  headers,
  ...(body === undefined ? {} : { body }),
});

/** One scripted exchange: a cold marble and its values (`r` is the conventional response key). */
export interface Step {
  readonly marble: string;
  readonly values?: Record<string, TransportResponse>;
  readonly error?: unknown;
}

/** A scripted transport over cold observables; records when each request was sent and its headers. */
export interface ScriptedTransport {
  readonly transport: Transport;
  readonly sentAt: number[];
  readonly requests: TransportRequest[];
  /** The cold observables, for `expectSubscriptions`. */
  readonly colds: ReturnType<RunHelpers['cold']>[];
}

/**
 * Builds a transport that answers the n-th request with the n-th step. A request beyond the
 * script fails the test.
 */
export function scripted(scheduler: TestScheduler, helpers: RunHelpers, steps: readonly Step[]): ScriptedTransport {
  const sentAt: number[] = [];
  const requests: TransportRequest[] = [];
  const colds = steps.map((s) => helpers.cold(s.marble, s.values, s.error));
  const transport: Transport = (request): Observable<TransportResponse> => {
    const index = requests.length;
    requests.push(request);
    sentAt.push(scheduler.now());
    const cold = colds[index];
    if (cold === undefined) throw new Error(`unexpected request #${index + 1} at ${scheduler.now()}`);
    return cold as Observable<TransportResponse>;
  };
  return { transport, sentAt, requests, colds };
}
