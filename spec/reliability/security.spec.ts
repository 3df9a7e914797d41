import { firstValueFrom, of, toArray } from 'rxjs';
import { main } from '../../lib/cli/main.js';
import type { TaskClientEvent } from '../../lib/client/task-client-event.js';
import { TaskClientDisposedError } from '../../lib/client/task-client-disposed-error.js';
import * as errors from '../../lib/errors/index.js';
import { HttpError } from '../../lib/errors/http-error.js';
import { ResponseTooLargeError } from '../../lib/errors/response-too-large-error.js';
import type { FetchFunction } from '../../lib/http/fetch-transport.js';
import { destroyKeepAliveAgents } from '../../lib/http/keep-alive.js';
import type { TaskStatusOptions } from '../../lib/options.js';
import { createTaskClient } from '../../lib/task-client.js';
import { taskStatus$ } from '../../lib/task-status.js';
import { captureIo } from '../helpers/capture-io.js';
import { reply, startFaultServer, type FaultServer, type Reply } from '../helpers/fault-server.js';
import { FAULT_ROWS, type FollowOutcome, type RowContext } from './fault-table.js';
import { SUCCESS_RESULT, TASK, TOKEN, exposedText, fastOptions, runStream } from './run-stream.js';

// Security: the token never shows up in an error, a log line, a client event or the command's
// output, whatever the fault; no Authorization header crosses origins; plain http is refused for
// a token except on loopback; task ids are validated; every response path is size-capped.

/** Everything written to the console or the standard streams while `run` runs. */
async function capturingOutput<T>(run: () => Promise<T>): Promise<{ result: T; output: string }> {
  const chunks: string[] = [];
  const keep = (...args: unknown[]): void => {
    chunks.push(args.map((a) => exposedText(a)).join(' '));
  };
  const spies = [
    jest.spyOn(console, 'log').mockImplementation(keep),
    jest.spyOn(console, 'info').mockImplementation(keep),
    jest.spyOn(console, 'warn').mockImplementation(keep),
    jest.spyOn(console, 'error').mockImplementation(keep),
    jest.spyOn(console, 'debug').mockImplementation(keep),
    jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => (keep(String(chunk)), true)),
    jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => (keep(String(chunk)), true)),
  ];
  const warnings: Error[] = [];
  const onWarning = (w: Error): void => {
    warnings.push(w);
  };
  process.on('warning', onWarning);
  try {
    const result = await run();
    return { result, output: chunks.join('\n') + warnings.map((w) => exposedText(w)).join('\n') };
  } finally {
    process.off('warning', onWarning);
    for (const spy of spies) spy.mockRestore();
  }
}

describe('security', () => {
  let server: FaultServer;
  let other: FaultServer;

  beforeAll(async () => {
    [server, other] = await Promise.all([startFaultServer(), startFaultServer()]);
  });
  afterEach(() => {
    try {
      server.verify();
      other.verify();
    } finally {
      server.reset();
      other.reset();
    }
  });
  afterAll(async () => {
    await Promise.all([server.close(), other.close()]);
    destroyKeepAliveAgents();
  });

  describe('the token appears in no error, transition, client event or log line, for every fault of the behaviour table', () => {
    /** The error classes the rows produced (checked against the full list at the end). */
    const seenErrors = new Set<string>();

    const clientFollow = async (extra: TaskStatusOptions = {}, taskId = TASK): Promise<FollowOutcome> => {
      const client = createTaskClient({ ...fastOptions(server.url, extra), retryBudget: false, pauseWhenHidden: false });
      const events: TaskClientEvent[] = [];
      const sub = client.events$.subscribe((e) => events.push(e));
      try {
        return { ...(await runStream(client.status$(taskId))), events };
      } finally {
        sub.unsubscribe();
        client.dispose();
      }
    };

    it.each(FAULT_ROWS.map((row) => [row.fault, row] as const))('%s', async (_name, row) => {
      const seen: unknown[] = [];
      const record = <A extends unknown[], R>(f: (...a: A) => Promise<R>) => async (...a: A): Promise<R> => {
        const r = await f(...a);
        seen.push(r);
        return r;
      };
      const ctx: RowContext = {
        server,
        other,
        follow: record(clientFollow),
        followWithEvents: record(clientFollow),
        result: record(async (extra: TaskStatusOptions = {}) => {
          const client = createTaskClient({ ...fastOptions(server.url, extra), retryBudget: false, pauseWhenHidden: false });
          try {
            return { value: await firstValueFrom(client.result$(TASK)) };
          } catch (error) {
            return { error };
          } finally {
            client.dispose();
          }
        }),
      };
      const { output } = await capturingOutput(() => row.run(ctx));
      expect(output).not.toContain(TOKEN);
      for (const outcome of seen) {
        expect(exposedText(outcome)).not.toContain(TOKEN);
        const error = (outcome as { error?: unknown }).error;
        if (error instanceof Error) seenErrors.add(error.name);
      }
    });

    it('a TaskClientDisposedError carries no token either', async () => {
      server.script(reply.hang());
      const client = createTaskClient({ ...fastOptions(server.url), pauseWhenHidden: false });
      const outcome = runStream(client.status$(TASK));
      await server.waitForRequests(1);
      client.dispose();
      const { error } = await outcome;
      expect(error).toBeInstanceOf(TaskClientDisposedError);
      expect(exposedText(error)).not.toContain(TOKEN);
      seenErrors.add((error as Error).name);
    });

    it('…and between them the rows produced every error class', () => {
      const classes = (Object.values(errors) as unknown[])
        .filter((v): v is typeof errors.TaskStatusError => typeof v === 'function' && v.prototype instanceof errors.TaskStatusError)
        .map((c) => c.name);
      expect(classes.length).toBeGreaterThanOrEqual(11);
      for (const name of [...classes, 'TaskClientDisposedError']) expect([name, seenErrors.has(name)]).toEqual([name, true]);
    });
  });

  describe('a server that echoes the token back', () => {
    const echo = (status: number): Reply =>
      reply.custom(`echo ${status}`, (req, res) => {
        const auth = String(req.headers.authorization ?? '');
        const body = JSON.stringify({ detail: `bad token: ${auth}`, errorMessage: auth, nested: [{ msg: auth.slice(7) }] });
        res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), 'x-echo': auth });
        res.end(body);
      });

    it.each([400, 401, 403, 422, 500])('does not carry the echoed token in the error of a %i (body and headers are redacted)', async (status) => {
      server.script(...Array.from({ length: 3 }, () => echo(status)));
      const outcome = await runStream(taskStatus$(TASK, fastOptions(server.url)));
      expect(outcome.error).toBeInstanceOf(HttpError);
      expect(exposedText(outcome.error)).not.toContain(TOKEN);
      expect((outcome.error as HttpError).body).toMatchObject({ detail: 'bad token: Bearer [redacted]', errorMessage: 'Bearer [redacted]', nested: [{ msg: '[redacted]' }] });
      expect((outcome.error as HttpError).headers['x-echo']).toBe('Bearer [redacted]');
    });

    it('does not let the command print it', async () => {
      server.script(echo(400));
      const io = captureIo();
      const code = await main(['watch', '--json', '--interval', '10ms', TASK], { FACTPULSE_TOKEN: TOKEN, FACTPULSE_BASE_URL: server.url }, io);
      expect(code).not.toBe(0);
      expect(io.stdout.text() + io.stderr.text()).not.toContain(TOKEN);
    });
  });

  describe('the command prints no token, whatever the fault', () => {
    const cases: ReadonlyArray<readonly [string, () => Reply[]]> = [
      ['success', () => [reply.task('PENDING'), reply.task('SUCCESS', SUCCESS_RESULT)]],
      ['business rejection', () => [reply.task('SUCCESS', { status: 'ERROR', errorCode: 'E', errorMessage: 'refused', details: [] })]],
      ['task failure', () => [reply.task('FAILURE', { exc_message: 'boom' })]],
      ['400', () => [reply.status(400)]],
      ['401 (twice: the token file is re-read once)', () => [reply.status(401), reply.status(401)]],
      ['404', () => [reply.status(404)]],
      ['422', () => [reply.status(422, { body: { detail: [{ loc: ['path', 'task_id'], msg: 'bad', type: 'x' }] } })]],
      ['invalid JSON', () => [reply.text(200, '{"status": "PEND', 'application/json')]],
      ['wrong shape', () => [reply.text(200, JSON.stringify({ taskId: TASK, status: 42 }))]],
      ['a cross-origin redirect', () => [reply.redirect(302, `http://localhost:1/api/v1/processing/tasks/${TASK}/status`)]],
      ['a redirect loop', () => Array.from({ length: 6 }, () => reply.redirect(302, (r) => r.url))],
    ];
    it.each(cases)('%s', async (_name, make) => {
      server.script(...make());
      for (const tty of [false, true]) {
        const io = captureIo({ tty });
        const code = await main(['watch', '--interval', '10ms', TASK], { FACTPULSE_TOKEN: TOKEN, FACTPULSE_BASE_URL: server.url }, io);
        expect(typeof code).toBe('number');
        expect(io.stdout.text() + io.stderr.text()).not.toContain(TOKEN);
        if (!tty) server.script(...make());
      }
    });

    it('refuses the token on the command line without echoing it', async () => {
      const io = captureIo();
      const code = await main(['watch', `--token=${TOKEN}`, TASK], { FACTPULSE_BASE_URL: server.url }, io);
      expect(code).toBe(2);
      expect(io.stdout.text() + io.stderr.text()).not.toContain(TOKEN);
    });
  });

  describe('no Authorization header crosses origins', () => {
    const FETCHES: ReadonlyArray<readonly [string, TaskStatusOptions]> = [
      ['the default fetch', {}],
      ['global fetch (undici)', { fetch: globalThis.fetch as unknown as FetchFunction }],
    ];
    it.each(FETCHES)('with %s, for every redirect status, to another port or host name', async (_name, fetchOptions) => {
      for (const status of [301, 302, 303, 307, 308]) {
        for (const target of [other.url, `http://localhost:${server.port}`]) {
          server.reset();
          server.script(reply.redirect(status, `${target}/api/v1/processing/tasks/${TASK}/status`));
          const outcome = await runStream(taskStatus$(TASK, fastOptions(server.url, fetchOptions)));
          expect(outcome.error).toBeInstanceOf(HttpError);
          expect(outcome.error).toMatchObject({ status });
          expect(server.requests).toHaveLength(1);
          expect(other.requests).toHaveLength(0);
        }
      }
    });

    it('keeps it within the origin on a same-origin redirect', async () => {
      server.script(reply.redirect(302, `${server.url}/elsewhere/tasks/${TASK}/status`), reply.task('SUCCESS', SUCCESS_RESULT));
      const outcome = await runStream(taskStatus$(TASK, fastOptions(server.url)));
      expect(outcome.completed).toBe(true);
      expect(server.requests.map((r) => r.headers.authorization)).toEqual([`Bearer ${TOKEN}`, `Bearer ${TOKEN}`]);
    });
  });

  describe('plain http is refused for a token except on loopback', () => {
    const refused = [
      'http://factpulse.fr',
      'http://10.0.0.1:8080',
      'http://0.0.0.0:8080',
      'http://127.0.0.1.nip.io',
      'http://localhost.example.com',
      'http://[::ffff:a00:1]',
      'http://[fe80::1]',
    ];
    const allowed = ['http://127.0.0.1:1', 'http://127.8.9.10', 'http://localhost:1', 'http://api.localhost', 'http://[::1]:1', 'https://factpulse.fr'];

    it.each(refused)('refuses %s at call time, naming allowInsecureHttp, without echoing the token', (baseUrl) => {
      for (const call of [() => taskStatus$(TASK, { baseUrl, token: TOKEN }), () => createTaskClient({ baseUrl, token: TOKEN })]) {
        let thrown: unknown;
        try {
          call();
        } catch (error) {
          thrown = error;
        }
        expect(thrown).toBeInstanceOf(TypeError);
        expect((thrown as TypeError).message).toMatch(/allowInsecureHttp/);
        expect(exposedText(thrown)).not.toContain(TOKEN);
      }
      expect(() => taskStatus$(TASK, { baseUrl, token: () => TOKEN })).toThrow(/allowInsecureHttp/);
      // Allowed with the explicit opt-in, or without a token.
      expect(() => taskStatus$(TASK, { baseUrl, token: TOKEN, allowInsecureHttp: true })).not.toThrow();
      expect(() => taskStatus$(TASK, { baseUrl })).not.toThrow();
    });

    it.each(allowed)('accepts %s', (baseUrl) => {
      expect(() => taskStatus$(TASK, { baseUrl, token: TOKEN })).not.toThrow();
      expect(() => createTaskClient({ baseUrl, token: TOKEN }).dispose()).not.toThrow();
    });

    it('the command refuses it too', async () => {
      const io = captureIo();
      const code = await main(['watch', TASK], { FACTPULSE_TOKEN: TOKEN, FACTPULSE_BASE_URL: 'http://factpulse.fr' }, io);
      expect(code).toBe(2);
      expect(io.stderr.text()).toMatch(/plain http/);
      expect(io.stdout.text() + io.stderr.text()).not.toContain(TOKEN);
    });
  });

  describe('task ids are validated before any request', () => {
    const bad = ['', 'x', '../../admin', `${TASK}/../x`, `${TASK}?q=1`, `${TASK}#f`, ` ${TASK}`, `${TASK}\n`, TASK.replace(/-/g, ''), '%2e%2e', '6f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4g'];
    it.each(bad.map((id) => [JSON.stringify(id), id]))('refuses %s in taskStatus$, status$, result$ and follow', async (_shown, id) => {
      const client = createTaskClient({ baseUrl: server.url, token: TOKEN, pauseWhenHidden: false });
      try {
        expect(() => taskStatus$(id, { baseUrl: server.url, token: TOKEN })).toThrow(TypeError);
        expect(() => client.status$(id)).toThrow(TypeError);
        expect(() => client.result$(id)).toThrow(TypeError);
        // follow() names ids later, in a stream: a bad one is an error, not a request.
        const followed = await firstValueFrom(client.follow(of(id)).pipe(toArray())).then(
          () => undefined,
          (error: unknown) => error,
        );
        expect(followed).toBeInstanceOf(TypeError);
      } finally {
        client.dispose();
      }
      expect(server.requests).toHaveLength(0);
    });

    it('accepts any UUID, upper case included, and sends it in the path as it is', async () => {
      const upper = TASK.toUpperCase();
      server.script(reply.task('SUCCESS', SUCCESS_RESULT));
      const outcome = await runStream(taskStatus$(upper, fastOptions(server.url)));
      expect(outcome.completed).toBe(true);
      expect(server.requests[0]?.url).toBe(`/api/v1/processing/tasks/${upper}/status`);
    });
  });

  describe('the response size is capped on every path', () => {
    const LIMIT = 64 * 1024;
    const arrayBufferFetch: FetchFunction = async (url, init) => {
      const res = await globalThis.fetch(url, init as RequestInit);
      const buffer = await res.arrayBuffer();
      return { status: res.status, headers: res.headers, arrayBuffer: async () => buffer };
    };
    const TRANSPORTS: ReadonlyArray<readonly [string, TaskStatusOptions]> = [
      ['the default fetch', {}],
      ['global fetch (undici)', { fetch: globalThis.fetch as unknown as FetchFunction }],
      ['a fetch without a body stream (arrayBuffer)', { fetch: arrayBufferFetch }],
    ];
    const PATHS: ReadonlyArray<readonly [string, () => Reply]> = [
      ['a 200 with Content-Length', () => reply.huge(4 * LIMIT)],
      ['a chunked 200', () => reply.huge(4 * LIMIT, { declare: false })],
      ['an endless 200', () => reply.endless(8 * 1024)],
      ['a 503 (transient status)', () => reply.huge(4 * LIMIT, { status: 503, declare: false })],
      ['a 401 (before a token refresh)', () => reply.huge(4 * LIMIT, { status: 401, declare: false })],
      ['a 404', () => reply.huge(4 * LIMIT, { status: 404 })],
    ];
    for (const [transportName, transportOptions] of TRANSPORTS) {
      it.each(PATHS.filter(([name]) => !(name === 'an endless 200' && transportOptions.fetch === arrayBufferFetch)))(
        `${transportName}: %s`,
        async (_path, make) => {
          server.script(make());
          const outcome = await runStream(
            taskStatus$(TASK, fastOptions(server.url, { ...transportOptions, maxResponseBytes: LIMIT, token: ({ refresh }) => (refresh ? `${TOKEN}-fresh` : TOKEN) })),
          );
          expect(outcome.error).toBeInstanceOf(ResponseTooLargeError);
          expect(outcome.error).toMatchObject({ limit: LIMIT });
          expect(server.requests).toHaveLength(1);
        },
      );
    }

    it('is 64 MiB by default', async () => {
      server.script(reply.huge(64 * 1024 * 1024 + 1));
      const outcome = await runStream(taskStatus$(TASK, fastOptions(server.url)));
      expect(outcome.error).toBeInstanceOf(ResponseTooLargeError);
      expect(outcome.error).toMatchObject({ limit: 64 * 1024 * 1024 });
    });
  });
});
