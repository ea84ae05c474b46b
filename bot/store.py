"""Redis: the only module that knows key names and TTLs. Two round trips per inbound message.

Every key about one texter carries the texter's pseudonym as its hash tag, {h}, so that the same
scripts run on Redis Cluster. Keys (prefix P, default "hb:"):
  P s:{h}          session state "version|json"           SESSION_TTL, renewed by each message
  P p:{h}          profile hash: language (field l) and the MessageSids seen (11-character digests)
                   LANGUAGE_TTL once a language is known (else DEDUPE_TTL), renewed by each message
  P o:{h}          opted out (STOP)                        OPTOUT_TTL
  P h:{h}          handoff record (hash)                   HANDOFF_TTL, renewed by activity
  P t:{h}          handoff thread (list of JSON entries)   as the handoff record
  P r:{h}          the last replies, by MessageSid digest   REPLY_TTL (short: retries come quickly)
  P d:{h}          delivery status of handoff messages     as the handoff record
  P n:{h}          messages in the current rate window     60 seconds (RATE_LIMIT)
  P queue          pseudonyms waiting for a person (zset)  HANDOFF_TTL, renewed by each handoff
  P claimed        pseudonyms a volunteer has claimed      HANDOFF_TTL, renewed by each claim
  P x:{h}:<token>  a volunteer's send, done once           DEDUPE_TTL
  P outbox         messages "sent" without Twilio (list)   HANDOFF_TTL (development: see the thread)
Not about any one texter (names no number; pseudonyms appear only in their short form):
  P users          volunteer and staff accounts (hash email -> JSON)      no expiry
  P settings       staff settings: office hours, templates... (hash)      no expiry
  P audit          who claimed, replied, revealed, closed (stream)        entries older than AUDIT_TTL trimmed
  P lf:<kind>:<d>  failed logins per account or address (digest d)        the rate-limit window
  P notify         on-call SMS sent recently                              the notification interval
  P report:<day>   counters for staff reports (hash field -> count; see   REPORTS_TTL after the day's
                   bot/reports.py), day YYYY-MM-DD in the office's zone   last count
The handoff record's fields: status (waiting|claimed|closed), lang, topic, channel, created, updated
(the texter's last message), number (encrypted), claimed_by, claimed_at, closed; first_claim and
first_reply hold the `created` of the handoff whose first claim / first volunteer message was counted
for the reports (a texter's later handoff reuses the record).

Report counters ride in the commit script on a single server (no extra round trip). On Redis Cluster a
script may only touch one hash slot, and the day's report key is not in the texter's, so there the
counts go in a separate pipelined call after a successful commit: a third round trip, cluster only.


The script's versions belong to no texter and never expire. They share the hash tag {script}:
  P {script}:seq     last version number handed out
  P {script}:head    "<number>:<token>" of the published version; the token changes on every publish
  P {script}:log     hash: version number -> JSON of who, when, note (history without the bundles)
  P {script}:v:<n>   version n: compressed JSON of its bundle (see bot/bundle.py)
  P {script}:draft   the staff's draft: "<revision>|" + compressed JSON {base, who, when, bundle}
  P {script}:files   fingerprint of the shipped files last published from locales/
"""
import hashlib
import base64
import hashlib
import json
import time
import uuid
from dataclasses import dataclass

from redis.cluster import RedisCluster

SCRIPT_TAG = "{script}"
ANY = object()  # publish() without a condition on the published version

THREAD_MAX = 500
# MessageSids remembered per texter: retries come within minutes, so a chatty texter's oldest are
# dropped together rather than growing the hash without bound.
SEEN_MAX = 200
REPLIES_MAX = 20  # replies kept for retries: Twilio retries within seconds, so the last few suffice
FIXED_KINDS = ("s", "p", "o", "h", "t", "d", "n", "r")  # per-texter keys whose names need no MessageSid

_LOAD = """
local reply = redis.call('HGET', KEYS[5], ARGV[4])
if reply then return {1, reply} end
if redis.call('HEXISTS', KEYS[2], ARGV[4]) == 1 then return {2} end
local limit = tonumber(ARGV[1])
if ARGV[2] == '1' and limit > 0 then
  local n = redis.call('INCR', KEYS[6])
  if n == 1 or redis.call('TTL', KEYS[6]) < 0 then redis.call('EXPIRE', KEYS[6], ARGV[3]) end
  if n > limit then return {3, n, redis.call('HGET', KEYS[2], 'l')} end
end
return {0, redis.call('GET', KEYS[1]), redis.call('HGET', KEYS[2], 'l'),
        redis.call('EXISTS', KEYS[3]), redis.call('HGET', KEYS[4], 'status')}
"""

# KEYS: s, p, o, h, t, r, d, n. ARGV: 1 expected version, 2 new state, 3 session TTL, 4 language,
# 5 language TTL, 6 opt-out op, 7 opt-out TTL, 8 replies, 9 dedupe TTL, 10 reply TTL, 11 handoff TTL,
# 12 forget, 13 number of handoff fields, 14 the MessageSid's digest, 15 number of report counters,
# 16 reports TTL, then the handoff fields, the counters, the thread entries. KEYS[9]: the day's report
# key, when counters are given (single server only: it is not in the texter's hash slot).
_COMMIT = """
if redis.call('HEXISTS', KEYS[2], ARGV[14]) == 1 then return {1, redis.call('HGET', KEYS[6], ARGV[14])} end
local cur = redis.call('GET', KEYS[1])
local version = '0'
if cur then version = string.match(cur, '^(%d+)|') or '0' end
if version ~= ARGV[1] then return {2} end
local nfields, ncounts = tonumber(ARGV[13]), tonumber(ARGV[15])
local first = 17
local counts_at = first + nfields * 2
local thread_at = counts_at + ncounts * 2
if ncounts > 0 then
  for i = counts_at, thread_at - 1, 2 do redis.call('HINCRBY', KEYS[9], ARGV[i], ARGV[i + 1]) end
  redis.call('EXPIRE', KEYS[9], ARGV[16])
end
if ARGV[12] == '1' then
  redis.call('DEL', KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[7], KEYS[8])
  redis.call('HSET', KEYS[2], ARGV[14], '1')
  redis.call('EXPIRE', KEYS[2], ARGV[9])
  redis.call('DEL', KEYS[6])
  redis.call('HSET', KEYS[6], ARGV[14], ARGV[8])
  redis.call('EXPIRE', KEYS[6], ARGV[10])
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
    "REPLIES_MAX", str(REPLIES_MAX))

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

_FAILURE = """
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return {n, redis.call('TTL', KEYS[1])}
"""
OUTBOX_MAX = 200

_STATUS = """
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
redis.call('EXPIRE', KEYS[2], redis.call('TTL', KEYS[1]))
return 1
"""


@dataclass(frozen=True)
class Loaded:
    """What the first round trip found for a texter and a MessageSid."""

    duplicate: bool
    limited: int = 0         # past RATE_LIMIT: the message's number in the window; nothing was loaded
    replies: list = None
    state: str = None
    version: int = 0
    lang: str = None
    opted_out: bool = False
    handoff_status: str = None


@dataclass
class Changes:
    """What the second round trip writes, besides the session state."""

    lang: str = None
    opt_out: str = ""        # "set", "del" or ""
    handoff: dict = None     # fields of the handoff record to set
    thread: list = None      # JSON-able entries to append to the thread
    forget: bool = False     # delete everything about the texter instead of saving
    report: tuple = None     # (day, {field: increment}): report counters, counted only if this commits


class Store:
    """Conversation state in Redis, with TTLs from the settings."""

    def __init__(self, redis, prefix, ttl, rate_limit=0):
        """Wrap a redis client; ttl maps session, language, optout, handoff, dedupe, reply, closed, audit,
        rate; rate_limit is the messages a texter may send in ttl["rate"] seconds (0: no limit)."""
        self.redis, self.prefix, self.ttl, self.rate_limit = redis, prefix, ttl, rate_limit
        self.cluster = isinstance(redis, RedisCluster)
        self._load = redis.register_script(_LOAD)
        self._commit = redis.register_script(_COMMIT)
        self._close = redis.register_script(_CLOSE)
        self._status = redis.register_script(_STATUS)
        self._claim = redis.register_script(_CLAIM)
        self._release = redis.register_script(_RELEASE)
        self._append = redis.register_script(_APPEND)
        self._failure = redis.register_script(_FAILURE)
        self._first_reply = redis.register_script(_FIRST_REPLY)

    def key(self, kind, h, suffix=""):
        """Return the key of one kind for texter h ({h} is the cluster hash tag)."""
        return f"{self.prefix}{kind}:{{{h}}}{suffix}"


    def load(self, h, sid, count=True):
        """Return what is known of texter h, or the cached reply when sid was already answered.

        count: this is a new message to count against the rate limit (not a retry of the same one).
        """
        k = self.key
        found = self._load(keys=[k("s", h), k("p", h), k("o", h), k("h", h), k("r", h), k("n", h)],
                           args=[self.rate_limit, "1" if count else "0", self.ttl["rate"], _seen(sid)])
        if found[0] == 1:
            return Loaded(duplicate=True, replies=json.loads(found[1]))
        if found[0] == 2:  # answered long ago: the reply has expired, and nothing is done twice
            return Loaded(duplicate=True, replies=[])
        if found[0] == 3:
            return Loaded(duplicate=False, limited=int(found[1]), lang=_text(found[2]))
        _, raw, lang, opted, status = found
        version, _, state = (_text(raw) or "0|").partition("|")
        return Loaded(duplicate=False, state=state or None, version=int(version or 0), lang=_text(lang),
                      opted_out=bool(opted), handoff_status=_text(status))

    def commit(self, h, sid, loaded, state_json, replies, changes):
        """Write one step's result if nobody else changed the conversation since load().

        Returns ("ok", None), ("conflict", None), or ("duplicate", replies) when another request
        with the same MessageSid got there first. changes.report is counted in the same script, except
        on Redis Cluster, where the caller passes it to count() after an "ok".
        """
        k, ttl = self.key, self.ttl
        fields = [str(x) for pair in (changes.handoff or {}).items() for x in pair]
        keys = [k("s", h), k("p", h), k("o", h), k("h", h), k("t", h), k("r", h), k("d", h), k("n", h)]
        counts = []
        if changes.report and changes.report[1] and not self.cluster:  # cluster: see count()
            keys.append(self.report_key(changes.report[0]))
            counts = [str(x) for pair in changes.report[1].items() for x in pair]
        args = [str(loaded.version), f"{loaded.version + 1}|{state_json}", ttl["session"],
                changes.lang or "", ttl["language"], changes.opt_out, ttl["optout"],
                json.dumps(replies, ensure_ascii=False), ttl["dedupe"], ttl["reply"], ttl["handoff"],
                "1" if changes.forget else "0", len(fields) // 2, _seen(sid), len(counts) // 2, ttl["reports"],
                *fields, *counts,
                *(json.dumps(e, ensure_ascii=False, separators=(",", ":")) for e in changes.thread or ())]
        result = self._commit(keys=keys, args=args)
        if result[0] == 0:
            return "ok", None
        if result[0] == 1:
            return "duplicate", json.loads(result[1]) if result[1] else []
        return "conflict", None

    def enqueue(self, h, created):
        """Put texter h in the queue of conversations waiting for a person."""
        queue = f"{self.prefix}queue"
        pipe = self.redis.pipeline(transaction=False)
        pipe.zadd(queue, {h: created})
        pipe.expire(queue, self.ttl["handoff"])
        pipe.execute()

    def waiting(self):
        """Return the pseudonyms waiting for a person, oldest first."""
        return [_text(h) for h in self.redis.zrange(f"{self.prefix}queue", 0, -1)]

    def waiting_since(self):
        """Return when each waiting conversation asked for a person (epoch seconds)."""
        return [score for _, score in self.redis.zrange(f"{self.prefix}queue", 0, -1, withscores=True)]

    def handoff(self, h):
        """Return the handoff record of texter h as a dict (empty when none)."""
        return {_text(k): _text(v) for k, v in self.redis.hgetall(self.key("h", h)).items()}

    def thread(self, h):
        """Return the handoff thread of texter h, oldest first."""
        return [json.loads(e) for e in self.redis.lrange(self.key("t", h), 0, -1)]

    def close_handoff(self, h, now, holder="", report=None):
        """Close texter h's open handoff (only if holder claimed it, when given); keep the thread
        CLOSED_TTL. report, (day, {field: increment}), is counted when it closes."""
        closed = self._close(keys=[self.key("h", h), self.key("t", h), self.key("d", h)],
                             args=[int(now), self.ttl["closed"], holder or ""])
        if closed:
            pipe = self.redis.pipeline(transaction=False)
            pipe.zrem(f"{self.prefix}queue", h)
            pipe.zrem(f"{self.prefix}claimed", h)
            self._count(pipe, report)
            pipe.execute()
        return bool(closed)

    def claim(self, h, who, now, report=None):
        """Claim texter h's waiting handoff for who; return ("claimed"|"taken"|"gone", holder or status).

        report, (day, {field: increment}), is counted on the handoff's first claim only.
        """
        found = self._claim(keys=[self.key("h", h)], args=[who, int(now)])
        result, detail = found[0], found[1]
        if result == 1:
            pipe = self.redis.pipeline(transaction=False)
            pipe.zrem(f"{self.prefix}queue", h)
            pipe.zadd(f"{self.prefix}claimed", {h: now})
            pipe.expire(f"{self.prefix}claimed", self.ttl["handoff"])
            if found[2] == 1:
                self._count(pipe, report)
            pipe.execute()
            return "claimed", who
        return ("taken" if result == 2 else "gone"), _text(detail)

    def first_reply(self, h, now):
        """Mark the first volunteer message of texter h's handoff; return the seconds the texter had
        waited since asking, or None when it is not the first (or the handoff is gone)."""
        waited = self._first_reply(keys=[self.key("h", h)], args=[int(now)])
        return None if waited < 0 else int(waited)

    def release(self, h, who, force=False):
        """Hand texter h back to the queue (who must hold it, unless force); return True if released."""
        result, created = self._release(keys=[self.key("h", h)], args=[who, "1" if force else ""])
        if result != 1:
            return False
        pipe = self.redis.pipeline(transaction=False)
        pipe.zrem(f"{self.prefix}claimed", h)
        pipe.zadd(f"{self.prefix}queue", {h: float(_text(created) or 0)})
        pipe.expire(f"{self.prefix}queue", self.ttl["handoff"])
        pipe.execute()
        return True

    def claimed(self):
        """Return the pseudonyms a volunteer has claimed, oldest claim first."""
        return [_text(h) for h in self.redis.zrange(f"{self.prefix}claimed", 0, -1)]

    def handoffs(self, pseudonyms):
        """Return {h: handoff record} for several texters in one round trip (missing ones left out)."""
        pipe = self.redis.pipeline(transaction=False)
        for h in pseudonyms:
            pipe.hgetall(self.key("h", h))
        found = {}
        for h, raw in zip(pseudonyms, pipe.execute()):
            if raw:
                found[h] = {_text(k): _text(v) for k, v in raw.items()}
        return found

    def drop_from_lists(self, h):
        """Remove texter h from the queue and the claimed list (its handoff has expired)."""
        pipe = self.redis.pipeline(transaction=False)
        pipe.zrem(f"{self.prefix}queue", h)
        pipe.zrem(f"{self.prefix}claimed", h)
        pipe.execute()

    def append_thread(self, h, entry):
        """Append an entry (a volunteer's reply, a note) to texter h's thread; False when none exists."""
        raw = json.dumps(entry, ensure_ascii=False, separators=(",", ":"))
        return bool(self._append(keys=[self.key("h", h), self.key("t", h), self.key("d", h)],
                                 args=[raw, self.ttl["handoff"]]))

    def once(self, h, token):
        """Return True the first time token is used for texter h (a send is never done twice)."""
        return bool(self.redis.set(self.key("x", h, ":" + token), "1", nx=True, ex=self.ttl["dedupe"]))

    # -- things not about one texter ----------------------------------------------------------------

    def report_key(self, day):
        """Return the key of one day's report counters (day: "YYYY-MM-DD")."""
        return f"{self.prefix}report:{day}"

    def _count(self, pipe, report):
        """Queue report counters, (day, {field: increment}), on a pipeline."""
        if not report or not report[1]:
            return
        key = self.report_key(report[0])
        for field, increment in report[1].items():
            pipe.hincrby(key, field, int(increment))
        pipe.expire(key, self.ttl["reports"])

    def count(self, report):
        """Add report counters, (day, {field: increment}), in one round trip."""
        pipe = self.redis.pipeline(transaction=False)
        self._count(pipe, report)
        if len(pipe):
            pipe.execute()

    def report_days(self, days):
        """Return {field: count} for each day ("YYYY-MM-DD") in days, in one round trip."""
        if not days:
            return []
        pipe = self.redis.pipeline(transaction=False)
        for day in days:
            pipe.hgetall(self.report_key(day))
        return [{_text(k): int(v) for k, v in raw.items()} for raw in pipe.execute()]

    def audit(self, who, action, texter="", now=None, **detail):
        """Record who did what to which conversation (its short name); never a body or a number."""
        now = time.time() if now is None else now
        fields = {"at": int(now), "who": who, "action": action, "texter": texter, **detail}
        key = f"{self.prefix}audit"
        pipe = self.redis.pipeline(transaction=False)
        pipe.xadd(key, {k: str(v) for k, v in fields.items()},
                  minid=max(int((time.time() - self.ttl["audit"]) * 1000), 0), approximate=False)
        pipe.expire(key, self.ttl["audit"])
        pipe.execute()

    def audit_log(self, count=200):
        """Return the newest audit entries, newest first."""
        entries = self.redis.xrevrange(f"{self.prefix}audit", count=count)
        return [{_text(k): _text(v) for k, v in fields.items()} for _, fields in entries]

    def users(self):
        """Return {email: account JSON} for every account."""
        return {_text(k): json.loads(v) for k, v in self.redis.hgetall(f"{self.prefix}users").items()}

    def user(self, email):
        """Return one account as a dict, or None."""
        raw = self.redis.hget(f"{self.prefix}users", email)
        return json.loads(raw) if raw else None

    def save_user(self, email, record, new=False):
        """Store an account; with new=True refuse (return False) when the email is taken."""
        raw = json.dumps(record, separators=(",", ":"))
        if new:
            return bool(self.redis.hsetnx(f"{self.prefix}users", email, raw))
        self.redis.hset(f"{self.prefix}users", email, raw)
        return True

    def staff_settings(self):
        """Return the settings staff made in /admin, {name: value}."""
        raw = self.redis.hgetall(f"{self.prefix}settings")
        return {_text(k): json.loads(v) for k, v in raw.items()}

    def save_staff_settings(self, values):
        """Store staff settings ({name: JSON-able value}); None deletes a setting."""
        pipe = self.redis.pipeline(transaction=True)
        for name, value in values.items():
            if value is None:
                pipe.hdel(f"{self.prefix}settings", name)
            else:
                pipe.hset(f"{self.prefix}settings", name, json.dumps(value, separators=(",", ":")))
        pipe.execute()

    def _failure_key(self, kind, ident):
        """Return the key counting failed logins for an account or address, named by a digest."""
        digest = hashlib.sha256(ident.encode("utf-8")).hexdigest()[:24]
        return f"{self.prefix}lf:{kind}:{digest}"

    def login_failure(self, kind, ident, window):
        """Count one failed login for (kind, ident); return (failures in the window, seconds left)."""
        count, left = self._failure(keys=[self._failure_key(kind, ident)], args=[int(window)])
        return int(count), int(left)

    def login_failures(self, kind, ident):
        """Return (failures in the current window, seconds left) for (kind, ident)."""
        key = self._failure_key(kind, ident)
        pipe = self.redis.pipeline(transaction=False)
        pipe.get(key)
        pipe.ttl(key)
        count, left = pipe.execute()
        return int(count or 0), max(int(left), 0)

    def clear_login_failures(self, kind, ident):
        """Forget failed logins for (kind, ident) after a successful one."""
        self.redis.delete(self._failure_key(kind, ident))

    def notify_due(self, interval):
        """Return True when no on-call notification went out in the last interval seconds."""
        return bool(self.redis.set(f"{self.prefix}notify", "1", nx=True, ex=max(int(interval), 1)))

    def outbox_add(self, entry):
        """Keep a message that would have gone through Twilio (development without Twilio)."""
        key = f"{self.prefix}outbox"
        pipe = self.redis.pipeline(transaction=False)
        pipe.rpush(key, json.dumps(entry, ensure_ascii=False, separators=(",", ":")))
        pipe.ltrim(key, -OUTBOX_MAX, -1)
        pipe.expire(key, self.ttl["handoff"])
        pipe.execute()

    def outbox(self):
        """Return the local outbox, oldest first."""
        return [json.loads(e) for e in self.redis.lrange(f"{self.prefix}outbox", 0, -1)]

    def record_status(self, h, sid, status):
        """Record a delivery status for a message of a handoff thread; ignored when there is none."""
        return bool(self._status(keys=[self.key("h", h), self.key("d", h)], args=[sid, status]))

    def statuses(self, h):
        """Return {MessageSid: delivery status} for texter h's handoff messages."""
        return {_text(k): _text(v) for k, v in self.redis.hgetall(self.key("d", h)).items()}

    def forget(self, h):
        """Delete every key about texter h (its queue and claimed entries too); return how many.

        The names of most keys are computed; those that carry a MessageSid or a token are found in the
        one hash slot that holds every key of h: on Redis Cluster by asking that slot's primary,
        otherwise by SCAN (O(keys in the database); deletions are rare).
        """
        keys = {self.key(kind, h) for kind in FIXED_KINDS} | set(self._keys_of(h))
        removed = self.redis.delete(*keys)
        self.drop_from_lists(h)
        return removed

    def _keys_of(self, h):
        """Return the names of the existing keys of texter h that carry a MessageSid or other suffix."""
        tag = f"{{{h}}}"
        if self.cluster:
            slot = self.redis.keyslot(self.key("s", h))
            total = self.redis.cluster_countkeysinslot(slot)
            found = self.redis.cluster_get_keys_in_slot(slot, total) if total else []
        else:
            found = self.redis.scan_iter(match=f"{_glob_escape(self.prefix)}*{tag}*", count=1000)
        names = (_text(k) for k in found)
        return [k for k in names if k.startswith(self.prefix) and tag in k]

    def ping(self):
        """Return True when Redis answers."""
        return bool(self.redis.ping())


class VersionStore:
    """The script's published versions and the staff's draft, in Redis with no expiry."""

    def __init__(self, redis, prefix):
        """Wrap a redis client; every key starts with prefix and carries the {script} hash tag."""
        self.redis, self.prefix = redis, prefix

    def key(self, name):
        """Return the key of one part of the script's storage."""
        return f"{self.prefix}{SCRIPT_TAG}:{name}"

    def head(self):
        """Return (number, stamp) of the published version, or None when there is none.

        One GET: this is what every web worker polls to notice a new version.
        """
        raw = _text(self.redis.get(self.key("head")))
        if not raw:
            return None
        number, _, _ = raw.partition(":")
        return int(number), raw

    def version(self, number):
        """Return the stored bytes of version number (compressed JSON), or None."""
        return self.redis.get(self.key(f"v:{int(number)}"))

    def info(self, number):
        """Return the log record (dict) of version number, or None."""
        raw = self.redis.hget(self.key("log"), str(int(number)))
        return json.loads(raw) if raw else None

    def log(self):
        """Return every version's log record, oldest first."""
        records = [json.loads(v) for v in self.redis.hvals(self.key("log"))]
        return sorted(records, key=lambda r: r["number"])

    def files_fingerprint(self):
        """Return the fingerprint of the shipped files last published, or None."""
        return _text(self.redis.get(self.key("files")))

    def publish(self, blob, record, expect_head=ANY, draft_rev=None, files=None):
        """Add a version and make it the published one, atomically; return its number.

        blob is the version's bytes (bot.bundle.encode); record is its log entry (number is added).
        Returns None, writing nothing, when the published version is not expect_head (a number, or
        None for "no version yet"), or when draft_rev is given and the draft is not at that revision
        (the draft is deleted when it is). files records the shipped files' fingerprint.
        """
        watched = [self.key(k) for k in ("seq", "head", "draft")]

        def attempt(pipe):
            head = _text(pipe.get(self.key("head")))
            current = int(head.partition(":")[0]) if head else None
            if expect_head is not ANY and current != expect_head:
                return None
            if draft_rev is not None and self._draft_rev(pipe.get(self.key("draft"))) != draft_rev:
                return None
            number = max(int(pipe.get(self.key("seq")) or 0), current or 0) + 1
            pipe.multi()
            pipe.set(self.key("seq"), number)
            pipe.set(self.key(f"v:{number}"), blob)
            pipe.hset(self.key("log"), str(number), json.dumps({**record, "number": number}))
            pipe.set(self.key("head"), f"{number}:{uuid.uuid4().hex[:12]}")
            if draft_rev is not None:
                pipe.delete(self.key("draft"))
            if files:
                pipe.set(self.key("files"), files)
            return number

        return self.redis.transaction(attempt, *watched, value_from_callable=True)

    @staticmethod
    def _draft_rev(raw):
        """Return the revision written in front of a stored draft, or None."""
        if not raw:
            return None
        rev, _, _ = raw.partition(b"|")
        return int(rev)

    def draft(self):
        """Return (revision, bytes) of the draft, or None when there is none."""
        raw = self.redis.get(self.key("draft"))
        if not raw:
            return None
        rev, _, blob = raw.partition(b"|")
        return int(rev), blob

    def save_draft(self, change):
        """Replace the draft atomically: change(current (rev, bytes) or None) returns new bytes or None.

        Returns the new revision, or None when change returned None (nothing written). A concurrent
        edit makes change run again on the newer draft.
        """
        def attempt(pipe):
            raw = pipe.get(self.key("draft"))
            current = None
            if raw:
                rev, _, blob = raw.partition(b"|")
                current = int(rev), blob
            blob = change(current)
            if blob is None:
                return None
            rev = (current[0] if current else 0) + 1
            pipe.multi()
            pipe.set(self.key("draft"), str(rev).encode() + b"|" + blob)
            return rev

        return self.redis.transaction(attempt, self.key("draft"), value_from_callable=True)

    def delete_draft(self):
        """Delete the draft; return True when there was one."""
        return bool(self.redis.delete(self.key("draft")))

    def replace_all(self, versions, draft=None):
        """Replace every stored version with versions [(record, bytes)] (a backup), and the draft.

        The published version becomes the highest number, with a new stamp so every worker reloads.
        """
        keys = list(self.redis.scan_iter(match=f"{self.prefix}{SCRIPT_TAG}:*", count=1000))
        newest = max(record["number"] for record, _ in versions)
        pipe = self.redis.pipeline(transaction=True)
        if keys:
            pipe.delete(*keys)
        for record, blob in versions:
            pipe.set(self.key(f"v:{record['number']}"), blob)
            pipe.hset(self.key("log"), str(record["number"]), json.dumps(record))
        pipe.set(self.key("seq"), newest)
        files = [r for r, _ in versions if r.get("source") == "files"]
        if files:
            pipe.set(self.key("files"), max(files, key=lambda r: r["number"])["fingerprint"])
        if draft is not None:
            pipe.set(self.key("draft"), b"1|" + draft)
        pipe.set(self.key("head"), f"{newest}:{uuid.uuid4().hex[:12]}")
        pipe.execute()


def _seen(sid):
    """Return the short digest a MessageSid is remembered by (in the texter's m hash)."""
    return base64.urlsafe_b64encode(hashlib.blake2b(sid.encode(), digest_size=8).digest())[:11].decode()


def _glob_escape(text):
    """Return text with Redis glob characters escaped, for a SCAN pattern."""
    return "".join("\\" + ch if ch in "*?[]\\" else ch for ch in text)


def _text(value):
    """Return a Redis reply as str (or None)."""
    if value is None:
        return None
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
