// Builds dist/esm (ES modules) and dist/cjs (CommonJS), each with its own declarations, and marks
// each folder with the module type Node should load it as. The build goes to a private folder
// first and replaces dist/ in one rename, so a concurrent build or a running test never sees a
// half-written dist/.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';

const out = `dist.build-${process.pid}`;
const tsc = (args) => execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', ...args], { stdio: 'inherit' });

try {
  tsc(['-p', 'tsconfig.build.json', '--outDir', `${out}/esm`]);
  tsc(['-p', 'tsconfig.build.json', '--module', 'commonjs', '--outDir', `${out}/cjs`]);
  for (const [dir, type] of [[`${out}/esm`, 'module'], [`${out}/cjs`, 'commonjs']]) {
    mkdirSync(dir, { recursive: true });
    writeFileSync(`${dir}/package.json`, JSON.stringify({ type }) + '\n');
  }
  const old = `dist.old-${process.pid}`;
  if (existsSync('dist')) renameSync('dist', old);
  renameSync(out, 'dist');
  rmSync(old, { recursive: true, force: true });
} catch (error) {
  rmSync(out, { recursive: true, force: true });
  throw error;
}
console.log('built dist/esm and dist/cjs');
