// The Lua scripts of the Redis broker for sessions (see scripts.ts for what all scripts share). A session's hash
// (keys.ts) holds its store generation (r), the generation of its latest attachment (g: the fencing token), the
// node that attachment is on while attached (n), the highest client seq claimed (p) and by which generation (c),
// the highest client seq handled (d), the last server seq (s), the bytes of its outbox (b) and its owner (o). A session of another store generation (a restored snapshot) is deleted on sight.
import { RUN, script } from './scripts.js';

/** Whether the session exists in this store generation; a record from another one is deleted. */
const VALID = `
local function valid(session, outbox, run)
  if redis.call('HGET', session, 'r') == run then return true end
  redis.call('DEL', session, outbox)
  return false
end
`;

/**
 * KEYS: [session record, outbox of the session to resume,] record of a new session. ARGV: node, TTL ms, node
 * topic prefix, id of the session to resume, owner, hello attempt ('' for none). Resumes the session if it is valid and the owner's — a new
 * generation, held by this node, and the node that held the attachment it replaces told so on its topic
 * (`id\n!generation`): {1, generation, processed, sent, outbox…}; else creates the new one: {0, 1}, or {2, 1}
 * when the session asked for is another owner's (left as it is: its owner may be using it); {3, 0} — nothing
 * done — when the attempt is not above the highest that attached the session (a late hello).
 */
export const ATTACH = script(
  'attach',
  `${RUN}${VALID}
local run, node, ttl = store_run(), ARGV[1], ARGV[2]
local resume, foreign = #KEYS == 3 and valid(KEYS[1], KEYS[2], run), 0
if resume and (redis.call('HGET', KEYS[1], 'o') or '') ~= ARGV[5] then resume, foreign = false, 2 end
local attempt = tonumber(ARGV[6])
if resume and attempt and attempt <= (tonumber(redis.call('HGET', KEYS[1], 'a')) or 0) then return {3, 0} end
if resume then
  if attempt then redis.call('HSET', KEYS[1], 'a', attempt) end
  local h = redis.call('HMGET', KEYS[1], 'n', 'd', 's')
  local g = redis.call('HINCRBY', KEYS[1], 'g', 1)
  redis.call('HSET', KEYS[1], 'n', node)
  redis.call('PEXPIRE', KEYS[1], ttl)
  redis.call('PEXPIRE', KEYS[2], ttl)
  if h[1] and h[1] ~= node then redis.call('PUBLISH', ARGV[3] .. h[1], ARGV[4] .. '\\n!' .. g) end
  local reply = {1, g, tonumber(h[2]), tonumber(h[3])}
  local outbox = redis.call('LRANGE', KEYS[2], 0, -1)
  for i = 1, #outbox do reply[i + 4] = outbox[i] end
  return reply
end
redis.call('HSET', KEYS[#KEYS], 'p', 0, 'c', 0, 'd', 0, 's', 0, 'g', 1, 'b', 0, 'r', run, 'n', node, 'o', ARGV[5],
  'a', attempt or 0)
redis.call('PEXPIRE', KEYS[#KEYS], ttl)
return {foreign, 1}
`,
);

/**
 * KEYS: session record, outbox. ARGV: generation, TTL ms. The attachment lets go: the session expires after the
 * TTL unless attached again. Replies 1; 2 (nothing done) if a later attachment holds it; 0 if it is gone.
 */
export const DETACH = script(
  'detach',
  `${RUN}${VALID}
if not valid(KEYS[1], KEYS[2], store_run()) then return 0 end
if redis.call('HGET', KEYS[1], 'g') ~= ARGV[1] then return 2 end
redis.call('HDEL', KEYS[1], 'n')
redis.call('PEXPIRE', KEYS[1], ARGV[2])
redis.call('PEXPIRE', KEYS[2], ARGV[2])
return 1
`,
);

/**
 * KEYS: session record and outbox of each session, in pairs. ARGV: generation and TTL ms of each. Renews the
 * holds of a batch of sessions in one step. Replies per session 1 (renewed), 2 (a later attachment holds it:
 * not renewed), 0 (gone).
 */
export const RENEW = script(
  'renew',
  `${RUN}${VALID}
local run, reply = store_run(), {}
for i = 1, #KEYS, 2 do
  local j = (i + 1) / 2
  if not valid(KEYS[i], KEYS[i + 1], run) then
    reply[j] = 0
  elseif redis.call('HGET', KEYS[i], 'g') ~= ARGV[i] then
    reply[j] = 2
  else
    redis.call('PEXPIRE', KEYS[i], ARGV[i + 1])
    redis.call('PEXPIRE', KEYS[i + 1], ARGV[i + 1])
    reply[j] = 1
  end
end
return reply
`,
);

/**
 * KEYS: session record, outbox. ARGV: generation, seq. Compare-and-set of the claimed client seq: 'ok' (seq was
 * the next one: claimed by this generation), 'redelivered' (an earlier generation claimed it and did not record
 * it handled), 'duplicate' (handled, or claimed by this generation), 'hole' (beyond the next one: nothing
 * recorded), 'stale' (a later attachment holds the session) or 'gone'.
 */
export const PROCESSED = script(
  'processed',
  `${RUN}${VALID}
if not valid(KEYS[1], KEYS[2], store_run()) then return 'gone' end
local h = redis.call('HMGET', KEYS[1], 'g', 'p', 'd', 'c')
if h[1] ~= ARGV[1] then return 'stale' end
local seq, p, d = tonumber(ARGV[2]), tonumber(h[2]), tonumber(h[3]) or 0
if seq <= d then return 'duplicate' end
if seq <= p then
  if h[4] == ARGV[1] then return 'duplicate' end
  return 'redelivered'
end
if seq > p + 1 then return 'hole' end
redis.call('HSET', KEYS[1], 'p', seq, 'c', ARGV[1])
return 'ok'
`,
);

/**
 * KEYS: session record, outbox. ARGV: generation, seq. The handler of a claimed client seq ran: the handled seq
 * moves up to it. Replies 1; 2 (nothing done) if a later attachment holds the session; 0 if it is gone.
 */
export const HANDLED = script(
  'handled',
  `${RUN}${VALID}
if not valid(KEYS[1], KEYS[2], store_run()) then return 0 end
local h = redis.call('HMGET', KEYS[1], 'g', 'd')
if h[1] ~= ARGV[1] then return 2 end
if tonumber(ARGV[2]) > (tonumber(h[2]) or 0) then redis.call('HSET', KEYS[1], 'd', ARGV[2]) end
return 1
`,
);

/**
 * KEYS: session record, outbox. ARGV: frame without its seq, node topic prefix, session id, max outbox bytes.
 * The next seq, the frame sequenced and kept, and published to the node that holds the session: replies the
 * seq; 0 if the session is gone. A frame that would take the outbox past the max bytes ends the session
 * instead, the node holding it told so (`id\n!budget`): replies -1.
 */
export const SEND = script(
  'send',
  `${RUN}${VALID}
if not valid(KEYS[1], KEYS[2], store_run()) then return 0 end
local h = redis.call('HMGET', KEYS[1], 's', 'b', 'n')
local seq = tonumber(h[1]) + 1
local text = '{"seq":' .. seq .. ',' .. string.sub(ARGV[1], 2)
local bytes = (tonumber(h[2]) or 0) + #text
if bytes > tonumber(ARGV[4]) then
  redis.call('DEL', KEYS[1], KEYS[2])
  if h[3] then redis.call('PUBLISH', ARGV[2] .. h[3], ARGV[3] .. '\\n!budget') end
  return -1
end
redis.call('HSET', KEYS[1], 's', seq, 'b', bytes)
redis.call('RPUSH', KEYS[2], text)
local ttl = redis.call('PTTL', KEYS[1])
if ttl > 0 then redis.call('PEXPIRE', KEYS[2], ttl) end
if h[3] then redis.call('PUBLISH', ARGV[2] .. h[3], ARGV[3] .. '\\n' .. text) end
return seq
`,
);

/** KEYS: session record, outbox. ARGV: generation, seq. Drops the frames up to seq, unless stale. */
export const ACKNOWLEDGED = script(
  'acknowledged',
  `${RUN}${VALID}
if not valid(KEYS[1], KEYS[2], store_run()) then return 0 end
if redis.call('HGET', KEYS[1], 'g') ~= ARGV[1] then return 2 end
local seq = tonumber(ARGV[2])
local bytes = tonumber(redis.call('HGET', KEYS[1], 'b')) or 0
while true do
  local head = redis.call('LINDEX', KEYS[2], 0)
  if not head then break end
  local s = tonumber(string.match(head, '^{"seq":(%d+),'))
  if not s or s > seq then break end
  redis.call('LPOP', KEYS[2])
  bytes = bytes - #head
end
redis.call('HSET', KEYS[1], 'b', math.max(bytes, 0))
return 1
`,
);

/** KEYS: session record, outbox. The outbox, or nil if the session is gone. */
export const OUTBOX = script(
  'outbox',
  `${RUN}${VALID}
if not valid(KEYS[1], KEYS[2], store_run()) then return false end
return redis.call('LRANGE', KEYS[2], 0, -1)
`,
);
