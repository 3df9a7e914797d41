/**
 * The Angular service over real HTTP with HttpClient's default backend (XMLHttpRequest, here
 * jsdom's, which enforces CORS like a browser): the page is at http://localhost, the API on
 * 127.0.0.1, so the Authorization header needs a preflight and `Retry-After` must be exposed.
 */
import { provideHttpClient } from '@angular/common/http';
import { TestBed } from '@angular/core/testing';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { lastValueFrom, toArray } from 'rxjs';
import { provideFactPulseTasks } from '../../../lib/adapters/angular/provide-factpulse-tasks.js';
import { TaskStatusService } from '../../../lib/adapters/angular/task-status-service.js';
import type { TaskClientEvent } from '../../../lib/client/task-client-event.js';
import { sendJson, startTestServer, type TestServer } from '../../helpers/test-server.js';
import { TASK_ID, statusBody, successBody } from './angular-kit.js';

const CORS = {
  'access-control-allow-origin': 'http://localhost',
  'access-control-expose-headers': 'retry-after',
};

describe('TaskStatusService over real HTTP (XMLHttpRequest, cross-origin)', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer();
  });
  afterEach(() => server.reset());
  afterAll(() => server.close());

  it('passes the CORS preflight, reads an exposed Retry-After and follows the task to the end', async () => {
    const answers = [
      // Retry-After 1 s (a hint of 0 means "no hint": backoff, DESIGN stream semantics 5).
      (res: ServerResponse) => sendJson(res, 503, { detail: 'busy' }, { ...CORS, 'retry-after': '1' }),
      (res: ServerResponse) => sendJson(res, 200, statusBody('STARTED'), CORS),
      (res: ServerResponse) => sendJson(res, 200, successBody(), CORS),
    ];
    let gets = 0;
    server.handle((req: IncomingMessage, res: ServerResponse) => {
      if (req.method === 'OPTIONS') {
        res.writeHead(204, { ...CORS, 'access-control-allow-headers': 'authorization, accept', 'access-control-allow-methods': 'GET' });
        res.end();
        return;
      }
      answers[Math.min(gets++, answers.length - 1)]?.(res);
    });
    TestBed.configureTestingModule({
      providers: [
        provideHttpClient(),
        // Without the exposed Retry-After the retry would wait 5 s (and this test time out).
        provideFactPulseTasks({ baseUrl: server.url, token: 'xhr-token', interval: 10, retry: { jitter: 'none', initialInterval: 5000 } }),
      ],
    });
    const tasks = TestBed.inject(TaskStatusService);
    const events: TaskClientEvent[] = [];
    tasks.events$.subscribe((e) => events.push(e));

    const transitions = await lastValueFrom(tasks.status$(TASK_ID).pipe(toArray()));

    expect(transitions.map((t) => t.to)).toEqual(['started', 'succeeded']);
    expect(events).toContainEqual(expect.objectContaining({ type: 'retry', status: 503, delay: 1000 }));
    const getRequests = server.requests.filter((r) => r.method === 'GET');
    expect(getRequests).toHaveLength(3);
    expect(getRequests[0]?.headers['authorization']).toBe('Bearer xhr-token');
    expect(server.requests.some((r) => r.method === 'OPTIONS')).toBe(true);
  }, 4000);
});
