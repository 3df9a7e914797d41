/**
 * @internal The Redis names of one task. Every key carries the task id as a hash tag (`{…}`), so a
 * task's keys share a Redis Cluster slot and one script may touch them together.
 */
export interface HubKeys {
  /** String: the owner id of the process polling the task, with a TTL of `leaseMs`. */
  readonly lease: string;
  /** Stream: the task's transitions in order (fields `p` phase, `f` from, `t` JSON, `c` base64 content). */
  readonly transitions: string;
  /** Pub/sub channel: `p` after each new transition, `r` when the lease is released. */
  readonly channel: string;
  /** Sorted set: the hubs that follow the task, scored by the number of tasks each polls. */
  readonly candidates: string;
  /** String: the hub a free lease is offered to first (it polls fewer tasks), for a grace. */
  readonly offer: string;
}

/** @internal The names of `taskId`'s keys under `prefix` (ids are compared lower-case). */
export function hubKeys(prefix: string, taskId: string): HubKeys {
  const tag = `${prefix}{${taskId.toLowerCase()}}`;
  return { lease: `${tag}:lease`, transitions: `${tag}:transitions`, channel: `${tag}:notify`, candidates: `${tag}:candidates`, offer: `${tag}:offer` };
}

/** @internal The fleet's keys under `prefix` (one cluster slot): hub loads, and when each was last seen. */
export function fleetKeys(prefix: string): { readonly loads: string; readonly alive: string } {
  return { loads: `${prefix}{fleet}:loads`, alive: `${prefix}{fleet}:alive` };
}

/** @internal The channel that carries hints (task ids) between processes. */
export function hintsChannel(prefix: string): string {
  return `${prefix}hints`;
}
