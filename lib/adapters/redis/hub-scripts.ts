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
 * @internal A follower's step. KEYS: lease, transitions, candidates, offer. ARGV: owner, leaseMs,
 * afterId, acquire ('1' to try to take the lease, '0' to read only), hub, load, graceMs, ttlMs. Returns `{ lease, entries }`: lease -1 = held by `owner`
 * now, -3 = not asked, -4 = the task is over (no lease taken), else the ms to wait before asking
 * again (the current lease's time left, or the grace given to a process that polls fewer tasks);
 * entries = the transitions after `afterId` (only the latest when `afterId` is '').
 *
 * The rule for a free lease: every process that asks records its load (the tasks it polls) in
 * the task's candidates; when a candidate polls fewer tasks than the asker, the lease is offered
 * to it first (for `graceMs`), then goes to whoever asks.
 */
export const FOLLOW = script(
  'follow',
  4,
  `
local entries = since(KEYS[2], ARGV[3], true)
local lease = -3
if ARGV[4] == '1' then
  redis.call('ZADD', KEYS[3], ARGV[6], ARGV[5])
  redis.call('PEXPIRE', KEYS[3], ARGV[8])
  local holder = redis.call('GET', KEYS[1])
  if terminal(latest(KEYS[2])) then
    lease = -4
  elseif holder == ARGV[1] then
    redis.call('PEXPIRE', KEYS[1], ARGV[2])
    lease = -1
  elseif holder then
    lease = redis.call('PTTL', KEYS[1])
  else
    local grace = tonumber(ARGV[7])
    local wait = 0
    local best = redis.call('ZRANGE', KEYS[3], 0, 0, 'WITHSCORES')
    if best[1] ~= nil and best[1] ~= ARGV[5] and tonumber(best[2]) < tonumber(ARGV[6]) then
      local offered = redis.call('GET', KEYS[4])
      if not offered then
        redis.call('SET', KEYS[4], best[1], 'PX', 2 * grace)
        wait = grace
      elseif offered ~= ARGV[5] then
        wait = redis.call('PTTL', KEYS[4]) - grace
      end
    end
    if wait > 0 then
      lease = wait
    elseif redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
      redis.call('DEL', KEYS[4])
      lease = -1
    else
      lease = redis.call('PTTL', KEYS[1])
    end
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
 * lease, transitions, candidates, offer. ARGV: owner, leaseMs, ttlMs, hub, load, handoff ('1':
 * the hub polls more than its share), graceMs, channel. Returns 1, 0 when the lease is lost, or 2
 * when it was handed over: another candidate polls at least two tasks fewer, so the lease is
 * released and offered to it first (followers hear `r`). Records the poller's load.
 */
export const RENEW = script(
  'renew',
  4,
  `
redis.call('ZADD', KEYS[3], ARGV[5], ARGV[4])
redis.call('PEXPIRE', KEYS[3], ARGV[3])
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
if ARGV[6] == '1' then
  local low = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', '(' .. (tonumber(ARGV[5]) - 1), 'WITHSCORES', 'LIMIT', 0, 2)
  for i = 1, #low, 2 do
    if low[i] ~= ARGV[4] then
      redis.call('DEL', KEYS[1])
      redis.call('SET', KEYS[4], low[i], 'PX', 2 * tonumber(ARGV[7]))
      redis.call('PUBLISH', ARGV[8], 'r')
      return 2
    end
  end
end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
redis.call('PEXPIRE', KEYS[2], ARGV[3])
return 1`,
);

/**
 * @internal Releases the lease if `owner` holds it and tells the followers (`r`), so one of them
 * takes over at once; removes `hub` from the candidates when `leave` is '1'. KEYS: lease,
 * candidates. ARGV: owner, channel, hub, leave. Returns 1 when released.
 */
export const RELEASE = script(
  'release',
  2,
  `
if ARGV[4] == '1' then redis.call('ZREM', KEYS[2], ARGV[3]) end
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
redis.call('PUBLISH', ARGV[2], 'r')
return 1`,
);

/**
 * @internal Records a hub's load (the tasks it polls) for the fleet and reads the others'. KEYS:
 * loads (sorted set hub → load), alive (sorted set hub → expiry, in Redis's clock). ARGV: hub,
 * load, ttlMs. Hubs not seen for `ttlMs` are dropped. Returns `{ others, minOther, total }`: the
 * number of other live hubs, the smallest load among them (-1 when none), the fleet's total.
 */
export const LOAD = script(
  'load',
  2,
  `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZADD', KEYS[2], now + tonumber(ARGV[3]), ARGV[1])
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
local gone = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now)
for i = 1, #gone do
  redis.call('ZREM', KEYS[2], gone[i])
  redis.call('ZREM', KEYS[1], gone[i])
end
redis.call('PEXPIRE', KEYS[1], ARGV[3])
redis.call('PEXPIRE', KEYS[2], ARGV[3])
local all = redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')
local others, least, total = 0, -1, 0
for i = 1, #all, 2 do
  total = total + tonumber(all[i + 1])
  if all[i] ~= ARGV[1] then
    others = others + 1
    local load = tonumber(all[i + 1])
    if least < 0 or load < least then least = load end
  end
end
return { others, least, total }`,
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
