"""The local spool: inbound messages kept on disk, encrypted and bounded, while Redis cannot take them.

Layout under the folder (0700), shared by every process of one machine:
  t/<pseudonym>/<received ns>.<pid>.<n>.<bytes>.msg   one texter's entries: sorting the names gives the
                                                      order they arrived in; the size is in the name
  tmp/                                                half-written entries (renamed into t/ when whole)
  done/                                               entries applied or dropped, deleted in batches
  usage                                               bytes and entries held, two 8-byte counters
  locks/                                              flock()ed files: texters' stripes, the drainer
So no operation lists the whole spool except the drainer's (once a round) and the recount at start:
a put, a scan and a removal cost the same at 10 entries and at 50,000. A removal is a rename into done/
(a file's unlink can take a millisecond or more where the disk discards freed blocks); the drainer
deletes done/ in parallel batches with reap(). The content (number and body) is
encrypted with a key derived from DATA_KEY.
"""
import contextlib
import errno
import fcntl
import itertools
import json
import logging
import os
import struct
import threading
import time

from cryptography.fernet import InvalidToken

from bot.storage.spoolfs import LockTimeout  # noqa: F401  (its callers import it from here)
from bot.storage.spoolfs import SpoolLocks, in_threads, listdir as _listdir, rmdir, unlink

log = logging.getLogger(__name__)
SUFFIX = ".msg"
SHARE = 16    # one texter may hold at most 1/SHARE of the spool (but always one large message)
MIN_SHARE = 24 * 1024
_USAGE = struct.Struct("<qq")  # bytes, entries
_NO_SPACE = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)


class Refused:
    """Why put() kept nothing: "full" (the spool), "share" (the texter's share) or "disk" (no space)."""

    def __init__(self, reason):
        self.reason = reason

    def __bool__(self):
        return False

    def __repr__(self):
        return f"Refused({self.reason!r})"


class Spool:
    """Inbound messages waiting for Redis, in arrival order per texter."""

    def __init__(self, folder, cipher, max_bytes, max_age):
        """Use folder (created 0700); cipher is a Fernet; max_age in seconds."""
        self.folder, self.cipher, self.max_bytes, self.max_age = folder, cipher, max_bytes, max_age
        self.share = max(max_bytes // SHARE, MIN_SHARE)
        self._texters = os.path.join(folder, "t")
        self._tmp = os.path.join(folder, "tmp")
        self._locks = SpoolLocks(os.path.join(folder, "locks"))
        self._done = os.path.join(folder, "done")
        for path in (folder, self._texters, self._tmp, self._done):
            os.makedirs(path, mode=0o700, exist_ok=True)
        os.chmod(folder, 0o700)  # the entries are encrypted, but their names and count are nobody's business
        self._usage_path = os.path.join(folder, "usage")
        fd = os.open(self._usage_path, os.O_RDWR | os.O_CREAT, 0o600)
        self._usage_fd = fd
        self._counter = itertools.count()
        self._thread_lock = threading.Lock()
        self.lock, self.drain_lock = self._locks.lock, self._locks.drain_lock
        self.recount()

    # -- accounting ---------------------------------------------------------------------------------

    @contextlib.contextmanager
    def _accounts(self):
        """Hold the machine-wide accounting lock; yield [bytes, entries] and write back any change."""
        # flock() excludes other processes only: this process's threads share the descriptor.
        with self._thread_lock:
            fcntl.flock(self._usage_fd, fcntl.LOCK_EX)
            try:
                raw = os.pread(self._usage_fd, _USAGE.size, 0)
                before = list(_USAGE.unpack(raw)) if len(raw) == _USAGE.size else [0, 0]
                usage = list(before)
                yield usage
                if usage != before:
                    os.pwrite(self._usage_fd, _USAGE.pack(max(usage[0], 0), max(usage[1], 0)), 0)
            finally:
                fcntl.flock(self._usage_fd, fcntl.LOCK_UN)

    def recount(self):
        """Set the counters from the entries on disk (at start: a crash may have left them wrong)."""
        self._adopt_old_entries()
        with self._accounts() as usage:
            total = count = 0
            for h in _listdir(self._texters):
                for name in _listdir(os.path.join(self._texters, h)):
                    if name.endswith(SUFFIX):
                        total, count = total + _size(name), count + 1
            usage[:] = [total, count]

    def _adopt_old_entries(self):
        """Move entries of the earlier flat layout (<ns>.<pid>.<n>.<pseudonym>.msg) into t/."""
        for name in _listdir(self.folder):
            if not name.endswith(SUFFIX):
                continue
            path = os.path.join(self.folder, name)
            with contextlib.suppress(FileNotFoundError, ValueError, IndexError):
                ns, pid, n, h = name[:-len(SUFFIX)].split(".", 3)
                os.makedirs(os.path.join(self._texters, h), mode=0o700, exist_ok=True)
                os.rename(path, os.path.join(self._texters, h,
                                             f"{ns}.{pid}.old{n}.{os.stat(path).st_size}{SUFFIX}"))

    def size(self):
        """Return the bytes the entries take."""
        return self._read_usage()[0]

    def count(self):
        """Return the number of entries."""
        return self._read_usage()[1]

    def _read_usage(self):
        """Return (bytes, entries) without waiting for writers (one pread of 16 bytes)."""
        raw = os.pread(self._usage_fd, _USAGE.size, 0)
        return _USAGE.unpack(raw) if len(raw) == _USAGE.size else (0, 0)

    # -- entries ----------------------------------------------------------------------------------

    def put(self, h, record, received):
        """Keep record (a JSON-able dict) for texter h, received at epoch seconds.

        Returns True when kept, else a (falsy) Refused saying why. Nothing half-written is left behind.
        """
        data = self.cipher.encrypt(json.dumps(record, separators=(",", ":")).encode("utf-8"))
        early = self._refusal(h, len(data), self._read_usage()[0])  # no disk write for a refused flood
        if early:
            return Refused(early)
        n = next(self._counter)
        name = f"{int(received * 1e9):020d}.{os.getpid()}.{n}.{len(data)}{SUFFIX}"
        tmp = os.path.join(self._tmp, f"{os.getpid()}.{n}")
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            try:
                view = memoryview(data)
                while view:
                    view = view[os.write(fd, view):]
                os.fsync(fd)  # a crash after the answer must not lose the message
            finally:
                os.close(fd)
        except OSError as exc:
            unlink(tmp)
            if exc.errno in _NO_SPACE:
                return Refused("disk")
            raise
        mine = os.path.join(self._texters, h)
        with self._accounts() as usage:
            refused = self._refusal(h, len(data), usage[0])
            if not refused:
                try:
                    for attempt in range(3):  # reap() may remove an empty folder between the two calls
                        os.makedirs(mine, mode=0o700, exist_ok=True)
                        try:
                            os.rename(tmp, os.path.join(mine, name))  # atomic: never half a file
                            break
                        except FileNotFoundError:
                            if attempt == 2 or not os.path.exists(tmp):
                                raise
                except OSError as exc:
                    if exc.errno not in _NO_SPACE:
                        raise
                    refused = "disk"
                else:
                    usage[0] += len(data)
                    usage[1] += 1
        if refused:
            unlink(tmp)
            return Refused(refused)
        return True

    def _refusal(self, h, size, used):
        """Return why an entry of size bytes for texter h does not fit ("full", "share"), or None."""
        if used + size > self.max_bytes:
            return "full"
        if sum(map(_size, self._names_of(h))) + size > self.share:
            return "share"
        return None

    def _names_of(self, h):
        """Return the file names of texter h's entries, oldest first."""
        return sorted(n for n in _listdir(os.path.join(self._texters, h)) if n.endswith(SUFFIX))

    def pending(self, h):
        """Return texter h's entries (ids for read/remove), oldest first."""
        return [f"{h}/{n}" for n in self._names_of(h)]

    def scan(self, h):
        """Return (number of entries in the spool, texter h's entries oldest first): O(h's entries), and
        no folder listed at all while the counters say the spool is empty (every webhook asks)."""
        total = self.count()
        return total, self.pending(h) if total else []

    def texters(self):
        """Return the pseudonyms with entries, in the order of their oldest entry (one pass over the spool)."""
        oldest = []
        for h in _listdir(self._texters):
            names = self._names_of(h)
            if names:
                oldest.append((names[0], h))
        return [h for _, h in sorted(oldest)]

    def read(self, entry):
        """Return an entry's record, or None when it is gone or cannot be decrypted."""
        try:
            with open(os.path.join(self._texters, entry), "rb") as fh:
                return json.loads(self.cipher.decrypt(fh.read()))
        except FileNotFoundError:
            return None
        except (InvalidToken, ValueError):
            log.error("unreadable spool entry discarded (was DATA_KEY changed?)")
            self.remove(entry)
            return None

    def expired(self, entry, now=None):
        """Return True when an entry is older than max_age (its MessageSid may be forgotten by then)."""
        return received_at(entry) < (now or time.time()) - self.max_age

    def remove(self, entry):
        """Take one entry out of the spool (already gone is fine); reap() deletes the file."""
        path = os.path.join(self._texters, entry)
        with self._accounts() as usage:
            try:
                os.rename(path, os.path.join(self._done, entry.replace("/", ".")))
            except FileNotFoundError:
                return
            usage[0] -= _size(entry)
            usage[1] -= 1

    def reap(self):
        """Delete the removed entries' files, several at once, and the folders of texters with none left."""
        paths = [os.path.join(self._done, n) for n in _listdir(self._done)]
        if paths:
            in_threads(unlink, paths)
        empty = [os.path.join(self._texters, h) for h in _listdir(self._texters)
                 if not _listdir(os.path.join(self._texters, h))]
        if empty:
            in_threads(rmdir, empty)  # fails on a folder put() filled meanwhile: it stays

    def forget(self, h, before):
        """Delete texter h's entries received at or before epoch seconds before; return how many."""
        gone = 0
        for entry in self.pending(h):
            if received_at(entry) <= before:
                self.remove(entry)
                gone += 1
        return gone

    def sweep(self, older_than=60):
        """Delete half-written files left by a process that died while writing."""
        limit = time.time() - older_than
        for name in _listdir(self._tmp):
            path = os.path.join(self._tmp, name)
            with contextlib.suppress(FileNotFoundError):
                if os.stat(path).st_mtime < limit:
                    os.unlink(path)

def received_at(entry):
    """Return the epoch seconds an entry's message was received, from its name."""
    return int(entry.rsplit("/", 1)[-1].split(".", 1)[0]) / 1e9


def _size(entry):
    """Return the bytes an entry takes, from its name."""
    return int(entry[:-len(SUFFIX)].rsplit(".", 1)[1])


