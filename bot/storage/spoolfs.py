"""The spool's files: locks shared by every process of a machine, and deletions in parallel batches."""
import contextlib
import fcntl
import os
import random
import time
import zlib

STRIPES = 64  # lock files for texters: two texters may share one and just wait for each other


class LockTimeout(Exception):
    """A texter's spool lock was held by someone else for too long."""


class SpoolLocks:
    """flock()ed files in a folder: one per stripe of texters, and one for the machine's drainer."""

    def __init__(self, folder):
        """Keep the lock files in folder (created 0700)."""
        self._locks = folder
        os.makedirs(folder, mode=0o700, exist_ok=True)

    @contextlib.contextmanager
    def lock(self, h, timeout):
        """Hold texter h's lock (shared by every process), waiting at most timeout seconds."""
        stripe = zlib.crc32(h.encode()) % STRIPES
        with _lock_file(os.path.join(self._locks, str(stripe))) as fh:
            deadline = time.monotonic() + max(0.0, timeout)
            pause = 0.002
            while True:
                try:
                    fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        raise LockTimeout(f"spool lock {stripe} busy") from None
                    time.sleep(min(left, random.uniform(pause / 2, pause)))
                    pause = min(pause * 2, 0.05)  # backoff with jitter, at most 50 ms
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    @contextlib.contextmanager
    def drain_lock(self):
        """Yield True when this caller is the one drainer of the machine, else False (no waiting)."""
        with _lock_file(os.path.join(self._locks, "drain")) as fh:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                yield False
                return
            try:
                yield True
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)


def _lock_file(path):
    """Open (creating it readable by us alone) a lock file."""
    return os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600), "a")


def listdir(path):
    """Return the names in a folder ([] when it does not exist)."""
    try:
        return os.listdir(path)
    except FileNotFoundError:
        return []


def in_threads(function, items, threads=8):
    """Call function on every item from several OS threads (gevent's pool when gevent patched threads)."""
    try:
        from gevent import get_hub, monkey
        if monkey.is_module_patched("threading"):
            get_hub().threadpool.map(function, items)
            return
    except ImportError:
        pass
    from concurrent.futures import ThreadPoolExecutor
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(function, items))


def rmdir(path):
    """Remove a folder if it is still empty."""
    with contextlib.suppress(OSError):
        os.rmdir(path)


def unlink(path):
    """Delete a file if it exists."""
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)
