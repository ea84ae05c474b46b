"""The conversation service: dedupe, load, engine step, save; one texter's messages one at a time."""
import datetime
import logging
import random
import time

import redis

from bot import metrics
from bot.reports import counters as reports
from bot.reports import unknown_words
from bot.conversation.engine import SMS, Context, State, is_opt_command, step
from bot.conversation.rendering import render_node
from bot.storage.privacy import short_name
from bot.conversation.sms import sms_safe
from bot.conversation.textmatch import forget_texts
from bot.storage.replies import ReplyPacker
from bot.storage.step_values import Changes

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 50
MAX_STORED_CHARS = 4096  # the longest message WhatsApp delivers; longer bodies are cut, and say so
ACTIVE = ("waiting", "claimed")
ALERT_KINDS = "heat,fraud,rules,other"  # what ALERTAS subscribes to: every kind of alert staff send


class Replies(list):
    """The replies to one message (a list), with the node that answered and the texter's language."""

    node = None
    lang = None
    forgotten = False  # the message deleted the texter (or is a retry of the one that did)


class Busy(Exception):
    """The conversation kept changing under us; the caller should answer with a safe message."""


class Conversations:
    """Apply inbound messages to conversations kept in the store."""

    def __init__(self, get_script, store, keys, clock=None, spool=None, on_waiting=None, reports=None,
                 jobs=None):
        """get_script returns the current Script (its office hours are the ones in force); keys
        pseudonymise and encrypt numbers; spool holds messages received while Redis was away (a
        deletion removes the texter's entries too); on_waiting(h) is called when a texter starts
        waiting for a person; reports (bot/reports/figures.py) gives the office's day to count in (None:
        nothing is counted).
        """
        self.get_script, self.store, self.keys, self.spool = get_script, store, keys, spool
        self.clock = clock or (lambda: datetime.datetime.now(datetime.timezone.utc))
        self.on_waiting, self.reports = on_waiting, reports
        self.jobs = jobs  # bot/jobs/service.JobChecker: case numbers and employer names (issue 16)

    def handle(self, address, sid, inbound, received=None, deadline=None, replay=False, h=None):
        """Return the replies to one inbound message from address, applied exactly once.

        received: epoch seconds the webhook got it; deadline: time.monotonic() after which no new
        Redis round trip starts (Busy is raised); replay: a spooled message applied late, at the time
        it was received and not counted against the rate limit again; h: address's pseudonym, when the
        caller has computed it already.
        """
        try:
            return self._handle(address, sid, inbound, received, deadline, replay, h)
        finally:
            # The texts a message was folded and read for case numbers as are kept only while it is
            # answered (each is worked out once a message): no body outlives its answer in memory.
            forget_texts()
            if self.jobs is not None:
                self.jobs.forget_texts()

    def _handle(self, address, sid, inbound, received, deadline, replay, h):
        """Return the replies to one inbound message (handle's work)."""
        h = h or self.keys.pseudonym(address)
        script = self.get_script()
        received = received or time.time()
        counted = not replay and not is_opt_command(inbound)  # STOP is honoured even in a flood
        # A case number is looked up in the load's round trip (whatever the state turns out to be).
        early = self.jobs.case_in(inbound.text) if self.jobs is not None else None
        fetched = None
        for attempt in range(MAX_ATTEMPTS):
            _in_time(deadline)
            also = self.jobs.lookup_call(early) if early is not None and fetched is None else None
            loaded, raw = self.store.load_with(h, sid, count=counted and attempt == 0, also=also)
            fetched = raw if raw is not None else fetched
            if loaded.limited:
                return self._slow_down(script, h, loaded, inbound)
            if loaded.duplicate:
                answer = Replies(loaded.replies)
                answer.forgotten = loaded.forgotten
                # A retry of the message that deleted the texter names nobody (see _forget).
                log.info("duplicate message", extra={} if loaded.forgotten else {"texter": short_name(h)})
                return answer
            state = State.from_json(loaded.state)
            state.lang = loaded.lang if loaded.lang in script.languages else None
            state.opted_out = loaded.opted_out
            status = loaded.handoff_status if loaded.handoff_status in ACTIVE else None
            now = datetime.datetime.fromtimestamp(received, datetime.timezone.utc) if replay else self.clock()
            lookup = self._job_lookup(script, state, inbound, status, deadline, early, fetched)
            result = step(script, state, inbound, Context(now=now, new_session=loaded.state is None,
                                                         handoff_status=status, lookup=lookup,
                                                         alerts=loaded.alerts, offered=loaded.offered))
            changes = self._changes(script, address, sid, inbound, result, now, status, replay)
            changes.alerts = self._alert_changes(address, result, loaded, now)
            if self.reports is not None:
                counts = reports.tally_step(result, inbound.channel, state.lang, loaded.state is None, status)
                # Counted where this texter's own key lists them too, so BORRAR takes them back out.
                words = unknown_words.tally(result, inbound.text, h)
                day = self.reports.day(now, (script.office_hours or {}).get("timezone"))
                changes.report = (day, counts) if counts else None
                changes.words = (day, words) if words else None
            _in_time(deadline)
            outcome, replies = self.store.commit(h, sid, loaded, result.state.to_json(), result.replies,
                                                 changes)
            if outcome == "ok" and (changes.report or changes.words) and self.store.cluster:
                self._count_apart(h, changes.report, changes.words, deadline)
            if outcome == "ok" and changes.forget:
                self.store.media_now(h)  # its photos and voice notes are deleted at Twilio by the sweep
                self._forget(h, received)
                answer = Replies(result.replies)
                answer.forgotten = True  # the webhook's log line names no texter for this one
                return answer
            if outcome == "ok" and inbound.attachments and any(k == "handoff_message" for k, _ in result.events):
                self.store.schedule_media(h, [path for path, _ in inbound.attachments],
                                          now.timestamp() + self.store.ttl["handoff"])
            if outcome == "ok":
                handoff = changes.handoff or {}
                urgent = handoff.get("urgent") == "1"  # danger written: on-call told at once, queued or not
                if handoff.get("status") == "waiting":
                    self.store.enqueue(h, now.timestamp())
                if handoff.get("status") == "waiting" or urgent:
                    self._notify(h, urgent)
                if any(kind == "handoff_cancel" for kind, _ in result.events):
                    self.store.close_handoff(h, now.timestamp())  # rare: the texter left the line
                metrics.record_message(inbound.channel, result.state.lang, result.node, result.replies)
                if attempt:
                    log.info("conversation changed meanwhile", extra={"texter": short_name(h),
                                                                      "attempts": attempt + 1})
                answer = Replies(result.replies)
                answer.node, answer.lang = result.node, result.state.lang
                return answer
            if outcome == "duplicate":
                return Replies(replies)
            time.sleep(random.uniform(0.001, min(0.004 * (attempt + 1), 0.05)))  # jitter, capped
        raise Busy(f"conversation {short_name(h)} changed {MAX_ATTEMPTS} times while answering")

    def _job_lookup(self, script, state, inbound, status, deadline, early=None, fetched=None):
        """Return what DOL's job data says when the message asks it, else None: from the answer fetched
        beside the load when the message asked that (a case number), else in a round trip of its own (an
        employer's name, a pick from a list)."""
        if self.jobs is None:
            return None
        query = self.jobs.wanted(script, state, inbound.text, status)
        if query is None:
            return None
        if fetched is not None and query.same_lookup(early):
            return self.jobs.lookup(query, raw=fetched)
        _in_time(deadline)
        return self.jobs.lookup(query)

    def _slow_down(self, script, h, loaded, inbound):
        """Answer a message past the rate limit: say so once in the window, then nothing."""
        if loaded.limited != self.store.rate_limit + 1:
            return []
        log.warning("texter over the rate limit", extra={"texter": short_name(h)})
        lang = loaded.lang if loaded.lang in script.languages else None
        text = script.text(script.engine_text("slow_down"), lang)
        return [sms_safe(text, script.sms.get("fold_accents", True)) if inbound.channel == SMS else text]

    def _count_apart(self, h, report, words, deadline):
        """Add a step's report counters after its commit (Redis Cluster: see bot/storage/store.py).

        Best effort: the step is saved already, and a lost count must not cost the texter a reply.
        """
        if deadline is not None and time.monotonic() > deadline:
            log.warning("report counts dropped: out of time", extra={"texter": short_name(h)})
            return
        try:
            self.store.count(report, words)
        except (redis.RedisError, OSError) as exc:
            log.warning("report counts lost: %s", type(exc).__name__, extra={"texter": short_name(h)})

    def _forget(self, h, received):
        """Delete what is left about texter h after the commit that forgot them; audit it, nameless."""
        removed = self.store.forget(h)
        spooled = self.spool.forget(h, before=received) if self.spool else 0
        self.store.audit("bot", "texter_deleted", keys=removed, spooled=spooled)
        # No pseudonym here: a log line must not tie a later texter to a deletion.
        log.info("texter data deleted", extra={"keys": removed, "spooled": spooled})

    def _notify(self, h, urgent=False):
        """Tell on-call volunteers someone is waiting (urgent: at once, whatever the interval); a failure
        there never costs the texter a reply."""
        if self.on_waiting is None:
            return
        try:
            self.on_waiting(h, urgent=urgent)
        except Exception:  # noqa: BLE001 - notifications are best effort by design
            log.exception("on-call notification failed", extra={"texter": short_name(h)})

    def _alert_changes(self, address, result, loaded, now):
        """Return what a step changes of the texter's subscription to alerts (issue 25), or None.

        BAJA, STOP and BORRAR delete it (counted as an unsubscription after the last alert it got);
        ALERTAS writes it: the number encrypted as the spool and handoffs keep it, the language, the
        state, the time and the kinds; nothing else about the texter."""
        change = {}
        for kind, data in result.events:
            if kind in ("alerts_stop", "opt_out", "forget") and loaded.alerts is not None:
                change = {"del": 1, "stats": loaded.alerts[2] or ""}
            elif kind == "alerts_subscribe":
                fields = {"l": data["lang"], "st": data["state"], "at": int(now.timestamp()), "k": ALERT_KINDS}
                change = {"set": [str(x) for pair in fields.items() for x in pair],
                          "number": self.keys.encrypt(address), "ttl": self.store.ttl.get("alerts", 365 * 86400)}
            elif kind == "alerts_offered":
                change["offered"] = 1
        return change or None

    def _changes(self, script, address, sid, inbound, result, now, status, replay=False):
        """Return the store changes for a step's events (a replay's replies were never sent)."""
        changes = Changes(lang=result.state.lang)
        at = int(now.timestamp())
        thread = []
        for kind, data in result.events:
            if kind == "forget":
                return Changes(forget=True)
            if kind == "opt_out":
                changes.opt_out = "set"
                if status:
                    thread.append({"at": at, "dir": "event", "event": "opt_out"})
            elif kind == "opt_in":
                changes.opt_out = "del"
            elif kind == "handoff_open":
                changes.handoff = {"status": "waiting", "lang": data["lang"] or "", "topic": data["topic"] or "",
                                   "channel": data["channel"], "created": at, "updated": at,
                                   "number": self.keys.encrypt(address),
                                   "urgent": "1" if data.get("urgent") else "0"}
                for node_id in data["trail"][:-1]:
                    thread.append({"at": at, "dir": "bot", "text": render_node(script, node_id, data["lang"])})
                exact = result.decided and result.decided[0] == "option"  # a menu number says nothing more
                if (inbound.text or "").strip() and not exact:  # the words with which they asked for a person
                    thread.append({"at": at, "dir": "in", "sid": sid, "asked": 1,
                                   "text": inbound.text[:MAX_STORED_CHARS]})
            elif kind == "handoff_message":
                text = data["text"] or ""
                entry = {"at": at, "dir": "in", "sid": sid, "text": text[:MAX_STORED_CHARS]}
                if len(text) > MAX_STORED_CHARS:
                    entry["cut"] = len(text)
                if data["media"]:
                    entry["media"] = data["media"]
                if inbound.attachments:
                    entry["attachments"] = [list(a) for a in inbound.attachments]
                thread.append(entry)
                changes.handoff = {**(changes.handoff or {}), "updated": at, "channel": inbound.channel}
            elif kind == "urgent":
                changes.handoff = {**(changes.handoff or {}), "urgent": "1"}
                thread.append({"at": at, "dir": "event", "event": "urgent"})
            elif kind == "handoff_cancel":
                thread.append({"at": at, "dir": "event", "event": "left_queue"})
        if thread and (status or changes.handoff):
            thread += [] if replay else [{"at": at, "dir": "bot", "text": r} for r in result.replies]
            changes.thread = thread
        return changes


def reply_packer(script):
    """Return the ReplyPacker (bot/storage/replies.py) whose dictionaries are script's texts, as written
    and as SMS sends them (accents folded), per language."""
    fold = script.sms.get("fold_accents", True)
    texts = {}
    for lang in script.languages:
        written = [entry.text for entry in script.catalogs.get(lang, {}).values()]
        texts[lang] = written + [sms_safe(text, fold) for text in written]
    return ReplyPacker(texts)


def _in_time(deadline):
    """Raise Busy when the request's time for Redis is over."""
    if deadline is not None and time.monotonic() > deadline:
        raise Busy("out of time for Redis")
