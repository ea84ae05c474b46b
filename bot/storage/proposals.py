"""Proposed examples from the inbox: a texter's message a volunteer says meant an intent (a mixin of Store).

Keys (prefix P; the names are known here only):
  P q:{h}        texter h's pending proposals: hash id -> JSON {text, lang, label, by, at}
                 expires with the handoff thread (never later: its TTL is the thread's at each proposal,
                 and a close shortens it with the thread's)
  P proposals    index for staff: zset of pseudonyms scored by when their proposals expire
                 (entries whose hash has expired or been deleted are dropped when listed)
The hash shares the texter's hash tag, so BORRAR (Store.forget) deletes it with the texter's other keys.
"""
import json
import secrets
import time

from bot.storage.keys import text as _text

MAX_PER_TEXTER = 50      # pending proposals about one texter's messages
MAX_LISTED = 500         # proposals shown to staff at once (oldest first)

# Store a proposal only while the thread exists; the proposals live no longer than the thread.
_PROPOSE = """
local ttl = redis.call('PTTL', KEYS[1])
if ttl == -2 then return 0 end
if ttl == -1 or ttl > tonumber(ARGV[3]) then ttl = tonumber(ARGV[3]) end
if redis.call('HLEN', KEYS[2]) >= tonumber(ARGV[4]) and redis.call('HEXISTS', KEYS[2], ARGV[1]) == 0 then
  return -1
end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
redis.call('PEXPIRE', KEYS[2], ttl)
return ttl
"""

# Make the proposals expire within ARGV[1] seconds, never later than they would (EXPIRE LT is Redis 7).
_SHORTEN = """
local ttl = redis.call('TTL', KEYS[1])
if ttl == -2 then return 0 end
if ttl == -1 or ttl > tonumber(ARGV[1]) then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return 1
"""


class ProposalRecords:
    """Pending proposals: stored beside the texter's thread, listed for staff, deleted on decision."""

    def _proposals_index(self):
        """Return the index key."""
        return f"{self.prefix}proposals"

    def propose(self, h, text, lang, label, by, now=None):
        """Store a proposal about texter h's message; return its id, None when the thread is gone, or
        "full" when the texter already has MAX_PER_TEXTER pending."""
        now = time.time() if now is None else now
        pid = secrets.token_urlsafe(6)
        record = json.dumps({"text": text, "lang": lang, "label": label, "by": by, "at": int(now)},
                            ensure_ascii=False, separators=(",", ":"))
        if getattr(self, "_propose", None) is None:
            self._propose = self.redis.register_script(_PROPOSE)
        ttl = self._propose(
            keys=[self.key("t", h), self.key("q", h)],
            args=[pid, record, int(self.ttl["handoff"]) * 1000, MAX_PER_TEXTER])
        if ttl == 0:
            return None
        if ttl == -1:
            return "full"
        pipe = self.redis.pipeline(transaction=False)
        pipe.zadd(self._proposals_index(), {h: now + ttl / 1000.0}, gt=True)
        pipe.expire(self._proposals_index(), self.ttl["handoff"])
        pipe.execute()
        return pid

    def proposals(self, now=None):
        """Return the pending proposals, oldest first: dicts with h, id, text, lang, label, by, at."""
        now = time.time() if now is None else now
        index = self._proposals_index()
        self.redis.zremrangebyscore(index, "-inf", now)
        pseudonyms = [_text(h) for h in self.redis.zrange(index, 0, MAX_LISTED - 1)]
        if not pseudonyms:
            return []
        pipe = self.redis.pipeline(transaction=False)
        for h in pseudonyms:
            pipe.hgetall(self.key("q", h))
        found, gone = [], []
        for h, raw in zip(pseudonyms, pipe.execute()):
            if not raw:
                gone.append(h)  # expired or deleted meanwhile: the index tolerates it and forgets it
            for pid, value in raw.items():
                try:
                    record = json.loads(value)
                except ValueError:
                    continue
                found.append({**record, "h": h, "id": _text(pid)})
        if gone:
            self.redis.zrem(index, *gone)
        found.sort(key=lambda p: (p.get("at") or 0, p["id"]))
        return found[:MAX_LISTED]

    def proposal(self, h, pid):
        """Return one pending proposal (with h and id), or None."""
        raw = self.redis.hget(self.key("q", h), pid)
        if raw is None:
            return None
        try:
            return {**json.loads(raw), "h": h, "id": pid}
        except ValueError:
            return None

    def delete_proposal(self, h, pid):
        """Delete one proposal; return True when it existed (the index forgets h once none is left)."""
        removed = self.redis.hdel(self.key("q", h), pid)
        if not self.redis.exists(self.key("q", h)):
            self.redis.zrem(self._proposals_index(), h)
        return bool(removed)

    def forget_proposals(self, h, pipe):
        """Add to pipe what removes texter h's proposals and their index entry (Store.forget)."""
        pipe.delete(self.key("q", h))
        pipe.zrem(self._proposals_index(), h)

    def shorten_proposals(self, h, seconds):
        """Make texter h's proposals expire within seconds (the thread was closed)."""
        if getattr(self, "_shorten", None) is None:
            self._shorten = self.redis.register_script(_SHORTEN)
        self._shorten(keys=[self.key("q", h)], args=[int(seconds)])
