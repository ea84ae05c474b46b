"""Answers about DOL's job data: what the lookup found, written for one SMS segment where it can be.

Pure: the conversation service looks the data up (bot/jobs/service.py) and hands the engine a Lookup;
this module turns it into text from the catalogs (jobs.* ids, listed under `texts:` in script.yaml so
the script checks see them). What the words mean follows REFERRAL-FACTS section E.
"""
import datetime
import re
import unicodedata
from dataclasses import dataclass, field

from bot.conversation.sms import GSM7_BASIC, segments, sms_safe

PROGRAM_NAMES = {"h2a": "H-2A", "h2b": "H-2B"}
# Every CASE_STATUS kind the import tells apart (bot/jobs/columns.py); another value is shown as written.
STATUS_TEXTS = {"certified": "jobs_certified", "expired": "jobs_expired", "partial": "jobs_partial",
                "denied": "jobs_denied", "rejected": "jobs_rejected", "withdrawn": "jobs_withdrawn",
                "returned": "jobs_returned"}
CERTIFIED = ("certified", "partial", "expired")  # a job DOL certified: its period, workers and wage are shown
UNITS = ("hour", "day", "week", "biweekly", "month", "year", "piece")
SMS_NAME = 40  # characters of a name from DOL's data shown in an SMS list or warning
# A character of DOL's data an SMS shows as "?": outside GSM-7's basic set, or a line break or escape.
_NOT_DATA = re.compile("[^" + "".join(re.escape(ch) for ch in sorted(GSM7_BASIC - set("\n\r\x1b"))) + "]")


def shorten(text, limit):
    """Return text cut to at most limit characters at a word boundary (no dangling "and" or comma)."""
    if limit is None or len(text) <= limit:
        return text
    cut = text[:limit + 1].rsplit(" ", 1)[0] if " " in text[:limit + 1] else text[:limit]
    words = cut.rstrip(" ,;:-/&.").split(" ")
    while len(words) > 1 and words[-1].lower() in ("and", "y", "of", "de", "&", "-"):
        words.pop()
    return " ".join(words).rstrip(" ,;:-/&.")


def gsm_data(value, limit=None):
    """Return a value from DOL's data as GSM-7 text: accents dropped, other signs as "?", cut to limit."""
    text = sms_safe(str(value or ""), False)
    if not text.isascii():  # plain ASCII has nothing to decompose
        text = "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))
    return shorten(_NOT_DATA.sub("?", text), limit)


@dataclass(frozen=True)
class Debarment:
    """One entry of a DOL debarment list that names the employer, agent or attorney shown."""

    name: str
    program: str = ""
    start: str = ""      # ISO date, "" unknown
    end: str = ""        # ISO date, "permanent", or "" unknown (never read as permanent)
    state: str = ""      # USPS code of the place the list gives, "" unknown


@dataclass(frozen=True)
class Case:
    """One case as DOL's file has it (fields of bot/jobs/records.py)."""

    display: str
    program: str
    record: dict = field(default_factory=dict)
    debarments: tuple = ()
    data_date: str = ""  # the date of the file it came from (the previous fiscal year's may be older)


@dataclass(frozen=True)
class Match:
    """One employer the name search found: name, worksite state, latest season, its latest case."""

    name: str
    state: str
    season: str
    program: str
    key: str
    debarments: tuple = ()


@dataclass(frozen=True)
class Lookup:
    """What the service found for one message. kind: case, employer, wage_number (a P-400 number), nodata
    or unavailable."""

    kind: str
    typed: str = ""            # the case number as the texter wrote it
    cases: tuple = ()          # one case, or (near) the cases one slip away
    near: bool = False
    matches: tuple = ()        # employer search
    debarred: tuple = ()       # employer search: Debarments close to the name, not already on a match
    data_date: str = ""
    lang: str = None           # a language guessed from the words, for a texter who has none yet

    @property
    def outcome(self):
        """Return found, not_found or debarred, for the staff reports."""
        shown = self.cases if self.kind == "case" and not self.near else self.matches
        if any(item.debarments for item in shown) or self.debarred:
            return "debarred"
        return "found" if shown else "not_found"


class Writer:
    """Write a Lookup's answer in one language for one channel."""

    def __init__(self, script, lang, sms):
        self.script, self.lang, self.sms = script, lang, sms
        self.fold = script.sms.get("fold_accents", True)
        self.budget = int(script.sms.get("max_segments", 3))
        self._texts, self._data = {}, {}  # what this answer wrote already: a case's shorter forms repeat it

    def data(self, value, limit=None):
        """Return a value from DOL's data fit for the channel (SMS: GSM-7 and, given limit, short)."""
        key = (value, limit)
        made = self._data.get(key)
        if made is None:
            made = self._data[key] = gsm_data(value, limit) if self.sms else \
                shorten(str(value or ""), limit and max(limit, 80))
        return made

    def t(self, role, **params):
        """Return the text of an engine role (texts: in script.yaml) in the writer's language."""
        key = (role, *params.items())
        made = self._texts.get(key)
        if made is None:
            made = self._texts[key] = self.script.text(self.script.engine_text(role), self.lang, **params)
        return made

    def date(self, iso, year=True):
        """Return an ISO date as the catalog writes dates ("1 mar 2025", "Mar 1, 2025")."""
        if not iso or len(iso) < 10:
            return iso or "?"
        made = self._data.get(("date", iso, year))  # a case's shorter forms write its dates again
        if made is None:
            made = self._data[("date", iso, year)] = self._date(iso, year)
        return made

    def _date(self, iso, year):
        """Return an ISO date of at least 10 characters as the catalog writes dates."""
        months = [m.strip() for m in self.t("jobs_months").split(",")]
        month = int(iso[5:7])
        name = months[month - 1] if len(months) == 12 else iso[5:7]
        return self.t("jobs_date" if year else "jobs_day", day=str(int(iso[8:10])), month=name, year=iso[:4])

    def period(self, begin, end):
        """Return a period: "1 mar-30 nov 2025", or with both years when they differ."""
        if not begin and not end:
            return ""
        same = begin[:4] == end[:4] and bool(begin)
        return f"{self.date(begin, year=not same)}-{self.date(end)}"

    def date_or_unknown(self, iso):
        """Return a date, or the words for a date DOL's list wrote unreadably."""
        return self.date(iso) if iso and len(iso) >= 10 else self.t("jobs_date_unknown")

    def debarred_line(self, deb, where=False):
        """Return the plain warning about one debarment, with its period (and its state, given where)."""
        program, name = PROGRAM_NAMES.get(deb.program, ""), self.data(deb.name, SMS_NAME)
        if where and deb.state:
            name += f" ({deb.state})"
        start = self.date_or_unknown(deb.start)
        if deb.end == "permanent":
            text = self.t("jobs_debarred_open", name=name, program=program, start=start)
        elif deb.end and deb.end < datetime.date.today().isoformat():
            text = self.t("jobs_debarred_past", name=name, program=program, start=start, end=self.date(deb.end))
        else:  # a current period, or an end DOL wrote unreadably: "unknown", never "permanent"
            text = self.t("jobs_debarred", name=name, program=program, start=start,
                          end=self.date_or_unknown(deb.end))
        return " ".join(text.split())  # no program known: no double space

    def case_pieces(self, case, compact=0):
        """Return the sentences about one case; compact 1-3 shortens names to fit one SMS segment."""
        r = case.record
        status = STATUS_TEXTS.get(r.get("status"))
        status = self.t(status) if status else self.t("jobs_status_other",
                                                      status=self.data(r.get("status_text") or "?", 60))
        program = f" ({PROGRAM_NAMES[case.program]})" if compact < 1 and case.program in PROGRAM_NAMES else ""
        pieces = [f"{case.display}{program}: {status}"]
        employer = self.data(r.get("employer", ""), (None, None, 30, 24)[compact])
        if r.get("trade") and compact < 1 and r["trade"].lower() != r.get("employer", "").lower():
            employer += f" ({self.data(r['trade'])})"
        city = self.data(r.get("city", ""), (None, None, 20, 14)[compact])
        place = ", ".join(p for p in (city.title() if city.isupper() else city, self.data(r.get("state", ""))) if p)
        pieces.append(", ".join(p for p in (employer, place) if p))
        job = self.data(r.get("job", ""), (None, 30, 16, 12)[compact])
        if job:
            pieces.append(job)
        if r.get("status") in CERTIFIED:
            period = self.period(r.get("begin", ""), r.get("end", ""))
            if period:
                pieces.append(period)
            if r.get("certified"):
                if r.get("status") == "partial" and r.get("requested"):
                    pieces.append(self.t("jobs_workers_partial", n=r["certified"], asked=r["requested"]))
                else:
                    pieces.append(self.t("jobs_workers", n=r["certified"]))
        if r.get("wage") and r.get("status") in CERTIFIED + ("other",):
            unit = r.get("unit", "")
            unit = self.t(f"jobs_unit_{unit}") if unit in UNITS else self.data(unit, 20)
            pieces.append(self.t("jobs_wage", amount=r["wage"], unit=unit).strip())
        if r.get("piece") and r.get("status") in CERTIFIED + ("other",):
            pieces.append(self.t("jobs_piece", amount=r["piece"],
                                 unit=self.data(r.get("piece_unit") or "?", (40, 30, 20, 12)[compact])).strip())
        return pieces

    def fits(self, text, most=1):
        """Return True when text is at most that many SMS segments (WhatsApp: always)."""
        return not self.sms or segments(sms_safe(text, self.fold))[1] <= most

    def case(self, case, prefix=""):
        """Return the answer about one case: warnings first, then the shortest form that fits."""
        head = [self.debarred_line(d) for d in case.debarments] + ([prefix] if prefix else [])
        tail = self.t("jobs_data", date=self.date(case.data_date or self.data_date))
        if case.record.get("status") in CERTIFIED:  # the commonest fraud charges fees for real jobs
            tail += " " + self.t("jobs_do_not_pay")
        variants = []  # written as they are tried, fullest first

        def tried():
            for c in range(4):
                if c == len(variants):
                    variants.append(". ".join(p.rstrip(".") for p in self.case_pieces(case, c)) + ". " + tail)
                yield variants[c]
        body = next((v for v in tried() if self.fits("\n".join(head + [v]))), None)
        if body is None:  # more than one segment anyway: the fullest form within the budget
            body = next((v for v in tried() if self.fits("\n".join(head + [v]), self.budget)), variants[-1])
        return "\n".join(head + [body])

    def answer(self, lookup):
        """Return the text answering a Lookup."""
        self.data_date = lookup.data_date
        if lookup.kind == "nodata":
            return self.t("jobs_no_data")
        if lookup.kind == "unavailable":
            return self.t("jobs_unavailable")
        if lookup.kind == "wage_number":
            return self.t("jobs_wage_number", typed=lookup.typed)
        if lookup.kind == "case":
            if lookup.near and lookup.cases:  # never another case's details as if it were the texter's
                return self.t("jobs_near_miss", case=lookup.typed, date=self.date(lookup.data_date))
            if not lookup.cases:
                return self.t("jobs_not_found", case=lookup.typed, date=self.date(lookup.data_date))
            return self.case(lookup.cases[0])
        warnings = [self.debarred_line(d, where=True) for d in lookup.debarred]
        if not lookup.matches:
            if warnings:
                tail = self.t("jobs_debarred_no_case", date=self.date(lookup.data_date))
                while len(warnings) > 1 and not self.fits("\n".join(warnings + [tail]), self.budget):
                    warnings.pop()  # the closest names first; never past the SMS budget
                return "\n".join(warnings + [tail])
            return self.t("jobs_no_match", date=self.date(lookup.data_date))
        listing = self.listing(lookup)
        while warnings and not self.fits("\n".join(warnings + [listing]), self.budget):
            warnings.pop()
        return "\n".join(warnings + [listing])

    def listing(self, lookup):
        """Return the numbered list of employers found, with the line saying how to pick one."""
        lines = [self.t("jobs_matches", date=self.date(lookup.data_date))]
        for number, match in enumerate(lookup.matches, start=1):
            where = ", ".join(p for p in (match.state, match.season, PROGRAM_NAMES.get(match.program, "")) if p)
            line = f"{number}. {self.data(match.name, SMS_NAME)} ({self.data(where)})"
            for deb in match.debarments:
                line += " - " + self.t("jobs_match_debarred", start=(deb.start or "?")[:4],
                                       end=self.t("jobs_permanent") if deb.end == "permanent" else
                                       (deb.end or "?")[:4])
            lines.append(line)
        lines.append(self.t("jobs_pick"))
        return "\n".join(lines)


def answer(script, lang, channel_is_sms, lookup):
    """Return (text, picks): the answer to a Lookup and the case keys a number may pick next."""
    text = Writer(script, lang, channel_is_sms).answer(lookup)
    picks = [m.key for m in lookup.matches] if lookup.kind == "employer" else []
    return text, picks
