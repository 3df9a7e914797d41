import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * The file extension fitting a task's content: from its first bytes (`%PDF` → `pdf`, `PK` →
 * `zip`, `<?xml`/`<` → `xml`, `{`/`[` → `json`), else from a `filename` the result carries,
 * else `bin`.
 *
 * @example
 * ```ts
 * contentExtension(new TextEncoder().encode('%PDF-1.4'), {}) // 'pdf'
 * ```
 */
export function contentExtension(content: Uint8Array, result: unknown): string {
  const head = Buffer.from(content.subarray(0, 8)).toString('latin1');
  if (head.startsWith('%PDF')) return 'pdf';
  if (head.startsWith('PK\x03\x04')) return 'zip';
  const trimmed = head.trimStart();
  if (trimmed.startsWith('<')) return 'xml';
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) return 'json';
  const filename = typeof result === 'object' && result !== null ? (result as { filename?: unknown }).filename : undefined;
  const ext = typeof filename === 'string' ? /\.([A-Za-z0-9]{1,8})$/.exec(filename)?.[1] : undefined;
  return ext?.toLowerCase() ?? 'bin';
}

/**
 * Writes a succeeded task's content to `dir/<taskId>.<ext>` (the directory is created; the file
 * appears whole or not at all) and returns the path. The task id is a validated UUID, so it is a
 * safe file name.
 *
 * @example
 * ```ts
 * await writeTaskContent('out', taskId, pdfBytes, result) // 'out/3fa85f64-….pdf'
 * ```
 */
export async function writeTaskContent(dir: string, taskId: string, content: Uint8Array, result: unknown): Promise<string> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, `${taskId}.${contentExtension(content, result)}`);
  const partial = `${path}.partial`;
  await writeFile(partial, content);
  await rename(partial, path);
  return path;
}
