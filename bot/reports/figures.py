"""The figures of a period for the reports page, the CSV and the CLI, read from the daily counters
(bot/reports/counters.py says what is counted), by the office's days."""
import collections
import csv
import datetime
import io
import re
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.reports import unknown_words
from bot.reports.counters import BUCKETS, bucket_range

MAX_DAYS = 400          # the longest period one report reads (one HGETALL a day)
WEEKLY_AFTER = 62       # longer periods show conversations over time week by week
# Measures of the CSV, in the order rows are written for each day.
MEASURES = ("conversations", "topic", "referral", "handoffs_asked", "handoffs_asked_by_topic",
            "handoffs_claimed", "handoffs_closed", "first_reply_wait", "first_reply_count",
            "first_reply_seconds_sum", "deletions", "opt_outs", "job_lookups")
CSV_HEADER = ("date", "measure", "language", "channel", "item", "count")


class PeriodError(ValueError):
    """A period a report cannot show; reason is "date", "order" or "length", params fill its sentence."""

    def __init__(self, message, reason, **params):
        super().__init__(message)
        self.reason, self.params = reason, params


def parse_day(text):
    """Return the date written as YYYY-MM-DD, or raise PeriodError saying what is expected."""
    text = (text or "").strip()
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            raise ValueError
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise PeriodError(f"{text!r} is not a date like 2026-11-24 (year-month-day)", "date",
                          value=text[:40]) from None


def check_period(start, end):
    """Raise PeriodError unless start..end (dates, both included) is a period a report can show."""
    if end < start:
        raise PeriodError(f"the period ends ({end}) before it starts ({start})", "order")
    days = (end - start).days + 1
    if days > MAX_DAYS:
        raise PeriodError(f"the period is {days} days long; the longest is {MAX_DAYS}", "length",
                          days=days, max=MAX_DAYS)


def zone(name):
    """Return the ZoneInfo of a time zone name, UTC when it is missing or unknown."""
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


class Reports:
    """Count into the store by the office's days, and read a period's figures back."""

    def __init__(self, store, timezone, clock=None):
        """timezone() returns the office's time zone name; clock() the current aware datetime."""
        self.store, self.timezone = store, timezone
        self.clock = clock or (lambda: datetime.datetime.now(datetime.timezone.utc))

    def zone_name(self, name=None):
        """Return the name of the time zone days are counted in."""
        return zone(name or self.timezone()).key

    def day(self, moment, timezone=None):
        """Return the office's day ("YYYY-MM-DD") of an aware datetime or epoch seconds."""
        if not isinstance(moment, datetime.datetime):
            moment = datetime.datetime.fromtimestamp(float(moment), datetime.timezone.utc)
        return moment.astimezone(zone(timezone or self.timezone())).date().isoformat()

    def today(self):
        """Return today's date in the office's time zone."""
        return datetime.date.fromisoformat(self.day(self.clock()))

    def count(self, counts, moment):
        """Add counters for something that happened at moment (outside a conversation's commit)."""
        if counts:
            self.store.count((self.day(moment), counts))

    def figures(self, start, end):
        """Return the Figures of the days start..end (dates, both included)."""
        check_period(start, end)
        days = [start + datetime.timedelta(days=i) for i in range((end - start).days + 1)]
        found = self.store.report_days([d.isoformat() for d in days])
        return Figures(start=start, end=end, timezone=self.zone_name(), per_day=dict(zip(days, found)))


@dataclass
class Figures:
    """A period's counters, day by day, with the sums the page, the CSV and the CLI show."""

    start: datetime.date
    end: datetime.date
    timezone: str
    per_day: dict = field(default_factory=dict)   # date -> {field: count}

    def __post_init__(self):
        self.totals = collections.Counter()
        for counts in self.per_day.values():
            self.totals.update(counts)

    def _sum(self, prefix, part=1, fields=None):
        """Return {part of the field: sum} over the fields starting with prefix + ":"."""
        found = collections.Counter()
        for name, value in (fields if fields is not None else self.totals).items():
            parts = name.split(":")
            if parts[0] == prefix and len(parts) > part:
                found[parts[part]] += value
        return found

    @property
    def languages(self):
        """Return every language seen in the period: es, quc, en first, then others."""
        seen = set(self._sum("started", 2)) | set(self._sum("asked")) | set(self._sum("claimed")) \
            | set(self._sum("closed")) | set(self._sum("wait_count"))
        known = [lang for lang in ("es", "quc", "en") if lang in seen]
        return known + sorted(seen - set(known))

    @property
    def conversations(self):
        """Return the conversations started in the period."""
        return sum(self._sum("started", 2).values())

    def conversations_by_language(self):
        """Return {lang: conversations started}."""
        return dict(self._sum("started", 2))

    def conversations_by_channel(self):
        """Return {channel: conversations started}."""
        return dict(self._sum("started", 1))

    def conversations_per_day(self):
        """Return [(date, {lang: conversations started})] for every day of the period."""
        return [(day, dict(self._sum("started", 2, counts))) for day, counts in sorted(self.per_day.items())]

    def conversations_over_time(self):
        """Return [(first day, last day, {lang: conversations started})]: a row a day, or a row a week
        (Monday to Sunday, cut to the period) when the period is longer than WEEKLY_AFTER days."""
        days = self.conversations_per_day()
        if len(days) <= WEEKLY_AFTER:
            return [(day, day, counts) for day, counts in days]
        weeks = []
        for day, counts in days:
            if not weeks or day.weekday() == 0:
                weeks.append([day, day, collections.Counter()])
            weeks[-1][1] = day
            weeks[-1][2].update(counts)
        return [(first, last, dict(counts)) for first, last, counts in weeks]

    def topics(self):
        """Return [(topic, times chosen)], most chosen first."""
        return _ranked(self._sum("topic"))

    def referrals(self):
        """Return [(directory entry id, times given)], most given first ("none": nothing found)."""
        return _ranked(self._sum("referral"))

    def asked_topics(self):
        """Return [(topic, requests for a person)], most first."""
        return _ranked(self._sum("asked_topic"))

    def handoffs(self):
        """Return {lang: {asked, claimed, closed, answered, wait_sum}} and "total" across them."""
        table = {}
        for lang in self.languages:
            table[lang] = {"asked": self.totals.get(f"asked:{lang}", 0),
                           "claimed": self.totals.get(f"claimed:{lang}", 0),
                           "closed": self.totals.get(f"closed:{lang}", 0),
                           "answered": self.totals.get(f"wait_count:{lang}", 0),
                           "wait_sum": self.totals.get(f"wait_sum:{lang}", 0)}
        table = {lang: row for lang, row in table.items() if any(row.values())}
        total = collections.Counter()
        for row in table.values():
            total.update(row)
        table["total"] = {k: total.get(k, 0) for k in ("asked", "claimed", "closed", "answered", "wait_sum")}
        return table

    def waits(self):
        """Return [(bucket, first replies)] over every language, in bucket order."""
        found = collections.Counter()
        for name, value in self.totals.items():
            parts = name.split(":")
            if parts[0] == "wait" and len(parts) == 3:
                found[parts[2]] += value
        return [(bucket, found.get(bucket, 0)) for bucket in BUCKETS]

    @property
    def answered(self):
        """Return how many handoffs got a first volunteer message in the period."""
        return sum(self._sum("wait_count").values())

    @property
    def mean_wait(self):
        """Return the mean wait for a first volunteer message in seconds, or None."""
        return sum(self._sum("wait_sum").values()) / self.answered if self.answered else None

    def unknown_words(self):
        """Return {lang: [(word, times, texters)]}: words of messages not understood, shown only when
        enough different texters used them (bot/reports/unknown_words.py)."""
        return unknown_words.top_words(self.totals)

    @property
    def deleted(self):
        """Return how many texters deleted their data."""
        return self.totals.get("deleted", 0)

    @property
    def opted_out(self):
        """Return how many STOPs were received."""
        return self.totals.get("opted_out", 0)

    def job_lookups(self):
        """Return {outcome: {lang: count}} of lookups in DOL's job data (found, not_found, debarred)."""
        out = {}
        for name, value in self.totals.items():
            parts = name.split(":")
            if parts[0] == "jobs" and len(parts) == 3 and value:
                out.setdefault(parts[1], {})[parts[2]] = value
        return out

    def rows(self):
        """Return the CSV rows (without the header): one per day and counter, in a stable order."""
        rows = []
        for day, counts in sorted(self.per_day.items()):
            for name, value in counts.items():
                if value and not unknown_words.is_word_field(name):  # words: page only, over a threshold
                    rows.append((day.isoformat(), *_csv_cells(name), value))
        order = {m: i for i, m in enumerate(MEASURES)}
        bucket_order = {bucket_range(b): i for i, b in enumerate(BUCKETS)}
        rows.sort(key=lambda r: (r[0], order.get(r[1], len(order)), r[1], r[2], r[3],
                                 bucket_order.get(r[4], -1), r[4]))
        return rows

    def csv(self):
        """Return the period's counters as CSV text (RFC 4180, CRLF line ends)."""
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(CSV_HEADER)
        writer.writerows(self.rows())
        return out.getvalue()


def _ranked(counter):
    """Return [(name, count)] with a count, most first, then by name."""
    return sorted(((k, v) for k, v in counter.items() if v), key=lambda kv: (-kv[1], kv[0]))


def _csv_cells(name):
    """Return (measure, language, channel, item) for a counter field."""
    parts = name.split(":")
    kind, rest = parts[0], parts[1:]
    if kind == "started" and len(rest) == 2:
        return "conversations", rest[1], rest[0], ""
    if kind in ("topic", "referral", "asked_topic") and len(rest) == 1:
        return {"asked_topic": "handoffs_asked_by_topic"}.get(kind, kind), "", "", rest[0]
    if kind in ("asked", "claimed", "closed") and len(rest) == 1:
        return f"handoffs_{kind}", rest[0], "", ""
    if kind == "wait" and len(rest) == 2:
        return "first_reply_wait", rest[0], "", bucket_range(rest[1]) if rest[1] in BUCKETS else rest[1]
    if kind in ("wait_sum", "wait_count") and len(rest) == 1:
        return {"wait_sum": "first_reply_seconds_sum", "wait_count": "first_reply_count"}[kind], rest[0], "", ""
    if kind == "jobs" and len(rest) == 2:
        return "job_lookups", rest[1], "", rest[0]
    if kind in ("deleted", "opted_out") and not rest:
        return {"deleted": "deletions", "opted_out": "opt_outs"}[kind], "", "", ""
    return name, "", "", ""
