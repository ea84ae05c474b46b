"""The local spool: inbound messages kept on disk, encrypted and bounded, while Redis cannot take them.

One file per message, named `<received ns>.<pid>.<n>.<pseudonym>.msg`, so that sorting the names gives
the order messages arrived in and one texter's entries are found without opening any file. The content
(number and body) is encrypted with a key derived from DATA_KEY. Every process of one machine shares
the folder; flock()ed lock files order the work: one drainer at a time, one texter at a time.
"""
import contextlib
import fcntl
import itertools
import json
import logging
import os
import threading
import time
import zlib

from cryptography.fernet import InvalidToken

log = logging.getLogger(__name__)
SUFFIX = ".msg"
STRIPES = 64  # lock files for texters: two texters may share one and just wait for each other


class LockTimeout(Exception):
    """A texter's spool lock was held by someone else for too long."""


class Spool:
    """Inbound messages waiting for Redis, in arrival order."""

    def __init__(self, folder, cipher, max_bytes, max_age):
        """Use folder (created 0700); cipher is a Fernet; max_age in seconds."""
        self.folder, self.cipher, self.max_bytes, self.max_age = folder, cipher, max_bytes, max_age
        self._locks = os.path.join(folder, "locks")
        os.makedirs(folder, mode=0o700, exist_ok=True)
        os.chmod(folder, 0o700)  # the entries are encrypted, but their names and count are nobody's business
        os.makedirs(self._locks, mode=0o700, exist_ok=True)
        self._counter = itertools.count()
        self._put_lock = threading.Lock()

    # -- entries ----------------------------------------------------------------------------------

    def put(self, h, record, received):
        """Keep record (a JSON-able dict) for texter h, received at epoch seconds; False when full."""
        data = self.cipher.encrypt(json.dumps(record, separators=(",", ":")).encode("utf-8"))
        with self._put_lock:  # threads of one process: the size check and the write go together
            if self.size() + len(data) > self.max_bytes:
                return False
            n = next(self._counter)
            name = f"{int(received * 1e9):020d}.{os.getpid()}.{n}.{h}{SUFFIX}"
            tmp = os.path.join(self.folder, f".tmp.{os.getpid()}.{n}")
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())  # a crash after the answer must not lose the message
            os.rename(tmp, os.path.join(self.folder, name))  # atomic: readers never see half a file
        return True

    def _names(self):
        """Return the names of every entry, oldest first."""
        try:
            return sorted(n for n in os.listdir(self.folder) if n.endswith(SUFFIX))
        except FileNotFoundError:
            return []

    def scan(self, h):
        """Return (number of entries in the spool, names of texter h's entries oldest first)."""
        names = self._names()
        mine = f".{h}{SUFFIX}"
        return len(names), [n for n in names if n.endswith(mine)]

    def pending(self, h):
        """Return the names of texter h's entries, oldest first."""
        return self.scan(h)[1]

    def texters(self):
        """Return the pseudonyms with entries, in the order of their oldest entry."""
        seen = {}
        for name in self._names():
            seen.setdefault(_texter(name), None)
        return list(seen)

    def read(self, name):
        """Return an entry's record, or None when it is gone or cannot be decrypted."""
        try:
            with open(os.path.join(self.folder, name), "rb") as fh:
                return json.loads(self.cipher.decrypt(fh.read()))
        except FileNotFoundError:
            return None
        except (InvalidToken, ValueError):
            log.error("unreadable spool entry discarded (was DATA_KEY changed?)")
            self.remove(name)
            return None

    def expired(self, name, now=None):
        """Return True when an entry is older than max_age (its MessageSid may be forgotten by then)."""
        return received_at(name) < (now or time.time()) - self.max_age

    def remove(self, name):
        """Delete one entry (already gone is fine)."""
        with contextlib.suppress(FileNotFoundError):
            os.unlink(os.path.join(self.folder, name))

    def forget(self, h, before):
        """Delete texter h's entries received at or before epoch seconds before; return how many."""
        gone = 0
        for name in self.pending(h):
            if received_at(name) <= before:
                self.remove(name)
                gone += 1
        return gone

    def size(self):
        """Return the bytes the entries take."""
        total = 0
        with os.scandir(self.folder) as entries:
            for entry in entries:
                if entry.name.endswith(SUFFIX):
                    with contextlib.suppress(FileNotFoundError):
                        total += entry.stat().st_size
        return total

    def sweep(self, older_than=60):
        """Delete half-written files left by a process that died while writing."""
        limit = time.time() - older_than
        with os.scandir(self.folder) as entries:
            for entry in entries:
                with contextlib.suppress(FileNotFoundError):
                    if entry.name.startswith(".tmp.") and entry.stat().st_mtime < limit:
                        os.unlink(entry.path)

    def count(self):
        """Return the number of entries."""
        return len(self._names())

    # -- locks ------------------------------------------------------------------------------------

    @contextlib.contextmanager
    def lock(self, h, timeout):
        """Hold texter h's lock (shared by every process), waiting at most timeout seconds."""
        stripe = zlib.crc32(h.encode()) % STRIPES
        with open(os.path.join(self._locks, str(stripe)), "a") as fh:
            deadline = time.monotonic() + max(0.0, timeout)
            while True:
                try:
                    fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        raise LockTimeout(f"spool lock {stripe} busy") from None
                    time.sleep(0.005)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    @contextlib.contextmanager
    def drain_lock(self):
        """Yield True when this caller is the one drainer of the machine, else False (no waiting)."""
        with open(os.path.join(self._locks, "drain"), "a") as fh:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                yield False
                return
            try:
                yield True
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)


def received_at(name):
    """Return the epoch seconds an entry's message was received, from its name."""
    return int(name.split(".", 1)[0]) / 1e9


def _texter(name):
    """Return the pseudonym an entry's name carries."""
    return name[:-len(SUFFIX)].split(".", 3)[3]
