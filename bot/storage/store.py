"""Redis: the only module that knows key names and TTLs. Two round trips per inbound message.

Every key about one texter carries the texter's pseudonym as its hash tag, {h}, so that the same
scripts run on Redis Cluster. Keys (prefix P, default "hb:"):
  P s:{h}          session state "version|json"           SESSION_TTL, renewed by each message
  P p:{h}          profile hash: the language (field l)     LANGUAGE_TTL, renewed by each message
                   (a retried MessageSid is known by its nameless m key, below)
  P o:{h}          opted out (STOP)                        OPTOUT_TTL
  P h:{h}          handoff record (hash)                   HANDOFF_TTL, renewed by activity
  P t:{h}          handoff thread (list of JSON entries)   as the handoff record
  P r:{h}          the replies to the last message, after    REPLY_TTL (60 s: Twilio's retries all come within
                   its MessageSid's digest                  15 s of the first try)
  P d:{h}          delivery status of handoff messages     as the handoff record
  P n:{h}          messages in the current rate window     60 seconds (RATE_LIMIT)
  P w:{h}          the words this texter added to the not-understood counts, "<day>|<field>" -> count,
                   so a deletion takes them back out       LANGUAGE_TTL + 1 day, renewed by each count
  P a:{h}          the subscription to alerts (hash: language, state, when given, kinds, this month's
                   count, the alerts sent; bot/storage/alerts.py)
  P an:{h}         the subscriber's number, encrypted (a string beside a:{h}, as long as it)
                                                           ALERTS_TTL (12 months) after it was given or
                                                           renewed; BAJA, STOP and BORRAR delete it
  P queue          pseudonyms waiting for a person (zset)  HANDOFF_TTL, renewed by each handoff
  P claimed        pseudonyms a volunteer has claimed      HANDOFF_TTL, renewed by each claim
  P proposals      pseudonyms with pending proposals (zset) HANDOFF_TTL, expired entries dropped when read
  P x:{h}:<token>  a volunteer's send, done once           DEDUPE_TTL
  P q:{h}          proposed examples from the thread        as the thread, never longer (bot/storage/proposals.py)
  P f:{h}          files the app keeps for the thread (voice  as the thread, a few minutes longer at most
                   replies; /dev/chat's media)                 (bot/storage/files.py)
  P outbox         messages "sent" without Twilio (list)   HANDOFF_TTL (development: see the thread)
                   (each entry carries the texter's pseudonym, so a deletion removes it)
Deleting a texter keeps one key that names nobody, so a Twilio retry of the confirming message gets the
same answer and changes nothing:
  P g:<digest>     replies to a MessageSid that deleted a texter   DEDUPE_TTL
                   (Redis Cluster: P g:{<tag>}:<digest>, the tag chosen to share the texter's slot)
Every applied MessageSid is also marked in a key that names nobody, so a captured request replayed
after a deletion, or after the texter's own keys expired, is answered with nothing and stores nothing:
  P m:<digest>     "1"                                      REPLAY_TTL (7 days); cluster: as g
Not about any one texter (names no number; pseudonyms appear only in their short form):
  P users          volunteer and staff accounts (hash email -> JSON)      no expiry
  P settings       staff settings: office hours, templates... (hash)      no expiry
  P audit          who claimed, replied, revealed, closed (stream)        entries older than AUDIT_TTL trimmed
  P lf:{login}:<kind>:<d>  login attempts per account+address or address   the rate-limit window
                   (digest d; counted before the password is checked, given back on success)
  P notify         on-call SMS sent recently                              the notification interval
  P probe          written by the health probe (a write, not a PING)     10 seconds
  P report:<day>   counters for staff reports (hash field -> count; see   REPORTS_TTL after the day's
                   bot/reports/figures.py), day YYYY-MM-DD in the office's zone   last count
  P words:<day>    words of messages not understood (bot/reports/       LANGUAGE_TTL after the day's
                   unknown_words.py); a deletion subtracts the texter's      last count
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
  P {script}:v:<n>   version n: compressed JSON of its bundle (see bot/conversation/bundle.py)
  P {script}:draft   the staff's draft: "<revision>|" + compressed JSON {base, who, when, bundle}
  P {script}:files   fingerprint of the shipped files last published from locales/
"""
import json
import time

from redis.cluster import RedisCluster
from redis.crc import key_slot

from bot.storage import lua
from bot.storage.accounts import AccountRecords
from bot.storage.alerts import AlertRecords
from bot.storage.counters import ReportCounters
from bot.storage.handoffs import HandoffRecords
from bot.storage.proposals import ProposalRecords
from bot.storage.replies import ReplyPacker
from bot.storage.scriptcalls import ScriptCalls
from bot.storage.media import MediaRecords
from bot.storage.files import FileRecords
from bot.storage.keys import glob_escape as _glob_escape, seen as _seen, text as _text
from bot.storage.privacy import short_name
from bot.storage.step_values import loaded as _loaded

FIXED_KINDS = ("s", "p", "o", "h", "t", "d", "n", "r", "q", "w", "a", "an", "f")  # per-texter keys whose names need no MessageSid
DELETED = "deleted"  # what the audit log shows instead of a deleted texter's short name
_SLOT_TAGS = {}      # cluster slot -> a hash tag in that slot that names no one (built on first use)


class Store(HandoffRecords, ReportCounters, AccountRecords, ProposalRecords, MediaRecords, AlertRecords, FileRecords):
    """Conversation state in Redis, with TTLs from the settings."""

    def __init__(self, redis, prefix, ttl, rate_limit=0, replies=None):
        """Wrap a redis client; ttl maps session, language, optout, handoff, dedupe, reply, closed, audit,
        rate; rate_limit is the messages a texter may send in ttl["rate"] seconds (0: no limit); replies:
        the ReplyPacker of the replies kept for retries (bot/storage/replies.py; plain deflate by default)."""
        self.redis, self.prefix, self.ttl, self.rate_limit = redis, prefix, ttl, rate_limit
        self.replies = replies or ReplyPacker()
        self.cluster = isinstance(redis, RedisCluster)
        self._load = redis.register_script(lua.load_script(ttl, rate_limit))
        self._commit = redis.register_script(lua.commit_script(ttl))
        self._close = redis.register_script(lua._CLOSE)
        self._status = redis.register_script(lua._STATUS)
        self._claim = redis.register_script(lua._CLAIM)
        self._release = redis.register_script(lua._RELEASE)
        self._append = redis.register_script(lua._APPEND)
        self._attempt = redis.register_script(lua._ATTEMPT)
        self._succeeded = redis.register_script(lua._SUCCEEDED)
        self._first_reply = redis.register_script(lua._FIRST_REPLY)
        self._anonymise = redis.register_script(lua._ANONYMISE)
        self._uncount = redis.register_script(lua._UNCOUNT)
        self._outbox_forget = redis.register_script(lua._OUTBOX_FORGET)
        self._calls = None  # the load and commit sent straight on a connection (bot/storage/scriptcalls.py)

    def _run(self, calls):
        """Return the answers of [(script, keys, args)] run in one round trip (an error in place of the
        answer of a script that failed); not on Redis Cluster."""
        if self._calls is None or self._calls.client is not self.redis:
            self._calls = ScriptCalls(self.redis)
        return self._calls.run(calls)

    def key(self, kind, h, suffix=""):
        """Return the key of one kind for texter h ({h} is the cluster hash tag)."""
        return f"{self.prefix}{kind}:{{{h}}}{suffix}"

    def gone_key(self, h, sid, kind="g"):
        """Return the key that remembers a MessageSid that deleted texter h (kind g), or any MessageSid
        applied for h (kind m), without naming h.

        On Redis Cluster the scripts may only touch one slot, so the key gets a hash tag of the same
        slot as h's keys, taken from a table of tags that name no one (a slot is shared by many texters).
        """
        if not self.cluster:
            return f"{self.prefix}{kind}:{_seen(sid)}"
        return f"{self.prefix}{kind}:{{{_slot_tag(key_slot(self.key('s', h).encode()))}}}:{_seen(sid)}"

    def load(self, h, sid, count=True):
        """Return what is known of texter h, or the cached reply when sid was already answered.

        count: this is a new message to count against the rate limit (not a retry of the same one).
        """
        return self.load_with(h, sid, count)[0]

    def load_with(self, h, sid, count=True, also=None):
        """Return (load(h, sid, count), the answer of also) in one round trip.

        also: None, or (script, keys, args) of one more script to run beside the load (a case number's
        lookup, bot/storage/jobs.py), pipelined with it (on Redis Cluster, where the two may live on
        different nodes, one after the other)."""
        k, digest = self.key, _seen(sid)
        load = (self._load, [k("s", h), k("p", h), k("o", h), k("h", h), k("r", h), k("n", h),
                             self.gone_key(h, sid), self.gone_key(h, sid, "m"), k("a", h)],
                ["1" if count else "0", digest])
        if self.cluster:
            found = load[0](keys=load[1], args=load[2])
            extra = also[0](keys=also[1], args=also[2]) if also is not None else None
        else:
            found, extra = (self._run([load, also]) if also is not None else self._run([load]) + [None])
            if isinstance(found, Exception):
                raise found
        return _loaded(found, self.replies), extra

    def commit(self, h, sid, loaded, state_json, replies, changes):
        """Write one step's result if nobody else changed the conversation since load().

        Returns ("ok", None), ("conflict", None), or ("duplicate", replies) when another request
        with the same MessageSid got there first. changes.report is counted in the same script, except
        on Redis Cluster, where the caller passes it to count() after an "ok".
        """
        k = self.key
        keys = [k("s", h), k("p", h), k("o", h), k("h", h), k("t", h), k("r", h), k("d", h), k("n", h),
                self.gone_key(h, sid), self.gone_key(h, sid, "m"), k("w", h), k("a", h), k("an", h)]
        report, words = changes.report or (None, {}), changes.words or (None, {})
        day = report[0] or words[0] or ""
        if day and not self.cluster:  # cluster: the day's keys are in other slots, see count()
            keys += [self.report_key(day), self.words_key(day)]
        alerts = dict(changes.alerts or {})
        if alerts.get("stats") and not self.cluster:  # the last alert's counters: one more unsubscribed
            keys.append(self.alert_key(alerts["stats"]))
        else:
            alerts.pop("stats", None)
        packed = {}
        if changes.handoff:
            packed["f"] = [str(x) for pair in changes.handoff.items() for x in pair]
        if report[1]:
            packed["c"] = [str(x) for pair in report[1].items() for x in pair]
        if words[1]:
            packed["w"] = [str(x) for pair in words[1].items() for x in pair]
        if changes.thread:
            packed["t"] = [json.dumps(e, ensure_ascii=False, separators=(",", ":")) for e in changes.thread]
        if alerts:
            packed["a"] = alerts
        args = [str(loaded.version), f"{loaded.version + 1}|{state_json}", changes.lang or "", changes.opt_out,
                self.replies.pack(replies, changes.lang), "1" if changes.forget else "0",
                _seen(sid), day, json.dumps(packed, ensure_ascii=False, separators=(",", ":")) if packed else ""]
        if self.cluster:
            result = self._commit(keys=keys, args=args)
        else:
            result = self._run([(self._commit, keys, args)])[0]
            if isinstance(result, Exception):
                raise result
        if result[0] == 0:
            return "ok", None
        if result[0] == 1:
            return "duplicate", self.replies.unpack(result[1]) if result[1] else []
        return "conflict", None

    def record_status(self, h, sid, status):
        """Record a delivery status for a message of a handoff thread; ignored when there is none."""
        return bool(self._status(keys=[self.key("h", h), self.key("d", h)], args=[sid, status]))

    def statuses(self, h):
        """Return {MessageSid: delivery status} for texter h's handoff messages."""
        return {_text(k): _text(v) for k, v in self.redis.hgetall(self.key("d", h)).items()}

    def forget(self, h):
        """Delete every key about texter h (its queue, claimed and proposals entries too, its outbox entries);
        anonymise the audit log's entries about h; return how many keys were deleted.

        The names of most keys are computed; those that carry a MessageSid or a token are found in the
        one hash slot that holds every key of h: on Redis Cluster by asking that slot's primary,
        otherwise by SCAN (O(keys in the database); deletions are rare).
        """
        keys = {self.key(kind, h) for kind in FIXED_KINDS} | set(self._keys_of(h))
        self.uncount_words(self.redis.hgetall(self.key("w", h)))
        removed = self.redis.delete(*keys)
        self.drop_from_lists(h)
        pipe = self.redis.pipeline(transaction=False)
        self.forget_proposals(h, pipe)  # the staff's index of proposals names h too
        pipe.execute()
        self._outbox_forget(keys=[f"{self.prefix}outbox"], args=[h])
        self._anonymise(keys=[f"{self.prefix}audit"], args=[short_name(h), DELETED])
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

    def probe(self):
        """Write to Redis (one SET with a short expiry); raise when it does not take writes.

        A PING is answered by a server that is out of memory under noeviction or a read-only replica;
        only a write tells whether messages can be applied.
        """
        self.redis.set(f"{self.prefix}probe", str(int(time.time())), px=10_000)


def _slot_tag(slot):
    """Return a hash tag ("g<n>") whose Redis Cluster slot is slot."""
    if len(_SLOT_TAGS) < 16384:
        tags, n = {}, 0
        while len(tags) < 16384:  # about 150,000 CRC16s, once: some 0.1 s
            tags.setdefault(key_slot(f"g{n}".encode()), f"g{n}")
            n += 1
        _SLOT_TAGS.update(tags)
    return _SLOT_TAGS[slot]
