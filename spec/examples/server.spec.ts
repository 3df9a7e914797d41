/**
 * Browser test of the example server (examples/server): headless Chromium opens the page, submits
 * invoices and sees their transitions arrive live over the websocket.
 *
 * Needs Debian's `chromium` at /usr/bin/chromium (`.ci/run` installs it). Without it this test
 * FAILS with a message saying so: it is never skipped.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startExampleServer, type ExampleServer } from '../../examples/server/example-server.js';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

jest.setTimeout(60_000);

describe('example server in a browser', () => {
  let example: ExampleServer;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(`Chromium is not installed at ${CHROMIUM}: this browser test needs it. Install it with \`apt-get install -y chromium\` (.ci/run does).`);
    }
    example = await startExampleServer({ port: 0, interval: 500, safetyNet: 10_000 });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  });
  afterAll(async () => {
    await browser?.close();
    await example?.close();
  });
  beforeEach(async () => {
    page = await browser.newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
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
