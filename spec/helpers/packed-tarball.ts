/**
 * The package as it is published: `npm pack` of the working tree (which builds through
 * `prepack`), made once per content of the sources and cached under
 * node_modules/.cache/factpulse-rx/pack/<hash>/, so that several specs and reruns share it.
 *
 * @internal
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The repository root. */
export const ROOT = resolve(__dirname, '../..');
/** Where the suite keeps what it builds or installs between runs. */
export const CACHE = join(ROOT, 'node_modules/.cache/factpulse-rx');

function hashTree(hash: ReturnType<typeof createHash>, dir: string): void {
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) hashTree(hash, path);
    else hash.update(relative(ROOT, path)).update('\0').update(readFileSync(path)).update('\0');
  }
}

/** A hash of everything that goes into the tarball. */
export function packageHash(): string {
  const hash = createHash('sha256');
  hashTree(hash, join(ROOT, 'lib'));
  hashTree(hash, join(ROOT, 'bin'));
  for (const file of ['package.json', 'README.md', 'tsconfig.json', 'tsconfig.build.json', 'tsconfig.build.cjs.json', '.ci/build.mjs']) {
    hash.update(file).update('\0').update(readFileSync(join(ROOT, file))).update('\0');
  }
  return hash.digest('hex').slice(0, 16);
}

/** Keeps the `keep` most recently modified entries of `dir` (older cached builds go). */
export function prune(dir: string, keep: number): void {
  let entries: { path: string; mtime: number }[];
  try {
    entries = readdirSync(dir)
      .filter((name) => !name.endsWith('.partial'))
      .map((name) => ({ path: join(dir, name), mtime: statSync(join(dir, name)).mtimeMs }));
  } catch {
    return;
  }
  for (const { path } of entries.sort((a, b) => b.mtime - a.mtime).slice(keep)) rmSync(path, { recursive: true, force: true });
}

/** What `npm pack --json` reports of one file. */
export interface PackedFile {
  readonly path: string;
  readonly size: number;
}

/** The tarball and its file list. */
export interface Packed {
  readonly tarball: string;
  readonly files: readonly PackedFile[];
}

/** Packs the working tree (cached by content); resolves to the tarball's path and file list. */
export async function packedTarball(): Promise<Packed> {
  const dir = join(CACHE, 'pack', packageHash());
  const list = join(dir, 'files.json');
  if (!existsSync(list)) {
    const partial = `${dir}.${process.pid}.partial`;
    rmSync(partial, { recursive: true, force: true });
    mkdirSync(partial, { recursive: true });
    try {
      const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', partial], { cwd: ROOT, maxBuffer: 64 << 20, timeout: 180_000 });
      const [report] = JSON.parse(stdout) as [{ filename: string; files: PackedFile[] }];
      writeFileSync(join(partial, 'files.json'), JSON.stringify({ filename: report.filename, files: report.files }));
      try {
        renameSync(partial, dir);
      } catch (error) {
        if (!existsSync(list)) throw error; // another run packed the same content first
      }
      prune(join(CACHE, 'pack'), 4);
    } finally {
      rmSync(partial, { recursive: true, force: true });
    }
  }
  const { filename, files } = JSON.parse(readFileSync(list, 'utf8')) as { filename: string; files: PackedFile[] };
  const tarball = join(dir, filename);
  statSync(tarball);
  return { tarball, files };
}
