/**
 * A real Angular 21 app, made the way README.md's "Try it against the simulator" says, against the
 * packed tarball: `ng new tasks-demo --defaults`, `npm install` of the package, the example's
 * `src/app` and `proxy.conf.json` copied in, a production `ng build` (Angular's application
 * builder, @angular/build) that must print no warning (no CommonJS module, no budget exceeded),
 * then the built app served with the proxy of proxy.conf.json and driven in Chromium against the
 * simulator (`npx factpulse-rx simulate --submit 1`, from the installed package) until the PDF link.
 *
 * The README's commands are read from the README itself and run as written, with these
 * substitutions only (each is checked to apply, so README and spec cannot drift apart):
 * - `npx @angular/cli@21` → this repository's devDependency @angular/cli (21.2.27, pinned: the
 *   newest 21.x whose @angular/build is on the registry), with `--skip-git`;
 * - `npm install factpulse-rx` → `npm install <the packed tarball>`;
 * - the simulator gets `--port 0` (a free port, not 8787) and proxy.conf.json's target follows it;
 * - `npx ng serve --proxy-config proxy.conf.json` → `npx ng build` + a static server with the
 *   same proxy rule (the production bundle is what ships).
 *
 * The generated app and its node_modules are cached in node_modules/.cache/factpulse-rx/angular-app
 * (`ng new` runs once); every run reinstalls the tarball, recopies the example and rebuilds.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';
import { promisify } from 'node:util';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../helpers/browser.js';
import { CACHE, ROOT, packedTarball } from '../helpers/packed-tarball.js';

const run = promisify(execFile);
jest.setTimeout(420_000);

const CLI_VERSION = (JSON.parse(readFileSync(join(ROOT, 'node_modules/@angular/cli/package.json'), 'utf8')) as { version: string }).version;
const WORK = join(CACHE, 'angular-app', CLI_VERSION);
const APP = join(WORK, 'tasks-demo');

/** The shell lines of the README's "Try it against the simulator" block, comments dropped. */
function readmeSteps(): string[] {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = /^### Try it against the simulator\n([\s\S]*?)(?=^#{1,3} )/m.exec(readme)?.[1];
  const block = section && /```sh\n([\s\S]*?)```/.exec(section)?.[1];
  if (!block) throw new Error('README.md: no ```sh block under "### Try it against the simulator"');
  return block
    .split('\n')
    .map((line) => line.replace(/\s+#.*$/, '').replace(/^#.*$/, '').trim())
    .filter(Boolean);
}

const sh = async (command: string, cwd: string, timeout = 300_000): Promise<string> => {
  const { stdout, stderr } = await run('sh', ['-c', command], { cwd, timeout, maxBuffer: 64 << 20, env: { ...process.env, NG_CLI_ANALYTICS: 'false', CI: 'true' } });
  return `${stdout}\n${stderr}`;
};

/** Holds a directory lock (one run at a time works in the cached app). */
async function withLock<T>(dir: string, body: () => Promise<T>): Promise<T> {
  const lock = `${dir}.lock`;
  mkdirSync(join(dir, '..'), { recursive: true });
  for (let i = 0; ; i++) {
    try {
      mkdirSync(lock);
      writeFileSync(join(lock, 'pid'), String(process.pid));
      break;
    } catch {
      let owner = 0;
      try {
        owner = Number(readFileSync(join(lock, 'pid'), 'utf8'));
        process.kill(owner, 0);
      } catch {
        if (owner !== 0 || i > 20) rmSync(lock, { recursive: true, force: true }); // left by a dead run
      }
      if (i > 3000) throw new Error(`${lock}: still held after 5 minutes`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  try {
    return await body();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.ico': 'image/x-icon', '.json': 'application/json' };

/** Serves `dir` (an SPA: unknown paths get index.html) and proxies what proxy.conf.json says. */
function serve(dir: string, proxy: Record<string, { target: string; pathRewrite?: Record<string, string> }>): Promise<Server> {
  const server = createServer((req, res) => {
    const url = req.url ?? '/';
    const rule = Object.entries(proxy).find(([context]) => url.startsWith(context));
    if (rule) {
      const [, { target, pathRewrite = {} }] = rule;
      let path = url;
      for (const [from, to] of Object.entries(pathRewrite)) path = path.replace(new RegExp(from), to);
      const upstream = new URL(path, target);
      const forward = httpRequest(upstream, { method: req.method, headers: { ...req.headers, host: upstream.host } }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      forward.on('error', () => res.writeHead(502).end());
      req.pipe(forward);
      return;
    }
    const pathname = decodeURIComponent(new URL(url, 'http://x').pathname);
    let file = normalize(join(dir, pathname));
    if (!file.startsWith(dir) || !existsSync(file) || statSync(file).isDirectory()) file = join(dir, 'index.html');
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
    res.end(readFileSync(file));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/** Starts the installed package's simulator; resolves to its URL and the sample task's id. */
function startSimulator(command: string, cwd: string): Promise<{ child: ChildProcess; url: string; taskId: string }> {
  return new Promise((resolve, reject) => {
    // Its own process group (npx → sh → node), so that stopping it reaches the simulator itself.
    const child = spawn('sh', ['-c', `exec ${command}`], { cwd, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let out = '';
    const timer = setTimeout(() => reject(new Error(`simulator did not start:\n${out}`)), 30_000);
    const onData = (chunk: Buffer): void => {
      out += chunk.toString();
      const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1];
      const taskId = /sample tasks[^\n]*\n\s+([0-9a-f-]{36})/.exec(out)?.[1];
      if (url && taskId) {
        clearTimeout(timer);
        resolve({ child, url, taskId });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`simulator exited (${code}):\n${out}`));
    });
  });
}

describe('an Angular 21 app made as README.md says, against the packed tarball', () => {
  let simulator: ChildProcess | undefined;
  let server: Server | undefined;
  let browser: Browser | undefined;

  afterAll(async () => {
    await browser?.close();
    server?.closeAllConnections();
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
    if (simulator?.pid !== undefined && simulator.exitCode === null && simulator.signalCode === null) {
      const exited = new Promise((resolve) => simulator!.once('exit', resolve));
      const group = -simulator.pid;
      process.kill(group, 'SIGINT'); // Ctrl-C, as the README's user stops it
      const timer = setTimeout(() => process.kill(group, 'SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
  });

  it('builds with no warning, then shows a task’s progress and its PDF link in Chromium', async () => {
    const steps = readmeSteps();
    const [create, install, ...rest] = steps;
    expect(create).toBe('npx @angular/cli@21 new tasks-demo --defaults && cd tasks-demo');
    expect(install).toBe('npm install factpulse-rx');
    const copies = rest.filter((s) => !s.startsWith('npx factpulse-rx simulate') && !s.startsWith('npx ng serve'));
    const simulate = rest.find((s) => s.startsWith('npx factpulse-rx simulate'));
    const serveStep = rest.find((s) => s.startsWith('npx ng serve'));
    expect(copies.length).toBeGreaterThan(0);
    expect(simulate).toBe('npx factpulse-rx simulate --submit 1');
    expect(serveStep).toBe('npx ng serve --proxy-config proxy.conf.json');

    const { tarball } = await packedTarball();
    const build = await withLock(WORK, async () => {
      mkdirSync(WORK, { recursive: true });
      // The README's "../factpulse-rx" is a clone of this repository next to the app.
      if (!existsSync(join(WORK, 'factpulse-rx'))) symlinkSync(ROOT, join(WORK, 'factpulse-rx'), 'dir');
      if (!existsSync(join(APP, 'node_modules/.bin/ng'))) {
        rmSync(APP, { recursive: true, force: true });
        await sh(`${join(ROOT, 'node_modules/.bin/ng')} new tasks-demo --defaults --skip-git`, WORK);
      }
      await sh(`npm install --no-audit --no-fund ${tarball}`, APP);
      for (const step of copies) await sh(step, APP);
      rmSync(join(APP, 'dist'), { recursive: true, force: true });
      return sh('npx ng build --stats-json', APP);
    });

    // The build: no warning at all (CommonJS modules, budgets, …).
    expect(build).toMatch(/Application bundle generation complete/);
    expect(build.split('\n').filter((line) => /warning/i.test(line))).toEqual([]);
    const stats = JSON.parse(readFileSync(join(APP, 'dist/tasks-demo/stats.json'), 'utf8')) as {
      outputs: Record<string, { bytes: number; inputs: Record<string, { bytesInOutput: number }> }>;
    };
    const js = Object.entries(stats.outputs).filter(([file]) => file.endsWith('.js'));
    const total = js.reduce((sum, [, o]) => sum + o.bytes, 0);
    const ours = js.reduce((sum, [, o]) => sum + Object.entries(o.inputs).filter(([p]) => p.includes('node_modules/factpulse-rx/')).reduce((s, [, i]) => s + i.bytesInOutput, 0), 0);
    const theirs = js.flatMap(([, o]) => Object.keys(o.inputs)).filter((p) => /cross-fetch|node-fetch|fp-ts\/lib\/|io-ts\/lib\//.test(p));
    expect(theirs).toEqual([]);
    expect(ours).toBeGreaterThan(0);
    writeFileSync(join(WORK, 'bundle-share.json'), JSON.stringify({ factpulseRx: ours, total, at: new Date().toISOString() }, null, 2));
    console.log(`Angular production bundle: factpulse-rx ${(ours / 1000).toFixed(1)} kB raw of ${(total / 1000).toFixed(1)} kB`);

    // The simulator, from the installed package's command, on a free port.
    const sim = await startSimulator(`${simulate} --port 0`, APP);
    simulator = sim.child;
    const proxyConf = JSON.parse(readFileSync(join(APP, 'proxy.conf.json'), 'utf8')) as Record<string, { target: string; pathRewrite?: Record<string, string> }>;
    expect(Object.values(proxyConf).map((r) => r.target)).toEqual(['http://127.0.0.1:8787']);
    const proxy = Object.fromEntries(Object.entries(proxyConf).map(([context, rule]) => [context, { ...rule, target: sim.url }]));
    const browserDir = join(APP, 'dist/tasks-demo/browser');
    expect(readdirSync(browserDir)).toContain('index.html');
    server = await serve(browserDir, proxy);
    const port = (server.address() as AddressInfo).port;

    browser = await launchChromium();
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning') problems.push(message.text());
    });
    await page.goto(`http://127.0.0.1:${port}/?task=${sim.taskId}`);
    await page.getByText('FactPulse task').waitFor();

    // A determinate bar while the task reports PROGRESS {current, total}.
    await page.locator('progress[value]').waitFor({ timeout: 40_000 });
    expect(await page.locator('.count').textContent()).toMatch(/^\s*\d+ \/ \d+ · \d+ %\s*$/);
    await page.screenshot({ path: join(WORK, 'screenshot-progress.png') }); // to look at, not compared

    // Then the PDF, offered as a download, apart from the request counter.
    const link = page.locator('a[download="invoice.pdf"]');
    await link.waitFor({ timeout: 60_000 });
    expect((await link.textContent())?.trim()).toBe('Download the PDF');
    expect(await page.locator('[role="status"]').textContent()).toBe('Your Factur-X invoice is ready.');
    expect(await page.locator('.requests').textContent()).toMatch(/^\s*\d+ status requests\s*$/);
    const head = await link.evaluate(async (a: HTMLAnchorElement) => new TextDecoder().decode((await (await fetch(a.href)).arrayBuffer()).slice(0, 5)));
    expect(head).toBe('%PDF-');
    await page.screenshot({ path: join(WORK, 'screenshot-pdf.png') });
    expect(problems).toEqual([]);
  });
});
