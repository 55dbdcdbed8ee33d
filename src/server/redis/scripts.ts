// The Lua scripts of the Redis broker: each step that must be atomic across nodes is one script, run by Redis
// alone (Redis 7.0 commands only; scripts replicate by effects, so TIME may be read). Texts they write are
// described in codec.ts. Keys are named in keys.ts.
import { createHash } from 'node:crypto';

/** A script, known to Redis by its SHA-1 once loaded. */
export interface Script {
  readonly name: string;
  readonly source: string;
  readonly sha: string;
}

const script = (name: string, source: string): Script => ({
  name,
  source,
  sha: createHash('sha1').update(source).digest('hex'),
});

/** Redis's clock, in milliseconds: the one clock every node shares. */
const NOW = `
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
`;

/**
 * A channel's epoch: the one kept, or — none kept, because its history was lost (Redis restarted or was
 * flushed) or let go — the new one given, with offsets from 0 and no history: offsets of the old epoch never
 * mix with the new one's.
 */
const EPOCH = `
local function epoch_of(meta, hist, new_epoch)
  local epoch = redis.call('HGET', meta, 'e')
  if epoch then return epoch end
  redis.call('DEL', hist)
  redis.call('HSET', meta, 'e', new_epoch, 'o', 0, 'b', 0)
  return new_epoch
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
 * KEYS: channel meta, history. ARGV: data, epoch if none, max messages, max bytes, max age ms, position TTL
 * ms, topic, except (JSON). The next offset, the entry appended, the history trimmed, expiries set, and the
 * publication published — in one step, so every node sees publications in offset order.
 */
export const PUBLISH = script(
  'publish',
  `${NOW}${EPOCH}${TRIM}
local meta, hist, data, max_age = KEYS[1], KEYS[2], ARGV[1], tonumber(ARGV[5])
local epoch = epoch_of(meta, hist, ARGV[2])
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
 * KEYS: channel meta, history. ARGV: epoch if none, position TTL ms, since offset, since epoch ('' for the
 * position only). Replies {offset, epoch} for the position; with a since: then 'ok' and the entries after it,
 * or 'epoch' / 'trimmed' when they cannot all be had.
 */
export const RECOVER = script(
  'recover',
  `${NOW}${EPOCH}${TRIM}
local meta, hist = KEYS[1], KEYS[2]
local epoch = epoch_of(meta, hist, ARGV[1])
local offset = tonumber(redis.call('HGET', meta, 'o'))
local max_age = tonumber(redis.call('HGET', meta, 'a'))
if max_age then trim(meta, hist, math.huge, math.huge, max_age, now_ms()) end
redis.call('PEXPIRE', meta, math.max(tonumber(ARGV[2]), max_age or 0))
local reply = {offset, epoch}
if ARGV[4] == '' then return reply end
local since = tonumber(ARGV[3])
if ARGV[4] ~= epoch or since > offset then
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

/** KEYS: session record. ARGV: node, holder, TTL ms. A new session, held by this node. */
export const CREATE = script(
  'create',
  `
redis.call('HSET', KEYS[1], 'p', 0, 's', 0, 'n', ARGV[1], 'h', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1
`,
);

/**
 * KEYS: session record, outbox. ARGV: node, holder, TTL ms. A known session, now held by this node (frames
 * sent to it are published to this node from now on): {processed, sent, outbox…}, or nil if unknown.
 */
export const RESUME = script(
  'resume',
  `
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
redis.call('HSET', KEYS[1], 'n', ARGV[1], 'h', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
redis.call('PEXPIRE', KEYS[2], ARGV[3])
local r = redis.call('HMGET', KEYS[1], 'p', 's')
local reply = {tonumber(r[1]), tonumber(r[2])}
local outbox = redis.call('LRANGE', KEYS[2], 0, -1)
for i = 1, #outbox do reply[i + 2] = outbox[i] end
return reply
`,
);

/**
 * KEYS: session record, outbox. ARGV: holder, TTL ms, mode. Renews the hold (mode 'hold') or lets go of it,
 * the session then expiring after the TTL (mode 'detach') — only if this holder still holds it. Replies 0 if the session is gone,
 * 1 if held by this holder, 2 if by another (a later attach).
 */
export const HOLD = script(
  'hold',
  `
local holder = redis.call('HGET', KEYS[1], 'h')
if holder ~= ARGV[1] then return redis.call('EXISTS', KEYS[1]) == 1 and 2 or 0 end
if ARGV[3] == 'detach' then redis.call('HDEL', KEYS[1], 'n', 'h') end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
redis.call('PEXPIRE', KEYS[2], ARGV[2])
return 1
`,
);

/** KEYS: session record. ARGV: seq. Replies 0 if the session is gone. */
export const PROCESSED = script(
  'processed',
  `
local p = redis.call('HGET', KEYS[1], 'p')
if not p then return 0 end
if tonumber(ARGV[1]) > tonumber(p) then redis.call('HSET', KEYS[1], 'p', ARGV[1]) end
return 1
`,
);

/**
 * KEYS: session record, outbox. ARGV: frame without its seq, node topic prefix, session id. The next seq, the
 * frame sequenced and kept, and published to the node that holds the session. Replies the seq, 0 if gone.
 */
export const SEND = script(
  'send',
  `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local seq = redis.call('HINCRBY', KEYS[1], 's', 1)
local text = '{"seq":' .. seq .. ',' .. string.sub(ARGV[1], 2)
redis.call('RPUSH', KEYS[2], text)
local ttl = redis.call('PTTL', KEYS[1])
if ttl > 0 then redis.call('PEXPIRE', KEYS[2], ttl) end
local node = redis.call('HGET', KEYS[1], 'n')
if node then redis.call('PUBLISH', ARGV[2] .. node, ARGV[3] .. '\\n' .. text) end
return seq
`,
);

/** KEYS: outbox. ARGV: seq. Drops the frames up to seq. */
export const ACKNOWLEDGED = script(
  'acknowledged',
  `
local seq = tonumber(ARGV[1])
while true do
  local head = redis.call('LINDEX', KEYS[1], 0)
  if not head then break end
  local s = tonumber(string.match(head, '^{"seq":(%d+),'))
  if not s or s > seq then break end
  redis.call('LPOP', KEYS[1])
end
return 1
`,
);

/** KEYS: session record, outbox. The outbox, or nil if the session is gone. */
export const OUTBOX = script(
  'outbox',
  `
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
return redis.call('LRANGE', KEYS[2], 0, -1)
`,
);
