// Builds dist/esm (ES modules) and dist/cjs (CommonJS), each with its own declarations, and marks
// each folder with the module type Node should load it as. The build goes to a private folder
// first and replaces dist/ in one rename, so a concurrent build or a running test never sees a
// half-written dist/.
//
// - The command (lib/cli) is compiled once, into dist/cjs (bin/factpulse-rx.cjs requires it); no
//   entry point of the ESM build reaches it.
// - Source maps carry their sources (`inlineSources`); declaration maps are not shipped (they
//   would point at .ts files the package does not contain).
// - The ESM build imports only ES modules: fp-ts 2.16 has no exports map, its `fp-ts/lib/*`
//   files are CommonJS and its `fp-ts/es6/*` files cannot be imported by Node (no "type":
//   "module"). The sources import `fp-ts/lib/X.js` (what CommonJS loads fastest); in dist/esm each
//   such import becomes an import of the package root, `fp-ts`, which Node resolves to its
//   CommonJS main and bundlers to its ES `module` build (tree-shaken: fp-ts has no side effects).
//
// - For browser bundles, package.json's "browser" field replaces `cross-fetch` (imported lazily, by
//   the default transport only) with dist/esm/browser/fetch.js, the browser's own fetch —
//   what cross-fetch's browser build hands out anyway — so no bundle ever contains cross-fetch's
//   CommonJS ponyfill, not even as a lazy chunk (Angular warns about CommonJS in any chunk).
//
// `node .ci/build.mjs --if-stale` builds only when dist/ is missing or older than the sources
// (what `npm start` runs first).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Written last by a build: its age is the build's. */
const STAMP = 'dist/cjs/package.json';

/** Newest modification time of the files under `dir` (recursively). */
function newest(dir) {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return latest;
}

if (process.argv.includes('--if-stale') && existsSync(STAMP)) {
  const inputs = Math.max(newest('lib'), ...['tsconfig.json', 'tsconfig.build.json', '.ci/build.mjs'].map((f) => statSync(f).mtimeMs));
  if (statSync(STAMP).mtimeMs >= inputs) process.exit(0);
}

const out = `dist.build-${process.pid}`;
const tsc = (args) => execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', ...args], { stdio: 'inherit' });

/** `fp-ts/lib/ReadonlyArray.js` → the name fp-ts's root module exports it under (`readonlyArray`). */
const rootName = (module) => module[0].toLowerCase() + module.slice(1);

/**
 * Rewrites one ESM file's fp-ts imports to the package root, on the same line (source maps keep
 * their lines). Throws on an fp-ts import it does not recognise, so none slips through.
 */
export function rewriteFpTs(code, file) {
  return code.replace(/^import (.+?) from ['"]fp-ts\/(?:lib|es6)\/([A-Za-z]+)(?:\.js)?['"];$/gm, (line, clause, module) => {
    const name = rootName(module);
    const star = /^\* as ([\w$]+)$/.exec(clause);
    if (star) return `import { ${name} as ${star[1]} } from 'fp-ts';`;
    const named = /^\{([^}]*)\}$/.exec(clause);
    if (named) {
      const local = `fp_ts_${name}`;
      const bindings = named[1].split(',').map((s) => s.trim()).filter(Boolean).map((s) => s.replace(/\s+as\s+/, ': ')).join(', ');
      return `import { ${name} as ${local} } from 'fp-ts'; const { ${bindings} } = ${local};`;
    }
    throw new Error(`${file}: cannot rewrite ${line}`);
  });
}

function rewriteEsm(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) rewriteEsm(path);
    else if (entry.name.endsWith('.js')) {
      const code = readFileSync(path, 'utf8');
      const rewritten = rewriteFpTs(code, path);
      if (/from ['"]fp-ts\//.test(rewritten)) throw new Error(`${path}: an fp-ts subpath import is left`);
      if (rewritten !== code) writeFileSync(path, rewritten);
    }
  }
}

/** What browser bundles get for `cross-fetch` (package.json "browser"). */
const BROWSER_FETCH = `// factpulse-rx: what browser bundles get for \`cross-fetch\` (package.json "browser"): the
// browser's own fetch, looked up when called (so a test may replace it).
const fetch = (input, init) => globalThis.fetch(input, init);
export { fetch };
export default fetch;
`;

const isMain = process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href;

if (isMain) {
  try {
    // ESM: the library's entry points (not the command); type-checked here, once.
    tsc(['-p', 'tsconfig.build.json', '--outDir', `${out}/esm`]);
    rewriteEsm(`${out}/esm`);
    // CJS: the same, plus the command.
    tsc(['-p', 'tsconfig.build.cjs.json', '--noCheck', '--outDir', `${out}/cjs`]);
    mkdirSync(`${out}/esm/browser`, { recursive: true });
    writeFileSync(`${out}/esm/browser/fetch.js`, BROWSER_FETCH);
    // Each format's own package.json is the nearest one a bundler reads for these files: it must
    // repeat the root's `sideEffects: false`, or every module counts as having side effects and
    // an app that imports one function gets every module the barrel names.
    for (const [dir, type] of [[`${out}/esm`, 'module'], [`${out}/cjs`, 'commonjs']]) {
      mkdirSync(dir, { recursive: true });
      writeFileSync(`${dir}/package.json`, JSON.stringify({ type, sideEffects: false }) + '\n');
    }
    const old = `dist.old-${process.pid}`;
    if (existsSync('dist')) renameSync('dist', old);
    renameSync(out, 'dist');
    rmSync(old, { recursive: true, force: true });
  } catch (error) {
    rmSync(out, { recursive: true, force: true });
    throw error;
  }
  console.error('built dist/esm and dist/cjs'); // stderr: `npm pack --json` keeps stdout
}
