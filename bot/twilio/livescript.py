"""The script this process answers with: the newest published version, noticed within seconds.

Each web worker keeps one built Script. At most every `interval` seconds one request asks Redis for
the published version's stamp (one GET); only when it changed is the version loaded and the Script
(with its matchers) rebuilt. Other requests never wait: they use the Script in hand meanwhile.
When Redis does not answer, the Script in hand stays in use. A version whose examples changed is taken
up once its understanding models are trained (in a process of their own, into the model cache).
"""
import logging
import threading
import random
import time

import redis

from bot.conversation.bundle import decode
from bot.conversation.checks import check_script
from bot.conversation.script import ScriptError, build_script
from bot.conversation.understanding import cache as model_cache

log = logging.getLogger(__name__)


class LiveScript:
    """The published Script, reloaded when a new version is published."""

    def __init__(self, store, script, fingerprint, interval=2.0, on_missing=None, clock=time.monotonic):
        """store is a VersionStore; script and fingerprint are what to use until Redis is read."""
        self.store, self.interval, self.on_missing, self.clock = store, interval, on_missing, clock
        self._script, self._fingerprint = script, fingerprint
        self._stamp, self.version = None, None
        self._next = 0.0
        self._failures = 0  # checks failed in a row (Redis away)
        self._lock = threading.Lock()

    @property
    def current(self):
        """Return the Script in hand, without asking Redis."""
        return self._script

    def get(self):
        """Return the Script to answer with, checking for a new version when the interval has passed."""
        if self.clock() >= self._next and self._lock.acquire(blocking=False):
            try:
                self._next = self.clock() + self.interval
                self.refresh()
            finally:
                self._lock.release()
        return self._script

    def expire(self):
        """Make the next get() check for a new version (called after a publish in this process)."""
        self._next = 0.0

    def refresh(self):
        """Load the published version if it changed; return True when the Script in hand changed."""
        try:
            head = self.store.head()
            if self._failures:
                log.info("the published script version can be checked again")
                self._failures = 0
            if head is None and self.on_missing is not None:
                self.on_missing()
                head = self.store.head()
            if head is None or head[1] == self._stamp:
                return False
            number, stamp = head
            info = self.store.info(number) or {}
            if info.get("fingerprint") == self._fingerprint:
                self._stamp, self.version = stamp, number  # same content: nothing to rebuild
                return False
            script = build_script(decode(self.store.version(number)))
            if not model_cache.ready(script.examples, script.language_texts()):
                # New examples: trained in a process of their own; this version is taken up once its
                # models are in the cache (the Script in hand answers meanwhile).
                model_cache.train_detached(script.examples, script.language_texts())
                return False
        except (redis.RedisError, OSError) as exc:
            # Checked again later and later (jitter, at most a minute apart); said once, not each time.
            self._failures += 1
            pause = min(max(self.interval, 0.5) * 2 ** min(self._failures, 10), 60.0)
            self._next = self.clock() + random.uniform(pause / 2, pause)
            if self._failures == 1:
                log.warning("cannot check the published script version: %s", type(exc).__name__)
            return False
        except (ScriptError, TypeError) as exc:
            log.error("published script version cannot be used: %s", exc)
            return False
        errors = [p for p in check_script(script) if p.level == "error"]
        if errors:  # published before this code's checks: keep answering, and say so loudly
            log.error("published script version %s has %d error(s) by this code's checks, e.g. %s",
                      number, len(errors), errors[0])
        self._script, self._fingerprint, self._stamp, self.version = script, info.get("fingerprint"), stamp, number
        log.info("script version %s in use", number)
        return True
