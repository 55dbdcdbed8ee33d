// The Lua scripts of the Redis broker for channels, and what all its scripts share (session-scripts.ts has the
// sessions'): each step that must be atomic across nodes is one script, run by Redis alone (Redis 7.0 commands
// only; scripts replicate by effects, so TIME and INFO may be read). Texts they write are described in
// codec.ts. Keys are named in keys.ts.
import { createHash } from 'node:crypto';

/** A script, known to Redis by its SHA-1 once loaded. */
export interface Script {
  readonly name: string;
  readonly source: string;
  readonly sha: string;
}

export const script = (name: string, source: string): Script => ({
  name,
  source,
  sha: createHash('sha1').update(source).digest('hex'),
});

/** Redis's clock, in milliseconds: the one clock every node shares. */
export const NOW = `
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
`;

/**
 * The store's generation: the first 16 hex digits of Redis' run id, new at every start of redis-server — after a
 * restart without data, a restore from an older snapshot, or a failover to a replica (which has a run id of its
 * own). Read inside each script, never passed by a node: a node's cached run id would be stale for the commands
 * it queued during an outage, and those would write the old generation into the new store. (INFO server costs
 * Redis about 10 µs per script, measured against an HGET's 0.5 µs; CHANGELOG.)
 */
export const RUN = `
local function store_run()
  return string.sub(string.match(redis.call('INFO', 'server'), 'run_id:(%x+)'), 1, 16)
end
`;

/**
 * A channel's epoch, for a publication: the one kept, if it was made in this store generation (it starts with the
 * run id); else — none kept, because the channel was never published on, its history was lost or let go, or it
 * was kept from another generation (a restored snapshot) — a new one, with offsets from 0 and no history: offsets
 * of the old epoch never mix with the new one's. Only a publication makes one (RECOVER keeps nothing).
 */
const EPOCH = `
local function epoch_of(meta, hist, fresh, run)
  local epoch = redis.call('HGET', meta, 'e')
  if epoch and string.sub(epoch, 1, 17) == run .. '.' then return epoch end
  redis.call('DEL', meta, hist)
  epoch = run .. '.' .. fresh
  redis.call('HSET', meta, 'e', epoch, 'o', 0, 'b', 0)
  return epoch
end
`;

/** Drops history entries from the oldest while there are too many, too many bytes, or the oldest is too old. */
const TRIM = `
local function trim(meta, hist, max_n, max_b, max_age, now)
  local n = redis.call('LLEN', hist)
  local bytes = n == 0 and 0 or (tonumber(redis.call('HGET', meta, 'b')) or 0)
  while n > 0 do
    local head = redis.call('LINDEX', hist, 0)
    local at = tonumber(string.match(head, '^%[%d+,(%d+),'))
    if n > max_n or bytes > max_b or now - at > max_age then
      redis.call('LPOP', hist)
      bytes = bytes - (#head - string.find(head, '\\n', 1, true))
      n = n - 1
    else
      break
    end
  end
  redis.call('HSET', meta, 'b', bytes)
end
`;

/**
 * KEYS: channel meta, history. ARGV: data, epoch suffix if a new epoch is needed, max messages, max bytes, max
 * age ms, position TTL ms, topic, except (JSON). The next offset, the entry appended, the history trimmed,
 * expiries set, and the publication published — in one step, so every node sees publications in offset order.
 */
export const PUBLISH = script(
  'publish',
  `${NOW}${RUN}${EPOCH}${TRIM}
local meta, hist, data, max_age = KEYS[1], KEYS[2], ARGV[1], tonumber(ARGV[5])
local epoch = epoch_of(meta, hist, ARGV[2], store_run())
local offset = redis.call('HINCRBY', meta, 'o', 1)
local now = now_ms()
if redis.call('EXISTS', hist) == 0 then redis.call('HSET', meta, 'b', 0) end
redis.call('RPUSH', hist, '[' .. offset .. ',' .. now .. ',' .. ARGV[8] .. ']\\n' .. data)
redis.call('HINCRBY', meta, 'b', #data)
redis.call('HSET', meta, 'a', max_age)
trim(meta, hist, tonumber(ARGV[3]), tonumber(ARGV[4]), max_age, now)
if redis.call('EXISTS', hist) == 1 then redis.call('PEXPIRE', hist, math.max(max_age, 1)) end
redis.call('PEXPIRE', meta, math.max(tonumber(ARGV[6]), max_age))
redis.call('PUBLISH', ARGV[7], '[' .. offset .. ',"' .. epoch .. '",' .. ARGV[8] .. ']\\n' .. data)
return {offset, epoch}
`,
);

/**
 * KEYS: channel meta, history. ARGV: epoch suffix for a channel not published on, position TTL ms, since
 * offset, since epoch ('' for the position only). Replies {offset, epoch} for the position; with a since: then
 * 'ok' and the entries after it, or 'epoch' / 'trimmed' when they cannot all be had.
 *
 * A channel not published on in this store generation (no meta, or one of another generation, or one an older
 * version made at offset 0) is only read: nothing is written for it, so that subscribers — however many names
 * they ask about — cost Redis nothing (a key per name, kept positionTtlMs, would let clients fill it). Its
 * position is offset 0 in an epoch of this generation that is not kept (a new one each time): the first
 * publication makes the epoch its offsets are in. Hence the rule the memory broker has too: a since at offset 0
 * of this store generation saw nothing of the channel, whatever its epoch, and resumes from the first
 * publication of the current epoch (all of it, or 'trimmed'): an epoch that was not kept had no publications,
 * and one let go was let go positionTtlMs after its last use, longer than any session lasts.
 */
export const RECOVER = script(
  'recover',
  `${NOW}${RUN}${TRIM}
local meta, hist = KEYS[1], KEYS[2]
local run = store_run()
local epoch = redis.call('HGET', meta, 'e')
if epoch and string.sub(epoch, 1, 17) ~= run .. '.' then
  -- Kept from another generation (a restored snapshot): worth nothing, and the next publish replaces it.
  redis.call('DEL', meta, hist)
  epoch = nil
end
local offset = epoch and tonumber(redis.call('HGET', meta, 'o')) or 0
if offset == 0 then
  epoch = run .. '.' .. ARGV[1]
else
  local max_age = tonumber(redis.call('HGET', meta, 'a'))
  if max_age then trim(meta, hist, math.huge, math.huge, max_age, now_ms()) end
  redis.call('PEXPIRE', meta, math.max(tonumber(ARGV[2]), max_age or 0))
end
local reply = {offset, epoch}
if ARGV[4] == '' then return reply end
local since, since_epoch = tonumber(ARGV[3]), ARGV[4]
if since == 0 and string.sub(since_epoch, 1, 17) == run .. '.' then since_epoch = epoch end
if since_epoch ~= epoch or since > offset then
  reply[3] = 'epoch'
  return reply
end
reply[3] = 'ok'
if since == offset then return reply end
local entries = redis.call('LRANGE', hist, since - offset, -1)
if #entries < offset - since then
  reply[3] = 'trimmed'
  return reply
end
for i = 1, #entries do reply[i + 3] = entries[i] end
return reply
`,
);
