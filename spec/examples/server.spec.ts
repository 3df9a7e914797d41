/**
 * Browser test of the example server (examples/server): headless Chromium opens the page, submits
 * invoices, sees their transitions and progress arrive live over the websocket, and downloads
 * the PDF; and the server as a process says "port in use" in one line.
 *
 * Chromium is the one the suite's globalSetup provisions (spec/helpers/browser.ts). Without it
 * this test FAILS with a message saying so: it is never skipped.
 */
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { startExampleServer, type ExampleServer } from '../../examples/server/example-server.js';
import { launchChromium } from '../helpers/browser.js';

const ROOT = join(__dirname, '..', '..');

jest.setTimeout(60_000);

/** A TCP server holding a loopback port, so that the example finds it busy. */
async function holdPort(): Promise<{ port: number; release: () => Promise<void> }> {
  const holder: Server = createServer();
  await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
  return { port: (holder.address() as AddressInfo).port, release: () => new Promise((resolve) => holder.close(() => resolve())) };
}

describe('example server on a busy port', () => {
  it('startExampleServer rejects with EADDRINUSE and leaves nothing running (no unhandled error event)', async () => {
    const busy = await holdPort();
    try {
      await expect(startExampleServer({ port: busy.port })).rejects.toMatchObject({ code: 'EADDRINUSE' });
    } finally {
      await busy.release();
    }
  }, 15_000);

  it('`npm run example:server` says so in one line and exits 2', async () => {
    const busy = await holdPort();
    try {
      const child = spawn(process.execPath, ['--require', './spec/helpers/ts-register.cjs', 'examples/server/main.ts'], {
        cwd: ROOT,
        env: { ...process.env, PORT: String(busy.port) },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
      clearTimeout(timer);
      expect({ code, stdout, stderr }).toEqual({
        code: 2,
        stdout: '',
        stderr: `example server: port ${busy.port} is in use; set PORT to another one (PORT=0 picks a free one)\n`,
      });
    } finally {
      await busy.release();
    }
  });
});

describe('example server in a browser', () => {
  let example: ExampleServer;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];
  /** Console errors and failed responses (a missing favicon is a 404 in the console). */
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    browser = await launchChromium();
    example = await startExampleServer({ port: 0, interval: 500, safetyNet: 10_000 });
  });
  afterAll(async () => {
    await browser?.close();
    await example?.close();
  });
  beforeEach(async () => {
    page = await browser.newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
    page.on('response', (response) => {
      if (response.status() >= 400) consoleErrors.push(`${response.status()} ${response.url()}`);
    });
    await page.goto(example.url);
    await page.waitForSelector('#connection[data-state="open"]', { timeout: 10_000 });
  });
  afterEach(async () => {
    await page.close();
  });

  it('submits an invoice and shows it reaching succeeded, live', async () => {
    await page.selectOption('#outcome', 'success');
    await page.fill('#duration', '1500');
    await page.click('#submit');

    const card = page.locator('li.task').first();
    await card.locator('xpath=self::*[@data-phase="succeeded"]').waitFor({ timeout: 20_000 });
    const taskId = await card.getAttribute('data-task-id');
    expect(taskId).toMatch(/^[0-9a-f-]{36}$/);
    const lines = await card.locator('.transitions li').allTextContents();
    expect(lines[0]).toMatch(/· → pending/);
    expect(lines[lines.length - 1]).toMatch(/→ succeeded/);
    expect(await card.locator('.outcome').textContent()).toMatch(/Factur-X PDF ready: [\d,.\s\u202f]+ bytes/);
    // The simulator saw the webhook delivered, and few polls: the end came from the webhook.
    expect(example.simulator.stats(taskId!).webhooks).toEqual([{ status: 200 }]);
    expect(pageErrors).toEqual([]);
  });

  it('shows the progress the task reports, then offers the PDF for download; nothing in the console', async () => {
    await page.selectOption('#outcome', 'success');
    await page.fill('#duration', '4000');
    await page.click('#submit');
    const card = page.locator('li.task').first();
    // A determinate bar (value set) while the task runs: the simulator answers PROGRESS k/5.
    await card.locator('xpath=self::*[@data-phase="started"]').waitFor({ timeout: 20_000 });
    await card.locator('progress.progress[value]').waitFor({ timeout: 10_000 });
    expect(await card.locator('.progress-text').textContent()).toMatch(/^[1-5]\/5/);
    const max = await card.locator('progress.progress').evaluate((bar) => (bar as HTMLProgressElement).max);
    expect(max).toBe(5);
    await page.screenshot({ path: join(tmpdir(), 'factpulse-rx-example-progress.png') }).catch(() => undefined);

    await card.locator('xpath=self::*[@data-phase="succeeded"]').waitFor({ timeout: 20_000 });
    const taskId = (await card.getAttribute('data-task-id'))!;
    const lines = await card.locator('.transitions li').allTextContents();
    expect(lines.some((l) => /started [1-5]\/5/.test(l))).toBe(true);
    const link = card.locator('a.download');
    await link.waitFor({ state: 'visible' });
    await page.screenshot({ path: join(tmpdir(), 'factpulse-rx-example-download.png') }).catch(() => undefined);
    const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
    expect(download.suggestedFilename()).toMatch(/^INV-[\w-]+\.pdf$/);
    const file = await download.path();
    const bytes = await readFile(file);
    expect(bytes.subarray(0, 8).toString()).toBe('%PDF-1.4');
    // The same endpoint refuses another session, and so does it for a task that is not yours.
    const foreign = await fetch(`${example.url}/api/tasks/${taskId}/document`);
    expect(foreign.status).toBe(404);
    expect(consoleErrors).toEqual([]);
    expect(pageErrors).toEqual([]);
  });

  it('shows a rejection with its AFNOR details', async () => {
    await page.selectOption('#outcome', 'rejected');
    await page.fill('#duration', '300');
    await page.click('#submit');
    const card = page.locator('li.task').first();
    await card.locator('xpath=self::*[@data-phase="rejected"]').waitFor({ timeout: 20_000 });
    expect(await card.locator('.outcome').textContent()).toMatch(/^Rejected: [A-Z_]+ — /);
    expect(await card.locator('.outcome li').count()).toBeGreaterThan(0);
  });

  it('does not let another browser session follow the task', async () => {
    await page.selectOption('#outcome', 'success');
    await page.fill('#duration', '5000');
    await page.click('#submit');
    const card = page.locator('li.task').first();
    await card.locator('xpath=self::*[@data-phase="pending"]').waitFor({ timeout: 20_000 });
    const taskId = (await card.getAttribute('data-task-id'))!;

    const other = await browser.newContext(); // no cookie of the first session
    try {
      const intruder = await other.newPage();
      await intruder.goto(example.url);
      await intruder.waitForSelector('#connection[data-state="open"]', { timeout: 10_000 });
      const frame = await intruder.evaluate(
        (id) =>
          new Promise<string>((resolve) => {
            const ws = new WebSocket(`ws://${location.host}/ws`);
            ws.onopen = () => ws.send(JSON.stringify({ type: 'subscribe', taskId: id }));
            ws.onmessage = (m) => {
              resolve(String(m.data));
              ws.close();
            };
          }),
        taskId,
      );
      expect(JSON.parse(frame)).toEqual({ type: 'error', taskId, error: { name: 'AccessDeniedError', message: 'not allowed to follow this task' } });
    } finally {
      await other.close();
    }
  });
});
