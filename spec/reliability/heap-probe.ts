/**
 * The heap probe: runs rounds of polls (with retried faults) and of streams aborted mid-request
 * against a fault server, and samples the heap after a full GC at the end of each round. Run in
 * a child process with `--expose-gc` by `leaks.spec.ts` (through `heap-probe.cjs`).
 */
import { Subscription, lastValueFrom, toArray } from 'rxjs';
import { destroyKeepAliveAgents } from '../../lib/http/keep-alive.js';
import { createTaskClient } from '../../lib/task-client.js';
import { taskStatus$ } from '../../lib/task-status.js';
import { reply, startFaultServer } from '../helpers/fault-server.js';
import { pollingReply } from './replies.js';
import { fastOptions, taskId } from './run-stream.js';

/** What the probe reports. */
export interface HeapReport {
  /** heapUsed after a full GC, at the end of each round, in bytes. */
  readonly samples: number[];
  /** Requests answered in all. */
  readonly polls: number;
  /** Streams unsubscribed while their request was in flight. */
  readonly aborted: number;
}

/** Rounds (HEAP_PROBE_ROUNDS overrides it, e.g. 60 for a long look at the curve). */
const ROUNDS = Number(process.env['HEAP_PROBE_ROUNDS'] ?? 10);
const TASKS = 80;
const POLLS = 6;
const ABORTED = 100;

/** Runs the rounds and returns the samples. Needs `--expose-gc`. */
export async function probeHeap(): Promise<HeapReport> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('heap probe: run node with --expose-gc');
  const server = await startFaultServer();
  // Generous timeout and retries: this probe measures the heap, and a loaded machine can stall a
  // process for seconds (a spurious timeout would otherwise fail a task).
  const options = fastOptions(server.url, {
    interval: 0,
    requestTimeout: 30_000,
    retry: { initialInterval: 1, maxInterval: 5, maxRetries: 10, jitter: 'none' },
  });
  const client = createTaskClient({ ...options, maxConcurrent: 64, cacheSize: 20, retryBudget: false, pauseWhenHidden: false });
  const samples: number[] = [];
  let polls = 0;
  let aborted = 0;
  try {
    for (let round = 0; round < ROUNDS; round++) {
      const counts = new Map<string, number>();
      server.script(...Array.from({ length: TASKS * POLLS }, () => pollingReply(POLLS, counts, { 2: '503', 4: 'reset' })));
      const runs = Array.from({ length: TASKS }, (_, i) => {
        const id = taskId(round * 10_000 + i);
        return lastValueFrom((i % 2 === 0 ? taskStatus$(id, options) : client.status$(id)).pipe(toArray()));
      });
      const settled = await Promise.allSettled(runs);
      if (server.unexpected.length > 0) {
        const over = [...counts].filter(([, n]) => n > POLLS).map(([id]) => id);
        const seen = over.map((id) => `${id}: ${server.requests.filter((r) => r.taskId === id).map((r) => `${r.reply}@${r.at.toFixed(1)}`).join(', ')}`);
        throw new Error(`heap probe: ${server.unexpected.length} unscripted request(s); tasks over ${POLLS} requests: ${seen.join(' | ')}`);
      }
      const results = settled.map((r) => {
        if (r.status === 'rejected') throw r.reason;
        return r.value;
      });
      for (const transitions of results) {
        if (transitions[transitions.length - 1]?.to !== 'succeeded') throw new Error(`heap probe: a task did not succeed: ${JSON.stringify(transitions)}`);
      }
      polls += server.requests.length;
      server.verify({ allUsed: true });
      server.reset();

      server.script(...Array.from({ length: ABORTED }, () => reply.hang()));
      const subscription = new Subscription();
      for (let i = 0; i < ABORTED; i++) {
        const id = taskId(round * 10_000 + 5_000 + i);
        subscription.add((i % 2 === 0 ? taskStatus$(id, options) : client.status$(id)).subscribe({ error: () => undefined }));
      }
      await server.waitForRequests(ABORTED, 10_000);
      subscription.unsubscribe();
      aborted += ABORTED;
      await server.waitForIdle(10_000);
      server.reset();

      await new Promise((resolve) => setTimeout(resolve, 20));
      gc();
      gc();
      samples.push(process.memoryUsage().heapUsed);
    }
  } finally {
    client.dispose();
    await server.close();
    destroyKeepAliveAgents();
  }
  return { samples, polls, aborted };
}
