/**
 * What is published, checked on the packed tarball (`npm pack`, cached by content): what it
 * contains, that it loads in Node as ESM and as CommonJS, and that bundlers get ES modules only
 * (esbuild, which Angular's application builder uses) and no cross-fetch when a transport or a
 * fetch is given.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync, existsSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { build, type Metafile } from 'esbuild';
import ts from 'typescript';
import { CACHE, ROOT, packedTarball, packageHash, prune, type Packed } from '../helpers/packed-tarball.js';

const run = promisify(execFile);
jest.setTimeout(240_000);

/** The peers and runtime dependency a consumer has installed, linked from this repository. */
const LINKED = ['rxjs', 'io-ts', 'fp-ts', 'cross-fetch', 'node-fetch', 'whatwg-url', 'tr46', 'webidl-conversions', 'tslib', 'ws', 'ioredis', '@angular', '@opentelemetry', '@types'];

let packed: Packed;
/** A consumer project: the tarball unpacked into node_modules/factpulse-rx, its peers linked. */
let consumer: string;

beforeAll(async () => {
  packed = await packedTarball();
  consumer = join(CACHE, 'consumer', `${packageHash()}-${LINKED.length}`);
  if (!existsSync(join(consumer, 'ready'))) {
    const partial = `${consumer}.${process.pid}.partial`;
    rmSync(partial, { recursive: true, force: true });
    mkdirSync(join(partial, 'node_modules/factpulse-rx'), { recursive: true });
    await run('tar', ['-xzf', packed.tarball, '--strip-components=1', '-C', join(partial, 'node_modules/factpulse-rx')]);
    for (const name of LINKED) {
      if (existsSync(join(ROOT, 'node_modules', name))) symlinkSync(join(ROOT, 'node_modules', name), join(partial, 'node_modules', name), 'dir');
    }
    writeFileSync(join(partial, 'package.json'), JSON.stringify({ name: 'consumer', private: true }));
    writeFileSync(join(partial, 'ready'), '');
    try {
      renameSync(partial, consumer);
    } catch (error) {
      rmSync(partial, { recursive: true, force: true });
      if (!existsSync(join(consumer, 'ready'))) throw error;
    }
    prune(join(CACHE, 'consumer'), 4);
  }
});

const pkgDir = (): string => join(consumer, 'node_modules/factpulse-rx');
const manifest = (): Record<string, unknown> => JSON.parse(readFileSync(join(pkgDir(), 'package.json'), 'utf8')) as Record<string, unknown>;

describe('the published package', () => {
  it('runs no script at install time (it is built on prepack)', () => {
    const scripts = (manifest()['scripts'] ?? {}) as Record<string, string>;
    for (const hook of ['preinstall', 'install', 'postinstall', 'prepare']) expect(scripts[hook]).toBeUndefined();
    expect(scripts['prepack']).toBe('node .ci/build.mjs');
  });

  it('ships source maps that carry their sources, and no declaration maps', () => {
    const maps = packed.files.filter((f) => f.path.endsWith('.map'));
    expect(maps.length).toBeGreaterThan(50);
    expect(maps.filter((f) => f.path.endsWith('.d.ts.map'))).toEqual([]);
    const missing = maps.filter((f) => {
      const map = JSON.parse(readFileSync(join(pkgDir(), f.path), 'utf8')) as { sources: string[]; sourcesContent?: (string | null)[] };
      return map.sourcesContent?.length !== map.sources.length || map.sourcesContent.some((c) => typeof c !== 'string' || c.length === 0);
    });
    expect(missing.map((f) => f.path)).toEqual([]);
  });

  it('compiles the command once (dist/cjs, which bin/factpulse-rx.cjs runs)', async () => {
    const cli = packed.files.filter((f) => f.path.includes('/cli/'));
    expect(cli.length).toBeGreaterThan(0);
    expect(cli.filter((f) => !f.path.startsWith('dist/cjs/cli/'))).toEqual([]);
    const { stdout } = await run(process.execPath, [join(pkgDir(), 'bin/factpulse-rx.cjs'), '--help'], { cwd: consumer });
    expect(stdout).toMatch(/^Usage: factpulse-rx/);
  });

  it('imports no fp-ts subpath from its ES modules (fp-ts/lib is CommonJS)', () => {
    const esm = packed.files.filter((f) => f.path.startsWith('dist/esm/') && f.path.endsWith('.js'));
    const offending = esm.filter((f) => /from ['"]fp-ts\//.test(readFileSync(join(pkgDir(), f.path), 'utf8')));
    expect(offending.map((f) => f.path)).toEqual([]);
  });

  it('loads every Node entry point as ESM and as CommonJS', async () => {
    const entries = ['factpulse-rx', 'factpulse-rx/simulator', 'factpulse-rx/ws', 'factpulse-rx/sse', 'factpulse-rx/webhook', 'factpulse-rx/redis', 'factpulse-rx/otel'];
    const esm = `const out = {}; for (const e of ${JSON.stringify(entries)}) out[e] = Object.keys(await import(e)).length; console.log(JSON.stringify(out));`;
    const cjs = `const out = {}; for (const e of ${JSON.stringify(entries)}) out[e] = Object.keys(require(e)).length; console.log(JSON.stringify(out));`;
    const [fromEsm, fromCjs] = await Promise.all([
      run(process.execPath, ['--input-type=module', '-e', esm], { cwd: consumer }),
      run(process.execPath, ['-e', cjs], { cwd: consumer }),
    ]);
    const counts = [JSON.parse(fromEsm.stdout) as Record<string, number>, JSON.parse(fromCjs.stdout) as Record<string, number>];
    for (const e of entries) {
      expect(counts[0]![e]).toBeGreaterThan(0);
      expect(counts[0]![e]).toBe(counts[1]![e]);
    }
    const root = (await run(process.execPath, ['--input-type=module', '-e', "import { taskStatus$, isTaskId } from 'factpulse-rx'; console.log(typeof taskStatus$, isTaskId('x'))"], { cwd: consumer })).stdout;
    expect(root.trim()).toBe('function false');
  });

  it("does not load cross-fetch in Node when given `fetch: globalThis.fetch` (CommonJS)", async () => {
    const script = `
      const http = require('node:http');
      const { taskStatus$ } = require('factpulse-rx');
      const id = '3f2b8c1e-9a4d-4e6b-8f0a-1c2d3e4f5a6b';
      const server = http.createServer((req, res) => { res.setHeader('content-type', 'application/json'); res.end(JSON.stringify({ taskId: id, status: 'SUCCESS', result: { status: 'SUCCESS' } })); });
      server.listen(0, '127.0.0.1', () => {
        taskStatus$(id, { baseUrl: 'http://127.0.0.1:' + server.address().port, token: 'fake-token', fetch: globalThis.fetch }).subscribe({
          next: (t) => console.log(t.to),
          error: (e) => { console.log('error', e.name); server.close(); },
          complete: () => { console.log(Object.keys(require.cache).filter((k) => /cross-fetch|node-fetch/.test(k)).length); server.close(); },
        });
      });`;
    const { stdout } = await run(process.execPath, ['-e', script], { cwd: consumer, timeout: 20_000 });
    expect(stdout.trim().split('\n')).toEqual(['succeeded', '0']);
  });
});

describe('the published types', () => {
  const ENTRIES = ['factpulse-rx', 'factpulse-rx/simulator', 'factpulse-rx/angular', 'factpulse-rx/ws', 'factpulse-rx/sse', 'factpulse-rx/webhook', 'factpulse-rx/redis', 'factpulse-rx/otel'];
  const modes: [string, ts.CompilerOptions][] = [
    ['nodenext', { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext }],
    ['bundler', { module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler }],
    ['node10', { module: ts.ModuleKind.CommonJS, moduleResolution: ts.ModuleResolutionKind.Node10, ignoreDeprecations: '6.0' }],
  ];

  it.each(modes)('resolve for every entry point under moduleResolution %s, in a strict project', (_mode, options) => {
    const file = join(consumer, `types-${_mode}.ts`);
    writeFileSync(file, ENTRIES.map((e, i) => `import type * as m${i} from '${e}';\nexport type T${i} = keyof typeof m${i};`).join('\n') + '\n');
    const program = ts.createProgram([file], {
      ...options,
      target: ts.ScriptTarget.ES2022,
      strict: true,
      exactOptionalPropertyTypes: true,
      noUncheckedIndexedAccess: true,
      skipLibCheck: true,
      noEmit: true,
      types: ['node'],
    });
    const problems = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    expect(problems).toEqual([]);
    const resolved = ENTRIES.map((e) => ts.resolveModuleName(e, file, program.getCompilerOptions(), ts.sys).resolvedModule?.resolvedFileName ?? 'unresolved');
    for (const path of resolved) expect(path).toMatch(/node_modules\/factpulse-rx\/dist\/(esm|cjs)\/.*index\.d\.ts$/);
  });
});

describe('the published package in a bundler (esbuild, as in Angular’s application builder)', () => {
  const bundle = async (code: string): Promise<Metafile> => {
    const dir = join(consumer, 'bundles', String(process.pid));
    mkdirSync(dir, { recursive: true });
    const entry = join(dir, `entry-${Math.random().toString(36).slice(2)}.mjs`);
    writeFileSync(entry, code);
    const result = await build({
      entryPoints: [entry],
      bundle: true,
      write: false,
      outdir: join(dir, 'out'),
      platform: 'browser',
      format: 'esm',
      splitting: true,
      minify: true,
      metafile: true,
      logLevel: 'silent',
      absWorkingDir: consumer,
      external: ['@angular/*'],
      preserveSymlinks: true,
    });
    return result.metafile;
  };
  const packageInputs = (meta: Metafile): string[] => Object.keys(meta.inputs).filter((p) => p.includes('node_modules/'));

  it('gets ES modules only (no CommonJS to wrap) and no cross-fetch when a transport is given', async () => {
    const meta = await bundle(`
      import { of } from 'rxjs';
      import { taskStatus$ } from 'factpulse-rx';
      const transport = () => of({ status: 200, headers: {}, body: '{}' });
      taskStatus$('3f2b8c1e-9a4d-4e6b-8f0a-1c2d3e4f5a6b', { transport }).subscribe(console.log);
    `);
    const inputs = packageInputs(meta);
    expect(inputs.some((p) => p.includes('node_modules/factpulse-rx/dist/esm/'))).toBe(true);
    expect(inputs.filter((p) => meta.inputs[p]!.format === 'cjs')).toEqual([]);
    expect(inputs.filter((p) => /node_modules\/(cross-fetch|node-fetch)\/|fp-ts\/lib\/|io-ts\/lib\//.test(p))).toEqual([]);
    // Not even as a lazily loaded chunk.
    expect(Object.values(meta.outputs).flatMap((o) => Object.keys(o.inputs)).filter((p) => /node_modules\/cross-fetch\//.test(p))).toEqual([]);
  });

  it("gives the default transport the browser's own fetch instead of cross-fetch (package.json \"browser\")", async () => {
    const meta = await bundle(`
      import { taskStatus$ } from 'factpulse-rx';
      taskStatus$('3f2b8c1e-9a4d-4e6b-8f0a-1c2d3e4f5a6b').subscribe(console.log);
    `);
    const bundled = Object.values(meta.outputs).flatMap((o) => Object.keys(o.inputs));
    expect(bundled).toContain('node_modules/factpulse-rx/dist/esm/browser/fetch.js');
    expect(bundled.filter((p) => /node_modules\/(cross-fetch|node-fetch)\//.test(p))).toEqual([]);
  });

  it('lets a bundler drop every module an app does not use (sideEffects: false reaches the built files)', async () => {
    const meta = await bundle(`
      import { hintTaskId } from 'factpulse-rx';
      console.log(hintTaskId({ taskId: 'x' }));
    `);
    // The entry chunk; esbuild's code splitting also keeps the target of the transport's lazy
    // `import('cross-fetch')` (the three-line browser fetch), which nothing here loads.
    const kept = Object.values(meta.outputs)
      .filter((o) => o.entryPoint !== undefined)
      .flatMap((o) => Object.entries(o.inputs))
      .filter(([path, input]) => path.includes('node_modules/factpulse-rx/') && input.bytesInOutput > 0)
      .map(([path]) => path.replace(/^.*\/dist\/esm\//, ''))
      .filter((path) => path !== 'browser/fetch.js');
    expect(kept).toEqual(['client/hint-task-id.js']);
  });

  it('keeps the Angular entry point free of CommonJS and of cross-fetch', async () => {
    const meta = await bundle(`
      import { provideFactPulseTasks, taskStatus } from 'factpulse-rx/angular';
      console.log(provideFactPulseTasks, taskStatus);
    `);
    const inputs = packageInputs(meta);
    expect(inputs.some((p) => p.includes('node_modules/factpulse-rx/dist/esm/adapters/angular/'))).toBe(true);
    expect(inputs.filter((p) => meta.inputs[p]!.format === 'cjs')).toEqual([]);
    expect(Object.values(meta.outputs).flatMap((o) => Object.keys(o.inputs)).filter((p) => /node_modules\/cross-fetch\//.test(p))).toEqual([]);
  });
});
