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
      expect(await lastValueFrom(tokens.get().pipe(toArray()))).toEqual([undefined]);
      expect(await lastValueFrom(tokens.refresh(undefined).pipe(toArray()))).toEqual([undefined]);
    });
  });

  describe('with a string', () => {
    it('gives the string for every request, refresh or not, and is not refreshable', async () => {
      const tokens = createTokenProvider(SECRET);
      expect(tokens.refreshable).toBe(false);
      expect(await lastValueFrom(tokens.get().pipe(toArray()))).toEqual([SECRET]);
      expect(await lastValueFrom(tokens.refresh(undefined).pipe(toArray()))).toEqual([SECRET]);
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
      expect((caught as Error).message).toMatch(/^token: must be /);
      if (token.trim() !== '') expect((caught as Error).message).not.toContain(token);
    });

    it.each([[42], [null], [{}]])('refuses %p as the token option', (token) => {
      expect(() => createTokenProvider(token as unknown as string)).toThrow(/token: must be a string or a function/);
    });
  });

  describe('with a function', () => {
    it('is refreshable and calls the function with { refresh } on subscribe only', async () => {
      const fn = jest.fn((_: TokenContext) => SECRET);
      const tokens = createTokenProvider(fn);
      expect(tokens.refreshable).toBe(true);
      const current = tokens.get();
      const fresh = tokens.refresh(SECRET);
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
      expect(await lastValueFrom(tokens.get().pipe(toArray()))).toEqual([SECRET]);
    });

    it('takes the first value of an Observable and unsubscribes from it', async () => {
      const source = new Subject<string>();
      const tokens = createTokenProvider(() => source);
      const result = lastValueFrom(tokens.get().pipe(toArray()));
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
      const error = await errorOf(createTokenProvider(fn as () => string).get());
      expect(error).toBeInstanceOf(AuthError);
      expect((error as Error).message).toMatch(message);
      expect((error as Error).message).not.toContain(SECRET);
      expect(JSON.stringify(error)).not.toContain(SECRET);
    });

    it('errors with an AuthError when an Observable completes without a token', async () => {
      const error = await errorOf(createTokenProvider(() => new Observable<string>((s) => s.complete())).get());
      expect(error).toBeInstanceOf(AuthError);
      expect((error as Error).message).toMatch(/without a token/);
    });

    it.each([
      ['throws', () => {
        throw new Error('login failed');
      }],
      ['rejects', () => Promise.reject(new Error('login failed'))],
    ])('wraps the error in an AuthError (with cause) when the function %s', async (_, fn) => {
      const error = await errorOf(createTokenProvider(fn as unknown as () => string).get('task-1'));
      expect(error).toBeInstanceOf(AuthError);
      expect((error as AuthError).cause).toEqual(new Error('login failed'));
      expect((error as AuthError).taskId).toBe('task-1');
    });

    it('shares one call among concurrent refreshes of the current token, and calls again only for a newer one', async () => {
      const pending = [deferred<string>(), deferred<string>()];
      let calls = 0;
      const fn = jest.fn(({ refresh }: TokenContext): string | Promise<string> => (refresh ? pending[calls++]!.promise : 'old'));
      const tokens = createTokenProvider(fn);
      expect(await firstValueFrom(tokens.get())).toBe('old');

      const concurrent = [1, 2, 3].map(() => firstValueFrom(tokens.refresh('old')));
      expect(fn).toHaveBeenCalledTimes(2);
      pending[0]!.resolve('new-1');
      expect(await Promise.all(concurrent)).toEqual(['new-1', 'new-1', 'new-1']);

      // A late 401 for the token the refresh replaced: the current one, no call.
      expect(await firstValueFrom(tokens.refresh('old'))).toBe('new-1');
      expect(fn).toHaveBeenCalledTimes(2);

      // A 401 for the current token: one more refresh.
      const next = firstValueFrom(tokens.refresh('new-1'));
      expect(fn).toHaveBeenCalledTimes(3);
      pending[1]!.resolve('new-2');
      expect(await next).toBe('new-2');
      expect(fn.mock.calls.map(([context]: [TokenContext]) => context.refresh)).toEqual([false, true, true]);
    });

    it('gives a failed shared refresh to every waiting caller, named for its task, and the next refresh calls again', async () => {
      let calls = 0;
      const first = deferred<string>();
      const tokens = createTokenProvider(() => (++calls === 1 ? first.promise : 'fresh'));
      const waiting = [errorOf(tokens.refresh(undefined, 'task-a')), errorOf(tokens.refresh(undefined, 'task-b'))];
      first.reject(new Error('refresh endpoint down'));
      const errors = (await Promise.all(waiting)) as AuthError[];
      expect(calls).toBe(1);
      for (const error of errors) expect(error).toBeInstanceOf(AuthError);
      expect(errors.map((e) => e.taskId)).toEqual(['task-a', 'task-b']);
      expect(errors[1]!.cause).toEqual(new Error('refresh endpoint down'));
      expect(await firstValueFrom(tokens.refresh(undefined))).toBe('fresh');
      expect(calls).toBe(2);
    });

    it('does not share ordinary (non-refresh) calls', async () => {
      const fn = jest.fn(() => Promise.resolve(SECRET));
      const tokens = createTokenProvider(fn);
      await Promise.all([firstValueFrom(tokens.get()), firstValueFrom(tokens.get())]);
      expect(fn).toHaveBeenCalledTimes(2);
    });

    it('lets a refresh abandoned by every caller be asked again', async () => {
      const source = new Subject<string>();
      let calls = 0;
      const tokens = createTokenProvider(() => {
        calls++;
        return source;
      });
      tokens.refresh(undefined).subscribe().unsubscribe();
      expect(source.observed).toBe(false);
      const next = firstValueFrom(tokens.refresh(undefined));
      source.next('t');
      expect(await next).toBe('t');
      expect(calls).toBe(2);
    });

    it('makes a request started during a refresh wait for its token', async () => {
      const renewed = deferred<string>();
      const fn = jest.fn(({ refresh }: TokenContext) => (refresh ? renewed.promise : 'old'));
      const tokens = createTokenProvider(fn);
      const refreshing = firstValueFrom(tokens.refresh('old'));
      const current = firstValueFrom(tokens.get());
      renewed.resolve('new');
      expect(await Promise.all([refreshing, current])).toEqual(['new', 'new']);
      expect(fn).toHaveBeenCalledTimes(1);
    });

    it('replaces a refreshed-away token the function still answers with the refreshed one', async () => {
      let calls = 0;
      const tokens = createTokenProvider(({ refresh }) => (refresh ? `fresh-${++calls}` : 'stale'));
      expect(await firstValueFrom(tokens.get())).toBe('stale');
      expect(await firstValueFrom(tokens.refresh('stale'))).toBe('fresh-1');
      expect(await firstValueFrom(tokens.get())).toBe('fresh-1');
      expect(calls).toBe(1);
    });

    it('follows a token the function rotated by itself, and treats a 401 for the older one as stale', async () => {
      let current = 'tok-a';
      const fn = jest.fn(({ refresh }: TokenContext) => (refresh ? 'tok-renewed' : current));
      const tokens = createTokenProvider(fn);
      expect(await firstValueFrom(tokens.get())).toBe('tok-a');
      current = 'tok-b';
      expect(await firstValueFrom(tokens.get())).toBe('tok-b');
      expect(await firstValueFrom(tokens.refresh('tok-a'))).toBe('tok-b');
      expect(fn.mock.calls.some(([context]: [TokenContext]) => context.refresh)).toBe(false);
    });

    it('shares the refresh among every provider built from the same function, not with other functions', async () => {
      const renewed = deferred<string>();
      const shared = jest.fn(({ refresh }: TokenContext) => (refresh ? renewed.promise : 'expired'));
      const other = jest.fn(({ refresh }: TokenContext) => (refresh ? 'other-new' : 'other-old'));
      const providers = Array.from({ length: 200 }, () => createTokenProvider(shared));
      const results = providers.map((p, i) => firstValueFrom(p.refresh('expired', `task-${i}`)));
      expect(await firstValueFrom(createTokenProvider(other).refresh('other-old'))).toBe('other-new');
      renewed.resolve('renewed');
      expect(new Set(await Promise.all(results))).toEqual(new Set(['renewed']));
      expect(shared.mock.calls.filter(([context]: [TokenContext]) => context.refresh)).toHaveLength(1);
      expect(other).toHaveBeenCalledTimes(1);
    });

    it('turns an expiry seen by 200 concurrent requests into 1 refresh and 0 second refusals, when a refresh revokes the previous token', async () => {
      // A little in-process API: one valid token at a time; a refresh revokes the previous one.
      let valid = 'tok-0';
      let refreshes = 0;
      const fn = ({ refresh }: TokenContext): Promise<string> =>
        new Promise((resolve) => {
          setTimeout(() => {
            if (refresh) valid = `tok-${++refreshes}`;
            resolve(refresh ? valid : 'tok-0');
          }, refresh ? 5 : 0);
        });
      valid = 'expired-so-nothing-matches';
      const delays = Array.from({ length: 200 }, (_, i) => (i * 7) % 13);
      const answer = (token: string | undefined, delay: number): Promise<number> =>
        new Promise((resolve) => setTimeout(() => resolve(token === valid ? 200 : 401), delay));
      let secondRefusals = 0;
      await Promise.all(
        delays.map(async (delay, i) => {
          const tokens = createTokenProvider(fn);
          const token = await firstValueFrom(tokens.get(`task-${i}`));
          if ((await answer(token, delay)) !== 401) return;
          const retried = await firstValueFrom(tokens.refresh(token, `task-${i}`));
          if ((await answer(retried, delay)) === 401) secondRefusals++;
        }),
      );
      expect(refreshes).toBe(1);
      expect(secondRefusals).toBe(0);
    });

    it('gives a plain string back on refresh without calling anything (not refreshable)', async () => {
      const tokens = createTokenProvider(SECRET);
      expect(await firstValueFrom(tokens.refresh(SECRET))).toBe(SECRET);
    });
  });
});
