"""The conversation service: dedupe, load, engine step, save; one texter's messages one at a time."""
import datetime
import logging
import random
import time

from .engine import Context, State, render_node, step
from .privacy import short_name
from .store import Changes

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 50
MAX_STORED_CHARS = 4096  # the longest message WhatsApp delivers; longer bodies are cut, and say so
ACTIVE = ("waiting", "claimed")


class Busy(Exception):
    """The conversation kept changing under us; the caller should answer with a safe message."""


class Conversations:
    """Apply inbound messages to conversations kept in the store."""

    def __init__(self, get_script, store, keys, clock=None, office_hours=None, on_waiting=None):
        """get_script returns the current Script; keys pseudonymise and encrypt numbers.

        office_hours returns the hours in force (None: the script's); on_waiting(h) is called when a
        texter starts waiting for a person.
        """
        self.get_script, self.store, self.keys = get_script, store, keys
        self.clock = clock or (lambda: datetime.datetime.now(datetime.timezone.utc))
        self.office_hours, self.on_waiting = office_hours, on_waiting

    def handle(self, address, sid, inbound):
        """Return the replies to one inbound message from address, applied exactly once."""
        h = self.keys.pseudonym(address)
        script = self.get_script()
        for attempt in range(MAX_ATTEMPTS):
            loaded = self.store.load(h, sid)
            if loaded.duplicate:
                log.info("duplicate message", extra={"texter": short_name(h)})
                return loaded.replies
            state = State.from_json(loaded.state)
            state.lang = state.lang if state.lang in script.languages else None
            if state.lang is None and loaded.lang in script.languages:
                state.lang = loaded.lang
            state.opted_out = loaded.opted_out
            status = loaded.handoff_status if loaded.handoff_status in ACTIVE else None
            now = self.clock()
            office = self.office_hours() if self.office_hours else None
            result = step(script, state, inbound, Context(now=now, new_session=loaded.state is None,
                                                         handoff_status=status, office_hours=office))
            changes = self._changes(script, address, sid, inbound, result, now, status)
            outcome, replies = self.store.commit(h, sid, loaded, result.state.to_json(), result.replies,
                                                 changes)
            if outcome == "ok":
                if changes.handoff and changes.handoff.get("status") == "waiting":
                    self.store.enqueue(h, now.timestamp())
                    self._notify(h)
                log.info("message handled", extra={"texter": short_name(h), "node": result.node,
                                                   "attempts": attempt + 1})
                return result.replies
            if outcome == "duplicate":
                return replies
            time.sleep(random.uniform(0.001, 0.004 * (attempt + 1)))
        raise Busy(f"conversation {short_name(h)} changed {MAX_ATTEMPTS} times while answering")

    def _notify(self, h):
        """Tell on-call volunteers someone is waiting; a failure there never costs the texter a reply."""
        if self.on_waiting is None:
            return
        try:
            self.on_waiting(h)
        except Exception:  # noqa: BLE001 - notifications are best effort by design
            log.exception("on-call notification failed", extra={"texter": short_name(h)})

    def _changes(self, script, address, sid, inbound, result, now, status):
        """Return the store changes for a step's events."""
        changes = Changes(lang=result.state.lang)
        at = int(now.timestamp())
        thread = []
        for kind, data in result.events:
            if kind == "opt_out":
                changes.opt_out = "set"
                if status:
                    thread.append({"at": at, "dir": "event", "event": "opt_out"})
            elif kind == "opt_in":
                changes.opt_out = "del"
            elif kind == "handoff_open":
                changes.handoff = {"status": "waiting", "lang": data["lang"] or "", "topic": data["topic"] or "",
                                   "channel": data["channel"], "created": at, "updated": at,
                                   "number": self.keys.encrypt(address)}
                for node_id in data["trail"][:-1]:
                    thread.append({"at": at, "dir": "bot", "text": render_node(script, node_id, data["lang"])})
            elif kind == "handoff_message":
                text = data["text"] or ""
                entry = {"at": at, "dir": "in", "sid": sid, "text": text[:MAX_STORED_CHARS]}
                if len(text) > MAX_STORED_CHARS:
                    entry["cut"] = len(text)
                if data["media"]:
                    entry["media"] = data["media"]
                thread.append(entry)
                changes.handoff = {"updated": at, "channel": inbound.channel}
        if thread and (status or changes.handoff):
            thread += [{"at": at, "dir": "bot", "text": r} for r in result.replies]
            changes.thread = thread
        return changes
