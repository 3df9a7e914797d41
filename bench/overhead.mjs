// The library's own CPU per poll, without the network: `taskStatus$` and the client through a
// transport that answers at once (bench/overhead-child.cjs), each measurement in a fresh process,
// builds alternated round by round. What the HTTP scale runs cannot show on a shared VM, where a
// poll's ~300–600 µs of HTTP varies by ±10 % between rounds. Usage:
//   npm run build && node bench/overhead.mjs [--before=<dist>] [--rounds=5]
import { execFileSync } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median } from './harness.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const arg = (name, fallback) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback;
const rounds = Number(arg('rounds', 5));
const builds = { after: resolve(arg('dist', resolve(here, '../dist'))), ...(arg('before') ? { before: resolve(arg('before')) } : {}) };
const cases = Object.keys(builds).flatMap((build) => ['status', 'client'].map((mode) => ({ build, mode })));
const results = new Map(cases.map((c) => [`${c.mode}@${c.build}`, []]));
for (let round = 0; round < rounds; round++) {
  for (const c of round % 2 === 0 ? cases : [...cases].reverse()) {
    const out = execFileSync(process.execPath, [resolve(here, 'overhead-child.cjs'), builds[c.build], c.mode], { encoding: 'utf8' });
    results.get(`${c.mode}@${c.build}`).push(JSON.parse(out).cpuUsPerPoll);
  }
}
console.log(`library CPU per poll without HTTP (median of ${rounds} rounds, each the median of 5 runs of 20 000 polls)`);
for (const [key, values] of results) console.log(`${key.padEnd(14)} ${median(values).toFixed(1)} µs   (${values.map((v) => v.toFixed(1)).join(' ')})`);
