"""The columns of DOL's files, by field: every name a field has had, and how a header row is read.

DOL has renamed columns across fiscal years (REFERRAL-FACTS E1). Each field lists the names it may
have, newest first; a header matches a name after both are upper-cased with runs of anything but
letters and digits made one "_" (so "Case Number" and "CASE_NUMBER" are the same). All of these names
are unconfirmed against DOL's Record Layout PDFs (E1 marks them U): names from E1 are marked E1, the
rest are older spellings kept as guesses. The import report says which column fed each field, so staff
see at once when a year's file uses a name not listed here; add it to the field's tuple.
"""
import datetime
import re
from dataclasses import dataclass, field

from bot.conversation.wording import N_

# field: (required, names...). Required fields: without them a row cannot be looked up or named.
CASE_FIELDS = {
    "case": (True, "CASE_NUMBER",                       # E1
             "CASE_NO", "CASE_NUM", "H2A_CASE_NUMBER", "H2B_CASE_NUMBER"),
    "status": (True, "CASE_STATUS",                     # E1
               "STATUS", "FINAL_CASE_STATUS"),
    "employer": (True, "EMPLOYER_NAME",                 # E1
                 "EMPLOYER_BUSINESS_NAME", "EMPLOYER", "EMPLOYER_LEGAL_NAME"),
    "trade": (False, "TRADE_NAME_DBA", "EMPLOYER_TRADE_NAME", "TRADE_NAME", "DBA_NAME"),
    "city": (False, "WORKSITE_CITY",                    # E1
             "WORKSITE_LOCATION_CITY", "ALIEN_WORK_CITY", "JOB_CITY"),
    "state": (False, "WORKSITE_STATE",                  # E1
              "WORKSITE_LOCATION_STATE", "ALIEN_WORK_STATE", "JOB_STATE"),
    "job": (False, "JOB_TITLE",                         # E1
            "SOC_TITLE"),                               # E1 (the occupation, when no job title)
    "begin": (False, "EMPLOYMENT_BEGIN_DATE",           # E1 (certified period; blank if denied)
              "CERTIFICATION_BEGIN_DATE", "CERT_BEGIN_DATE"),
    "end": (False, "EMPLOYMENT_END_DATE",               # E1
            "CERTIFICATION_END_DATE", "CERT_END_DATE"),
    "req_begin": (False, "REQUESTED_BEGIN_DATE",        # E1
                  "REQUESTED_START_DATE"),
    "req_end": (False, "REQUESTED_END_DATE",),          # E1
    "certified": (False, "TOTAL_WORKERS_H-2A_CERTIFIED",  # E1 (FY2020+)
                  "TOTAL_WORKERS_H2A_CERTIFIED",        # E1 (older years)
                  "TOTAL_WORKERS_CERTIFIED",            # E1 (H-2B)
                  "TOTAL_WORKERS_H-2B_CERTIFIED", "NBR_WORKERS_CERTIFIED", "NUMBER_OF_WORKERS_CERTIFIED"),
    "requested": (False, "TOTAL_WORKERS_H-2A_REQUESTED",  # E1
                  "TOTAL_WORKERS_H2A_REQUESTED", "TOTAL_WORKERS_REQUESTED",  # E1 (H-2B)
                  "TOTAL_WORKERS_H-2B_REQUESTED", "NBR_WORKERS_REQUESTED", "TOTAL_WORKERS_NEEDED"),  # E1
    "wage": (False, "WAGE_OFFER",                       # E1 (H-2A)
             "BASIC_WAGE_RATE_FROM",                    # E1 (H-2B)
             "BASIC_RATE_OF_PAY", "WAGE_RATE_OF_PAY_FROM", "AEWR"),
    "unit": (False, "PER",                              # E1 (pay unit)
             "WAGE_PER", "BASIC_UNIT_OF_PAY", "PAY_RANGE_UNIT", "WAGE_UNIT_OF_PAY"),
    "decision": (False, "DECISION_DATE",                # E1
                 "DETERMINATION_DATE", "CASE_DECISION_DATE"),
    "received": (False, "RECEIVED_DATE",                # E1
                 "CASE_RECEIVED_DATE", "SUBMITTED_DATE"),
    "agent": (False, "LAWFIRM_NAME_BUSINESS_NAME",      # E1
              "AGENT_ATTORNEY_NAME", "ATTORNEY_AGENT_BUSINESS_NAME", "AGENT_NAME"),
    # FY2020-21 files name an individual agent or attorney in three columns (issue 21)
    "agent_last": (False, "ATTORNEY_AGENT_LAST_NAME", "AGENT_ATTORNEY_LAST_NAME"),
    "agent_first": (False, "ATTORNEY_AGENT_FIRST_NAME", "AGENT_ATTORNEY_FIRST_NAME"),
    "agent_middle": (False, "ATTORNEY_AGENT_MIDDLE_NAME", "AGENT_ATTORNEY_MIDDLE_NAME"),
    # H-2A piece rates, beside the hourly wage offered (issue 21)
    "piece": (False, "PIECE_RATE_OFFER", "PIECE_RATE"),
    "piece_unit": (False, "PIECE_RATE_UNIT",),
}
# Optional fields most years' files do not have: not listed as missing in the import report.
QUIET_FIELDS = frozenset({"agent_last", "agent_first", "agent_middle", "piece", "piece_unit"})

# The debarment lists' headings. OFLC's PDF (issue 21): Entity | Entity Type | Employer Location | Start of
# Debarment | End of Debarment | Violation | CFR Citation; its expired H-2A list: Name | City, State |
# Violation | Duration | Start date | End date. The other spellings are guesses for CSV/XLSX exports.
DEBARRED_FIELDS = {
    "name": (True, "ENTITY", "NAME", "EMPLOYER_NAME", "EMPLOYER", "DEBARRED_PARTY", "EMPLOYER_AGENT_ATTORNEY",
             "EMPLOYER_LABOR_CONTRACTOR", "COMPANY"),
    "entity_type": (False, "ENTITY_TYPE", "TYPE"),
    "city_state": (False, "EMPLOYER_LOCATION", "CITY_STATE", "CITY_AND_STATE", "LOCATION", "ADDRESS"),
    "city": (False, "CITY",),
    "state": (False, "STATE",),
    "program": (False, "PROGRAM", "VISA", "VISA_CLASS", "VISA_PROGRAM"),
    "citation": (False, "CFR_CITATION", "CFR", "CITATION", "REGULATION"),
    "violation": (False, "VIOLATION", "VIOLATIONS"),
    "duration": (False, "DURATION",),
    "start": (True, "START_OF_DEBARMENT", "START_DATE", "DEBARMENT_START_DATE", "DEBARMENT_START", "BEGIN_DATE",
              "FROM", "DEBARMENT_PERIOD_START", "EFFECTIVE_DATE"),
    "end": (False, "END_OF_DEBARMENT", "END_DATE", "DEBARMENT_END_DATE", "DEBARMENT_END", "THROUGH", "TO",
            "DEBARMENT_PERIOD_END"),
}

# What each field is, in words (message ids: the staff page says them in its language; the import report
# and the refusals name fields by them, never by the codes above).
CASE_WORDS = {
    "case": N_("case number"), "status": N_("case status"), "employer": N_("employer name"),
    "trade": N_("trade name (DBA)"), "city": N_("worksite city"), "state": N_("worksite state"),
    "job": N_("job title"), "begin": N_("start of the certified period"), "end": N_("end of the certified period"),
    "req_begin": N_("requested start date"), "req_end": N_("requested end date"),
    "certified": N_("workers certified"), "requested": N_("workers requested"), "wage": N_("wage offered"),
    "unit": N_("pay unit"), "decision": N_("decision date"), "received": N_("date received"),
    "agent": N_("agent or attorney"), "agent_last": N_("agent's or attorney's last name"),
    "agent_first": N_("agent's or attorney's first name"), "agent_middle": N_("agent's or attorney's middle name"),
    "piece": N_("piece rate"), "piece_unit": N_("piece rate unit")}
DEBARRED_WORDS = {
    "name": N_("name"), "entity_type": N_("entity type"), "city_state": N_("city and state"), "city": N_("city"),
    "state": N_("state"), "program": N_("program"), "citation": N_("CFR citation"), "violation": N_("violation"),
    "duration": N_("duration"), "start": N_("start of the debarment"), "end": N_("end of the debarment")}
_RUNS = re.compile(r"[^A-Z0-9]+")


def word(name, fields=None):
    """Return a field's name in words (a message id): of the debarment lists' fields when fields is
    DEBARRED_FIELDS, else of the disclosure files' (the lists' own fields otherwise)."""
    first, second = (DEBARRED_WORDS, CASE_WORDS) if fields is DEBARRED_FIELDS else (CASE_WORDS, DEBARRED_WORDS)
    return first.get(name) or second.get(name) or name


def header_key(value):
    """Return a header cell folded for comparison: CASE_NUMBER for "Case Number"."""
    return _RUNS.sub("_", str(value or "").upper()).strip("_")


@dataclass
class Columns:
    """Which column of a file feeds each field, and which fields are missing."""

    used: dict = field(default_factory=dict)        # field -> (column index, header as written)
    missing: list = field(default_factory=list)     # optional fields with no column
    required_missing: list = field(default_factory=list)
    ignored: list = field(default_factory=list)     # headers no field uses
    fields: dict = None                             # the field table read (CASE_FIELDS or DEBARRED_FIELDS)

    @property
    def ok(self):
        """Return True when every required field has a column."""
        return not self.required_missing

    def refusal(self):
        """Return the sentence that refuses a file without its required columns."""
        names = [word(f, self.fields) for f in self.required_missing]
        if len(names) > 1:
            wanted = N_("%(first)s and %(last)s", first=names[:-1], last=names[-1])
        else:
            wanted = names[0] if names else ""
        return N_("This file has no %(wanted)s column, so it cannot be imported. Check that it is DOL's "
                  "disclosure file (or debarment list) as published, with its first row of column names.",
                  wanted=wanted)


def recognise(headers, fields):
    """Return the Columns of a header row for a field table (CASE_FIELDS or DEBARRED_FIELDS)."""
    keys = [header_key(h) for h in headers]
    cols, taken = Columns(fields=fields), set()
    for name, (required, *spellings) in fields.items():
        for spelling in spellings:
            wanted = header_key(spelling)
            index = next((i for i, k in enumerate(keys) if k == wanted and i not in taken), None)
            if index is not None:
                cols.used[name] = (index, str(headers[index]))
                taken.add(index)
                break
        else:
            if required:
                cols.required_missing.append(name)
            elif name not in QUIET_FIELDS:
                cols.missing.append(name)
    cols.ignored = [str(h) for i, h in enumerate(headers) if i not in taken and h not in (None, "")]
    return cols


def looks_like_header(row, fields):
    """Return True when a row names a required column (DOL files may start with a title row)."""
    keys = {header_key(c) for c in row if c not in (None, "")}
    required = [spellings for required, *spellings in fields.values() if required]
    return any(header_key(s) in keys for s in required[0])


# -- cell values ----------------------------------------------------------------------------------------

_DATE_FORMATS = ("%Y-%m-%d", "%m/%d/%Y", "%m/%d/%y", "%Y/%m/%d", "%d-%b-%Y", "%d-%b-%y", "%b %d, %Y",
                 "%B %d, %Y", "%Y%m%d")


def as_date(value):
    """Return a cell as an ISO date "YYYY-MM-DD", or "" when it is blank or unreadable."""
    if value in (None, ""):
        return ""
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    text = str(value).strip()
    if "permanent" in text.lower():
        return "permanent"
    text = text.split(" ")[0] if re.match(r"^\d{4}-\d\d-\d\d[ T]", text) else text
    for fmt in _DATE_FORMATS:
        try:
            return datetime.datetime.strptime(text, fmt).date().isoformat()
        except ValueError:
            continue
    return ""


def as_text(value, limit=80):
    """Return a cell as one tidy line of text (DOL's entries are as the employer typed them)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(str(value).split())[:limit]


def as_number(value):
    """Return a cell as a short number text ("12", "18.5"), or "" when it is not a number."""
    if value in (None, ""):
        return ""
    try:
        number = float(str(value).replace(",", "").replace("$", "").strip())
    except ValueError:
        return ""
    if number != number or number < 0:  # NaN or negative: not something to show
        return ""
    return str(int(number)) if number.is_integer() else f"{number:.2f}"


# CASE_STATUS values are unconfirmed (E1: "Determination Issued - Certification", "- Partial
# Certification", "- Denied", "- Withdrawn", "- Rejected", sometimes "(Expired)", some H-2B "(Returned)").
# Anything else is shown to the texter as written, and counted in the import report.
STATUS_KINDS = ("certified", "expired", "partial", "denied", "rejected", "withdrawn", "returned")


STATUS_WORDS = {"certified": N_("certified"), "expired": N_("certification expired"),
                "partial": N_("partially certified"), "denied": N_("denied"), "rejected": N_("rejected"),
                "withdrawn": N_("withdrawn"), "returned": N_("returned"), "other": N_("other status")}


def status_kind(value):
    """Return one of STATUS_KINDS, or other, for a CASE_STATUS value."""
    text = str(value or "").lower()
    if "return" in text:
        return "returned"
    if "withdraw" in text:
        return "withdrawn"
    if "reject" in text:
        return "rejected"
    if "denied" in text or "denial" in text:
        return "denied"
    if "certif" in text and "expire" in text:
        return "expired"  # the certified period is over (a partial one too)
    if "partial" in text:
        return "partial"
    if "certif" in text:
        return "certified"
    return "other"


_UNITS = {"hour": "hour", "hr": "hour", "hourly": "hour", "week": "week", "wk": "week", "weekly": "week",
          "month": "month", "mth": "month", "monthly": "month", "year": "year", "yr": "year",
          "annual": "year", "piece": "piece", "piece rate": "piece", "bi-weekly": "biweekly",
          "biweekly": "biweekly", "day": "day", "daily": "day"}


def unit_kind(value):
    """Return the pay unit (hour, week, month, year, piece, biweekly, day) or the text as written."""
    text = " ".join(str(value or "").lower().split())
    return _UNITS.get(text, _UNITS.get(text.rstrip("s"), text[:20]))
