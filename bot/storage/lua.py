"""The Lua scripts the store runs on Redis: one round trip each, atomic per texter (keys in bot/storage/store.py)."""

THREAD_MAX = 500
# MessageSids remembered per texter: retries come within minutes, so a chatty texter's oldest are
# dropped together rather than growing the hash without bound.
SEEN_MAX = 200
REPLIES_MAX = 20  # replies kept for retries: Twilio retries within seconds, so the last few suffice

# KEYS: s, p, o, h, r, n, g (the MessageSid's "gone" key: the confirmation of a deletion, kept nameless),
# m (the MessageSid's nameless "applied" mark, kept REPLAY_TTL whatever becomes of the texter), a (the
# subscription to alerts: when it was given, its state and the last alert sent, read with the rest).
_LOAD = """
local gone = redis.call('GET', KEYS[7])
if gone then return {4, gone} end
local reply = redis.call('HGET', KEYS[5], ARGV[4])
if reply then return {1, reply} end
if redis.call('HEXISTS', KEYS[2], ARGV[4]) == 1 or redis.call('EXISTS', KEYS[8]) == 1 then return {2} end
local limit = tonumber(ARGV[1])
if ARGV[2] == '1' and limit > 0 then
  local n = redis.call('INCR', KEYS[6])
  if n == 1 or redis.call('TTL', KEYS[6]) < 0 then redis.call('EXPIRE', KEYS[6], ARGV[3]) end
  if n > limit then return {3, n, redis.call('HGET', KEYS[2], 'l')} end
end
return {0, redis.call('GET', KEYS[1]), redis.call('HGET', KEYS[2], 'l'),
        redis.call('EXISTS', KEYS[3]), redis.call('HGET', KEYS[4], 'status'),
        redis.call('HMGET', KEYS[9], 'at', 'st', 'last'), redis.call('HGET', KEYS[2], 'ao')}
"""

# The alerts part of a commit (issue 25), ARGV[21] as JSON: "del" deletes the subscription (BAJA, STOP,
# BORRAR; "stats" then names KEYS[#KEYS], the last alert's counters, which count an unsubscription when
# that alert is still the subscription's last), "set" is the subscription's fields with "ttl", "offered"
# marks in the profile that alerts were offered once. The number (encrypted) is KEYS[13], a string of its
# own beside the subscription's hash: a value over 64 bytes would cost the hash its compact encoding.
_ALERTS = """
  local alerts = cjson.decode(ARGV[21])
  if alerts.del then
    if alerts.stats and redis.call('HGET', KEYS[12], 'last') == alerts.stats then
      redis.call('HINCRBY', KEYS[#KEYS], 'unsub', 1)
    end
    redis.call('DEL', KEYS[12], KEYS[13])
  end
  if alerts.set then
    redis.call('HSET', KEYS[12], unpack(alerts.set))
    redis.call('EXPIRE', KEYS[12], alerts.ttl)
    redis.call('SET', KEYS[13], alerts.number, 'EX', alerts.ttl)
  end
  if alerts.offered then redis.call('HSET', KEYS[2], 'ao', '1') end
"""

# KEYS: s, p, o, h, t, r, d, n, g, m, w, a, an. ARGV: 1 expected version, 2 new state, 3 session TTL, 4 language,
# 5 language TTL, 6 opt-out op, 7 opt-out TTL, 8 replies, 9 dedupe TTL, 10 reply TTL, 11 handoff TTL,
# 12 forget, 13 number of handoff fields, 14 the MessageSid's digest, 15 number of report counters,
# 16 reports TTL, 17 number of word counters, 18 words TTL, 19 the day, 20 replay TTL, 21 the alerts
# change ('' or JSON: see ALERTS below), then the handoff fields, the counters, the word counters, the
# thread entries. KEYS[14] and KEYS[15]: the day's report and words keys, when given (single server only:
# they are not in the texter's hash slot). The word counters are also added to w (field "<day>|<field>"),
# so a deletion can take them back out.
# A deletion (forget) writes nothing about the texter: its MessageSid and replies go to the g key, which
# names no one. Every applied MessageSid is marked in m, which names no one either.
_COMMIT = """
local gone = redis.call('GET', KEYS[9])
if gone then return {1, gone} end
if redis.call('HEXISTS', KEYS[2], ARGV[14]) == 1 then return {1, redis.call('HGET', KEYS[6], ARGV[14])} end
if redis.call('EXISTS', KEYS[10]) == 1 then return {1, ''} end
local cur = redis.call('GET', KEYS[1])
local version = '0'
if cur then version = string.match(cur, '^(%d+)|') or '0' end
if version ~= ARGV[1] then return {2} end
local nfields, ncounts, nwords = tonumber(ARGV[13]), tonumber(ARGV[15]), tonumber(ARGV[17])
local first = 22
local counts_at = first + nfields * 2
local words_at = counts_at + ncounts * 2
local thread_at = words_at + nwords * 2
if ncounts > 0 and #KEYS >= 14 then
  for i = counts_at, words_at - 1, 2 do redis.call('HINCRBY', KEYS[14], ARGV[i], ARGV[i + 1]) end
  redis.call('EXPIRE', KEYS[14], ARGV[16])
end
if nwords > 0 then
  for i = words_at, thread_at - 1, 2 do
    redis.call('HINCRBY', KEYS[11], ARGV[19] .. '|' .. ARGV[i], ARGV[i + 1])
    if #KEYS >= 15 then redis.call('HINCRBY', KEYS[15], ARGV[i], ARGV[i + 1]) end
  end
  redis.call('EXPIRE', KEYS[11], tonumber(ARGV[18]) + 86400)
  if #KEYS >= 15 then redis.call('EXPIRE', KEYS[15], ARGV[18]) end
end
redis.call('SET', KEYS[10], '1', 'EX', ARGV[20])
if ARGV[21] ~= '' then
ALERTS
end
if ARGV[12] == '1' then
  redis.call('DEL', KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7], KEYS[8])
  redis.call('SET', KEYS[9], ARGV[8], 'EX', ARGV[9])
  return {0}
end
redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])
if ARGV[6] == 'set' then redis.call('SET', KEYS[3], '1', 'EX', ARGV[7])
elseif ARGV[6] == 'del' then redis.call('DEL', KEYS[3]) end
if nfields > 0 then redis.call('HSET', KEYS[4], unpack(ARGV, first, counts_at - 1)) end
if #ARGV >= thread_at then
  redis.call('RPUSH', KEYS[5], unpack(ARGV, thread_at, #ARGV))
  redis.call('LTRIM', KEYS[5], -THREAD_MAX, -1)
end
if nfields > 0 or #ARGV >= thread_at then
  redis.call('EXPIRE', KEYS[4], ARGV[11])
  redis.call('EXPIRE', KEYS[5], ARGV[11])
end
if redis.call('HLEN', KEYS[2]) > SEEN_MAX then redis.call('DEL', KEYS[2]) end
local lang = ARGV[4]
if lang == '' then lang = redis.call('HGET', KEYS[2], 'l') end
if lang then
  redis.call('HSET', KEYS[2], 'l', lang, ARGV[14], '1')
  redis.call('EXPIRE', KEYS[2], math.max(tonumber(ARGV[5]), tonumber(ARGV[9])))
else
  redis.call('HSET', KEYS[2], ARGV[14], '1')
  redis.call('EXPIRE', KEYS[2], ARGV[9])
end
if redis.call('HLEN', KEYS[6]) >= REPLIES_MAX then redis.call('DEL', KEYS[6]) end
redis.call('HSET', KEYS[6], ARGV[14], ARGV[8])
redis.call('EXPIRE', KEYS[6], ARGV[10])
return {0}
""".replace("THREAD_MAX", str(THREAD_MAX)).replace("SEEN_MAX", str(SEEN_MAX)).replace(
    "REPLIES_MAX", str(REPLIES_MAX)).replace("ALERTS", _ALERTS)

_CLOSE = """
local status = redis.call('HGET', KEYS[1], 'status')
if status == false or status == 'closed' then return 0 end
if ARGV[3] ~= '' and (status ~= 'claimed' or redis.call('HGET', KEYS[1], 'claimed_by') ~= ARGV[3]) then
  return 0
end
redis.call('HSET', KEYS[1], 'status', 'closed', 'closed', ARGV[1])
redis.call('EXPIRE', KEYS[1], ARGV[2])
redis.call('EXPIRE', KEYS[2], ARGV[2])
redis.call('EXPIRE', KEYS[3], ARGV[2])
return 1
"""

# Claim: one volunteer per conversation. Returns {1, '', first} when claimed now (first: 1 on this
# handoff's first claim), {2, holder} when already claimed (by holder), {0, status} when nothing waits.
_CLAIM = """
local status = redis.call('HGET', KEYS[1], 'status')
if status == false then return {0, ''} end
if status == 'claimed' then return {2, redis.call('HGET', KEYS[1], 'claimed_by') or ''} end
if status ~= 'waiting' then return {0, status} end
redis.call('HSET', KEYS[1], 'status', 'claimed', 'claimed_by', ARGV[1], 'claimed_at', ARGV[2])
local created = redis.call('HGET', KEYS[1], 'created') or ''
if redis.call('HGET', KEYS[1], 'first_claim') == created then return {1, '', 0} end
redis.call('HSET', KEYS[1], 'first_claim', created)
return {1, '', 1}
"""

# First volunteer message of a handoff: returns the seconds since the texter asked (ARGV[1] is now),
# or -1 when the handoff is gone or its first message was already counted.
_FIRST_REPLY = """
local created = redis.call('HGET', KEYS[1], 'created')
if created == false or redis.call('HGET', KEYS[1], 'first_reply') == created then return -1 end
redis.call('HSET', KEYS[1], 'first_reply', created)
return math.max(tonumber(ARGV[1]) - (tonumber(created) or 0), 0)
"""

# Release: back to waiting, by the holder (or anyone when ARGV[2] is '1'). Returns {1, created} or
# {0, status or holder}.
_RELEASE = """
local status = redis.call('HGET', KEYS[1], 'status')
if status ~= 'claimed' then return {0, status or ''} end
local holder = redis.call('HGET', KEYS[1], 'claimed_by') or ''
if holder ~= ARGV[1] and ARGV[2] ~= '1' then return {0, holder} end
redis.call('HSET', KEYS[1], 'status', 'waiting')
redis.call('HDEL', KEYS[1], 'claimed_by', 'claimed_at')
return {1, redis.call('HGET', KEYS[1], 'created') or '0'}
"""

# Append to a thread whose handoff exists; an open handoff lives on for HANDOFF_TTL.
_APPEND = """
local status = redis.call('HGET', KEYS[1], 'status')
if status == false then return 0 end
redis.call('RPUSH', KEYS[2], ARGV[1])
redis.call('LTRIM', KEYS[2], -THREAD_MAX, -1)
if status ~= 'closed' then
  redis.call('EXPIRE', KEYS[1], ARGV[2])
  redis.call('EXPIRE', KEYS[2], ARGV[2])
  redis.call('EXPIRE', KEYS[3], ARGV[2])
else
  redis.call('EXPIRE', KEYS[2], redis.call('TTL', KEYS[1]))
end
return redis.call('LLEN', KEYS[2])
""".replace("THREAD_MAX", str(THREAD_MAX))

# A login attempt, counted before its password is checked. KEYS: the pair's and the address's counters;
# ARGV: the pair's limit, the address's limit, the window. Returns {1, 0} when counted, {0, seconds left}
# when either is at its limit (then nothing is counted).
_ATTEMPT = """
local limits = {tonumber(ARGV[1]), tonumber(ARGV[2])}
local left = 0
for i = 1, 2 do
  if tonumber(redis.call('GET', KEYS[i]) or '0') >= limits[i] then
    local ttl = redis.call('TTL', KEYS[i])
    if ttl < 1 then ttl = tonumber(ARGV[3]) end
    left = math.max(left, ttl)
  end
end
if left ~= 0 then return {0, left} end
for i = 1, 2 do
  if redis.call('INCR', KEYS[i]) == 1 or redis.call('TTL', KEYS[i]) < 0 then
    redis.call('EXPIRE', KEYS[i], ARGV[3])
  end
end
return {1, 0}
"""

# A successful login: the pair's attempts are forgotten; the address gets its attempt back.
_SUCCEEDED = """
redis.call('DEL', KEYS[1])
if tonumber(redis.call('GET', KEYS[2]) or '0') > 0 then redis.call('DECR', KEYS[2]) end
return 1
"""

_STATUS = """
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
redis.call('EXPIRE', KEYS[2], redis.call('TTL', KEYS[1]))
return 1
"""

# Take a deleted texter's word counts back out of one day's words key: ARGV field, count pairs. A field
# that reaches 0 is removed.
_UNCOUNT = """
for i = 1, #ARGV, 2 do
  if redis.call('HEXISTS', KEYS[1], ARGV[i]) == 1 then
    if redis.call('HINCRBY', KEYS[1], ARGV[i], -tonumber(ARGV[i + 1])) <= 0 then
      redis.call('HDEL', KEYS[1], ARGV[i])
    end
  end
end
return 1
"""

# Rewrite the audit stream with one texter's short name (ARGV[1]) replaced by ARGV[2]; same entry ids and
# TTL. O(entries), run only on a deletion, and only rewritten when the name occurs. Returns how many.
_ANONYMISE = """
local entries = redis.call('XRANGE', KEYS[1], '-', '+')
local found = 0
for _, e in ipairs(entries) do
  local f = e[2]
  for j = 1, #f, 2 do
    if f[j] == 'texter' and f[j + 1] == ARGV[1] then f[j + 1] = ARGV[2]; found = found + 1 end
  end
end
if found == 0 then return 0 end
local ttl = redis.call('PTTL', KEYS[1])
redis.call('DEL', KEYS[1])
for _, e in ipairs(entries) do redis.call('XADD', KEYS[1], e[1], unpack(e[2])) end
if ttl > 0 then redis.call('PEXPIRE', KEYS[1], ttl) end
return found
"""

# Remove the outbox entries (JSON) whose field "h" is ARGV[1]; returns how many.
_OUTBOX_FORGET = """
local gone = 0
for _, raw in ipairs(redis.call('LRANGE', KEYS[1], 0, -1)) do
  local ok, entry = pcall(cjson.decode, raw)
  if ok and type(entry) == 'table' and entry['h'] == ARGV[1] then
    gone = gone + redis.call('LREM', KEYS[1], 0, raw)
  end
end
return gone
"""
