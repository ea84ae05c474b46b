"""The Lua scripts the store runs on Redis: one round trip each, atomic per texter (keys in bot/storage/store.py)."""

THREAD_MAX = 500

# The two scripts of an inbound message take the TTLs and the rate limit written into their text (the
# store's settings, fixed for its life: see load_script() and commit_script()), so each call sends only
# what changes from message to message.

# KEYS: s, p, o, h, r, n, g (the MessageSid's "gone" key: the confirmation of a deletion, kept nameless),
# m (the MessageSid's nameless "applied" mark, kept REPLAY_TTL whatever becomes of the texter), a (the
# subscription to alerts: when it was given, its state and the last alert sent, read with the rest).
# ARGV: 1 count this message against the rate limit ("1"/"0"), 2 the MessageSid's digest.
_LOAD = """
local gone = redis.call('GET', KEYS[7])
if gone then return {4, gone} end
local last = redis.pcall('GET', KEYS[5])  -- (a hash of replies before issue 24: read as none)
if type(last) == 'string' and string.sub(last, 1, #ARGV[2]) == ARGV[2] then
  return {1, string.sub(last, #ARGV[2] + 1)}
end
if redis.call('EXISTS', KEYS[8]) == 1 then return {2} end
if ARGV[1] == '1' and RATE_LIMIT > 0 then
  local n = redis.call('INCR', KEYS[6])
  if n == 1 or redis.call('TTL', KEYS[6]) < 0 then redis.call('EXPIRE', KEYS[6], RATE_TTL) end
  if n > RATE_LIMIT then return {3, n, redis.call('HGET', KEYS[2], 'l')} end
end
return {0, redis.call('GET', KEYS[1]), redis.call('HGET', KEYS[2], 'l'),
        redis.call('EXISTS', KEYS[3]), redis.call('HGET', KEYS[4], 'status'),
        redis.call('HMGET', KEYS[9], 'at', 'st', 'last'), redis.call('HGET', KEYS[2], 'ao')}
"""

# The alerts part of a commit (issue 25), the packed object's "a" (ARGV[9]): "del" deletes the
# subscription (BAJA, STOP, BORRAR; "stats" then names KEYS[#KEYS], the last alert's counters, which count
# an unsubscription when that alert is still the subscription's last), "set" is the subscription's fields
# with "ttl", "offered" marks in the profile that alerts were offered once. The number (encrypted) is
# KEYS[13], a string of its own beside the subscription's hash: a value over 64 bytes would cost the hash
# its compact encoding.
_ALERTS = """
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

# KEYS: s, p, o, h, t, r, d, n, g, m, w, a, an. ARGV: 1 expected version, 2 new state, 3 language, 4 opt-out
# op, 5 replies (packed, bot/storage/replies.py), 6 forget ("1"/"0"), 7 the MessageSid's digest, 8 the day,
# 9 the rest packed in one JSON object, or '' when there is none: {"f": handoff fields and values, "c":
# report counters and increments, "w": word counters and increments, "t": thread entries (each a JSON
# text, appended as it is), "a": the alerts change (see _ALERTS above)}, every list flat and of strings.
# KEYS[14] and KEYS[15]: the day's report and words keys, when given (single server only: they are not in
# the texter's hash slot); the last alert's counters come last when the alerts change names them. The
# word counters are also added to w (field "<day>|<field>"), so a deletion can take them back out.
# A deletion (forget) writes nothing about the texter: its MessageSid and replies go to the g key, which
# names no one. Every applied MessageSid is marked in m, which names no one either; a retry is known by
# it, and answered from r while r keeps the replies: r holds the digest and replies of the texter's last
# message, REPLY_TTL (Twilio retries within 15 s; a retry of an earlier message gets an empty answer).
_COMMIT = """
local gone = redis.call('GET', KEYS[9])
if gone then return {1, gone} end
local last = redis.pcall('GET', KEYS[6])
if type(last) == 'string' and string.sub(last, 1, #ARGV[7]) == ARGV[7] then
  return {1, string.sub(last, #ARGV[7] + 1)}
end
if redis.call('EXISTS', KEYS[10]) == 1 then return {1, ''} end
local cur = redis.call('GET', KEYS[1])
local version = '0'
if cur then version = string.match(cur, '^(%d+)|') or '0' end
if version ~= ARGV[1] then return {2} end
local c = {}
if ARGV[9] ~= '' then c = cjson.decode(ARGV[9]) end
local fields, counts, words, thread = c['f'] or {}, c['c'] or {}, c['w'] or {}, c['t'] or {}
if #counts > 0 and #KEYS >= 14 then
  for i = 1, #counts, 2 do redis.call('HINCRBY', KEYS[14], counts[i], counts[i + 1]) end
  redis.call('EXPIRE', KEYS[14], REPORTS_TTL)
end
if #words > 0 then
  for i = 1, #words, 2 do
    redis.call('HINCRBY', KEYS[11], ARGV[8] .. '|' .. words[i], words[i + 1])
    if #KEYS >= 15 then redis.call('HINCRBY', KEYS[15], words[i], words[i + 1]) end
  end
  redis.call('EXPIRE', KEYS[11], WORDS_TTL + 86400)
  if #KEYS >= 15 then redis.call('EXPIRE', KEYS[15], WORDS_TTL) end
end
redis.call('SET', KEYS[10], '1', 'EX', REPLAY_TTL)
local alerts = c['a']
if alerts then
ALERTS
end
if ARGV[6] == '1' then
  redis.call('DEL', KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7], KEYS[8])
  redis.call('SET', KEYS[9], ARGV[5], 'EX', DEDUPE_TTL)
  return {0}
end
redis.call('SET', KEYS[1], ARGV[2], 'EX', SESSION_TTL)
if ARGV[4] == 'set' then redis.call('SET', KEYS[3], '1', 'EX', OPTOUT_TTL)
elseif ARGV[4] == 'del' then redis.call('DEL', KEYS[3]) end
if #fields > 0 then redis.call('HSET', KEYS[4], unpack(fields)) end
if #thread > 0 then
  redis.call('RPUSH', KEYS[5], unpack(thread))
  redis.call('LTRIM', KEYS[5], -THREAD_MAX, -1)
end
if #fields > 0 or #thread > 0 then
  redis.call('EXPIRE', KEYS[4], HANDOFF_TTL)
  redis.call('EXPIRE', KEYS[5], HANDOFF_TTL)
end
local lang = ARGV[3]
if lang == '' then lang = redis.call('HGET', KEYS[2], 'l') end
-- p holds the language and the alerts' offer mark alone (before issue 24 it also held the MessageSids'
-- digests: dropped here, the mark kept)
local ao = redis.call('HGET', KEYS[2], 'ao')
local held = 1
if ao then held = 2 end
if redis.call('HLEN', KEYS[2]) > held then
  redis.call('DEL', KEYS[2])
  if ao then redis.call('HSET', KEYS[2], 'ao', ao) end
end
if lang then redis.call('HSET', KEYS[2], 'l', lang) end
if lang or ao then redis.call('EXPIRE', KEYS[2], LANGUAGE_TTL) end
redis.call('SET', KEYS[6], ARGV[7] .. ARGV[5], 'EX', REPLY_TTL)
return {0}
""".replace("THREAD_MAX", str(THREAD_MAX)).replace("ALERTS", _ALERTS)


def load_script(ttl, rate_limit):
    """Return the load script's text for a store's TTLs (bot/config.py's ttl) and rate limit."""
    return _LOAD.replace("RATE_LIMIT", str(int(rate_limit))).replace("RATE_TTL", str(int(ttl["rate"])))


def commit_script(ttl):
    """Return the commit script's text for a store's TTLs (bot/config.py's ttl)."""
    text = _COMMIT
    for name, kind in (("REPORTS_TTL", "reports"), ("WORDS_TTL", "words"), ("REPLAY_TTL", "replay"),
                       ("DEDUPE_TTL", "dedupe"), ("SESSION_TTL", "session"), ("OPTOUT_TTL", "optout"),
                       ("HANDOFF_TTL", "handoff"), ("LANGUAGE_TTL", "language"), ("REPLY_TTL", "reply")):
        text = text.replace(name, str(int(ttl[kind])))
    return text


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
