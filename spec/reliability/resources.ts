/**
 * Counting what keeps a process alive, for the leak tests.
 *
 * `process.getActiveResourcesInfo()` lists referenced handles and requests (`Timeout`,
 * `TCPSocketWrap`, …). Idle sockets pooled by the shared keep-alive agent are unreferenced, so
 * they do not show up there (they cannot keep the process alive), but they must not be *active*
 * either: {@link activeAgentSockets} counts the agent's sockets that carry a request and the
 * requests waiting for one. The servers under test run in the same process, so their idle
 * keep-alive connections are closed (`closeIdleConnections`) before counting; a connection still
 * carrying a request stays open and is counted.
 */
import type { Agent } from 'node:http';
import { keepAliveAgent } from '../../lib/http/keep-alive.js';

/** A count per resource type. */
export type ResourceCounts = Record<string, number>;

/** The active resources of this process, counted by type. */
export function resourceCounts(): ResourceCounts {
  const counts: ResourceCounts = {};
  for (const type of process.getActiveResourcesInfo()) counts[type] = (counts[type] ?? 0) + 1;
  return counts;
}

/** Types whose count grew from `before` to `after`, with the growth. */
export function grown(before: ResourceCounts, after: ResourceCounts): ResourceCounts {
  const out: ResourceCounts = {};
  for (const [type, n] of Object.entries(after)) {
    const d = n - (before[type] ?? 0);
    if (d > 0) out[type] = d;
  }
  return out;
}

function countValues(record: Readonly<Record<string, readonly unknown[] | undefined>>): number {
  let n = 0;
  for (const list of Object.values(record)) n += list?.length ?? 0;
  return n;
}

/** Sockets of the shared http agent carrying a request, plus requests queued for a socket. */
export function activeAgentSockets(): { active: number; queued: number; idle: number } {
  const agent = keepAliveAgent({ protocol: 'http:' }) as Agent | undefined;
  if (agent === undefined) return { active: 0, queued: 0, idle: 0 };
  return { active: countValues(agent.sockets), queued: countValues(agent.requests), idle: countValues(agent.freeSockets) };
}

/** Lets pending I/O and promise jobs run: a bounded number of event-loop turns. */
export async function settle(turns = 20): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise((resolve) => setImmediate(resolve));
}

/**
 * Polls until `done()` or `timeoutMs` (in 10 ms steps), then returns whether it became true.
 * For things that end asynchronously (sockets closing).
 */
export async function eventually(done: () => boolean, timeoutMs = 3_000): Promise<boolean> {
  const until = performance.now() + timeoutMs;
  while (!done()) {
    if (performance.now() > until) return false;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return true;
}
