import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { sendJson, startTestServer, type TestServer } from '../helpers/test-server.js';

// Issue 15, item 2: cross-fetch is loaded only by the default path (no `fetch`, no `transport`),
// on the first request: `require('factpulse-rx')` with `fetch: globalThis.fetch` never loads it.
// Each case runs in a fresh Node process (the sources through ts-register) and reports which
// modules are in require.cache once a task has been followed to its end.

const run = promisify(execFile);
const ROOT = join(__dirname, '..', '..');
const REGISTER = join(ROOT, 'spec', 'helpers', 'ts-register.cjs');
const TASK = '0b1f0c8e-3a4b-4c5d-8e9f-0a1b2c3d4e5f';

/** A script that follows one task with `options` (JS source) and prints the loaded fetch modules. */
function script(baseUrl: string, options: string): string {
  return `
    const { taskStatus$ } = require(${JSON.stringify(join(ROOT, 'lib', 'index.ts'))});
    const loaded = () => Object.keys(require.cache).filter((f) => /[\\\\/]node_modules[\\\\/](cross-fetch|node-fetch)[\\\\/]/.test(f)).length;
    const before = loaded();
    taskStatus$(${JSON.stringify(TASK)}, { baseUrl: ${JSON.stringify(baseUrl)}, token: 'fake-test-token', interval: 1, ${options} }).subscribe({
      next: (t) => process.stdout.write(t.to + ' '),
      error: (e) => { console.log('ERROR', e.name); process.exit(1) },
      complete: () => { console.log(JSON.stringify({ before, after: loaded() })); process.exit(0) },
    });
  `;
}

async function loadedModules(baseUrl: string, options: string): Promise<{ before: number; after: number; phases: string }> {
  const { stdout } = await run(process.execPath, ['--require', REGISTER, '-e', script(baseUrl, options)], { cwd: ROOT, timeout: 15_000 });
  const lines = stdout.trim().split(/\s(?=\{)/);
  const json = JSON.parse(lines[lines.length - 1]!) as { before: number; after: number };
  return { ...json, phases: lines[0]!.trim() };
}

describe('cross-fetch is loaded lazily, by the default path only', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer((_req, res) => sendJson(res, 200, { taskId: TASK, status: 'SUCCESS', result: { status: 'SUCCESS' } }));
  });
  afterAll(() => server.close());

  it('is not loaded by requiring the package, nor by following a task with fetch: globalThis.fetch', async () => {
    const outcome = await loadedModules(server.url, 'fetch: globalThis.fetch');
    expect(outcome.phases).toBe('succeeded');
    expect(outcome).toMatchObject({ before: 0, after: 0 });
  });

  it('is not loaded with a transport of your own', async () => {
    const transport = `transport: () => require('rxjs').of({ status: 200, headers: {}, body: { taskId: ${JSON.stringify(TASK)}, status: 'SUCCESS', result: { status: 'SUCCESS' } } })`;
    const outcome = await loadedModules(server.url, transport);
    expect(outcome).toMatchObject({ before: 0, after: 0, phases: 'succeeded' });
  });

  it('is loaded on the first request of the default path', async () => {
    const outcome = await loadedModules(server.url, '');
    expect(outcome.phases).toBe('succeeded');
    expect(outcome.before).toBe(0);
    expect(outcome.after).toBeGreaterThan(0);
  });
});
