import { map, type Observable } from 'rxjs';
import type { RunHelpers, TestScheduler } from 'rxjs/testing';
import type { Transport, TransportRequest, TransportResponse } from '../../lib/http/transport.js';
import type { Step } from '../helpers/marble-transport.js';

/**
 * A scripted transport per task id: each task answers its n-th request with its n-th step, as
 * that task (a JSON body's `taskId` is set to the id asked for, so steps can be shared by tasks).
 */
export interface TaskScript {
  readonly transport: Transport;
  /** When each task's requests were sent. */
  readonly sentAt: Record<string, number[]>;
  /** Task ids in the order their requests were sent. */
  readonly order: string[];
  readonly requests: TransportRequest[];
  /** Each task's cold observables, for `expectSubscriptions`. */
  readonly colds: Record<string, ReturnType<RunHelpers['cold']>[]>;
}

/** Builds a {@link TaskScript}; a request beyond a task's script fails the test. */
export function taskScript(scheduler: TestScheduler, helpers: RunHelpers, steps: Readonly<Record<string, readonly Step[]>>): TaskScript {
  const sentAt: Record<string, number[]> = {};
  const colds: Record<string, ReturnType<RunHelpers['cold']>[]> = {};
  const order: string[] = [];
  const requests: TransportRequest[] = [];
  for (const [id, list] of Object.entries(steps)) {
    sentAt[id] = [];
    colds[id] = list.map((s) => helpers.cold(s.marble, s.values, s.error));
  }
  const transport: Transport = (request): Observable<TransportResponse> => {
    const id = request.taskId.toLowerCase();
    const sent = sentAt[id];
    const cold = colds[id]?.[sent?.length ?? 0];
    if (sent === undefined || cold === undefined) throw new Error(`unexpected request #${(sent?.length ?? 0) + 1} for ${id} at ${scheduler.now()}`);
    sent.push(scheduler.now());
    order.push(id);
    requests.push(request);
    return (cold as Observable<TransportResponse>).pipe(map((response) => asTask(response, request.taskId)));
  };
  return { transport, sentAt, order, requests, colds };
}

/** `response` with its JSON body's `taskId` set to `taskId` (other responses as they are). */
function asTask(response: TransportResponse, taskId: string): TransportResponse {
  const body = response.body;
  if (typeof body !== 'object' || body === null || !('taskId' in body)) return response;
  return { ...response, body: { ...body, taskId } };
}
