/**
 * Formats a byte count for people: `812 B`, `12.3 KB`, `4.1 MB`.
 *
 * @example
 * ```ts
 * formatBytes(12_345) // '12.1 KB'
 * ```
 */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/**
 * Formats a short wait for people: `150 ms` below a second, else as {@link formatElapsed}.
 *
 * @example
 * ```ts
 * formatDelay(150) // '150 ms'
 * ```
 */
export function formatDelay(ms: number): string {
  return ms < 1000 ? `${Math.max(0, Math.round(ms))} ms` : formatElapsed(ms);
}

/**
 * Formats elapsed ms for people: `0.4s`, `12.3s`, `2m05s`.
 *
 * @example
 * ```ts
 * formatElapsed(125_000) // '2m05s'
 * ```
 */
export function formatElapsed(ms: number): string {
  const safe = Math.max(0, ms);
  if (safe < 60_000) return `${(safe / 1000).toFixed(1)}s`;
  const minutes = Math.floor(safe / 60_000);
  return `${minutes}m${String(Math.floor((safe % 60_000) / 1000)).padStart(2, '0')}s`;
}
