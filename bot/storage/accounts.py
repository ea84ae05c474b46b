"""Accounts, the audit log, staff settings, login failures, on-call pacing and the local outbox (a mixin of Store)."""
import hashlib
import json
import time

from bot.storage.keys import text as _text

OUTBOX_MAX = 200


class AccountRecords:
    """What belongs to no texter: users, settings, audit, login failures, notifications, outbox."""

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
        """Return the key counting login attempts for an account or address, named by a digest (all
        share the hash tag {login}, so one script can count both on Redis Cluster)."""
        digest = hashlib.sha256(ident.encode("utf-8")).hexdigest()[:24]
        return f"{self.prefix}lf:{{login}}:{kind}:{digest}"

    def login_attempt(self, pair, address, pair_limit, address_limit, window):
        """Count a login attempt before its password is checked, or refuse it.

        Returns 0 when the attempt may go on (it is counted for the pair and the address, so a burst of
        concurrent attempts can never check more passwords than the limits), else the seconds left
        until the pair or the address may try again (nothing is counted then)."""
        allowed, left = self._attempt(keys=[self._failure_key("pair", pair), self._failure_key("address", address)],
                                      args=[int(pair_limit), int(address_limit), int(window)])
        return 0 if int(allowed) else max(int(left), 1)

    def login_succeeded(self, pair, address):
        """Forget the pair's attempts and give the address back the attempt that succeeded."""
        self._succeeded(keys=[self._failure_key("pair", pair), self._failure_key("address", address)])

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

    def keep_form(self, token, fields, seconds=900):
        """Keep a refused form's fields for the page the browser is sent to (post, redirect, get)."""
        self.redis.set(f"{self.prefix}form:{token}", json.dumps(fields, separators=(",", ":")), ex=seconds)

    def kept_form(self, token):
        """Return the fields kept under token (a list of [name, value]), or [] once they expired."""
        raw = self.redis.get(f"{self.prefix}form:{token}")
        return json.loads(raw) if raw else []

    def forget_form(self, token):
        """Delete the fields kept under token (the page that showed them was left)."""
        self.redis.delete(f"{self.prefix}form:{token}")
