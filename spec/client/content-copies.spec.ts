import { NEVER, concat, firstValueFrom, lastValueFrom, of, toArray, type Subscription } from 'rxjs';
import { createTaskClient } from '../../lib/task-client.js';
import type { Transport } from '../../lib/http/transport.js';
import type { TaskTransition } from '../../lib/transitions.js';
import { status } from '../helpers/marble-transport.js';

// Issue 13, item 6, client side: content bytes handed to one subscriber of the client's shared
// stream are never the memory of another's: a subscriber that zero-fills its copy (after saving
// it, as careful code does) cannot blank the PDF of the next subscriber or of the next cache hit.

const A = '7c9e6679-7425-40de-944b-e07fc1f90ae7';
const PDF = Buffer.from('%PDF-1.4 content that must survive');
const transport: Transport = () => of(status(A, 'SUCCESS', { status: 'SUCCESS', content_b64: PDF.toString('base64') }));

const contentOf = (t: TaskTransition | undefined): Uint8Array => {
  if (t?.to !== 'succeeded' || t.state.content === undefined) throw new Error('expected a success with content');
  return t.state.content;
};

describe('content bytes are never shared between subscribers (issue 13, item 6)', () => {
  it('subscribers of one shared loop, the cache and result$ each get their own bytes', async () => {
    const client = createTaskClient({ transport, pauseWhenHidden: false });
    const seen: Uint8Array[] = [];
    // Two subscribers of the same loop: the first zero-fills what it got, synchronously.
    const both = await new Promise<TaskTransition[]>((resolve) => {
      const got: TaskTransition[] = [];
      const done = (): void => {
        if (got.length === 2) resolve(got);
      };
      client.status$(A).subscribe((t) => {
        seen.push(contentOf(t));
        contentOf(t).fill(0);
        got.push(t);
        done();
      });
      client.status$(A).subscribe((t) => {
        got.push(t);
        done();
      });
    });
    expect(Buffer.from(contentOf(both[1]))).toEqual(PDF);

    // Later subscribers are cache hits: still the PDF, whatever the earlier ones did.
    const hit = await lastValueFrom(client.status$(A).pipe(toArray()));
    expect(Buffer.from(contentOf(hit[0]))).toEqual(PDF);
    contentOf(hit[0]).fill(0);
    const result = await firstValueFrom(client.result$(A));
    expect(Buffer.from(result.content!)).toEqual(PDF);
    result.content!.fill(0);
    const again = await firstValueFrom(client.result$(A));
    expect(Buffer.from(again.content!)).toEqual(PDF);

    // None of them shares memory with another.
    const buffers = [seen[0]!, contentOf(both[1]), contentOf(hit[0]), result.content!, again.content!].map((b) => b.buffer);
    expect(new Set(buffers).size).toBe(buffers.length);
    expect(client.stats().requests).toBe(1);
    client.dispose();
  });

  it('a late subscriber of a running loop gets its own copy of the latest success too (share replay)', async () => {
    // A hub that keeps the loop open after the success, so the late subscriber is a replay, not a cache hit.
    const client = createTaskClient({ transport, pauseWhenHidden: false, cacheSize: 0, hub: { follow: (_id, poll$) => concat(poll$, NEVER) } });
    const subs: Subscription[] = [];
    const first = await new Promise<Uint8Array>((resolve) => subs.push(client.status$(A).subscribe((t) => resolve(contentOf(t)))));
    first.fill(0);
    const late = await new Promise<Uint8Array>((resolve) => subs.push(client.status$(A).subscribe((t) => resolve(contentOf(t)))));
    expect(Buffer.from(late)).toEqual(PDF);
    expect(late.buffer).not.toBe(first.buffer);
    expect(client.stats()).toMatchObject({ requests: 1, cacheHits: 0 });
    for (const sub of subs) sub.unsubscribe();
    client.dispose();
  });
});
