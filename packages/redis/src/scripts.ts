/**
 * The Lua scripts of the backplane. Each runs atomically in Redis, so that a
 * push is logged and published in one step: publish order is log order.
 * Time is Redis's (`TIME`), so that the nodes' clocks do not matter.
 *
 * Keys are built from the prefix inside the scripts (a uid's log and the
 * broadcast log together, presence sweeps): the backplane runs on a
 * standalone Redis (or a primary with replicas), not on Redis Cluster.
 */

import type { Redis } from 'ioredis';

const names = new Map<string, string>();

/**
 * Runs a script: EVAL the first time on each connection, EVALSHA after
 * (ioredis's defined commands), so a push does not send the script's text.
 * A reconnect loads it again before anything else on the new connection.
 */
export function run(redis: Redis, lua: string, numberOfKeys: number, ...args: (string | number)[]): Promise<unknown> {
  let name = names.get(lua);
  if (name === undefined) names.set(lua, (name = `senteScript${names.size}`));
  const commands = redis as unknown as Record<string, ((...a: (string | number)[]) => Promise<unknown>) | undefined>;
  let command = commands[name];
  if (command === undefined) {
    redis.defineCommand(name, { lua });
    command = commands[name] as (...a: (string | number)[]) => Promise<unknown>;
  }
  return command.call(redis, numberOfKeys, ...args);
}

/** Milliseconds since the epoch, from Redis. */
const NOW = `local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
`;

/**
 * The broadcast log's generation and top: `bcast_state(prefix, candidate)`,
 * returning `generation, top`. `<prefix>:bcast` holds the generation (`g`,
 * new when the hash is missing: Redis lost its data) and the last broadcast's
 * sequence (`n`); `<prefix>:blog` is the stream of broadcasts, entry id
 * `<seq>-<ms>`, one field `b` (the body). Neither expires: the stream is
 * trimmed by count, and by age when broadcasts are written.
 */
const BCAST_STATE = `local function bcast_state(prefix, cand)
  local k = prefix .. ':bcast'
  local m = redis.call('HMGET', k, 'g', 'n')
  if not m[1] then
    redis.call('DEL', prefix .. ':blog')
    redis.call('HSET', k, 'g', cand, 'n', 0)
    return cand, 0
  end
  return m[1], tonumber(m[2])
end
`;

/**
 * Cuts a stream (`log`, entry ids `<seq>-<ms>`) to about `maxlen` entries and
 * drops its entries past the age cut (up to 64 at a time): every 64th seq.
 */
const TRIM = `local function trim(log, seq, maxlen, maxage, now)
  if seq % 64 ~= 0 then return end
  redis.call('XTRIM', log, 'MAXLEN', '~', maxlen)
  local cut = nil
  for _, e in ipairs(redis.call('XRANGE', log, '-', '+', 'COUNT', 64)) do
    local o, t = string.match(e[1], '^(%d+)-(%d+)$')
    if tonumber(t) < now - maxage then cut = o else break end
  end
  if cut then redis.call('XTRIM', log, 'MINID', (tonumber(cut) + 1) .. '-0') end
end
`;

/**
 * A uid's log meta: `uid_meta(prefix, uid, candidate, generation, bseq)`,
 * returning `epoch, own, base, lastc, x`.
 *
 * A uid's log is its own pushes (its stream) merged with the broadcasts since
 * its log began (the broadcast stream, shared): a broadcast is written once,
 * whatever the number of uids. The meta hash holds the epoch (`e`), the
 * broadcast generation (`g`) and sequence (`b`, the base) it began at, the
 * number of its own pushes (`s`), the broadcast sequence at the last of
 * them (`c`), and when the TTLs were last set (`x`). A uid's offset counts
 * both: its top is `s + n - b` for the broadcast log's top `n`; its own
 * push `k` made at broadcast sequence `c` is at `k + c - b`. A missing meta,
 * or one of another generation, starts a new epoch and drops the stream.
 */
const UID_META = `local function uid_meta(prefix, uid, cand, g, n)
  local meta = prefix .. ':{' .. uid .. '}:meta'
  local m = redis.call('HMGET', meta, 'e', 'g', 's', 'b', 'c', 'x')
  if not m[1] or m[2] ~= g then
    redis.call('DEL', prefix .. ':{' .. uid .. '}:log')
    redis.call('HSET', meta, 'e', cand, 'g', g, 's', 0, 'b', n, 'c', n)
    return cand, 0, n, n, nil
  end
  return m[1], tonumber(m[3]), tonumber(m[4]), tonumber(m[5]), tonumber(m[6])
end
`;

/**
 * Logs one push in a uid's stream: the body of
 * `log_one(prefix, uid, body, candidate, max_len, max_age_ms, position_ttl_ms, every_ms, now)`,
 * returning `epoch, own, bseq, offset`.
 *
 * The stream entry id is `<own>-<ms>` (the uid's own count, then the time of
 * the push); its fields `b` (the body), `c` (the broadcast sequence when it
 * was made) and `q` (the `c` of the uid's push before it, to place a
 * position at the start of what the stream kept).
 *
 * Cheap per push: two HMGETs, XADD and HSET. The rest is amortized:
 * - the TTLs (meta: position TTL, stream: max age, each plus `every_ms`)
 *   are set once per `every_ms` (and, while a node holds the uid, by its
 *   heartbeat: {@link TOUCH}), so they outlast the last use by at least the TTL;
 * - the age window is enforced where it matters, on read (an entry older
 *   than `max_age_ms` counts as trimmed: no recovery through it); every
 *   64th entry, the stream is trimmed by count and age ({@link TRIM}).
 */
const LOG_ONE = `${BCAST_STATE}${TRIM}${UID_META}local function log_one(prefix, uid, body, cand, maxlen, maxage, ttl, every, now)
  local g, n = bcast_state(prefix, cand)
  local epoch, s, base, lastc, x = uid_meta(prefix, uid, cand, g, n)
  local meta = prefix .. ':{' .. uid .. '}:meta'
  local log = prefix .. ':{' .. uid .. '}:log'
  s = s + 1
  redis.call('XADD', log, s .. '-' .. now, 'b', body, 'c', n, 'q', lastc)
  if not x or now - x >= every or x > now then
    redis.call('HSET', meta, 's', s, 'c', n, 'x', now)
    redis.call('PEXPIRE', meta, ttl + every)
    redis.call('PEXPIRE', log, maxage + every)
  else
    redis.call('HSET', meta, 's', s, 'c', n)
  end
  trim(log, s, maxlen, maxage, now)
  return epoch, s, n, s + n - base
end
`;

/**
 * A push to one uid: logged ({@link LOG_ONE}) and published on the uid's
 * channel (`o\\n<offset>\\n<own>\\n<bseq>\\n<epoch>\\n<body>`) in one step —
 * publish order is log order. ARGV of the function as {@link LOG_ONE}, plus `sharded` before `now`.
 */
const PUBLISH_ONE = `${LOG_ONE}
local function publish_one(prefix, uid, body, cand, maxlen, maxage, ttl, every, sharded, now)
  local epoch, s, n, offset = log_one(prefix, uid, body, cand, maxlen, maxage, ttl, every, now)
  local msg = 'o\\n' .. offset .. '\\n' .. s .. '\\n' .. n .. '\\n' .. epoch .. '\\n' .. body
  local channel = prefix .. ':{' .. uid .. '}:push'
  if sharded == '1' then redis.call('SPUBLISH', channel, msg) else redis.call('PUBLISH', channel, msg) end
  return offset
end
`;

/** ARGV: prefix, uid, body, candidate epoch, max len, max age ms, position ttl ms, every ms, sharded. Returns the offset. */
export const PUBLISH = `${NOW}${PUBLISH_ONE}
return publish_one(ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7], tonumber(ARGV[8]), ARGV[9], now_ms())`;

/**
 * A push to the one uid that holds a client id (KEYS[1] = the client's key, a
 * hash of uid → node). ARGV: prefix, body, candidate, max len, max age,
 * position ttl, every, sharded. Returns 0 when no uid holds it, -1 when two uids
 * claim it, else the offset.
 */
export const PUBLISH_TO_CLIENT = `${NOW}${PUBLISH_ONE}
local all = redis.call('HGETALL', KEYS[1])
if #all == 0 then return 0 end
if #all > 2 then return -1 end
return publish_one(ARGV[1], all[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], tonumber(ARGV[7]), ARGV[8], now_ms())`;

/**
 * A broadcast, in one round trip and constant work whatever the number of
 * uids: the next broadcast sequence, one entry in the broadcast stream (in
 * every uid's log from there: see {@link UID_META}), and one message on
 * `<prefix>:broadcast` (which every node subscribes to, on the connection of
 * the uids' channels, so that it comes in publish order with them):
 * `a\\n<generation>\\n<seq>\\n<body>`. ARGV as {@link PUBLISH} without the
 * uid, then `count`: '1' to count the uids connected in the cluster (the
 * emitter's answer; O(uids)). Returns that count, or the sequence.
 */
export const BROADCAST = `${NOW}${BCAST_STATE}${TRIM}
local prefix = ARGV[1]
local now = now_ms()
local g = bcast_state(prefix, ARGV[3])
local n = redis.call('HINCRBY', prefix .. ':bcast', 'n', 1)
local blog = prefix .. ':blog'
redis.call('XADD', blog, n .. '-' .. now, 'b', ARGV[2])
trim(blog, n, tonumber(ARGV[4]), tonumber(ARGV[5]), now)
local msg = 'a\\n' .. g .. '\\n' .. n .. '\\n' .. ARGV[2]
if ARGV[8] == '1' then redis.call('SPUBLISH', prefix .. ':broadcast', msg) else redis.call('PUBLISH', prefix .. ':broadcast', msg) end
if ARGV[9] ~= '1' then return n end
local uids = {}
local count = 0
for _, f in ipairs(redis.call('HKEYS', prefix .. ':presence')) do
  local uid = string.sub(f, string.find(f, '|', 1, true) + 1)
  if not uids[uid] then uids[uid] = true; count = count + 1 end
end
return count`;

/**
 * A uid's log position and, from an offset, the entries after it, merged
 * from its own stream and the broadcast stream. ARGV: prefix, uid, candidate
 * epoch, position ttl, since (-1: position only), count limit, every ms (as
 * {@link LOG_ONE}: the meta outlives this read by the position TTL).
 * Returns `{ epoch, top, now, own, bseq, generation, entries }`, entries a
 * flat list of offset, ms, body: the first `count` after `since`, in log
 * order; none when the log no longer holds what follows `since` (trimmed,
 * or an offset it never had).
 */
export const READ = `${NOW}${BCAST_STATE}${UID_META}
local prefix, uid = ARGV[1], ARGV[2]
local now = now_ms()
local g, n = bcast_state(prefix, ARGV[3])
local epoch, s, base, lastc = uid_meta(prefix, uid, ARGV[3], g, n)
local meta = prefix .. ':{' .. uid .. '}:meta'
local log = prefix .. ':{' .. uid .. '}:log'
redis.call('PEXPIRE', meta, tonumber(ARGV[4]) + tonumber(ARGV[7]))
local top = s + n - base
local since = tonumber(ARGV[5])
local limit = tonumber(ARGV[6])
local entries = {}
if since < 0 or since >= top then return { epoch, top, now, s, n, g, entries } end
-- Where \`since\` is: after own push k (the newest whose offset is at most since) and broadcast since - k + base.
local k = nil
-- The own pushes after \`since\`, newest first.
local after = {}
if s == 0 or s + lastc - base <= since then
  k = s
else
  for _, e in ipairs(redis.call('XREVRANGE', log, '+', '-', 'COUNT', limit + 1)) do
    local ek = tonumber(string.match(e[1], '^(%d+)-'))
    local f = {}
    for i = 1, #e[2], 2 do f[e[2][i]] = e[2][i + 1] end
    local c = tonumber(f['c'])
    if ek + c - base <= since then k = ek; break end
    after[#after + 1] = { ek, c, tonumber(string.match(e[1], '-(%d+)$')), f['b'] }
    if ek == 1 then k = 0; break end
    local q = tonumber(f['q'])
    if (ek - 1) + q - base <= since then k = ek - 1; break end
  end
end
if k == nil then return { epoch, top, now, s, n, g, entries } end
local b = since - k + base
if b < base or b > n then return { epoch, top, now, s, n, g, entries } end
local bc = {}
if b < n then bc = redis.call('XRANGE', prefix .. ':blog', (b + 1) .. '-0', '+', 'COUNT', limit + 1) end
local offset = since
local j = 1
local i = #after
while #entries < limit * 3 do
  local nextb = b + j
  local o = after[i]
  if o and o[2] < nextb then
    -- Own push i came after every broadcast up to its \`c\`, all given already.
    offset = offset + 1
    entries[#entries + 1] = offset; entries[#entries + 1] = o[3]; entries[#entries + 1] = o[4]
    i = i - 1
  elseif nextb <= n then
    local e = bc[j]
    -- A broadcast the stream no longer has (trimmed): nothing after it is whole.
    if not e or tonumber(string.match(e[1], '^(%d+)-')) ~= nextb then break end
    offset = offset + 1
    entries[#entries + 1] = offset; entries[#entries + 1] = tonumber(string.match(e[1], '-(%d+)$')); entries[#entries + 1] = e[2][2]
    j = j + 1
  else
    break
  end
end
return { epoch, top, now, s, n, g, entries }`;

/**
 * Sets the TTLs of the metas KEYS (the uids a node holds) again, as a read
 * would: a user connected for longer than the position TTL, who gets only
 * broadcasts, keeps its position. ARGV: the meta TTL ms. Returns how many there were.
 */
export const TOUCH = `
local n = 0
for _, k in ipairs(KEYS) do n = n + redis.call('PEXPIRE', k, ARGV[1]) end
return n`;

/**
 * Claims a client id for a uid on this node: KEYS[1], the client's key, is a
 * hash of uid → node (two uids: the id is clashed, and a push by id alone is
 * refused). ARGV: uid, node id, ttl, prefix, transport. An Ajax client that
 * another node held is taken over: that node is told. Returns 1, or -1 on a clash.
 */
export const CLAIM = `
local prev = redis.call('HGET', KEYS[1], ARGV[1])
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
if ARGV[5] == 'ajax' and prev and prev ~= ARGV[2] then
  redis.call('PUBLISH', ARGV[4] .. ':node:' .. prev, 't\\n' .. cjson.encode({ u = ARGV[1], c = string.sub(KEYS[1], #ARGV[4] + 9) }))
end
if redis.call('HLEN', KEYS[1]) > 1 then return -1 end
return 1`;

/** Lets go of a client id (KEYS[1]) that this node (ARGV[2]) holds for the uid ARGV[1]. */
export const UNCLAIM = `
if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then redis.call('HDEL', KEYS[1], ARGV[1]) end
return 1`;

/**
 * Sends a message to the node holding a client (KEYS[1] = its key). ARGV:
 * prefix, uid ('' for the one uid holding the id), the message (JSON; its
 * \`u\` is filled in). Returns 1 when sent, 0 when no node holds the client
 * (for that uid), -1 when two uids claim the id and none was given.
 */
export const ROUTE = `
local u = ARGV[2]
local n
if u == '' then
  local all = redis.call('HGETALL', KEYS[1])
  if #all == 0 then return 0 end
  if #all > 2 then return -1 end
  u, n = all[1], all[2]
else
  n = redis.call('HGET', KEYS[1], u)
  if not n then return 0 end
end
local m = cjson.decode(ARGV[3])
m.u = u
redis.call('PUBLISH', ARGV[1] .. ':node:' .. n, 'q\\n' .. cjson.encode(m))
return 1`;

/**
 * Presence, per node: \`<prefix>:presence:<node>\` (a hash of \`<transport>|<uid>\` →
 * this node's clients, and \`_\` while the node is joined), the cluster's counts
 * \`<prefix>:presence\`, the live nodes \`<prefix>:nodes\` (node → expiry ms) and a
 * version. Every change of a uid's membership in a transport's set is published
 * on \`<prefix>:presence\` as \`<version>\\n<transport>\\n<0|1>\\n<uid>\`.
 */
const PRESENCE = `${NOW}
local function other(field)
  if string.sub(field, 1, 3) == 'ws|' then return 'ajax|' .. string.sub(field, 4) end
  return 'ws|' .. string.sub(field, 6)
end
local function add(prefix, field, delta, changed)
  local counts = prefix .. ':presence'
  local before = tonumber(redis.call('HGET', counts, field)) or 0
  local after = before + delta
  if after <= 0 then redis.call('HDEL', counts, field); after = 0 else redis.call('HSET', counts, field, after) end
  if (before == 0) ~= (after == 0) then
    local bar = string.find(field, '|', 1, true)
    local t = string.sub(field, 1, bar - 1)
    local uid = string.sub(field, bar + 1)
    local v = redis.call('INCR', prefix .. ':presence:v')
    redis.call('PUBLISH', prefix .. ':presence', v .. '\\n' .. t .. '\\n' .. (after > 0 and '1' or '0') .. '\\n' .. uid)
    if redis.call('HEXISTS', counts, other(field)) == 0 then table.insert(changed, (after > 0 and '+' or '-') .. uid) end
    return v
  end
  return 0
end
local function drop_node(prefix, node, changed)
  local h = prefix .. ':presence:' .. node
  local all = redis.call('HGETALL', h)
  for i = 1, #all, 2 do
    if all[i] ~= '_' then add(prefix, all[i], -tonumber(all[i + 1]), changed) end
  end
  redis.call('DEL', h)
  redis.call('ZREM', prefix .. ':nodes', node)
end
`;

/**
 * One client more or less on this node. ARGV: prefix, node, field, delta,
 * ttl. Returns { 1 when the uid joined (or left) the cluster with it, the
 * version of the change of the transport's set (0: none), 1 when the uid is
 * in that set now }.
 */
export const PRESENCE_CHANGE = `${PRESENCE}
local prefix, node, field, delta = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4])
local h = prefix .. ':presence:' .. node
local mine = tonumber(redis.call('HGET', h, field)) or 0
if delta < 0 and mine <= 0 then return { 0, 0, 0 } end
if mine + delta <= 0 then redis.call('HDEL', h, field) else redis.call('HSET', h, field, mine + delta) end
local changed = {}
local v = add(prefix, field, delta, changed)
return { #changed, v, redis.call('HEXISTS', prefix .. ':presence', field) }`;

/**
 * (Re)joins this node with its counts: what Redis held for it goes, the
 * given counts come. ARGV: prefix, node, ttl, a candidate cluster id, then
 * field, count pairs. Returns { the cluster id (\`<prefix>:cluster\`, made
 * when missing), the uids that joined (\`+uid\`) or left (\`-uid\`) the cluster }.
 */
export const PRESENCE_JOIN = `${PRESENCE}
local prefix, node = ARGV[1], ARGV[2]
local cluster = redis.call('GET', prefix .. ':cluster')
if not cluster then cluster = ARGV[4]; redis.call('SET', prefix .. ':cluster', cluster) end
local h = prefix .. ':presence:' .. node
local before = {}
local all = redis.call('HGETALL', h)
for i = 1, #all, 2 do if all[i] ~= '_' then before[all[i]] = tonumber(all[i + 1]) end end
local after = {}
for i = 5, #ARGV, 2 do after[ARGV[i]] = tonumber(ARGV[i + 1]) end
local changed = {}
local fields = {}
for f, _ in pairs(before) do fields[f] = true end
for f, _ in pairs(after) do fields[f] = true end
redis.call('DEL', h)
redis.call('HSET', h, '_', 1)
for f, _ in pairs(fields) do
  local d = (after[f] or 0) - (before[f] or 0)
  if after[f] then redis.call('HSET', h, f, after[f]) end
  if d ~= 0 then add(prefix, f, d, changed) end
end
redis.call('ZADD', prefix .. ':nodes', now_ms() + tonumber(ARGV[3]), node)
return { cluster, changed }`;

/**
 * The heartbeat: this node is alive for ttl more; nodes past their expiry
 * are dropped (their uids leave). ARGV: prefix, node, ttl. Returns
 * { 1 when this node must rejoin (Redis lost its entries), the uids that left the cluster (\`-uid\`) }.
 */
export const PRESENCE_BEAT = `${PRESENCE}
local prefix, node = ARGV[1], ARGV[2]
local now = now_ms()
local nodes = prefix .. ':nodes'
local rejoin = redis.call('HEXISTS', prefix .. ':presence:' .. node, '_') == 0 and 1 or 0
redis.call('ZADD', nodes, now + tonumber(ARGV[3]), node)
local changed = {}
for _, dead in ipairs(redis.call('ZRANGEBYSCORE', nodes, '-inf', now)) do
  if dead ~= node then drop_node(prefix, dead, changed) end
end
return { rejoin, changed }`;

/** This node leaves (a graceful close). ARGV: prefix, node. Returns the uids that left the cluster (\`-uid\`). */
export const PRESENCE_LEAVE = `${PRESENCE}
local changed = {}
drop_node(ARGV[1], ARGV[2], changed)
return changed`;

/** The cluster's presence: { version, fields with a count }. ARGV: prefix. */
export const PRESENCE_SNAPSHOT = `
return { tonumber(redis.call('GET', ARGV[1] .. ':presence:v')) or 0, redis.call('HKEYS', ARGV[1] .. ':presence') }`;

/**
 * The heartbeat of this node's client ids: KEYS are their keys, ARGV this
 * node, the ttl, then the uid of each key. A uid's entry that another node
 * let go of (it had the client last, and forgot it) is this node's again.
 */
export const REFRESH = `
for i, k in ipairs(KEYS) do
  local uid = ARGV[i + 2]
  if not redis.call('HGET', k, uid) then redis.call('HSET', k, uid, ARGV[1]) end
  redis.call('PEXPIRE', k, ARGV[2])
end
return #KEYS`;
