import { hubKeys, type HubKeys } from './hub-keys.js';
import { FOLLOW, PUBLISH, RELEASE, RENEW, runScript } from './hub-scripts.js';
import type { RedisLink } from './redis-link.js';

/** @internal One stream entry as Redis returns it: its id and its flat `[field, value, …]` list. */
export type StreamEntry = readonly [string, readonly unknown[]];

/**
 * @internal What a lease step answers: `code` -1 = the lease is this follow's now, -3 = not asked,
 * -4 = the task is over, ≥ 0 = ms to wait before asking again; `entries` = the transitions after
 * the id given.
 */
export interface LeaseReply {
  readonly code: number;
  readonly entries: readonly StreamEntry[];
}

/** @internal What a publication answers: 0 = the lease is not ours, 1 = appended, 2 = same phase, 3 = over. */
export type PublishReply = LeaseReply;

/** @internal How a step asks for the lease: not at all (read the entries only), or ask. */
export type LeaseAsk = 'read' | 'acquire';

/**
 * @internal The shared state of one task as a follow sees it: its lease, its stream of
 * transitions, its channel and its candidates. {@link RedisTaskLease} keeps them in Redis; the
 * follow's virtual-time spec keeps them in memory.
 */
export interface TaskLease {
  /** Subscribes to the task's notifications (`p` new entry, `r` lease released). */
  listen(handler: (message: string) => void): Promise<() => void>;
  /** Reads the entries after `afterId` ('' = the latest only) and, as asked, tries to take the lease. */
  step(afterId: string, ask: LeaseAsk, load: number): Promise<LeaseReply>;
  /** Appends a transition if the lease is this follow's (fenced), and reads the entries after `afterId`. */
  publish(phase: string, json: string, content: string, terminal: boolean, afterId: string): Promise<PublishReply>;
  /**
   * Renews the lease: `held`, `lost` (no longer this relay's), or `handed` (with `handoff`, given
   * to a candidate that polls fewer tasks).
   */
  renew(load: number, handoff: boolean): Promise<'held' | 'lost' | 'handed'>;
  /** Releases the lease if held (the followers hear `r`); `leave` also withdraws the candidacy. */
  release(leave: boolean): Promise<void>;
}

/** Stream entries kept per task (approximately): far more than a task has phases. */
const MAX_ENTRIES = 100;

function parseEntries(value: unknown): StreamEntry[] {
  if (!Array.isArray(value)) return [];
  return value.filter((e): e is StreamEntry => Array.isArray(e) && typeof e[0] === 'string' && Array.isArray(e[1]));
}

/** @internal Reads a script's `{ code, entries }` reply. */
export function parseReply(value: unknown): LeaseReply {
  if (!Array.isArray(value) || typeof value[0] !== 'number') throw new Error('unexpected reply from a hub script');
  return { code: value[0], entries: parseEntries(value[1]) };
}

/** @internal The settings a {@link RedisTaskLease} needs from the hub. */
export interface RedisTaskLeaseSettings {
  readonly keyPrefix: string;
  readonly leaseMs: number;
  readonly terminalTtlMs: number;
  /** ms a free lease is offered to a process that polls fewer tasks. */
  readonly graceMs: number;
  /** The hub's id among the candidates (one per hub). */
  readonly hub: string;
  /** This follow's lease owner id (one per follow). */
  readonly owner: string;
}

/**
 * @internal {@link TaskLease} on Redis: the hub's Lua scripts (`hub-scripts.ts`) on the task's
 * keys (`hub-keys.ts`), each one atomic, every key in the task's cluster slot.
 */
export class RedisTaskLease implements TaskLease {
  private readonly keys: HubKeys;

  constructor(
    private readonly link: RedisLink,
    taskId: string,
    private readonly s: RedisTaskLeaseSettings,
  ) {
    this.keys = hubKeys(s.keyPrefix, taskId);
  }

  listen(handler: (message: string) => void): Promise<() => void> {
    return this.link.listen(this.keys.channel, handler);
  }

  async step(afterId: string, ask: LeaseAsk, load: number): Promise<LeaseReply> {
    const { lease, transitions, candidates, offer } = this.keys;
    const { owner, leaseMs, hub, graceMs, terminalTtlMs } = this.s;
    const flag = ask === 'acquire' ? '1' : '0';
    const reply = await this.link.call((r) =>
      runScript(r, FOLLOW, [lease, transitions, candidates, offer], [owner, leaseMs, afterId, flag, hub, load, graceMs, terminalTtlMs]),
    );
    return parseReply(reply);
  }

  async publish(phase: string, json: string, content: string, terminal: boolean, afterId: string): Promise<PublishReply> {
    const { lease, transitions, channel } = this.keys;
    const reply = await this.link.call((r) =>
      runScript(r, PUBLISH, [lease, transitions], [this.s.owner, phase, json, content, terminal ? '1' : '0', this.s.terminalTtlMs, MAX_ENTRIES, channel, afterId]),
    );
    return parseReply(reply);
  }

  async renew(load: number, handoff: boolean): Promise<'held' | 'lost' | 'handed'> {
    const { lease, transitions, candidates, offer, channel } = this.keys;
    const { owner, leaseMs, terminalTtlMs, hub, graceMs } = this.s;
    const renewed = await this.link.call((r) =>
      runScript(r, RENEW, [lease, transitions, candidates, offer], [owner, leaseMs, terminalTtlMs, hub, load, handoff ? '1' : '0', graceMs, channel]),
    );
    return renewed === 1 ? 'held' : renewed === 2 ? 'handed' : 'lost';
  }

  async release(leave: boolean): Promise<void> {
    const { lease, candidates, channel } = this.keys;
    await this.link.call((r) => runScript(r, RELEASE, [lease, candidates], [this.s.owner, channel, this.s.hub, leave ? '1' : '0']));
  }
}
