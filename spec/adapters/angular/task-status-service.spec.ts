import { HttpErrorResponse, provideHttpClient, withInterceptors, type HttpInterceptorFn } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { EnvironmentInjector, InjectionToken, createEnvironmentInjector, inject } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { Subject } from 'rxjs';
import { FACTPULSE_TASK_ID } from '../../../lib/adapters/angular/http-client-transport.js';
import { provideFactPulseTasks } from '../../../lib/adapters/angular/provide-factpulse-tasks.js';
import { TaskStatusService } from '../../../lib/adapters/angular/task-status-service.js';
import type { FactPulseTasksOptions } from '../../../lib/adapters/angular/factpulse-tasks-options.js';
import { TaskClientDisposedError } from '../../../lib/client/task-client-disposed-error.js';
import type { TaskClientEvent } from '../../../lib/client/task-client-event.js';
import { AuthError } from '../../../lib/errors/auth-error.js';
import { NetworkError } from '../../../lib/errors/network-error.js';
import { ResponseTooLargeError } from '../../../lib/errors/response-too-large-error.js';
import { TaskRejectedError } from '../../../lib/errors/task-rejected-error.js';
import type { TaskTransition } from '../../../lib/transitions.js';
import { ManualClock, OTHER_TASK_ID, PDF_BYTES, TASK_ID, TOKEN, record, statusBody, statusUrl, successBody } from './angular-kit.js';

describe('TaskStatusService', () => {
  let clock: ManualClock;
  let backend: HttpTestingController;

  /** A TestBed app with HttpClient (and these interceptors), its testing backend, and the service options. */
  const setUp = (options: FactPulseTasksOptions = {}, interceptors: HttpInterceptorFn[] = []): TaskStatusService => {
    TestBed.configureTestingModule({
      providers: [
        provideHttpClient(withInterceptors(interceptors)),
        provideHttpClientTesting(),
        provideFactPulseTasks({ interval: 1000, scheduler: clock.scheduler, retry: { jitter: 'none', initialInterval: 200 }, ...options }),
      ],
    });
    backend = TestBed.inject(HttpTestingController);
    return TestBed.inject(TaskStatusService);
  };

  const phases = (transitions: readonly TaskTransition[]): string[] => transitions.map((t) => `${t.from ?? '∅'}→${t.to}`);

  beforeEach(() => {
    clock = new ManualClock();
  });

  afterEach(() => backend.verify());

  it('polls through HttpClient, one request at a time, from subscribe to the PDF', () => {
    const tasks = setUp({ token: TOKEN });
    const got = record(tasks.status$(TASK_ID));

    const first = backend.expectOne(statusUrl());
    expect(first.request.method).toBe('GET');
    expect(first.request.headers.get('authorization')).toBe(`Bearer ${TOKEN}`);
    expect(first.request.headers.get('accept')).toBe('application/json');
    first.flush(statusBody('PENDING'));
    expect(phases(got.values)).toEqual(['∅→pending']);

    // The next poll is `interval` after the response, not before.
    clock.advance(999);
    backend.expectNone(statusUrl());
    clock.advance(1);
    backend.expectOne(statusUrl()).flush(statusBody('PROGRESS', { current: 1, total: 3 }));
    expect(got.values[1]?.state).toEqual({ phase: 'started', status: 'PROGRESS', meta: { current: 1, total: 3 }, progress: { current: 1, total: 3, ratio: 1 / 3 } });

    clock.advance(1000);
    backend.expectOne(statusUrl()).flush(statusBody('PROGRESS', { current: 2, total: 3 }));
    // A progress update inside `started`: a transition with from === to (DESIGN, stream semantics 2).
    expect(phases(got.values)).toEqual(['∅→pending', 'pending→started', 'started→started']);
    expect(got.values[2]?.state).toMatchObject({ phase: 'started', progress: { current: 2, total: 3 } });

    clock.advance(1000);
    backend.expectOne(statusUrl()).flush(statusBody('PROGRESS', { current: 2, total: 3 }));
    expect(got.values).toHaveLength(3); // nothing new: no transition

    clock.advance(1000);
    backend.expectOne(statusUrl()).flush(successBody());
    expect(phases(got.values)).toEqual(['∅→pending', 'pending→started', 'started→started', 'started→succeeded']);
    const done = got.values[3];
    expect(done?.polls).toBe(5);
    expect(done?.state.phase === 'succeeded' && done.state.content).toEqual(PDF_BYTES);
    expect(got.completed).toBe(true);

    clock.advance(10_000);
    backend.expectNone(statusUrl());
  });

  it("sends an interceptor's headers; with no token it sets no Authorization and allows a plain-http baseUrl", () => {
    const auth: HttpInterceptorFn = (req, next) =>
      next(req.clone({ setHeaders: { 'x-api-key': 'from-interceptor', 'x-task': req.context.get(FACTPULSE_TASK_ID) ?? 'none' } }));
    const tasks = setUp({ baseUrl: 'http://tasks.internal:8080/' }, [auth]);
    const got = record(tasks.status$(TASK_ID));
    const req = backend.expectOne(statusUrl(TASK_ID, 'http://tasks.internal:8080'));
    expect(req.request.headers.get('x-api-key')).toBe('from-interceptor');
    expect(req.request.headers.get('x-task')).toBe(TASK_ID);
    expect(req.request.headers.has('authorization')).toBe(false);
    req.flush(statusBody('STARTED'));
    expect(phases(got.values)).toEqual(['∅→started']);
    got.subscription.unsubscribe();
  });

  it('retries a 503 after its Retry-After, then goes on polling', () => {
    const tasks = setUp({ token: TOKEN });
    const events: TaskClientEvent[] = [];
    tasks.events$.subscribe((e) => events.push(e));
    const got = record(tasks.status$(TASK_ID));

    backend.expectOne(statusUrl()).flush('<html>maintenance</html>', { status: 503, statusText: 'Service Unavailable', headers: { 'Retry-After': '2' } });
    expect(got.errors).toEqual([]);
    clock.advance(1999);
    backend.expectNone(statusUrl());
    clock.advance(1);
    backend.expectOne(statusUrl()).flush(statusBody('STARTED'));
    expect(phases(got.values)).toEqual(['∅→started']);
    expect(events).toContainEqual(expect.objectContaining({ type: 'retry', taskId: TASK_ID, status: 503, delay: 2000 }));
    got.subscription.unsubscribe();
  });

  it('retries a request that got no response (NetworkError) with backoff, and errors once retries run out', () => {
    const tasks = setUp({ retry: { jitter: 'none', initialInterval: 200, maxRetries: 1 } });
    const got = record(tasks.status$(TASK_ID));
    backend.expectOne(statusUrl()).error(new ProgressEvent('error'));
    clock.advance(199);
    backend.expectNone(statusUrl());
    clock.advance(1);
    backend.expectOne(statusUrl()).error(new ProgressEvent('error'));
    expect(got.errors).toHaveLength(1);
    expect(got.errors[0]).toBeInstanceOf(NetworkError);
    expect((got.errors[0] as NetworkError).cause).toBeInstanceOf(HttpErrorResponse);
  });

  it('ends with AuthError on a 401 with a fixed token, without retrying', () => {
    const tasks = setUp({ token: TOKEN });
    const got = record(tasks.status$(TASK_ID));
    backend.expectOne(statusUrl()).flush({ detail: 'Token expired' }, { status: 401, statusText: 'Unauthorized' });
    expect(got.errors).toHaveLength(1);
    const error = got.errors[0] as AuthError;
    expect(error).toBeInstanceOf(AuthError);
    expect(error.status).toBe(401);
    expect(error.body).toEqual({ detail: 'Token expired' });
    expect(`${error.message} ${JSON.stringify(error)}`).not.toContain(TOKEN);
    clock.advance(60_000);
    backend.expectNone(statusUrl());
  });

  it('asks a token function (run in the injection context) once for a fresh token after a 401, then ends with AuthError', () => {
    const SESSION = new InjectionToken<{ token(refresh: boolean): string }>('SESSION');
    const calls: boolean[] = [];
    TestBed.configureTestingModule({
      providers: [{ provide: SESSION, useValue: { token: (refresh: boolean) => (calls.push(refresh), refresh ? 'fresh-token' : 'old-token') } }],
    });
    const tasks = setUp({ token: ({ refresh }) => inject(SESSION).token(refresh) });
    const got = record(tasks.status$(TASK_ID));
    const first = backend.expectOne(statusUrl());
    expect(first.request.headers.get('authorization')).toBe('Bearer old-token');
    first.flush({ errorCode: 'AUTH', errorMessage: 'expired' }, { status: 401, statusText: 'Unauthorized' });
    const second = backend.expectOne(statusUrl());
    expect(second.request.headers.get('authorization')).toBe('Bearer fresh-token');
    second.flush({ errorCode: 'AUTH', errorMessage: 'still refused' }, { status: 401, statusText: 'Unauthorized' });
    expect(calls).toEqual([false, true]);
    expect(got.errors[0]).toBeInstanceOf(AuthError);
    expect((got.errors[0] as AuthError).message).toContain('after a token refresh');
  });

  it('refuses a response over maxResponseBytes without retrying it', () => {
    const tasks = setUp({ maxResponseBytes: 64 });
    const got = record(tasks.status$(TASK_ID));
    backend.expectOne(statusUrl()).flush(statusBody('PENDING', { padding: 'x'.repeat(100) }));
    expect(got.errors[0]).toBeInstanceOf(ResponseTooLargeError);
    clock.advance(60_000);
    backend.expectNone(statusUrl());
  });

  it('shares one poll loop among subscribers of a task', () => {
    const tasks = setUp();
    const a = record(tasks.status$(TASK_ID));
    const b = record(tasks.status$(TASK_ID.toUpperCase()));
    backend.expectOne(statusUrl()).flush(statusBody('PENDING'));
    expect(a.values).toHaveLength(1);
    expect(b.values).toHaveLength(1);
    expect(tasks.stats().tasks).toBe(1);
    a.subscription.unsubscribe();
    b.subscription.unsubscribe();
    expect(tasks.stats().tasks).toBe(0);
  });

  it('result$ gives the PDF bytes, or a TaskRejectedError carrying the AFNOR details', () => {
    const tasks = setUp();
    const ok = record(tasks.result$(TASK_ID));
    backend.expectOne(statusUrl()).flush(successBody());
    expect(ok.values).toEqual([{ taskId: TASK_ID, content: PDF_BYTES, result: { status: 'SUCCESS', invoiceNumber: 'F-2026-001' } }]);
    expect(ok.completed).toBe(true);

    const refused = record(tasks.result$(OTHER_TASK_ID));
    const details = [{ item: 'BT-1', reason: 'missing invoice number', level: 'Error', source: 'schematron' }];
    backend
      .expectOne(statusUrl(OTHER_TASK_ID))
      .flush(statusBody('SUCCESS', { status: 'ERROR', errorCode: 'VALIDATION', errorMessage: 'invalid invoice', details }, OTHER_TASK_ID));
    const error = refused.errors[0] as TaskRejectedError;
    expect(error).toBeInstanceOf(TaskRejectedError);
    expect(error.state.error.details).toEqual(details);
  });

  it('follow() switches to the id named last and cancels the previous request', () => {
    const tasks = setUp();
    const ids = new Subject<string | null>();
    const got = record(tasks.follow(ids));
    ids.next(TASK_ID);
    const first = backend.expectOne(statusUrl());
    ids.next(OTHER_TASK_ID);
    expect(first.cancelled).toBe(true);
    backend.expectOne(statusUrl(OTHER_TASK_ID)).flush(statusBody('STARTED', undefined, OTHER_TASK_ID));
    expect(got.values.map((t) => t.taskId)).toEqual([OTHER_TASK_ID]);
    ids.next(null);
    clock.advance(5000);
    backend.expectNone(() => true);
  });

  it('throws a TypeError at call time for a task id that is not a UUID', () => {
    const tasks = setUp();
    expect(() => tasks.status$('42')).toThrow(TypeError);
    expect(() => tasks.result$('../admin')).toThrow(/taskId: must be a UUID/);
  });

  it('is disposed with its injector: open streams end with TaskClientDisposedError and the request is cancelled', () => {
    setUp();
    const parent = TestBed.inject(EnvironmentInjector);
    const child = createEnvironmentInjector([provideFactPulseTasks({ baseUrl: 'https://eu.factpulse.test', scheduler: clock.scheduler })], parent);
    const scoped = child.get(TaskStatusService);
    expect(scoped).not.toBe(TestBed.inject(TaskStatusService));
    const got = record(scoped.status$(TASK_ID));
    const req = backend.expectOne(statusUrl(TASK_ID, 'https://eu.factpulse.test'));
    child.destroy();
    expect(req.cancelled).toBe(true);
    expect(got.errors[0]).toBeInstanceOf(TaskClientDisposedError);
    expect(() => scoped.status$(TASK_ID)).toThrow(TaskClientDisposedError);
    clock.advance(60_000);
    backend.expectNone(() => true);
  });
});

describe('TaskStatusService without provideFactPulseTasks', () => {
  afterEach(() => TestBed.inject(HttpTestingController).verify());

  it('is injectable in root with the defaults (https://factpulse.fr, no token)', () => {
    TestBed.configureTestingModule({ providers: [provideHttpClient(), provideHttpClientTesting()] });
    const tasks = TestBed.inject(TaskStatusService);
    expect(TestBed.inject(TaskStatusService)).toBe(tasks);
    const got = record(tasks.status$(TASK_ID));
    const req = TestBed.inject(HttpTestingController).expectOne(statusUrl());
    expect(req.request.headers.has('authorization')).toBe(false);
    req.flush(statusBody('PENDING'));
    expect(got.values[0]?.to).toBe('pending');
    got.subscription.unsubscribe();
  });

  it('needs no runtime compiler, as in an AOT-compiled app', () => {
    TestBed.configureTestingModule({ providers: [provideHttpClient(), provideHttpClientTesting()] });
    TestBed.inject(HttpTestingController); // the test module itself is compiled now
    const ng = (globalThis as { ng?: { ɵcompilerFacade?: unknown } }).ng;
    const facade = ng?.ɵcompilerFacade;
    expect(facade).toBeDefined(); // loaded by the jest setup: the JIT compiler is really removed below
    delete ng?.ɵcompilerFacade;
    try {
      const tasks = TestBed.inject(TaskStatusService);
      const got = record(tasks.status$(TASK_ID));
      TestBed.inject(HttpTestingController).expectOne(statusUrl()).flush(statusBody('PENDING'));
      expect(got.values[0]?.to).toBe('pending');
      got.subscription.unsubscribe();
    } finally {
      if (ng !== undefined) ng.ɵcompilerFacade = facade;
    }
  });
});
