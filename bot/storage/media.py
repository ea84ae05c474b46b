"""Texters' photos, PDFs and voice notes kept at Twilio: which to delete there, and when (a mixin of Store).

Twilio keeps each inbound media file until it is deleted through its REST API. The app keeps only the
file's path at Twilio (in the thread entry) and, here, one sorted set "media" whose members are
"<pseudonym> <path>" scored with when to look at them again: once the texter's thread is gone (closed
and CLOSED_TTL passed, or BORRAR), the file is deleted at Twilio (bot/twilio/media.py's sweep). The same
zset lists the media of volunteers' voice replies at Twilio (path ".../Messages/<sid>/Media": every file
of that message) and the files the app keeps itself (path "local:<id>", bot/storage/files.py).
"""
from bot.storage.keys import glob_escape, text as _text


class MediaRecords:
    """The media of texters' threads still held at Twilio."""

    def schedule_media(self, h, paths, due):
        """Remember media paths of texter h, to look at again at due (epoch seconds)."""
        if paths:
            self._schedule({f"{h} {path}": due for path in paths})

    def _schedule(self, members):
        """Add members to the zset; it lasts a day past the latest look any member can need."""
        pipe = self.redis.pipeline(transaction=False)
        pipe.zadd(f"{self.prefix}media", members)
        pipe.expire(f"{self.prefix}media", self.ttl["handoff"] + 86400)
        pipe.execute()

    def media_due(self, now, count=100):
        """Return up to count (pseudonym, path) whose time to be looked at has come."""
        members = self.redis.zrangebyscore(f"{self.prefix}media", "-inf", now, start=0, num=count)
        return [tuple(_text(m).split(" ", 1)) for m in members]

    def media_later(self, h, path, due):
        """Look at one media file again at due."""
        self._schedule({f"{h} {path}": due})

    def media_done(self, h, path):
        """Forget one media file (deleted at Twilio)."""
        self.redis.zrem(f"{self.prefix}media", f"{h} {path}")

    def media_now(self, h):
        """Make every media file of texter h due now (BORRAR); return how many."""
        found = [m for m, _ in self.redis.zscan_iter(f"{self.prefix}media", match=f"{glob_escape(h)} *")]
        if found:
            self.redis.zadd(f"{self.prefix}media", {m: 0 for m in found})
        return len(found)

    def thread_left(self, h):
        """Return the seconds texter h's thread has left (0 when it is gone)."""
        left = self.redis.pttl(self.key("t", h))
        return max(left, 0) / 1000 if left is not None and left > 0 else (0 if left == -2 else 86400)
