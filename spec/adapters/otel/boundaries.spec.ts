/**
 * What `factpulse-rx/otel` promises about the package around it: nothing else imports
 * OpenTelemetry (without it the library costs nothing more), the adapter uses only the public
 * entry point, `@opentelemetry/api` is an optional peer, and the README's metric table names
 * exactly what the adapter records.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { METRICS } from '../../../lib/adapters/otel/telemetry-names.js';

const ROOT = join(__dirname, '../../..');
const filesUnder = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
const importsOf = (file: string): string[] => [...readFileSync(file, 'utf8').matchAll(/^(?:import|export)\b[^;]*?from\s+'([^']+)'/gms)].map((m) => m[1]!);

describe('factpulse-rx/otel boundaries', () => {
  const otelDir = join(ROOT, 'lib/adapters/otel');

  it('is the only module importing OpenTelemetry', () => {
    const offenders = filesUnder(join(ROOT, 'lib'))
      .filter((f) => !f.startsWith(otelDir))
      .filter((f) => importsOf(f).some((i) => i.startsWith('@opentelemetry/')) || /require\(['"]@opentelemetry/.test(readFileSync(f, 'utf8')));
    expect(offenders.map((f) => relative(ROOT, f))).toEqual([]);
  });

  it('imports only the package’s public entry point, rxjs, @opentelemetry/api and its own files', () => {
    const files = filesUnder(otelDir);
    expect(files.length).toBeGreaterThan(1);
    const allowed = (i: string): boolean => i === '../../index.js' || i === 'rxjs' || i === '@opentelemetry/api' || /^\.\/[\w-]+\.js$/.test(i);
    const found = files.flatMap((f) => importsOf(f).filter((i) => !allowed(i)).map((i) => `${relative(ROOT, f)}: ${i}`));
    expect(found).toEqual([]);
  });

  it('is an entry point with @opentelemetry/api as an optional peer dependency', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    expect(pkg.exports['./otel'].import.default).toBe('./dist/esm/adapters/otel/index.js');
    expect(pkg.exports['./otel'].require.default).toBe('./dist/cjs/adapters/otel/index.js');
    expect(pkg.typesVersions['*'].otel).toEqual(['./dist/cjs/adapters/otel/index.d.ts']);
    expect(pkg.peerDependencies['@opentelemetry/api']).toMatch(/^\^1\./);
    expect(pkg.peerDependenciesMeta['@opentelemetry/api']).toEqual({ optional: true });
    expect(pkg.dependencies['@opentelemetry/api']).toBeUndefined();
  });

  it('documents exactly the metrics it records (README, Observability)', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const start = readme.indexOf('## Observability');
    const section = readme.slice(start, readme.indexOf('\n## ', start + 1));
    const documented = [...section.matchAll(/^\| `([\w.]+)` \| (?:histogram|counter|observable)/gm)].map((m) => m[1]);
    expect([...documented].sort()).toEqual(Object.values(METRICS).sort());
  });
});
