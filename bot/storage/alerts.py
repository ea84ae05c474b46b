"""Alerts by consent (issue 25): subscriptions, the alerts staff write, and what sending them did.

Keys (prefix P; a subscription is a texter's key like the others, with their hash tag):
  P a:{h}          the subscription (hash): l language,
                   st state code ("US-NC", "" for every state), at when given (epoch), k kinds, then what
                   sending writes: mo the month counted ("2026-11") and mc its count, last the last
                   alert's id, x<id> one field per alert considered (p pending, s sent, f failed,
                   u unknown: a timeout or a worker that died mid-send; c over the month's cap)
                   ALERTS_TTL after it was given or renewed; BAJA, STOP and BORRAR delete it
  P an:{h}         the number (encrypted with DATA_KEY, with its channel), beside a:{h}: a string of its
                   own, so that the hash keeps Redis's compact encoding (values under 64 bytes)
                   as a:{h}
  P alert:<id>     an alert (hash): spec (JSON: texts, kind, audience, who, when), status, and counters:
                   total, pending, sent, failed, unknown, capped, delivered, undelivered, unsub
                   REPORTS_TTL (kept for the reports), renewed by each change
  P alert:<id>:m   delivery status per message, by the MessageSid's 11-character digest (no number)
                   as the alert
  P alert:<id>:lease  the sending job that holds the alert now           ALERTS_LEASE, renewed
  P alerts         alert ids by creation time (zset)                      REPORTS_TTL; older ids dropped
Sending needs one Redis server (a claim touches the subscription and the alert's counters, in two slots
on a cluster; RQ needs one server too).
"""
import json
import time

from redis.exceptions import WatchError

from bot.storage.keys import glob_escape, seen, text

# One recipient of one alert, claimed before it is sent so that nothing is sent twice: a worker that
# dies between the claim and the answer leaves it pending, and pending is never sent again.
# KEYS: a:{h}, alert:<id>, an:{h}. ARGV: id, month, cap. Returns {0} (no subscription), {1} (already
# considered), {2} (over the month's cap), {3, number} (claimed: send it).
_CLAIM = """
if redis.call('EXISTS', KEYS[1]) == 0 then return {0} end
local field = 'x' .. ARGV[1]
if redis.call('HEXISTS', KEYS[1], field) == 1 then return {1} end
local count = 0
if redis.call('HGET', KEYS[1], 'mo') == ARGV[2] then count = tonumber(redis.call('HGET', KEYS[1], 'mc') or '0') end
if count >= tonumber(ARGV[3]) then
  redis.call('HSET', KEYS[1], field, 'c')
  redis.call('HINCRBY', KEYS[2], 'capped', 1)
  return {2}
end
redis.call('HSET', KEYS[1], field, 'p', 'mo', ARGV[2], 'mc', count + 1, 'last', ARGV[1])
redis.call('HINCRBY', KEYS[2], 'pending', 1)
return {3, redis.call('GET', KEYS[3])}
"""

# What Twilio answered for a claimed recipient. KEYS: a:{h}, alert:<id>, alert:<id>:m. ARGV: id, outcome
# (s sent, f failed, u unknown), the MessageSid's digest or '', TTL. A subscription deleted meanwhile
# is not written again; a failure gives the month's count back.
_DONE = """
local field = 'x' .. ARGV[1]
if redis.call('HGET', KEYS[1], field) == 'p' then
  redis.call('HSET', KEYS[1], field, ARGV[2])
  if ARGV[2] == 'f' then redis.call('HINCRBY', KEYS[1], 'mc', -1) end
end
redis.call('HINCRBY', KEYS[2], 'pending', -1)
local counter = ({s = 'sent', f = 'failed', u = 'unknown'})[ARGV[2]]
redis.call('HINCRBY', KEYS[2], counter, 1)
if ARGV[3] ~= '' then
  redis.call('HSETNX', KEYS[3], ARGV[3], 'queued')
  redis.call('EXPIRE', KEYS[3], ARGV[4])
end
return 1
"""

# A delivery status callback for an alert's message. KEYS: alert:<id>:m, alert:<id>. ARGV: digest, status,
# TTL. Statuses only move forward (callbacks may come out of order; a retried one changes nothing);
# delivered (or read) and failed (or undelivered) are counted once per message. Returns 1 when counted.
_STATUS = """
if redis.call('EXISTS', KEYS[2]) == 0 then return 0 end
local rank = {accepted = 1, scheduled = 1, queued = 1, sending = 2, sent = 3, delivered = 4, undelivered = 4,
              failed = 4, canceled = 4, partially_delivered = 4, read = 5}
local bucket = {delivered = 'delivered', read = 'delivered', undelivered = 'undelivered', failed = 'undelivered',
                canceled = 'undelivered'}
local new = ARGV[2]
local old = redis.call('HGET', KEYS[1], ARGV[1])
if old and (rank[new] or 0) <= (rank[old] or 0) then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], new)
redis.call('EXPIRE', KEYS[1], ARGV[3])
local before, after = old and bucket[old], bucket[new]
if before == after then return 0 end
if before then redis.call('HINCRBY', KEYS[2], before, -1) end
if after then redis.call('HINCRBY', KEYS[2], after, 1) end
return 1
"""

COUNTERS = ("total", "pending", "sent", "failed", "unknown", "capped", "delivered", "undelivered", "unsub",
            "waiting")
SUBSCRIPTION_FIELDS = ("l", "st", "k", "at")


class AlertRecords:
    """Subscriptions and alerts in Redis (mixed into the Store, which gives redis, prefix and ttl)."""

    _alert_scripts = None

    def _alert_script(self, name):
        """Return one of this module's scripts, registered once."""
        if self._alert_scripts is None:
            self._alert_scripts = {n: self.redis.register_script(src) for n, src in
                                   (("claim", _CLAIM), ("done", _DONE), ("status", _STATUS))}
        return self._alert_scripts[name]

    def alert_key(self, alert_id, suffix=""):
        """Return the key of an alert (or of its delivery statuses, suffix ":m", or lease, ":lease")."""
        return f"{self.prefix}alert:{alert_id}{suffix}"

    # -- subscriptions ----------------------------------------------------------------------------

    def subscribers(self, batch=500):
        """Yield lists of (h, {l, st, k, at}) of every subscription, a batch at a time (SCAN: sending and
        counting walk the keyspace once; the webhook never does)."""
        pattern = f"{glob_escape(self.prefix)}a:{{*}}"
        names = []
        for key in self.redis.scan_iter(match=pattern, count=1000):
            names.append(text(key))
            if len(names) >= batch:
                yield self._read_subscriptions(names)
                names = []
        if names:
            yield self._read_subscriptions(names)

    def _read_subscriptions(self, names):
        """Return [(h, fields)] of the subscription keys named (those gone meanwhile left out)."""
        pipe = self.redis.pipeline(transaction=False)
        for name in names:
            pipe.hmget(name, *SUBSCRIPTION_FIELDS)
        out = []
        for name, values in zip(names, pipe.execute()):
            if values[3] is None:
                continue  # deleted or expired between the scan and the read
            h = name[name.index("{") + 1:name.rindex("}")]
            out.append((h, dict(zip(SUBSCRIPTION_FIELDS, (text(v) or "" for v in values)))))
        return out

    def subscription(self, h):
        """Return texter h's subscription fields ({} when there is none), the encrypted number as "n"."""
        found = {text(k): text(v) for k, v in self.redis.hgetall(self.key("a", h)).items()}
        number = text(self.redis.get(self.key("an", h)))
        return {**found, "n": number} if found and number else found

    def claim_recipient(self, h, alert_id, month, cap):
        """Claim texter h for an alert; return ("gone"|"done"|"capped", None) or ("send", encrypted number)."""
        found = self._alert_script("claim")(keys=[self.key("a", h), self.alert_key(alert_id), self.key("an", h)],
                                            args=[alert_id, month, cap])
        return ({0: "gone", 1: "done", 2: "capped"}.get(found[0], "send"),
                text(found[1]) if len(found) > 1 else None)

    def recipient_done(self, h, alert_id, outcome, sid=None):
        """Record what Twilio answered for a claimed recipient (outcome s, f or u)."""
        self._alert_script("done")(keys=[self.key("a", h), self.alert_key(alert_id), self.alert_key(alert_id, ":m")],
                                   args=[alert_id, outcome, seen(sid) if sid else "", self.ttl["reports"]])

    # -- alerts -----------------------------------------------------------------------------------

    def save_alert(self, alert_id, spec, status):
        """Write an alert's spec and status (its counters untouched) and list it."""
        key, ttl, now = self.alert_key(alert_id), self.ttl["reports"], time.time()
        pipe = self.redis.pipeline(transaction=True)
        pipe.hset(key, mapping={"spec": json.dumps(spec, ensure_ascii=False), "status": status})
        pipe.expire(key, ttl)
        pipe.zadd(f"{self.prefix}alerts", {alert_id: spec.get("created") or now}, nx=True)
        pipe.zremrangebyscore(f"{self.prefix}alerts", "-inf", now - ttl)
        pipe.expire(f"{self.prefix}alerts", ttl)
        pipe.execute()

    def alert(self, alert_id):
        """Return {"spec", "status", counters...} of an alert, or None."""
        raw = {text(k): text(v) for k, v in self.redis.hgetall(self.alert_key(alert_id)).items()}
        if "spec" not in raw:
            return None
        out = {"id": alert_id, "spec": json.loads(raw["spec"]), "status": raw.get("status") or "draft"}
        out.update({name: int(raw.get(name) or 0) for name in COUNTERS})
        out.update({name: raw[name] for name in ("started", "finished", "next", "beat") if raw.get(name)})
        return out

    def alert_ids(self, limit=100):
        """Return the ids of the newest alerts, newest first."""
        return [text(i) for i in self.redis.zrevrange(f"{self.prefix}alerts", 0, limit - 1)]

    def set_alert(self, alert_id, **fields):
        """Set fields of an alert (status, started, next...) if it still exists; return True when set."""
        key = self.alert_key(alert_id)
        if not self.redis.exists(key):
            return False
        self.redis.hset(key, mapping={k: str(v) for k, v in fields.items()})
        return True

    def set_alert_status_if(self, alert_id, expected, status):
        """Set an alert's status only when it is one of expected; return True when changed."""
        key = self.alert_key(alert_id)
        with self.redis.pipeline() as pipe:
            while True:
                try:
                    pipe.watch(key)
                    if text(pipe.hget(key, "status")) not in expected:
                        pipe.unwatch()
                        return False
                    pipe.multi()
                    pipe.hset(key, "status", status)
                    pipe.execute()
                    return True
                except WatchError:  # someone changed it meanwhile: look again
                    continue

    def add_alert_counts(self, alert_id, **counts):
        """Add to an alert's counters."""
        pipe = self.redis.pipeline(transaction=False)
        for name, value in counts.items():
            pipe.hincrby(self.alert_key(alert_id), name, value)
        pipe.execute()

    def set_alert_counts(self, alert_id, **counts):
        """Set an alert's counters (total, waiting) to the values given."""
        self.redis.hset(self.alert_key(alert_id), mapping={k: int(v) for k, v in counts.items()})

    def record_alert_status(self, alert_id, sid, status):
        """Count a delivery status callback for an alert's message; return True when it changed a count."""
        return bool(self._alert_script("status")(keys=[self.alert_key(alert_id, ":m"), self.alert_key(alert_id)],
                                                 args=[seen(sid), status, self.ttl["reports"]]))

    def take_lease(self, alert_id, token, seconds):
        """Hold an alert for one sending job (or renew it when token holds it); return True when held."""
        key = self.alert_key(alert_id, ":lease")
        if self.redis.set(key, token, nx=True, ex=seconds):
            return True
        if text(self.redis.get(key)) == token:
            self.redis.expire(key, seconds)
            return True
        return False

    def lease_holder(self, alert_id):
        """Return the token of the job holding an alert, or None."""
        return text(self.redis.get(self.alert_key(alert_id, ":lease")))

    def drop_lease(self, alert_id, token):
        """Give an alert back (when token still holds it)."""
        key = self.alert_key(alert_id, ":lease")
        if text(self.redis.get(key)) == token:
            self.redis.delete(key)
