"""Take in inbound messages: apply them now, or keep them in the spool while Redis is away.

When Redis fails (refuses, times out, or a message cannot be applied in time), the message is spooled,
the webhook answers with the safe message, and this process stops calling Redis ("down") so the next
webhooks answer at once. A background thread probes Redis; once it answers, the thread applies the
spooled messages texter by texter, in the order they arrived. A texter whose earlier messages are still
spooled has them applied first, before the new one, so one texter's messages keep their order.
"""
import logging
import threading
import time

import redis

from bot.twilio.conversations import Busy
from bot.conversation.engine import Inbound
from bot.storage.privacy import short_name
from bot.storage.spool import LockTimeout, received_at

log = logging.getLogger(__name__)
BUDGET = 1.0          # seconds in which a webhook may start Redis round trips (plus one timeout after)
PROBE_INTERVAL = 0.5  # seconds between probes of a Redis that failed
REDIS_FAULTS = (redis.RedisError, OSError)


class Unavailable(Exception):
    """The message could not be applied now; it is in the spool (unless the spool was full)."""


class Intake:
    """Apply inbound messages, spooling them while Redis cannot, and drain the spool when it can."""

    def __init__(self, conversations, spool, probe_interval=PROBE_INTERVAL, revive=None):
        """revive, if given, is called when a probe fails (e.g. to restart an embedded server)."""
        self.conversations, self.spool, self.revive = conversations, spool, revive
        self.probe_interval = probe_interval
        self.down = threading.Event()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread = None

    def receive(self, address, sid, inbound):
        """Return the replies to one message; raise Unavailable when it had to be spooled."""
        received = time.time()
        h = self.conversations.keys.pseudonym(address)
        if not self.down.is_set():
            deadline = time.monotonic() + BUDGET
            try:
                total, mine = self.spool.scan(h)
                if total:
                    self._ensure_drainer()
                if not mine:
                    return self.conversations.handle(address, sid, inbound, received, deadline)
                with self.spool.lock(h, timeout=deadline - time.monotonic()):
                    self._apply_spooled(h, deadline)
                    return self.conversations.handle(address, sid, inbound, received, deadline)
            except REDIS_FAULTS as exc:
                log.error("redis failed, message spooled: %s", type(exc).__name__,
                          extra={"texter": short_name(h)})
                self._trip()
            except (Busy, LockTimeout) as exc:
                log.warning("no time to apply the message, spooled: %s", type(exc).__name__,
                            extra={"texter": short_name(h)})
        self._keep(h, address, sid, inbound, received)
        raise Unavailable()

    def _keep(self, h, address, sid, inbound, received):
        """Spool one message for later."""
        record = {"address": address, "sid": sid, "text": inbound.text, "channel": inbound.channel,
                  "media": inbound.media, "opt_out_type": inbound.opt_out_type}
        if self.spool.put(h, record, received):
            self._ensure_drainer()
        else:
            log.error("spool full: message dropped", extra={"texter": short_name(h)})

    def _apply_spooled(self, h, deadline=None):
        """Apply texter h's spooled messages in order (the caller holds h's spool lock)."""
        for name in self.spool.pending(h):
            record = self.spool.read(name)
            if record is None:
                continue
            if self.spool.expired(name):
                log.warning("spooled message too old, discarded", extra={"texter": short_name(h)})
                self.spool.remove(name)
                continue
            inbound = Inbound(text=record["text"], channel=record["channel"], media=record["media"],
                              opt_out_type=record["opt_out_type"])
            try:
                self.conversations.handle(record["address"], record["sid"], inbound, received_at(name),
                                          deadline, replay=True)
            except (*REDIS_FAULTS, Busy):
                raise
            except Exception as exc:  # a message that breaks the bot must not block the ones after it
                log.error("spooled message could not be applied, discarded: %s", type(exc).__name__,
                          extra={"texter": short_name(h)})
            self.spool.remove(name)

    # -- recovery ---------------------------------------------------------------------------------

    def _trip(self):
        """Stop calling Redis from webhooks until the probe finds it again."""
        if not self.down.is_set():
            self.down.set()
            log.error("redis marked down; answering from the spool")
        self._ensure_drainer()

    def _ensure_drainer(self):
        """Start the background thread that probes Redis and drains the spool, unless it runs."""
        with self._lock:
            if self._thread is None and not self._stop.is_set():
                self._thread = threading.Thread(target=self._run, name="spool-drainer", daemon=True)
                self._thread.start()

    def _run(self):
        """Probe Redis while it is down; drain the spool while it is up; end when there is nothing."""
        while not self._stop.is_set():
            if self.down.is_set() and not self._probe():
                self._stop.wait(self.probe_interval)
                continue
            if self.down.is_set():
                self.down.clear()
                log.warning("redis answers again; draining the spool")
            try:
                self.drain()
            except REDIS_FAULTS as exc:
                log.error("redis failed while draining: %s", type(exc).__name__)
                self.down.set()
                continue
            with self._lock:
                if not self.spool.count() and not self.down.is_set():
                    self._thread = None
                    return
            self._stop.wait(self.probe_interval)  # another process drains, or a texter's lock was busy
        with self._lock:
            self._thread = None

    def _probe(self):
        """Return True when Redis answers; try to revive it when it does not."""
        try:
            return bool(self.conversations.store.ping())
        except REDIS_FAULTS:
            if self.revive:
                try:
                    self.revive()
                except Exception as exc:  # reviving is best effort; the probe goes on either way
                    log.error("could not revive redis: %s", type(exc).__name__)
            return False

    def drain(self):
        """Apply every spooled message, texter by texter, oldest first (one drainer per machine)."""
        with self.spool.drain_lock() as mine:
            if not mine:
                return
            self.spool.sweep()
            for h in self.spool.texters():
                try:
                    with self.spool.lock(h, timeout=5):
                        self._apply_spooled(h)
                except (Busy, LockTimeout):
                    continue  # tried again on the next round

    def stop(self, timeout=5):
        """Stop the background thread (tests and shutdown)."""
        self._stop.set()
        thread = self._thread
        if thread is not None:
            thread.join(timeout)

    def status(self):
        """Return what /healthz reports about the spool."""
        return {"spooled": self.spool.count(), "redis_down": self.down.is_set()}
