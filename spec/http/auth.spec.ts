import { Observable, Subject, firstValueFrom, lastValueFrom, of, toArray } from 'rxjs';
import { AuthError } from '../../lib/errors/auth-error.js';
import { createTokenProvider, type TokenContext } from '../../lib/http/auth.js';

const SECRET = 'eyJhbGciOi.secret-token.sig';

function errorOf(source: Observable<unknown>): Promise<unknown> {
  return lastValueFrom(source).then(
    () => {
      throw new Error('expected an error');
    },
    (error: unknown) => error,
  );
}

function deferred<T>(): { promise: Promise<T>; resolve: (v: T) => void; reject: (e: unknown) => void } {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('createTokenProvider', () => {
  describe('without a token', () => {
    it('gives undefined and is not refreshable', async () => {
      const tokens = createTokenProvider(undefined);
      expect(tokens.refreshable).toBe(false);
      expect(await lastValueFrom(tokens.get(false).pipe(toArray()))).toEqual([undefined]);
      expect(await lastValueFrom(tokens.get(true).pipe(toArray()))).toEqual([undefined]);
    });
  });

  describe('with a string', () => {
    it('gives the string for every request, refresh or not, and is not refreshable', async () => {
      const tokens = createTokenProvider(SECRET);
      expect(tokens.refreshable).toBe(false);
      expect(await lastValueFrom(tokens.get(false).pipe(toArray()))).toEqual([SECRET]);
      expect(await lastValueFrom(tokens.get(true).pipe(toArray()))).toEqual([SECRET]);
    });

    it.each([
      ['with CR/LF (header injection)', 'abc\r\nX-Evil: 1'],
      ['with a lone LF', 'abc\ndef'],
      ['with a control character', 'abc\u0000def'],
      ['with non-ASCII', 'abcé'],
      ['empty', ''],
      ['blank', '   '],
    ])('refuses a token %s at call time with a TypeError naming token, without echoing it', (_, token) => {
      let caught: unknown;
      try {
        createTokenProvider(token);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(TypeError);
      expect((caught as Error).message).toMatch(/^token /);
      if (token.trim() !== '') expect((caught as Error).message).not.toContain(token);
    });

    it.each([[42], [null], [{}]])('refuses %p as the token option', (token) => {
      expect(() => createTokenProvider(token as unknown as string)).toThrow(/token must be a string or a function/);
    });
  });

  describe('with a function', () => {
    it('is refreshable and calls the function with { refresh } on subscribe only', async () => {
      const fn = jest.fn((_: TokenContext) => SECRET);
      const tokens = createTokenProvider(fn);
      expect(tokens.refreshable).toBe(true);
      const current = tokens.get(false);
      const fresh = tokens.get(true);
      expect(fn).not.toHaveBeenCalled();
      expect(await firstValueFrom(current)).toBe(SECRET);
      expect(await firstValueFrom(fresh)).toBe(SECRET);
      expect(fn.mock.calls).toEqual([[{ refresh: false }], [{ refresh: true }]]);
    });

    it.each([
      ['a string', () => SECRET],
      ['a Promise', () => Promise.resolve(SECRET)],
      ['a thenable', () => ({ then: (resolve: (v: string) => void) => resolve(SECRET) })],
      ['an Observable', () => of(SECRET)],
    ])('accepts %s', async (_, fn) => {
      const tokens = createTokenProvider(fn as () => string);
      expect(await lastValueFrom(tokens.get(false).pipe(toArray()))).toEqual([SECRET]);
    });

    it('takes the first value of an Observable and unsubscribes from it', async () => {
      const source = new Subject<string>();
      const tokens = createTokenProvider(() => source);
      const result = lastValueFrom(tokens.get(false).pipe(toArray()));
      source.next('first');
      expect(source.observed).toBe(false);
      expect(await result).toEqual(['first']);
    });

    it.each([
      ['an empty string', () => '', /returned no token/],
      ['a blank string', () => '  ', /returned no token/],
      ['a number', () => 42, /returned no token/],
      ['undefined', () => undefined, /returned no token/],
      ['a Promise of null', () => Promise.resolve(null), /returned no token/],
      ['a token with CR/LF', () => `${SECRET}\r\nX-Evil: 1`, /line break/],
      ['a token with non-ASCII', () => `${SECRET}é`, /printable ASCII/],
    ])('errors with an AuthError, not echoing the value, when the function returns %s', async (_, fn, message) => {
      const error = await errorOf(createTokenProvider(fn as () => string).get(false));
      expect(error).toBeInstanceOf(AuthError);
      expect((error as Error).message).toMatch(message);
      expect((error as Error).message).not.toContain(SECRET);
      expect(JSON.stringify(error)).not.toContain(SECRET);
    });

    it('errors with an AuthError when an Observable completes without a token', async () => {
      const error = await errorOf(createTokenProvider(() => new Observable<string>((s) => s.complete())).get(false));
      expect(error).toBeInstanceOf(AuthError);
      expect((error as Error).message).toMatch(/without a token/);
    });

    it.each([
      ['throws', () => {
        throw new Error('login failed');
      }],
      ['rejects', () => Promise.reject(new Error('login failed'))],
    ])('wraps the error in an AuthError (with cause) when the function %s', async (_, fn) => {
      const error = await errorOf(createTokenProvider(fn as unknown as () => string).get(false, 'task-1'));
      expect(error).toBeInstanceOf(AuthError);
      expect((error as AuthError).cause).toEqual(new Error('login failed'));
      expect((error as AuthError).taskId).toBe('task-1');
    });

    it('shares one call among concurrent refreshes, and calls again after it settled', async () => {
      const pending = [deferred<string>(), deferred<string>()];
      let calls = 0;
      const fn = jest.fn(({ refresh }: TokenContext): string | Promise<string> => (refresh ? pending[calls++]!.promise : 'old'));
      const tokens = createTokenProvider(fn);

      const concurrent = [1, 2, 3].map(() => firstValueFrom(tokens.get(true)));
      expect(fn).toHaveBeenCalledTimes(1);
      pending[0]!.resolve('new-1');
      expect(await Promise.all(concurrent)).toEqual(['new-1', 'new-1', 'new-1']);

      const next = firstValueFrom(tokens.get(true));
      expect(fn).toHaveBeenCalledTimes(2);
      pending[1]!.resolve('new-2');
      expect(await next).toBe('new-2');
      expect(fn.mock.calls.every(([context]: [TokenContext]) => context.refresh)).toBe(true);
    });

    it('gives a failed shared refresh to every waiting caller, and the next refresh calls again', async () => {
      let calls = 0;
      const first = deferred<string>();
      const tokens = createTokenProvider(() => (++calls === 1 ? first.promise : 'fresh'));
      const waiting = [errorOf(tokens.get(true)), errorOf(tokens.get(true))];
      first.reject(new Error('refresh endpoint down'));
      const errors = await Promise.all(waiting);
      expect(calls).toBe(1);
      for (const error of errors) expect(error).toBeInstanceOf(AuthError);
      expect(await firstValueFrom(tokens.get(true))).toBe('fresh');
      expect(calls).toBe(2);
    });

    it('does not share ordinary (non-refresh) calls', async () => {
      const fn = jest.fn(() => Promise.resolve(SECRET));
      const tokens = createTokenProvider(fn);
      await Promise.all([firstValueFrom(tokens.get(false)), firstValueFrom(tokens.get(false))]);
      expect(fn).toHaveBeenCalledTimes(2);
    });

    it('lets a refresh abandoned by every caller be asked again', async () => {
      const source = new Subject<string>();
      let calls = 0;
      const tokens = createTokenProvider(() => {
        calls++;
        return source;
      });
      tokens.get(true).subscribe().unsubscribe();
      expect(source.observed).toBe(false);
      const next = firstValueFrom(tokens.get(true));
      source.next('t');
      expect(await next).toBe('t');
      expect(calls).toBe(2);
    });
  });
});
