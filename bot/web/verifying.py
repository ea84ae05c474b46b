"""Password hashing off the event loop: Argon2 runs in native threads, a few at a time per worker.

Argon2id costs about 200 ms of CPU. Under gunicorn's gevent workers every request of a worker shares
one event loop, so a hash computed there stalls Twilio's webhooks for as long. Here the hash runs in
gevent's pool of native threads (argon2-cffi releases the GIL while it hashes) and the greenlet waits
without blocking the loop. At most `slots` hashes run at once per worker: a login that finds them all
taken is refused at once (the page answers 429) instead of queueing CPU work behind an attacker's.
Without gevent (the development server, the CLI, the tests' client) the hash runs in the caller's thread.
"""
import contextlib
import os
import threading

NICE = 10  # password threads yield the CPU to the event loop (Linux: niceness is per thread, inherited
           # by the threads Argon2 starts for its lanes)
_niced = threading.local()


class Busy(Exception):
    """Every password slot of this worker is taken; try again in a moment."""


def _gevent_loop():
    """Return True when this process runs on gevent's event loop (monkey-patched threads)."""
    try:
        from gevent import monkey
    except ImportError:  # pragma: no cover - gevent is a runtime requirement
        return False
    return monkey.is_module_patched("threading")


class PasswordSlots:
    """At most `slots` password hashes at once in this worker, each in a native thread."""

    def __init__(self, slots):
        self.slots = max(int(slots), 1)
        self._busy = 0
        self._lock = threading.Lock()  # gevent's lock once patched: held for a few instructions only

    @contextlib.contextmanager
    def slot(self):
        """Hold one slot for a login, or raise Busy at once when all are taken."""
        with self._lock:
            if self._busy >= self.slots:
                raise Busy()
            self._busy += 1
        try:
            yield self
        finally:
            with self._lock:
                self._busy -= 1

    @property
    def busy(self):
        """Return how many slots are taken now."""
        return self._busy

    def run(self, function, *args):
        """Return function(*args), computed in a native thread when on gevent's loop."""
        if _gevent_loop():
            import gevent
            return gevent.get_hub().threadpool.apply(_niced_call, (function, args))
        return function(*args)


def _niced_call(function, args):
    """Call function(*args) in a pool thread whose CPU priority is lowered once."""
    if not getattr(_niced, "done", False):
        _niced.done = True
        try:
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), NICE)
        except (AttributeError, OSError):  # not Linux, or not allowed: the cap still holds
            pass
    return function(*args)
