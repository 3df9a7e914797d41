// Builds dist/esm (ES modules) and dist/cjs (CommonJS), each with its own declarations, and marks
// each folder with the module type Node should load it as.
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';

const tsc = (args) => execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', ...args], { stdio: 'inherit' });

rmSync('dist', { recursive: true, force: true });
tsc(['-p', 'tsconfig.build.json']);
tsc(['-p', 'tsconfig.build.json', '--module', 'commonjs', '--outDir', 'dist/cjs']);
for (const [dir, type] of [['dist/esm', 'module'], ['dist/cjs', 'commonjs']]) {
  mkdirSync(dir, { recursive: true });
  writeFileSync(`${dir}/package.json`, JSON.stringify({ type }) + '\n');
}
console.log('built dist/esm and dist/cjs');
