"""Files the app keeps itself for a texter's thread (a mixin of Store): volunteers' voice replies, and,
without Twilio, the photos and voice notes a tester sends from /dev/chat.

One hash per texter, "P f:{h}": field "<id>" holds the bytes, "<id>:type" the content type, "bytes" the
total kept. It lives as long as the thread: FILE_GRACE longer than the thread's expiry when it is kept, and
bot/twilio/media.py's sweep (which looks at each file when its thread should have gone: the "media" zset of
bot/storage/media.py, member "<h> local:<id>") extends it while the thread is renewed and deletes it once
the thread is gone; closing the thread shortens it with the thread (close_handoff), and a deletion
(BORRAR) deletes it with every other key of the texter.
"""
import uuid

from bot.storage.keys import text as _text

LOCAL = "local:"              # how a kept file is named among a thread's media paths
FILE_GRACE = 600              # seconds a file may outlive its thread's expiry if no sweep comes meanwhile
MAX_THREAD_BYTES = 40 * 1024 * 1024  # all the files of one thread (a Redis server is not a file store)

# Shorten KEYS[1] to the remaining life of KEYS[2] (the thread) when that is shorter; delete it when the
# thread is gone. (EXPIRE LT needs Redis 7; the embedded and cluster servers are 6.2.)
_FOLLOW = """
local left = redis.call('PTTL', KEYS[2])
if left == -2 then return redis.call('DEL', KEYS[1]) end
local mine = redis.call('PTTL', KEYS[1])
if left > 0 and (mine < 0 or mine > left + tonumber(ARGV[1])) then
  redis.call('PEXPIRE', KEYS[1], left + tonumber(ARGV[1]))
end
return 1
"""
# Keep a file if the thread's files stay under the limit: KEYS f; ARGV id, bytes, type, limit, ttl (s).
_KEEP = """
local total = tonumber(redis.call('HGET', KEYS[1], 'bytes') or '0')
if total + string.len(ARGV[2]) > tonumber(ARGV[4]) then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2], ARGV[1] .. ':type', ARGV[3])
redis.call('HINCRBY', KEYS[1], 'bytes', string.len(ARGV[2]))
if redis.call('TTL', KEYS[1]) < tonumber(ARGV[5]) then redis.call('EXPIRE', KEYS[1], ARGV[5]) end
return 1
"""

# Delete one file (KEYS f, ARGV id), and the hash when no file is left in it.
_DROP = """
local data = redis.call('HGET', KEYS[1], ARGV[1])
if not data then return 0 end
redis.call('HDEL', KEYS[1], ARGV[1], ARGV[1] .. ':type')
if redis.call('HINCRBY', KEYS[1], 'bytes', -string.len(data)) <= 0 then redis.call('DEL', KEYS[1]) end
return 1
"""


class FileRecords:
    """Files kept in Redis for a texter's thread."""

    def _files_script(self, name, source):
        """Return a registered script (registered on first use)."""
        found = getattr(self, name, None)
        if found is None:
            found = self.redis.register_script(source)
            setattr(self, name, found)
        return found

    def keep_file(self, h, data, content_type):
        """Keep a file for texter h's thread; return its id, or None when the thread's files are at their limit."""
        file_id = uuid.uuid4().hex
        kept = self._files_script("_keep_file", _KEEP)(
            keys=[self.key("f", h)],
            args=[file_id, data, content_type, MAX_THREAD_BYTES, self.ttl["handoff"] + FILE_GRACE])
        return file_id if kept else None

    def kept_file(self, h, file_id):
        """Return (content type, bytes) of a kept file, or None when it is gone."""
        if not file_id or ":" in file_id or file_id == "bytes":
            return None
        data, kind = self.redis.hmget(self.key("f", h), [file_id, f"{file_id}:type"])
        return None if data is None else (_text(kind) or "application/octet-stream", data)

    def drop_file(self, h, file_id):
        """Delete one kept file (its message never reached the thread, or it was never sent)."""
        self._files_script("_drop_file", _DROP)(keys=[self.key("f", h)], args=[file_id])

    def files_follow_thread(self, h):
        """Make texter h's files expire FILE_GRACE after the thread at most (now, or at once if it is gone)."""
        self._files_script("_follow_files", _FOLLOW)(keys=[self.key("f", h), self.key("t", h)], args=[FILE_GRACE * 1000])

    def files_extend(self, h, seconds):
        """Keep texter h's files (if any) seconds + FILE_GRACE more: their thread was renewed."""
        self.redis.expire(self.key("f", h), int(seconds) + FILE_GRACE)  # EXPIRE never creates a key

    def files_drop_all(self, h):
        """Delete every file kept for texter h (their thread is gone)."""
        self.redis.delete(self.key("f", h))
