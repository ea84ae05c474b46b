"""Office hours: whether a person is on duty now, and when the next shift starts."""
import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.dates import format_datetime

from bot.conversation.wording import N_

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MAX_SPANS = 6  # shifts a day: more is a typing mistake (or a flood of copies)
END_OF_DAY = datetime.time.max  # "24:00": open until midnight
# CLDR has no weekday or month names for K'iche' yet; dates for K'iche' readers use Spanish names.
_DATE_LOCALE = {"es": "es", "en": "en", "quc": "es"}
_DATE_PATTERN = {"es": "EEEE d 'de' MMMM, HH:mm", "en": "EEEE, MMMM d, h:mm a"}


def parse_hours(office_hours):
    """Return (tzinfo, {weekday: [(start, end) times]}) from the script's office_hours mapping."""
    try:
        tz = ZoneInfo(office_hours.get("timezone", "UTC"))
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:  # OSError: a name too long for a file
        raise ValueError(N_("office_hours.timezone: unknown time zone %(tz)s",
                            tz=repr(office_hours.get("timezone")))) from exc
    shifts = {}
    for day, spans in (office_hours.get("days") or {}).items():
        if day not in DAYS:
            raise ValueError(N_("office_hours.days: unknown day %(day)s (use %(use)s)", day=repr(day), use=", ".join(DAYS)))
        spans = sorted(_span(s) for s in str(spans).split(",") if s.strip())
        if len(spans) > MAX_SPANS:
            raise ValueError(N_("office_hours.days.%(day)s: %(n)s ranges (at most %(max)s)", day=day, n=len(spans),
                                    max=MAX_SPANS))
        for (start, end), (next_start, next_end) in zip(spans, spans[1:]):
            if next_start < end:
                raise ValueError(N_("office_hours.days.%(day)s: %(first)s and %(second)s overlap", day=day,
                                    first=_show(start, end), second=_show(next_start, next_end)))
        shifts[DAYS.index(day)] = spans
    return tz, shifts


def _show(start, end):
    """Return a span as staff wrote it (09:00-17:00, 00:00-24:00)."""
    return f"{start:%H:%M}-{'24:00' if end == END_OF_DAY else f'{end:%H:%M}'}"


def time_of_day(text):
    """Return a time of day from "HH:MM" (ValueError otherwise); "24:00" is the end of the day."""
    text = text.strip()
    return END_OF_DAY if text in ("24:00", "24:00:00") else datetime.time.fromisoformat(text)


def _span(text):
    """Parse "09:00-17:00" into a pair of times."""
    try:
        start_text, end_text = text.split("-")
        start, end = time_of_day(start_text), time_of_day(end_text)
        if start == END_OF_DAY:
            raise ValueError(N_("24:00 ends a day"))
    except ValueError as exc:
        raise ValueError(N_("office_hours: %(text)s is not like 09:00-17:00", text=repr(text))) from exc
    if end <= start:
        raise ValueError(N_("office_hours: %(text)s ends before it starts", text=repr(text)))
    return start, end


def is_open(now, office_hours):
    """Return True when now (an aware datetime) falls inside office hours."""
    tz, shifts = parse_hours(office_hours)
    local = now.astimezone(tz)
    return any(s <= local.time() < e for s, e in shifts.get(local.weekday(), ()))


def next_opening(now, office_hours):
    """Return the start of the next shift after now, as an aware local datetime, or None."""
    tz, shifts = parse_hours(office_hours)
    local = now.astimezone(tz)
    for offset in range(8):
        day = local.date() + datetime.timedelta(days=offset)
        for start, _ in sorted(shifts.get(day.weekday(), ())):
            candidate = datetime.datetime.combine(day, start, tzinfo=tz)
            if candidate > local:
                return candidate
    return None


def format_when(moment, lang):
    """Return moment written for a texter in lang ("lunes 30 de noviembre, 09:00")."""
    return format_datetime(moment, _DATE_PATTERN.get(_DATE_LOCALE.get(lang, "es"), _DATE_PATTERN["es"]),
                           locale=_DATE_LOCALE.get(lang, "es"))
