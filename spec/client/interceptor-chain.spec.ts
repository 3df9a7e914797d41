import { defer, map, of, type Observable } from 'rxjs';
import { InterceptorChain } from '../../lib/client/interceptor-chain.js';
import type { TransportResponse } from '../../lib/http/transport.js';
import type { TaskRequestInfo, TaskRequestInterceptor } from '../../lib/poll-events.js';

const info: TaskRequestInfo = {
  taskId: '7c9e6679-7425-40de-944b-e07fc1f90ae7',
  method: 'GET',
  url: 'http://127.0.0.1/api/v1/async-tasks/7c9e6679-7425-40de-944b-e07fc1f90ae7',
  polls: 1,
  resend: 0,
};
const response: TransportResponse = { status: 200, headers: {}, body: { status: 'PENDING' } };

/** An interceptor that records, in `log`, when it sees the request (subscription) and the response. */
function recorder(name: string, log: string[], seen: TaskRequestInfo[] = []): TaskRequestInterceptor {
  return (requestInfo, send) => {
    seen.push(requestInfo);
    return defer(() => {
      log.push(`${name} request`);
      return send.pipe(
        map((res) => {
          log.push(`${name} response ${res.status}`);
          return res;
        }),
      );
    });
  };
}

/** The request itself, recording when it is sent. */
function transport(log: string[]): Observable<TransportResponse> {
  return defer(() => {
    log.push('sent');
    return of(response);
  });
}

/** Sends one request through `intercept` (as a poll loop does) and returns what came out. */
function send(intercept: TaskRequestInterceptor, log: string[]): TransportResponse[] {
  const out: TransportResponse[] = [];
  intercept(info, transport(log)).subscribe((res) => out.push(res));
  return out;
}

describe('InterceptorChain', () => {
  it('has no `current` without interceptors (requests go to the plain transport)', () => {
    const chain = new InterceptorChain();
    expect(chain.current).toBeUndefined();
    const remove = chain.add((_, s) => s);
    expect(chain.current).toBeInstanceOf(Function);
    remove();
    expect(chain.current).toBeUndefined();
  });

  it('composes the interceptors, the first added outermost, each told about the request', () => {
    const chain = new InterceptorChain();
    const log: string[] = [];
    const seen: TaskRequestInfo[] = [];
    chain.add(recorder('a', log, seen));
    chain.add(recorder('b', log, seen));
    chain.add(recorder('c', log, seen));
    expect(send(chain.current!, log)).toEqual([response]);
    expect(log).toEqual(['a request', 'b request', 'c request', 'sent', 'c response 200', 'b response 200', 'a response 200']);
    expect(seen).toEqual([info, info, info]);
  });

  it('sends the request once whatever the number of interceptors', () => {
    const chain = new InterceptorChain();
    const log: string[] = [];
    for (const name of ['a', 'b', 'c', 'd']) chain.add(recorder(name, log));
    send(chain.current!, log);
    expect(log.filter((line) => line === 'sent')).toHaveLength(1);
  });

  it('removes only the interceptor the remover was returned for', () => {
    const chain = new InterceptorChain();
    const log: string[] = [];
    chain.add(recorder('a', log));
    const removeB = chain.add(recorder('b', log));
    chain.add(recorder('c', log));
    removeB();
    send(chain.current!, log);
    expect(log).toEqual(['a request', 'c request', 'sent', 'c response 200', 'a response 200']);
  });

  it('has an idempotent remover: a second call removes nothing, not even the same function added again', () => {
    const chain = new InterceptorChain();
    const log: string[] = [];
    const a = recorder('a', log);
    chain.add(recorder('outer', log));
    const removeA = chain.add(a);
    removeA();
    chain.add(a);
    removeA();
    send(chain.current!, log);
    expect(log).toEqual(['outer request', 'a request', 'sent', 'a response 200', 'outer response 200']);
  });

  it('removes one registration of a function added twice, leaving the other', () => {
    const chain = new InterceptorChain();
    const log: string[] = [];
    const shared = recorder('shared', log);
    const removeFirst = chain.add(shared);
    chain.add(shared);
    removeFirst();
    expect(chain.current).toBeDefined();
    send(chain.current!, log);
    expect(log).toEqual(['shared request', 'sent', 'shared response 200']);
  });

  it('keeps, for a request that already read `current`, the interceptors it was sent with', () => {
    const chain = new InterceptorChain();
    const log: string[] = [];
    const removeA = chain.add(recorder('a', log));
    const sentWith = chain.current!;
    removeA();
    chain.add(recorder('later', log));
    send(sentWith, log);
    expect(log).toEqual(['a request', 'sent', 'a response 200']);
    log.length = 0;
    send(chain.current!, log);
    expect(log).toEqual(['later request', 'sent', 'later response 200']);
  });

  it.each([
    ['a number', 42, '42'],
    ['a string (never quoted: it may be a secret)', 'fake-token-not-real', 'a string'],
    ['an empty string', '', 'an empty string'],
    ['null', null, 'null'],
    ['undefined', undefined, 'undefined'],
    ['an object', { intercept: () => undefined }, 'an object'],
    ['an array', [() => undefined], 'an array'],
  ])('refuses %s with a TypeError in the library format, and adds nothing', (_, value, described) => {
    const chain = new InterceptorChain();
    const add = (): unknown => chain.add(value as unknown as TaskRequestInterceptor);
    expect(add).toThrow(TypeError);
    expect(add).toThrow(new TypeError(`addInterceptor: interceptor: must be a function, got ${described}`));
    expect(chain.current).toBeUndefined();
  });
});
