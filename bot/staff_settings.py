"""Settings staff change in /admin without a deploy: office hours, WhatsApp templates, on-call SMS.

Kept in Redis by the store; each process reads them at most every few seconds, so a webhook does not
pay an extra round trip for them.
"""
import re
import time

from . import hours

CACHE_SECONDS = 5
TEMPLATE_SID = re.compile(r"^HX[0-9a-fA-F]{32}$")


class SettingsError(ValueError):
    """A staff setting is not valid; the message says why."""


def check_office_hours(value):
    """Return office hours {timezone, days} checked, or raise SettingsError."""
    if not isinstance(value, dict):
        raise SettingsError("office hours must be a mapping")
    days = {d: s.strip() for d, s in (value.get("days") or {}).items() if s and s.strip()}
    cleaned = {"timezone": (value.get("timezone") or "").strip(), "days": days}
    try:
        hours.parse_hours(cleaned)
    except ValueError as exc:
        raise SettingsError(str(exc)) from exc
    return cleaned


def check_template(sid):
    """Return a WhatsApp template's Content SID, or raise SettingsError."""
    sid = (sid or "").strip()
    if sid and not TEMPLATE_SID.match(sid):
        raise SettingsError(f"{sid!r} is not a Content SID (HX followed by 32 hexadecimal digits)")
    return sid


class StaffSettings:
    """Read and write staff settings, with a short per-process cache."""

    def __init__(self, store, get_script, clock=time.monotonic):
        """Read settings from store; the script gives the defaults (its office hours)."""
        self.store, self.get_script, self.clock = store, get_script, clock
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

    def office_hours(self):
        """Return the office hours in force: the staff's, else the script's."""
        return self.all().get("office_hours") or self.get_script().office_hours

    def templates(self):
        """Return {language: Content SID} of the WhatsApp template sent outside the 24-hour window."""
        return dict(self.all().get("templates") or {})

    def notify_minutes(self):
        """Return the minimum minutes between on-call SMS (0: none are sent)."""
        return int(self.all().get("notify_minutes") or 0)
