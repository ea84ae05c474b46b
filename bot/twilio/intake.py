"""Take in inbound messages: apply them now, or keep them in the spool while Redis is away.

When Redis fails (refuses, times out, refuses writes, or a message cannot be applied in time), the
message is spooled, the webhook answers with the safe message, and this process stops calling Redis
("down") so the next webhooks answer at once. A background thread probes Redis with a write, backing off
(with jitter, up to PROBE_CEILING seconds) while it fails; once a write succeeds it applies the spooled
messages texter by texter, in the order they arrived, and keeps going until the spool is empty. The
thread starts with the app when the spool holds messages (a restart), and whenever a message is spooled.
A texter whose earlier messages are still spooled has them applied first, so their order holds.
Each change of state is logged once, never each attempt.
"""
import logging
import random
import threading
import time

import redis

from bot.conversation.engine import Inbound
from bot.storage.connection import fault
from bot.storage.spool import LockTimeout, received_at
from bot.twilio.conversations import Busy
from bot.storage.privacy import short_name

log = logging.getLogger(__name__)
BUDGET = 1.0          # seconds in which a webhook may start Redis round trips (plus one timeout after)
PROBE_FIRST = 0.25    # seconds before the first probe of a Redis that failed; doubled each failure
PROBE_CEILING = 5.0   # ... up to this: the longest a recovered Redis waits to be noticed
REDIS_FAULTS = (redis.RedisError, OSError)


def backoff(failures, first=PROBE_FIRST, ceiling=PROBE_CEILING):
    """Return the pause after `failures` failures in a row: doubling, capped, with jitter (half to full)."""
    pause = min(ceiling, first * 2 ** min(max(failures - 1, 0), 30))
    return random.uniform(pause / 2, pause)


class Unavailable(Exception):
    """The message could not be applied now; it is in the spool (unless the spool refused it)."""


class Intake:
    """Apply inbound messages, spooling them while Redis cannot, and drain the spool when it can."""

    def __init__(self, conversations, spool, probe_first=PROBE_FIRST, revive=None):
        """revive, if given, is called when a probe fails (e.g. to restart an embedded server)."""
        self.conversations, self.spool, self.revive = conversations, spool, revive
        self.probe_first = probe_first
        self.down = threading.Event()
        self.reason = None      # why Redis is marked down, for /healthz and the logs
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread = None

    def start(self):
        """Start draining at once if the spool holds messages (after a restart or a crash)."""
        if self.spool.count():
            log.warning("spooled messages found at start; draining", extra={"count": self.spool.count()})
            self._ensure_drainer()

    def receive(self, address, sid, inbound, h=None):
        """Return the replies to one message; raise Unavailable when it had to be spooled.

        h: the texter's pseudonym when the caller has it already (computed once a message)."""
        received = time.time()
        h = h or self.conversations.keys.pseudonym(address)
        if not self.down.is_set():
            deadline = time.monotonic() + BUDGET
            try:
                total, mine = self.spool.scan(h)
                if total:
                    self._ensure_drainer()
                if not mine:
                    return self.conversations.handle(address, sid, inbound, received, deadline, h=h)
                with self.spool.lock(h, timeout=deadline - time.monotonic()):
                    self._apply_spooled(h, deadline)
                    return self.conversations.handle(address, sid, inbound, received, deadline, h=h)
            except REDIS_FAULTS as exc:
                log.warning("redis failed; message spooled: %s", type(exc).__name__,
                            extra={"texter": short_name(h)})
                self._trip(fault(exc))
            except (Busy, LockTimeout) as exc:
                log.warning("no time to apply the message, spooled: %s", type(exc).__name__,
                            extra={"texter": short_name(h)})
        self._keep(h, address, sid, inbound, received)
        raise Unavailable()

    def _keep(self, h, address, sid, inbound, received):
        """Spool one message for later (the texter gets the safe reply either way)."""
        record = {"address": address, "sid": sid, "text": inbound.text, "channel": inbound.channel,
                  "media": inbound.media, "opt_out_type": inbound.opt_out_type,
                  "attachments": [list(a) for a in inbound.attachments]}
        try:
            kept = self.spool.put(h, record, received)
        except OSError as exc:  # e.g. the folder is read-only: the texter still gets the safe reply
            log.error("spool failed: message dropped: %s", type(exc).__name__, extra={"texter": short_name(h)})
            return
        if kept:
            self._ensure_drainer()
        else:  # "full", "share" (this texter's share of it) or "disk" (the device has no space left)
            log.error("spool full (%s): message dropped", kept.reason, extra={"texter": short_name(h)})

    def _apply_spooled(self, h, deadline=None):
        """Apply texter h's spooled messages in order (the caller holds h's spool lock)."""
        for entry in self.spool.pending(h):
            record = self.spool.read(entry)
            if record is None:
                continue
            if self.spool.expired(entry):
                log.warning("spooled message too old, discarded", extra={"texter": short_name(h)})
                self.spool.remove(entry)
                continue
            inbound = Inbound(text=record["text"], channel=record["channel"], media=record["media"],
                              opt_out_type=record["opt_out_type"],
                              attachments=tuple(tuple(a) for a in record.get("attachments") or ()))
            try:
                self.conversations.handle(record["address"], record["sid"], inbound, received_at(entry),
                                          deadline, replay=True, h=h)
            except (*REDIS_FAULTS, Busy):
                raise
            except Exception as exc:  # a message that breaks the bot must not block the ones after it
                log.error("spooled message could not be applied, discarded: %s", type(exc).__name__,
                          extra={"texter": short_name(h)})
            self.spool.remove(entry)

    # -- recovery ---------------------------------------------------------------------------------

    def _trip(self, reason):
        """Stop calling Redis from webhooks until a probe writes to it again; log the change once."""
        with self._lock:
            changed = not self.down.is_set() or reason != self.reason
            self.reason = reason
            self.down.set()
        if changed:
            log.error("redis marked down; answering from the spool: %s", reason)
        self._ensure_drainer()

    def _recovered(self):
        """Let webhooks call Redis again; log the change once."""
        with self._lock:
            was = self.down.is_set()
            self.down.clear()
            self.reason = None
        if was:
            log.warning("redis takes writes again; draining the spool", extra={"count": self.spool.count()})

    def _ensure_drainer(self):
        """Start the background thread that probes Redis and drains the spool, unless it runs."""
        with self._lock:
            if self._thread is None and not self._stop.is_set():
                self._thread = threading.Thread(target=self._run, name="spool-drainer", daemon=True)
                self._thread.start()

    def _run(self):
        """Probe Redis while it is down; drain the spool while it is up; end when there is nothing."""
        failures = idle = 0
        try:
            while not self._stop.is_set():
                if self.down.is_set():
                    problem = self.probe()
                    if problem:
                        failures += 1
                        self._trip(problem)
                        self._stop.wait(backoff(failures, self.probe_first))
                        continue
                    self._recovered()
                try:
                    self.drain()
                except REDIS_FAULTS as exc:
                    failures += 1
                    self._trip(fault(exc))
                    self._stop.wait(backoff(failures, self.probe_first))
                    continue
                failures = 0
                with self._lock:
                    if not self.spool.count() and not self.down.is_set():
                        self._thread = None
                        return
                # Left over: another process drains, or a texter's lock was busy. Try again, backing off.
                idle += 1
                self._stop.wait(backoff(idle, self.probe_first))
        finally:
            with self._lock:
                if self._thread is threading.current_thread():
                    self._thread = None

    def probe(self):
        """Return None when Redis takes a write, else the reason; try to revive a dead embedded server."""
        try:
            self.conversations.store.probe()
            return None
        except REDIS_FAULTS as exc:
            error, reason = exc, fault(exc)
        if self.revive and not isinstance(error, redis.ResponseError):
            try:
                self.revive()
            except Exception as exc:  # reviving is best effort; the probe goes on either way
                if reason != self.reason:
                    log.error("could not revive redis: %s", type(exc).__name__)
        return reason

    def drain(self):
        """Apply every spooled message, texter by texter, oldest first (one drainer per machine)."""
        with self.spool.drain_lock() as mine:
            if not mine:
                return
            self.spool.sweep()
            try:
                for h in self.spool.texters():
                    try:
                        with self.spool.lock(h, timeout=5):
                            self._apply_spooled(h)
                    except (Busy, LockTimeout):
                        continue  # tried again on the next round
            finally:
                self.spool.reap()

    def stop(self, timeout=5):
        """Stop the background thread (tests and shutdown)."""
        self._stop.set()
        thread = self._thread
        if thread is not None:
            thread.join(timeout)

    def status(self):
        """Return what /healthz reports about the spool."""
        return {"spooled": self.spool.count(), "redis_down": self.down.is_set(), "reason": self.reason}
