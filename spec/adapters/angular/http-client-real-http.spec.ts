/**
 * @jest-environment node
 *
 * The Angular service over real HTTP: HttpClient with `withFetch()` (Node's fetch) and an
 * interceptor, against a `node:http` server on 127.0.0.1. Node has no DOM: no component is
 * rendered here, so TestBed's component renderer is replaced by one that needs no document.
 */
import { provideHttpClient, withFetch, withInterceptors } from '@angular/common/http';
import { TestBed, TestComponentRenderer } from '@angular/core/testing';
import { lastValueFrom, toArray } from 'rxjs';
import { provideFactPulseTasks } from '../../../lib/adapters/angular/provide-factpulse-tasks.js';
import { TaskStatusService } from '../../../lib/adapters/angular/task-status-service.js';
import type { FactPulseTasksOptions } from '../../../lib/adapters/angular/factpulse-tasks-options.js';
import { NetworkError } from '../../../lib/errors/network-error.js';
import { sendJson, startTestServer, type TestServer } from '../../helpers/test-server.js';
import { PDF_BYTES, TASK_ID, record, statusBody, successBody } from './angular-kit.js';

const NO_DOM_RENDERER = { provide: TestComponentRenderer, useValue: { insertRootElement: () => undefined, removeAllRootElements: () => undefined } };

describe('TaskStatusService over real HTTP (withFetch)', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer();
  });
  afterEach(() => server.reset());
  afterAll(() => server.close());

  const service = (options: FactPulseTasksOptions): TaskStatusService => {
    TestBed.configureTestingModule({
      providers: [
        NO_DOM_RENDERER,
        provideHttpClient(
          withFetch(),
          withInterceptors([(req, next) => next(req.clone({ setHeaders: { 'x-app-session': 'session-42' } }))]),
        ),
        provideFactPulseTasks({ baseUrl: server.url, interval: 10, ...options }),
      ],
    });
    return TestBed.inject(TaskStatusService);
  };

  it('follows a task to its PDF through a 503 with Retry-After, with the interceptor’s header on every request', async () => {
    const script = [
      (res: Parameters<typeof sendJson>[0]) => sendJson(res, 503, { detail: 'busy' }, { 'retry-after': '0' }),
      (res: Parameters<typeof sendJson>[0]) => sendJson(res, 200, statusBody('PENDING')),
      (res: Parameters<typeof sendJson>[0]) => sendJson(res, 200, successBody()),
    ];
    server.handle((_req, res, { index }) => script[Math.min(index, script.length - 1)]?.(res));
    const transitions = await lastValueFrom(service({ token: 'real-http-token' }).status$(TASK_ID).pipe(toArray()));

    expect(transitions.map((t) => t.to)).toEqual(['pending', 'succeeded']);
    const done = transitions[1];
    expect(done?.state.phase === 'succeeded' && done.state.content).toEqual(PDF_BYTES);
    expect(server.requests).toHaveLength(3);
    for (const req of server.requests) {
      expect(req.url).toBe(`/api/v1/processing/tasks/${TASK_ID}/status`);
      expect(req.headers['x-app-session']).toBe('session-42');
      expect(req.headers['authorization']).toBe('Bearer real-http-token');
    }
  });

  it('aborts the request in flight when unsubscribed', async () => {
    server.handle(() => undefined); // never answers
    const got = record(service({}).status$(TASK_ID));
    await server.waitForRequests(1);
    got.subscription.unsubscribe();
    await expect(server.requests[0]?.closed).resolves.toBe(true);
  });

  it('reports a refused connection as a NetworkError', async () => {
    const closed = await startTestServer();
    const url = closed.url;
    await closed.close();
    TestBed.configureTestingModule({
      providers: [NO_DOM_RENDERER, provideHttpClient(withFetch()), provideFactPulseTasks({ baseUrl: url, retry: false })],
    });
    const error: unknown = await lastValueFrom(TestBed.inject(TaskStatusService).status$(TASK_ID)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NetworkError);
    expect((error as NetworkError).taskId).toBe(TASK_ID);
  });
});
