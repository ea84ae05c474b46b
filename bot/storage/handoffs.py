"""Handoff records, threads and the waiting and claimed lists (a mixin of Store; key names in store.py)."""
import json

from bot.storage.keys import text as _text



class HandoffRecords:
    """Handoffs in Redis: queue, claims, threads and one-time volunteer sends."""

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
            self.shorten_proposals(h, self.ttl["closed"])  # proposals never outlive the thread
            self.files_follow_thread(h)  # nor do the files kept for it (voice replies)
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
