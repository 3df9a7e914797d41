import { request } from 'node:http';

/** A response as the simulator specs look at it. */
export interface JsonResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly text: string;
  /** The parsed body, or `undefined` when it is not JSON. */
  readonly body: unknown;
}

/**
 * Sends one request with a fresh connection (`agent: false`, so no socket outlives the test)
 * and reads the whole response. Rejects on a network error (e.g. a reset).
 */
export function httpJson(
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: unknown; token?: string } = {},
): Promise<JsonResponse> {
  return new Promise((resolve, reject) => {
    const payload = init.body === undefined ? undefined : typeof init.body === 'string' ? init.body : JSON.stringify(init.body);
    const headers: Record<string, string> = { accept: 'application/json', ...init.headers };
    if (payload !== undefined) headers['content-type'] = 'application/json';
    if (init.token !== undefined) headers['authorization'] = `Bearer ${init.token}`;
    const req = request(url, { method: init.method ?? (payload === undefined ? 'GET' : 'POST'), headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let body: unknown;
        try {
          body = JSON.parse(text);
        } catch {
          body = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, body });
      });
    });
    req.on('error', reject);
    req.end(payload);
  });
}

/** Resolves after `ms` real milliseconds. */
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
