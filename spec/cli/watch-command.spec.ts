import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseWatchArgs, readToken, refuseTokenFlag, statusUrlOf } from '../../lib/cli/watch-command.js';
import { UsageError } from '../../lib/cli/usage-error.js';

const ID = '3fa85f64-5717-4562-b3fc-2c963f66afa6';

describe('parseWatchArgs', () => {
  it('reads ids, base URL, durations, --json and --out', () => {
    expect(parseWatchArgs(['--base-url', 'http://127.0.0.1:8787/', '--interval', '500ms', '--deadline', '2m', '--json', '--out', 'pdfs', ID], {})).toEqual({
      taskIds: [ID],
      baseUrl: 'http://127.0.0.1:8787',
      tokenFile: undefined,
      interval: 500,
      deadline: 120_000,
      json: true,
      out: 'pdfs',
      help: false,
    });
  });

  it('takes the base URL from FACTPULSE_BASE_URL, else https://factpulse.fr; the flag wins', () => {
    expect(parseWatchArgs([ID], {}).baseUrl).toBe('https://factpulse.fr');
    expect(parseWatchArgs([ID], { FACTPULSE_BASE_URL: 'https://sandbox.factpulse.fr' }).baseUrl).toBe('https://sandbox.factpulse.fr');
    expect(parseWatchArgs(['--base-url', 'https://a.example', ID], { FACTPULSE_BASE_URL: 'https://b.example' }).baseUrl).toBe('https://a.example');
  });

  it.each([
    [[], 'no task id'],
    [['not-a-uuid'], 'UUID'],
    [['--interval', 'fast', ID], '--interval'],
    [['--deadline', '-3', ID], '--deadline'],
    [['--base-url', 'factpulse.fr', ID], '--base-url'],
    [['--base-url', 'ftp://x.example', ID], '--base-url'],
    [['--base-url', 'http://api.example.com', ID], 'plain http'],
    [['--frobnicate', ID], "Unknown option '--frobnicate'"],
    [['--interval', '0', ID], '--interval'],
  ])('refuses %j (%s)', (args, message) => {
    expect(() => parseWatchArgs(args, {})).toThrow(UsageError);
    expect(() => parseWatchArgs(args, {})).toThrow(message);
  });
});

describe('refuseTokenFlag', () => {
  it.each([['--token', 'eyJsecret'], ['--token=eyJsecret'], ['--bearer=eyJsecret']])('refuses %j, says why, and never echoes the value', (...args) => {
    let error: unknown;
    try {
      refuseTokenFlag(args, 'watch');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toMatch(/shell history/);
    expect((error as Error).message).toMatch(/FACTPULSE_TOKEN|--token-file/);
    expect((error as Error).message).not.toContain('eyJsecret');
  });

  it('accepts --token-file and anything after --', () => {
    expect(() => refuseTokenFlag(['--token-file', 'x', '--', '--token'], 'watch')).not.toThrow();
  });
});

describe('readToken', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fprx-token-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('reads the first line of --token-file, trimmed, relative to cwd; it wins over FACTPULSE_TOKEN', async () => {
    await writeFile(join(dir, 'token'), '  eyJ.file.token \nsecond line\n');
    expect(await readToken('token', { FACTPULSE_TOKEN: 'env-token' }, dir)).toBe('eyJ.file.token');
  });

  it('falls back to FACTPULSE_TOKEN', async () => {
    expect(await readToken(undefined, { FACTPULSE_TOKEN: ' env-token ' }, dir)).toBe('env-token');
  });

  it('is a usage error with no token, an empty file or an unreadable one', async () => {
    await writeFile(join(dir, 'empty'), '\n');
    await expect(readToken(undefined, {}, dir)).rejects.toThrow(/FACTPULSE_TOKEN/);
    await expect(readToken('empty', {}, dir)).rejects.toThrow(/empty/);
    await expect(readToken('missing', {}, dir)).rejects.toThrow(/ENOENT/);
    await expect(readToken('missing', {}, dir)).rejects.toBeInstanceOf(UsageError);
  });
});

describe('statusUrlOf', () => {
  it('is the URL the command requests, without any user info, the id percent-encoded', () => {
    expect(statusUrlOf('http://127.0.0.1:8787/wrong')(ID)).toBe(`http://127.0.0.1:8787/wrong/api/v1/processing/tasks/${ID}/status`);
    expect(statusUrlOf('https://alice:fake-pass@factpulse.test')(ID)).toBe(`https://factpulse.test/api/v1/processing/tasks/${ID}/status`);
  });
});
