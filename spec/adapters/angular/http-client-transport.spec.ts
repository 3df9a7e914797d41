import { HttpClient, HttpContext, HttpContextToken, HttpErrorResponse, HttpResponse, provideHttpClient, withInterceptors } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { of, throwError } from 'rxjs';
import { FACTPULSE_TASK_ID, createHttpClientTransport } from '../../../lib/adapters/angular/http-client-transport.js';
import { NetworkError } from '../../../lib/errors/network-error.js';
import { ResponseTooLargeError } from '../../../lib/errors/response-too-large-error.js';
import type { TransportRequest } from '../../../lib/http/transport.js';
import { TASK_ID, TOKEN, record, statusBody, statusUrl } from './angular-kit.js';

const request = (overrides: Partial<TransportRequest> = {}): TransportRequest => ({
  url: statusUrl(),
  headers: { accept: 'application/json', authorization: `Bearer ${TOKEN}` },
  taskId: TASK_ID,
  maxResponseBytes: 1024,
  ...overrides,
});

const SKIP_SPINNER = new HttpContextToken<boolean>(() => false);

describe('createHttpClientTransport', () => {
  let http: HttpClient;
  let backend: HttpTestingController;

  const setUp = (interceptors: Parameters<typeof withInterceptors>[0] = []): void => {
    TestBed.configureTestingModule({ providers: [provideHttpClient(withInterceptors(interceptors)), provideHttpClientTesting()] });
    http = TestBed.inject(HttpClient);
    backend = TestBed.inject(HttpTestingController);
  };

  afterEach(() => backend.verify());

  it('sends one GET with the request headers, as text, outside the SSR transfer cache, with the task id in its context', () => {
    setUp();
    const got = record(createHttpClientTransport(http)(request()));
    const req = backend.expectOne(statusUrl());
    expect(req.request.method).toBe('GET');
    expect(req.request.headers.get('authorization')).toBe(`Bearer ${TOKEN}`);
    expect(req.request.headers.get('accept')).toBe('application/json');
    expect(req.request.responseType).toBe('text');
    expect(req.request.transferCache).toBe(false);
    expect(req.request.withCredentials).toBe(false);
    expect(req.request.context.get(FACTPULSE_TASK_ID)).toBe(TASK_ID);
    req.flush(JSON.stringify(statusBody('PENDING')), { headers: { 'Content-Type': 'application/json', 'X-Request-Id': 'r1' } });
    expect(got.values).toEqual([
      { status: 200, headers: { 'content-type': 'application/json', 'x-request-id': 'r1' }, body: statusBody('PENDING') },
    ]);
    expect(got.completed).toBe(true);
  });

  it('hands back error statuses as responses, for the pipeline to judge', () => {
    setUp();
    const html = record(createHttpClientTransport(http)(request()));
    backend.expectOne(statusUrl()).flush('<html><body>Bad gateway</body></html>', { status: 502, statusText: 'Bad Gateway', headers: { 'Retry-After': '3' } });
    expect(html.errors).toEqual([]);
    expect(html.values).toEqual([{ status: 502, headers: { 'retry-after': '3' }, text: '<html><body>Bad gateway</body></html>' }]);

    const json = record(createHttpClientTransport(http)(request()));
    backend.expectOne(statusUrl()).flush({ detail: 'Not authenticated' }, { status: 401, statusText: 'Unauthorized' });
    expect(json.values).toEqual([{ status: 401, headers: {}, body: { detail: 'Not authenticated' } }]);

    const empty = record(createHttpClientTransport(http)(request()));
    backend.expectOne(statusUrl()).flush('', { status: 404, statusText: 'Not Found' });
    expect(empty.values).toEqual([{ status: 404, headers: {} }]);
  });

  it('keeps at most 2048 characters of a body that is not JSON', () => {
    setUp();
    const got = record(createHttpClientTransport(http)(request({ maxResponseBytes: 1 << 20 })));
    backend.expectOne(statusUrl()).flush('x'.repeat(5000), { status: 500, statusText: 'Server Error' });
    const text = (got.values[0] as { text: string }).text;
    expect(text).toHaveLength(2048);
    expect(text.endsWith('…')).toBe(true);
  });

  it('turns a request that got no response (status 0) into a NetworkError that names no token', () => {
    setUp();
    const got = record(createHttpClientTransport(http)(request()));
    backend.expectOne(statusUrl()).error(new ProgressEvent('error'), { status: 0, statusText: 'Unknown Error' });
    expect(got.values).toEqual([]);
    const error = got.errors[0] as NetworkError;
    expect(error).toBeInstanceOf(NetworkError);
    expect(error.taskId).toBe(TASK_ID);
    expect(error.message).toBe('network error while sending the request: error event');
    expect(error.cause).toBeInstanceOf(HttpErrorResponse);
    expect(JSON.stringify(error)).not.toContain(TOKEN);
  });

  it('refuses a body over maxResponseBytes, by Content-Length or by its UTF-8 size', () => {
    setUp();
    const declared = record(createHttpClientTransport(http)(request({ maxResponseBytes: 100 })));
    backend.expectOne(statusUrl()).flush('{}', { headers: { 'Content-Length': '101' } });
    expect(declared.errors[0]).toBeInstanceOf(ResponseTooLargeError);
    expect((declared.errors[0] as ResponseTooLargeError).limit).toBe(100);

    // 40 euro signs are 40 characters but 120 bytes.
    const euros = `"${'€'.repeat(40)}"`;
    const multibyte = record(createHttpClientTransport(http)(request({ maxResponseBytes: 100 })));
    backend.expectOne(statusUrl()).flush(euros);
    expect(multibyte.errors[0]).toBeInstanceOf(ResponseTooLargeError);

    const fits = record(createHttpClientTransport(http)(request({ maxResponseBytes: 122 })));
    backend.expectOne(statusUrl()).flush(euros);
    expect(fits.errors).toEqual([]);
    expect(fits.values[0]?.body).toBe('€'.repeat(40));

    const errorPage = record(createHttpClientTransport(http)(request({ maxResponseBytes: 100 })));
    backend.expectOne(statusUrl()).flush('e'.repeat(101), { status: 503, statusText: 'Unavailable' });
    expect(errorPage.errors[0]).toBeInstanceOf(ResponseTooLargeError);
  });

  it('cancels the request when unsubscribed', () => {
    setUp();
    const got = record(createHttpClientTransport(http)(request()));
    const req = backend.expectOne(statusUrl());
    got.subscription.unsubscribe();
    expect(req.cancelled).toBe(true);
    expect(got.values).toEqual([]);
    expect(got.errors).toEqual([]);
  });

  it('passes an interceptor’s own error on unchanged, and takes an object body from an interceptor as JSON', () => {
    const sessionExpired = new Error('session expired: log in again');
    setUp([
      (req, next) => {
        if (req.headers.has('x-fail')) return throwError(() => sessionExpired);
        if (req.headers.has('x-cached')) return of(new HttpResponse({ status: 200, body: statusBody('STARTED') as unknown as string, url: req.url }));
        return next(req);
      },
    ]);
    const failed = record(createHttpClientTransport(http)(request({ headers: { 'x-fail': '1' } })));
    expect(failed.errors).toEqual([sessionExpired]);
    const cached = record(createHttpClientTransport(http)(request({ headers: { 'x-cached': '1' } })));
    expect(cached.values).toEqual([{ status: 200, headers: {}, body: statusBody('STARTED') }]);
  });

  it('applies withCredentials and a context factory to every request', () => {
    setUp();
    const transport = createHttpClientTransport(http, { withCredentials: true, context: () => new HttpContext().set(SKIP_SPINNER, true) });
    record(transport(request()));
    const req = backend.expectOne(statusUrl());
    expect(req.request.withCredentials).toBe(true);
    expect(req.request.context.get(SKIP_SPINNER)).toBe(true);
    expect(req.request.context.get(FACTPULSE_TASK_ID)).toBe(TASK_ID);
    req.flush('{}');
  });

  it('validates its arguments when called', () => {
    setUp();
    expect(() => createHttpClientTransport({} as HttpClient)).toThrow(new TypeError('http: must be an Angular HttpClient, got an object'));
    expect(() => createHttpClientTransport(http, { withCredentials: 'yes' as unknown as boolean })).toThrow(/withCredentials: must be a boolean, got a string/);
    expect(() => createHttpClientTransport(http, { context: new HttpContext() as unknown as () => HttpContext })).toThrow(/context: must be a function/);
  });
});
