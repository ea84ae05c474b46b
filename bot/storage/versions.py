"""The script's versions in Redis: published versions, their log, the head and the staff's draft.

They belong to no texter and never expire. Key names: see bot/storage/store.py's docstring."""
import json
import uuid

from bot.storage.keys import text as _text

SCRIPT_TAG = "{script}"
ANY = object()  # publish() without a condition on the published version


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
