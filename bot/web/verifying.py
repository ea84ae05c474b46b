"""Password hashing off the event loop: Argon2 runs in native threads, a few at a time per worker.

Argon2id costs about 200 ms of CPU. Under gunicorn's gevent workers every request of a worker shares
one event loop, so a hash computed there stalls Twilio's webhooks for as long. Here the hash runs in
gevent's pool of native threads (argon2-cffi releases the GIL while it hashes, and the threads run at a
lower CPU priority) and the greenlet waits without blocking the loop. At most `slots` hashes run at once
per worker; a few more logins wait a few seconds for a slot (so a person gets in during a flood, and the
flood's requests come slower), and the rest are refused at once (the page answers 429).
Without gevent (the development server, the CLI, the tests' client) the hash runs in the caller's thread.
"""
import contextlib
import os
import threading
import time

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
    """At most `slots` password hashes at once in this worker, each in a native thread; up to `queue`
    more logins wait at most `wait` seconds for one (a login's few seconds, and a flood's requests
    slowed down); beyond that a login is refused at once."""

    def __init__(self, slots, queue=None, wait=3.0):
        self.slots = max(int(slots), 1)
        self.queue = 4 * self.slots if queue is None else queue
        self.wait = wait
        self._busy = self._waiting = 0
        self._lock = threading.Lock()  # gevent's lock once patched: held for a few instructions only
        self._free = threading.Condition(self._lock)

    @contextlib.contextmanager
    def slot(self):
        """Hold one slot for a login, waiting a little for one; raise Busy when none came free."""
        with self._lock:
            if self._busy >= self.slots:
                if self._waiting >= self.queue:
                    raise Busy()
                self._waiting += 1
                try:
                    deadline = time.monotonic() + self.wait
                    while self._busy >= self.slots:
                        left = deadline - time.monotonic()
                        if left <= 0:
                            raise Busy()
                        self._free.wait(left)
                finally:
                    self._waiting -= 1
            self._busy += 1
        try:
            yield self
        finally:
            with self._lock:
                self._busy -= 1
                self._free.notify()

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
