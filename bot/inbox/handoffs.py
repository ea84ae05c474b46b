"""The volunteer inbox as a service: list, claim, read, reveal, release and close handoffs (what volunteers
send, replies and templates, is in bot/inbox/sending.py).

No Flask here: the views turn a Refused reason into a sentence in the volunteer's language. Who may
do what:
  view      a waiting conversation: anyone logged in; a claimed or closed one: its volunteer, or staff
  claim     a waiting conversation: anyone (one volunteer at a time)
  reply     the volunteer who claimed it
  reveal    the volunteer who claimed it, or staff
  release   the volunteer who claimed it, or staff
  close     the volunteer who claimed it, or staff (even unclaimed)
Every action is written to the audit log, with the texter's short name and never a body or number.
"""
import datetime
import logging

from bot.reports import counters as reports
from bot.conversation.engine import SMS, WHATSAPP
from bot.storage.privacy import bare_number, short_name
from bot.conversation.sms import sms_safe
from bot.inbox.colleagues import transfer_mark
from bot.inbox.sending import MAX_REPLY, Sending  # noqa: F401 (the service's API: pages import it from here)
from bot.inbox.views import (  # noqa: F401 (the service's API: pages import these from here)
    CLOSING_TEXT, WINDOW, Line, Refused, Summary, View, closing_text_id, kind_of, mask, time_of as _time,
    window_open)

log = logging.getLogger(__name__)


class Inbox(Sending):
    """Handoff actions over the store, the outbound sender and the script (sending: bot/inbox/sending.py)."""

    def __init__(self, store, keys, sender, get_script, clock, templates=dict, reports=None, template_texts=dict):
        """clock returns the current aware datetime; templates returns {language: Content SID} and
        template_texts {language: its words} (shown in the thread);
        reports (bot/reports/figures.py) counts claims, closes and first replies (None: nothing is counted)."""
        self.store, self.keys, self.sender = store, keys, sender
        self.get_script, self.clock, self.templates = get_script, clock, templates
        self.template_texts = template_texts
        self.reports = reports

    def _report(self, counts, now):
        """Return (office's day, counts) for the store, or None when nothing is counted."""
        return (self.reports.day(now), counts) if self.reports is not None else None

    # -- reading ----------------------------------------------------------------------------------

    def _summary(self, h, record, user, now):
        """Return the Summary of one handoff record."""
        created = _time(record.get("created"))
        channel = record.get("channel") or SMS
        status = record.get("status") or "waiting"
        return Summary(h=h, name=short_name(h), status=status, lang=record.get("lang") or "",
                       topic=record.get("topic") or "", channel=channel, created=created,
                       waited=max(now - created, datetime.timedelta(0)),
                       window_open=window_open(record, now) if channel == WHATSAPP else None,
                       claimed_by=record.get("claimed_by", "") if status == "claimed" else "",
                       speaks=user.speaks(record.get("lang")) if user is not None else False,
                       urgent=record.get("urgent") == "1", claimed_at=int(float(record.get("claimed_at") or 0)))

    def lists(self, user):
        """Return (waiting, mine, others): waiting ones in the user's languages first, then oldest first."""
        now = self.clock()
        waiting_ids, claimed_ids = self.store.waiting(), self.store.claimed()
        records = self.store.handoffs(list(dict.fromkeys(waiting_ids + claimed_ids)))
        for h in set(waiting_ids + claimed_ids) - set(records):
            self.store.drop_from_lists(h)  # expired meanwhile
        waiting, mine, others = [], [], []
        for h in waiting_ids:
            record = records.get(h)
            if record and record.get("status") == "waiting":
                waiting.append(self._summary(h, record, user, now))
        for h in claimed_ids:
            record = records.get(h)
            if record and record.get("status") == "claimed":
                summary = self._summary(h, record, user, now)
                if summary.claimed_by == user.email:
                    self._unread(summary, record)
                    mine.append(summary)
                else:
                    others.append(summary)
        waiting.sort(key=lambda s: (not s.urgent, not s.speaks, s.created))  # danger first
        mine.sort(key=lambda s: not s.urgent)
        others.sort(key=lambda s: not s.urgent)
        return waiting, mine, others

    def _unread(self, summary, record):
        """Fill in how many messages the texter wrote since the volunteer's last reply, and when the
        last one came (one read of the thread, only for the volunteer's own conversations)."""
        since = int(record.get("created") or 0)
        unread, last_in = 0, None
        entries = self.store.thread(summary.h)
        transfer_mark(summary, entries)
        for entry in entries:
            if int(entry.get("at") or 0) < since:
                continue
            if entry.get("dir") == "in":
                unread, last_in = unread + 1, _time(entry.get("at"))
            elif entry.get("dir") == "out" and not entry.get("error"):
                unread = 0
        summary.unread, summary.last_in = unread, last_in

    def _record(self, h):
        """Return the handoff record of h, or refuse when there is none."""
        record = self.store.handoff(h) if h else {}
        if not record.get("status"):
            raise Refused("not_found")
        return record

    def _address(self, record):
        """Return the Twilio address to reach the texter on the channel they last wrote from, or ''."""
        number = bare_number(self.keys.decrypt(record.get("number", "")) or "")
        if not number:
            return ""
        return f"whatsapp:{number}" if record.get("channel") == WHATSAPP else number

    def view(self, h, user):
        """Return the View of a conversation the user may read."""
        record = self._record(h)
        status = record["status"]
        if not user.is_staff and status != "waiting" and record.get("claimed_by") != user.email:
            raise Refused("not_yours")
        now = self.clock()
        statuses = self.store.statuses(h)
        since = int(record.get("created") or 0)
        lines, history = [], []
        entries = self.store.thread(h)
        for entry in entries:
            earlier = int(entry.get("at") or 0) < since  # an earlier handoff of the same texter, closed
            if earlier and entry.get("dir") == "bot":
                continue
            direction = entry.get("dir", "event")
            status_text = statuses.get(entry.get("sid"), entry.get("status", "")) if direction == "out" else ""
            text = entry.get("text", "")
            if direction == "event":
                text = entry.get("event", "")
            (history if earlier else lines).append(Line(at=_time(entry.get("at")), dir=direction, text=text, status=status_text,
                              by=entry.get("by", ""), error=entry.get("error", ""), code=entry.get("code"),
                              media=int(entry.get("media") or 0), cut=int(entry.get("cut") or 0),
                              template=entry.get("template", ""), sid=entry.get("sid", ""), to=entry.get("to", ""),
                              asked=bool(entry.get("asked")), voice=entry.get("voice", ""),
                              attachments=[(t, kind_of(t)) for _, t in entry.get("attachments") or ()]))
        address = self._address(record)
        summary = self._summary(h, record, user, now)
        transfer_mark(summary, entries)
        return View(summary=summary, lines=lines, masked=mask(address), history=history)

    def attachment(self, h, user, sid, n):
        """Return (path at Twilio, content type) of a texter's file the user may see, or refuse."""
        self.view(h, user)  # the same rule as reading the thread
        since = int(self._record(h).get("created") or 0)
        for entry in self.store.thread(h):
            if entry.get("sid") == sid and entry.get("dir") == "in" and int(entry.get("at") or 0) >= since:
                files = entry.get("attachments") or ()
                if 0 <= n < len(files) and kind_of(files[n][1]):
                    return files[n][0], files[n][1]
        raise Refused("not_found")

    # -- acting -----------------------------------------------------------------------------------

    def claim(self, h, user):
        """Claim a waiting conversation for user, or refuse saying who has it."""
        record = self._record(h)
        now = self.clock()
        outcome, detail = self.store.claim(h, user.email, now.timestamp(),
                                           report=self._report(reports.tally_claim(record.get("lang")), now))
        if outcome == "taken" and detail != user.email:
            raise Refused("taken", who=detail)
        if outcome == "gone":
            raise Refused("closed" if detail == "closed" else "not_found")
        if outcome == "claimed":
            self.store.audit(user.email, "claim", short_name(h))
            log.info("handoff claimed", extra={"texter": short_name(h)})

    def _mine(self, h, user, staff_may=False):
        """Return the record of a conversation user holds (or staff, when staff_may), else refuse."""
        record = self._record(h)
        if record["status"] == "closed":
            raise Refused("closed")
        if record["status"] == "claimed" and record.get("claimed_by") == user.email:
            return record
        if staff_may and user.is_staff:
            return record
        if record["status"] == "waiting":
            raise Refused("claim_first")
        raise Refused("not_yours")

    def release(self, h, user):
        """Hand a conversation back to the queue."""
        record = self._mine(h, user, staff_may=True)
        if record["status"] != "claimed":
            raise Refused("claim_first")
        if not self.store.release(h, user.email, force=user.is_staff):
            raise Refused("changed")
        self.store.audit(user.email, "release", short_name(h))
        log.info("handoff released", extra={"texter": short_name(h)})

    def reveal(self, h, user):
        """Return the texter's number (an explicit action, audited)."""
        number = self.number(h, user)
        self.store.audit(user.email, "reveal", short_name(h))
        return number

    def number(self, h, user):
        """Return the texter's number to a person who may reveal it (the page after Reveal; not audited)."""
        record = self._mine(h, user, staff_may=True)
        address = self._address(record)
        if not address:
            raise Refused("no_number")
        return bare_number(address)

    def close(self, h, user):
        """Close a conversation: the texter gets the closing text in their language and the bot again."""
        record = self._mine(h, user, staff_may=True)
        script = self.get_script()
        lang = record.get("lang") if record.get("lang") in script.languages else script.source_language
        text = script.text(closing_text_id(script), lang)
        if record.get("channel") != WHATSAPP:
            text = sms_safe(text, script.sms.get("fold_accents", True))
        sent = None
        address = self._address(record)
        if address and window_open(record, self.clock()):
            sent = self.sender.send(address, body=text)
            self._keep(h, user, sent, text)
        holder = "" if user.is_staff else user.email
        now = self.clock()
        if not self.store.close_handoff(h, now.timestamp(), holder=holder,
                                        report=self._report(reports.tally_close(record.get("lang")), now)):
            raise Refused("changed")
        self.store.audit(user.email, "close", short_name(h))
        log.info("handoff closed", extra={"texter": short_name(h)})
        return sent
