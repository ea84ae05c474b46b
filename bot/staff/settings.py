"""Settings staff change in /admin without a deploy: WhatsApp templates and on-call SMS.

Office hours are not here: they are part of the versioned script (edited in its draft, in force once
published). Kept in Redis by the store; each process reads them at most every few seconds, so a
webhook does not pay an extra round trip for them.
"""
import re
import time
from bot.conversation.wording import N_

CACHE_SECONDS = 5
TEMPLATE_SID = re.compile(r"^HX[0-9a-fA-F]{32}$")


class SettingsError(ValueError):
    """A staff setting is not valid; the message says why."""


def check_template(sid):
    """Return a WhatsApp template's Content SID, or raise SettingsError."""
    sid = (sid or "").strip()
    if sid and not TEMPLATE_SID.match(sid):
        raise SettingsError(N_("%(sid)s is not a Content SID (HX followed by 32 hexadecimal digits)", sid=repr(sid)))
    return sid


class StaffSettings:
    """Read and write staff settings, with a short per-process cache."""

    def __init__(self, store, clock=time.monotonic):
        """Read settings from store."""
        self.store, self.clock = store, clock
        self._cached, self._at = None, None

    def all(self):
        """Return the stored settings (cached for a few seconds)."""
        now = self.clock()
        if self._cached is None or now - self._at > CACHE_SECONDS:
            self._cached, self._at = self.store.staff_settings(), now
        return self._cached

    def save(self, **values):
        """Store settings and forget the cache."""
        self.store.save_staff_settings(values)
        self._cached = None

    def legacy_office_hours(self):
        """Return office hours saved here before they moved into the script (no longer in force), or None."""
        return self.all().get("office_hours") or None

    def forget_legacy_office_hours(self):
        """Delete the office hours saved here before they moved into the script."""
        self.save(office_hours=None)

    def templates(self):
        """Return {language: Content SID} of the WhatsApp template sent outside the 24-hour window."""
        return dict(self.all().get("templates") or {})

    def template_texts(self):
        """Return {language: the template's words as approved at Twilio}, shown in the thread once sent."""
        return dict(self.all().get("template_texts") or {})

    def notify_minutes(self):
        """Return the minimum minutes between on-call SMS (0: none are sent)."""
        return int(self.all().get("notify_minutes") or 0)
