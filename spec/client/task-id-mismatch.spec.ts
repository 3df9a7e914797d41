import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { firstValueFrom, lastValueFrom, of, toArray } from 'rxjs';
import { main } from '../../lib/cli/main.js';
import { createTaskClient } from '../../lib/task-client.js';
import { taskStatus$ } from '../../lib/task-status.js';
import type { Transport } from '../../lib/http/transport.js';
import { DecodeError } from '../../lib/errors/decode-error.js';
import { captureIo } from '../helpers/capture-io.js';
import { status } from '../helpers/marble-transport.js';
import { sendJson, startTestServer, type TestServer } from '../helpers/test-server.js';

// A proxy or cache mix-up hands this task another task's answer: it must never be taken as this
// task's result — not by taskStatus$, not cached by the client, not written by the command.

const MINE = '7c9e6679-7425-40de-944b-e07fc1f90ae7';
const THEIRS = '16fd2706-8baf-433b-82eb-8c7fada847da';
const PDF = Buffer.from('%PDF-1.4 another customer').toString('base64');
const theirs = status(THEIRS, 'SUCCESS', { status: 'SUCCESS', content_b64: PDF });

const errorOf = async (source: Promise<unknown>): Promise<unknown> => source.then(() => undefined, (e: unknown) => e);

describe('an answer for another task', () => {
  it('taskStatus$ errors with a DecodeError naming both ids', async () => {
    const error = await errorOf(firstValueFrom(taskStatus$(MINE, { transport: () => of(theirs) })));
    expect(error).toBeInstanceOf(DecodeError);
    expect((error as DecodeError).message).toContain(MINE);
    expect((error as DecodeError).message).toContain(THEIRS);
    expect((error as DecodeError).taskId).toBe(MINE);
  });

  it('the client caches nothing: the next subscriber asks again and gets the real answer', async () => {
    let n = 0;
    const transport: Transport = () => of(n++ === 0 ? theirs : status(MINE, 'SUCCESS', { status: 'SUCCESS' }));
    const client = createTaskClient({ transport, interval: 10, pauseWhenHidden: false });
    try {
      expect(await errorOf(firstValueFrom(client.result$(MINE)))).toBeInstanceOf(DecodeError);
      expect(client.stats().cached).toBe(0);
      const again = await lastValueFrom(client.status$(MINE).pipe(toArray()));
      expect(again.map((t) => t.to)).toEqual(['succeeded']);
      expect(again[0]!.state).toEqual({ phase: 'succeeded', status: 'SUCCESS', result: { status: 'SUCCESS' } });
      expect(n).toBe(2);
      expect(client.stats().cacheHits).toBe(0);
    } finally {
      client.dispose();
    }
  });

  describe('the command', () => {
    let server: TestServer;
    let dir: string;
    beforeAll(async () => {
      server = await startTestServer();
    });
    beforeEach(async () => {
      dir = await mkdtemp(join(tmpdir(), 'fprx-mismatch-'));
    });
    afterEach(async () => {
      server.reset();
      await rm(dir, { recursive: true, force: true });
    });
    afterAll(() => server.close());

    it('writes no file and exits with the protocol error', async () => {
      server.handle((_req, res) => sendJson(res, 200, theirs.body));
      const io = captureIo({ cwd: dir });
      const code = await main(['watch', '--json', '--interval', '100ms', '--out', dir, MINE], { FACTPULSE_BASE_URL: server.url, FACTPULSE_TOKEN: 'fake-token-for-tests' }, io);
      expect(code).toBe(3);
      expect(server.requests.length).toBeGreaterThanOrEqual(1);
      expect(await readdir(dir)).toEqual([]);
      expect(io.stdout.text() + io.stderr.text()).toContain('DecodeError');
      expect(io.stdout.text() + io.stderr.text()).not.toContain('fake-token-for-tests');
    });
  });
});
