// Decode: one SUCCESS payload whose result.content_b64 is `length` base64 characters (10 MB in
// the full run), ms per decode. Runs in its own process (forked by bench/run.mjs):
//   in memory — the floor `JSON.parse(text)` + `Buffer.from(b64, 'base64')` against the whole
//     factpulse-rx pipeline (`taskStatus$` with a transport that JSON.parses the same text, then
//     the io-ts codecs, the base64 check and decode, the transition);
//   over loopback HTTP — the floor `fetch` + `res.json()` + `Buffer.from` against `taskStatus$`
//     with its default HTTP client and with Node's global fetch (the body read, size-checked,
//     parsed and decoded by the library).
// Variants alternate; each is run `iterations` times per round after one warm-up; medians.
import { pathToFileURL } from 'node:url';
import { randomBytes } from 'node:crypto';
import { startServer, median } from './harness.mjs';

const job = JSON.parse(process.argv[2]);
const lib = await import(pathToFileURL(`${job.dist}/esm/index.js`).href);
const { lastValueFrom, of } = await import('rxjs');
const { taskStatus$ } = lib;
const ID = '00000000-0000-4000-8000-00000000d0de';

const b64 = randomBytes((job.length / 4) * 3).toString('base64');
const text = JSON.stringify({ task_id: ID, status: 'SUCCESS', result: { status: 'SUCCESS', content_b64: b64, message: 'ok' } });

const server = await startServer({ startedAt: 1, successAt: 1, contentLength: job.length });
const url = `${server.base}/api/v1/processing/tasks/${ID}/status`;

const check = (bytes) => {
  if (bytes.byteLength !== (job.length / 4) * 3) throw new Error(`decoded ${bytes.byteLength} bytes`);
};
const succeeded = async (obs) => {
  const t = await lastValueFrom(obs);
  if (t.to !== 'succeeded') throw new Error(`ended ${t.to}`);
  check(t.state.content);
};

const variants = {
  'floor: JSON.parse + Buffer.from': async () => {
    const body = JSON.parse(text);
    check(Buffer.from(body.result.content_b64, 'base64'));
  },
  'factpulse-rx pipeline (in memory)': () =>
    succeeded(
      taskStatus$(ID, {
        baseUrl: 'http://127.0.0.1:1',
        transport: () => of({ status: 200, headers: { 'content-type': 'application/json' }, body: JSON.parse(text) }),
      }),
    ),
  'floor over HTTP: fetch + res.json() + Buffer.from': async () => {
    const res = await fetch(url, { headers: { accept: 'application/json' } });
    const body = await res.json();
    check(Buffer.from(body.result.content_b64, 'base64'));
  },
  'factpulse-rx over HTTP, default client': () => succeeded(taskStatus$(ID, { baseUrl: server.base })),
  'factpulse-rx over HTTP, global fetch': () => succeeded(taskStatus$(ID, { baseUrl: server.base, fetch: globalThis.fetch })),
};

const times = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
for (const f of Object.values(variants)) await f(); // warm-up
for (let round = 0; round < job.rounds; round++) {
  for (const [name, f] of Object.entries(variants)) {
    for (let i = 0; i < job.iterations; i++) {
      globalThis.gc?.();
      const t0 = performance.now();
      await f();
      times[name].push(performance.now() - t0);
    }
  }
}
await server.stop();
const result = Object.entries(times).map(([name, ms]) => ({ name, ms: median(ms), min: Math.min(...ms), samples: ms.length }));
process.send({ type: 'result', result: { length: job.length, bodyBytes: Buffer.byteLength(text), variants: result } });
setTimeout(() => process.exit(0), 50);
