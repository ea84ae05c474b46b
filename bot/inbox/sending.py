"""What volunteers send a texter: replies (SMS made GSM-7), WhatsApp templates, voice notes, each once per form and
kept in the thread with its outcome and in the audit log (a mixin of Inbox, bot/inbox/handoffs.py)."""
import logging
import re

import redis

from bot.conversation.engine import SMS, WHATSAPP
from bot.conversation.sms import segments, sms_safe
from bot.inbox.views import Refused, window_open
from bot.reports import counters as reports
from bot.storage.privacy import short_name

log = logging.getLogger(__name__)
MAX_REPLY = 1600  # Twilio's limit on a message body
_TOKEN = re.compile(r"^[0-9a-f]{32}$")


class Sending:
    """Replies and templates (voice replies: bot/inbox/voice.py); Inbox provides store, sender, clock, reports,
    templates, _mine and _address."""

    def prepare(self, text, channel):
        """Return a reply as it will be sent on channel (SMS: typographic punctuation made GSM-7)."""
        text = (text or "").replace("\r\n", "\n").strip()
        return sms_safe(text, fold_accents=False) if channel == SMS else text

    def reply(self, h, user, text, token):
        """Send a volunteer's reply; return the Sent (an error in it is shown, never retried blindly)."""
        record = self._mine(h, user)
        channel = record.get("channel") or SMS
        text = self.prepare(text, channel)
        if not text:
            raise Refused("empty")
        if len(text) > MAX_REPLY:
            raise Refused("too_long", max=MAX_REPLY, length=len(text))
        if not window_open(record, self.clock()):
            raise Refused("window_closed")
        return self._send(h, user, record, token, "reply", body=text)

    def send_template(self, h, user, token):
        """Send the staff's WhatsApp template in the texter's language (outside the 24-hour window)."""
        record = self._mine(h, user)
        if record.get("channel") != WHATSAPP:
            raise Refused("no_template")
        sid, lang = self._template(record.get("lang"))
        if not sid:
            raise Refused("no_template")
        return self._send(h, user, record, token, "template", content_sid=sid,
                          shown=self.template_texts().get(lang, ""))

    def template_for(self, lang):
        """Return the template Content SID for a language (falling back like the script), or ''."""
        return self._template(lang)[0]

    def _template(self, lang):
        """Return (Content SID, its language) of the template for a language, or ('', '')."""
        templates = self.templates()
        script = self.get_script()
        for candidate in script.chain(lang or script.source_language) + (script.source_language,):
            if templates.get(candidate):
                return templates[candidate], candidate
        return next(((sid, code) for code, sid in templates.items() if sid), ("", ""))

    def _send(self, h, user, record, token, action, body=None, content_sid=None, shown="", media_url=None,
              entry=None):
        """Send once per token, keep the outcome in the thread (shown: a template's words; entry: more fields
        of its thread entry) and the audit log. media_url: a file Twilio fetches and sends (a voice reply)."""
        if not _TOKEN.match(token or ""):
            raise Refused("bad_token")
        if not self.store.once(h, token):
            raise Refused("duplicate")
        address = self._address(record)
        if not address:
            raise Refused("no_number")
        sent = self.sender.send(address, body=body, content_sid=content_sid, media_url=media_url)
        self._keep(h, user, sent, body or shown, template=content_sid, extra=entry)
        if sent.ok and self.reports is not None:
            self._count_first_reply(h, record)
        detail = {"error": sent.error} if not sent.ok else {}
        if body is not None and record.get("channel") == SMS:
            detail["segments"] = segments(body)[1]
        self.store.audit(user.email, action, short_name(h), **detail)
        return sent

    def _count_first_reply(self, h, record):
        """Count how long the texter waited, if this was the first message a volunteer sent them.

        Best effort: the message has gone out, and a lost count must not turn that into an error page.
        """
        now = self.clock()
        try:
            waited = self.store.first_reply(h, now.timestamp())
            if waited is not None:
                self.reports.count(reports.tally_wait(record.get("lang"), waited), now)
        except (redis.RedisError, OSError) as exc:
            log.warning("report counts lost: %s", type(exc).__name__, extra={"texter": short_name(h)})

    def _keep(self, h, user, sent, text, template=None, extra=None):
        """Append what was sent (or why not) to the thread."""
        entry = {"at": int(self.clock().timestamp()), "dir": "out", "by": user.email, "text": text,
                 "status": sent.status or "", **(extra or {})}
        if template:
            entry["template"] = template
        if sent.sid:
            entry["sid"] = sent.sid
        if not sent.ok:
            entry.update(error=sent.error, code=sent.code)
        self.store.append_thread(h, entry)
