import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

/** @internal A Lua script and its SHA-1, run with EVALSHA (EVAL once when Redis has not seen it). */
export interface LuaScript {
  readonly name: string;
  readonly keys: number;
  readonly source: string;
  readonly sha: string;
}

function script(name: string, keys: number, body: string): LuaScript {
  const source = `${PRELUDE}\n${body}`;
  return { name, keys, source, sha: createHash('sha1').update(source).digest('hex') };
}

// Shared helpers: the phase of a stream entry, terminal phases, and the entries after an id.
const PRELUDE = `
local function field(flat, name)
  for i = 1, #flat, 2 do if flat[i] == name then return flat[i + 1] end end
  return nil
end
local function terminal(p) return p == 'succeeded' or p == 'rejected' or p == 'failed' end
local function latest(stream)
  local last = redis.call('XREVRANGE', stream, '+', '-', 'COUNT', 1)
  if #last == 0 then return '' end
  return field(last[1][2], 'p') or ''
end
local function since(stream, after, onlyLatest)
  if after == '' then
    if onlyLatest then return redis.call('XREVRANGE', stream, '+', '-', 'COUNT', 1) end
    return redis.call('XRANGE', stream, '-', '+')
  end
  return redis.call('XRANGE', stream, '(' .. after, '+')
end`;

/**
 * @internal A follower's step. KEYS: lease, transitions. ARGV: owner, leaseMs, afterId, acquire
 * ('1' to try to take the lease). Returns `{ lease, entries }`: lease -1 = held by `owner` now,
 * -3 = not asked, -4 = the task is over (no lease taken), else the ms the current lease has left;
 * entries = the transitions after `afterId` (only the latest when `afterId` is '').
 */
export const FOLLOW = script(
  'follow',
  2,
  `
local entries = since(KEYS[2], ARGV[3], true)
local lease = -3
if ARGV[4] == '1' then
  if terminal(latest(KEYS[2])) then
    lease = -4
  elseif redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
    lease = -1
  elseif redis.call('GET', KEYS[1]) == ARGV[1] then
    redis.call('PEXPIRE', KEYS[1], ARGV[2])
    lease = -1
  else
    lease = redis.call('PTTL', KEYS[1])
  end
end
return { lease, entries }`,
);

/**
 * @internal The poller's publication of one transition, fenced by the lease. KEYS: lease,
 * transitions. ARGV: owner, phase, json, content (base64 or ''), terminal ('1'|'0'), ttlMs,
 * maxLen, channel, afterId. Returns `{ code, entries }`: code 0 = the lease is not `owner`'s
 * (nothing written), 1 = appended, 2 = same phase as the latest (nothing written), 3 = the task is
 * already over; entries = the transitions after `afterId`. A terminal transition deletes the
 * lease. Subscribers of the channel get `p`.
 */
export const PUBLISH = script(
  'publish',
  2,
  `
local code = 0
if redis.call('GET', KEYS[1]) == ARGV[1] then
  local prev = latest(KEYS[2])
  if terminal(prev) then
    code = 3
  elseif prev == ARGV[2] then
    code = 2
  else
    if ARGV[4] == '' then
      redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[7], '*', 'p', ARGV[2], 'f', prev, 't', ARGV[3])
    else
      redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[7], '*', 'p', ARGV[2], 'f', prev, 't', ARGV[3], 'c', ARGV[4])
    end
    redis.call('PEXPIRE', KEYS[2], ARGV[6])
    if ARGV[5] == '1' then redis.call('DEL', KEYS[1]) end
    redis.call('PUBLISH', ARGV[8], 'p')
    code = 1
  end
end
return { code, since(KEYS[2], ARGV[9], false) }`,
);

/**
 * @internal Renews the lease while `owner` holds it, and the transitions' TTL with it. KEYS:
 * lease, transitions. ARGV: owner, leaseMs, ttlMs. Returns 1, or 0 when the lease is lost.
 */
export const RENEW = script(
  'renew',
  2,
  `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
redis.call('PEXPIRE', KEYS[2], ARGV[3])
return 1`,
);

/**
 * @internal Releases the lease if `owner` holds it and tells the followers (`r`), so one of them
 * takes over at once. KEYS: lease. ARGV: owner, channel. Returns 1 when released.
 */
export const RELEASE = script(
  'release',
  1,
  `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
redis.call('PUBLISH', ARGV[2], 'r')
return 1`,
);

/** @internal Runs `lua` with EVALSHA, falling back to EVAL when the script is not cached. */
export async function runScript(redis: Redis, lua: LuaScript, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
  try {
    return await redis.evalsha(lua.sha, lua.keys, ...keys, ...args);
  } catch (error) {
    if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
    return redis.eval(lua.source, lua.keys, ...keys, ...args);
  }
}
