"""Lua scripts: each runs atomically inside Valkey, so claims and failures never race."""

# KEYS: stream, id key. ARGV: event id, payload, published_at, dedupe ttl (ms, 0 = none).
# Returns the stream id of the event, new or already there.
PUBLISH = """
local existing = redis.call('GET', KEYS[2])
if existing then return existing end
local sid = redis.call('XADD', KEYS[1], '*', 'id', ARGV[1], 'p', ARGV[2], 't', ARGV[3])
if tonumber(ARGV[4]) > 0 then
  redis.call('SET', KEYS[2], sid, 'PX', ARGV[4])
else
  redis.call('SET', KEYS[2], sid)
end
return sid
"""

HORIZON_MS = 10 * 86_400_000
"""Idle time (ms) at which a pending entry is due again; longer than any claim timeout.

Valkey only knows how long an entry has been idle, while a claim's expiry is
the claimer's choice: a claim for T ms sets the entry's idle time to
``HORIZON - T``, so it reaches the horizon, and is handed out again, exactly T
ms later. A retry after a delay D sets it to ``HORIZON - D`` the same way.
"""

# KEYS: stream. ARGV: group, consumer, limit, claim timeout (ms), horizon (ms).
# Expired claims (and failed deliveries due again) first, then new events.
# Returns {JSON array of [stream id, attempt, event id, published at, payload], newest id}:
# one string is far cheaper for the client to read than nested replies.
CLAIM = """
local stream, group, consumer = KEYS[1], ARGV[1], ARGV[2]
local limit, horizon = tonumber(ARGV[3]), tonumber(ARGV[5])
local idle = horizon - tonumber(ARGV[4])
redis.pcall('XGROUP', 'CREATE', stream, group, '0', 'MKSTREAM')
local out = {}
local find, encode = string.find, cjson.encode
local function add(sid, fields, attempt)
  local id, t, p
  if fields[1] == 'id' and fields[3] == 'p' and fields[5] == 't' then
    id, p, t = fields[2], fields[4], fields[6]  -- the order PUBLISH writes them in
  else
    id, t, p = '', '0', '{}'
    for i = 1, #fields, 2 do
      local k = fields[i]
      if k == 'id' then id = fields[i + 1] elseif k == 't' then t = fields[i + 1]
      elseif k == 'p' then p = fields[i + 1] end
    end
  end
  -- Stream ids are digits and a dash; most event ids need no escaping either.
  if find(id, '[%c"\\\\\\128-\\255]') then id = encode(id) else id = '"' .. id .. '"' end
  out[#out + 1] = '["' .. sid .. '",' .. attempt .. ',' .. id .. ',' .. t .. ',' .. p .. ']'
end
local due = redis.call('XPENDING', stream, group, 'IDLE', horizon, '-', '+', limit)
for _, p in ipairs(due) do
  local claimed = redis.call('XCLAIM', stream, group, consumer, horizon, p[1], 'IDLE', idle)
  if claimed[1] then add(claimed[1][1], claimed[1][2], p[4] + 1) end
end
if #out < limit then
  local fresh = redis.call('XREADGROUP', 'GROUP', group, consumer, 'COUNT', limit - #out,
                           'STREAMS', stream, '>')
  if fresh then
    local args = {stream, group, consumer, 0}
    for _, e in ipairs(fresh[1][2]) do
      add(e[1], e[2], 1)
      args[#args + 1] = e[1]
    end
    if #args > 4 then
      -- Start the claim's clock (JUSTID: the delivery count stays 1).
      args[#args + 1] = 'IDLE'; args[#args + 1] = idle; args[#args + 1] = 'JUSTID'
      redis.call('XCLAIM', unpack(args))
    end
  end
end
local newest = redis.call('XREVRANGE', stream, '+', '-', 'COUNT', 1)
return {'[' .. table.concat(out, ',') .. ']', newest[1] and newest[1][1] or '0-0'}
"""

# KEYS: stream, dead-letter stream. ARGV: group, stream id, attempt, max attempts, error,
# idle (ms) to set for a retry (horizon - delay), topic, event id.
# A stale report (the attempt is no longer the pending one) changes nothing: returns 0.
# Returns 1 for a retry, 2 for a dead letter.
FAIL = """
local stream, dead = KEYS[1], KEYS[2]
local group, sid, attempt = ARGV[1], ARGV[2], tonumber(ARGV[3])
local p = redis.call('XPENDING', stream, group, sid, sid, 1)
if not p[1] or tonumber(p[1][4]) ~= attempt then return 0 end
if attempt >= tonumber(ARGV[4]) then
  local entry = redis.call('XRANGE', stream, sid, sid)
  local payload = '{}'
  if entry[1] then
    local fields = entry[1][2]
    for i = 1, #fields, 2 do
      if fields[i] == 'p' then payload = fields[i + 1] end
    end
  end
  redis.call('XADD', dead, '*', 'id', ARGV[8], 'topic', ARGV[7], 'group', group,
             'p', payload, 'attempts', ARGV[3], 'error', ARGV[5])
  redis.call('XACK', stream, group, sid)
  return 2
end
redis.call('XCLAIM', stream, group, p[1][2], 0, sid, 'IDLE', ARGV[6], 'JUSTID')
return 1
"""
