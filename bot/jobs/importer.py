"""Import DOL's disclosure files and debarment lists: read by column name, write aside, swap whole."""
import collections
import datetime
import os
import re
import time
from dataclasses import dataclass, field

from bot.jobs import casenum, columns
from bot.jobs.columns import as_date, as_number, as_text
from bot.jobs.reader import Refused, Rows
from bot.jobs.records import encode_case, name_key, pack
from bot.conversation.wording import N_

PROGRAMS = ("h2a", "h2b")
PROGRAM_NAMES = {"h2a": "H-2A", "h2b": "H-2B"}
HEADER_SEARCH_ROWS = 10  # a title line or two may sit above the column names


@dataclass
class Report:
    """What one import did, for the CLI and the staff page."""

    file: str
    kind: str = ""                 # cases or debarred
    program: str = ""
    rows: int = 0                  # rows stored
    skipped: int = 0               # rows without a readable case number (or name)
    skipped_examples: list = field(default_factory=list)  # row numbers, the first few
    cols: columns.Columns = None
    statuses: dict = field(default_factory=dict)  # status kind -> rows
    other_statuses: dict = field(default_factory=dict)  # CASE_STATUS values not understood -> rows
    data_date: str = ""
    seconds: float = 0.0
    notes: list = field(default_factory=list)  # further sentences, message ids (what was read as what, skipped)
    fiscal_year: int = 0           # a disclosure file's fiscal year (October to September)

    def lines(self):
        """Return the report as message ids (N_ with named details), one a line: English on the command line,
        the page's language on the staff page (the RQ job keeps ids and details, never the words)."""
        count = counted(self.rows, "case" if self.kind == "cases" else "entry")
        seconds = f"{self.seconds:.1f}"
        date = N_(", data of %(date)s", date=self.data_date) if self.data_date else ""
        if self.kind == "cases":
            out = [N_("%(file)s: %(count)s imported as %(program)s%(year)s%(date)s in %(seconds)s s.",
                      file=self.file, count=count, program=PROGRAM_NAMES.get(self.program, self.program),
                      year=N_(" fiscal year %(year)s", year=self.fiscal_year) if self.fiscal_year else "",
                      date=date, seconds=seconds)]
        else:
            program = PROGRAM_NAMES.get(self.program, self.program)
            out = [N_("%(file)s: %(count)s imported%(program)s%(date)s in %(seconds)s s.", file=self.file,
                      count=count, program=N_(" as %(program)s", program=program) if program else "", date=date,
                      seconds=seconds)]
        if self.cols is not None:
            for name, (_, header) in self.cols.used.items():
                out.append(N_("Column “%(column)s” read as %(what)s", column=header,
                              what=columns.word(name, self.cols.fields)))
            if self.cols.missing:
                out.append(N_("No column found for: %(fields)s (left blank in answers)",
                              fields=[columns.word(f, self.cols.fields) for f in self.cols.missing]))
        if self.skipped:
            rows = self.skipped_examples + (["…"] if self.skipped > len(self.skipped_examples) else [])
            out.append(N_("Rows without a readable case number, not imported: %(n)s (rows %(rows)s)", n=self.skipped,
                          rows=rows) if self.kind == "cases" else
                       N_("Rows without a readable name, not imported: %(n)s (rows %(rows)s)", n=self.skipped,
                          rows=rows))
        if self.statuses and self.kind == "debarred":
            out.append(N_("Entries by program: %(programs)s", programs=[
                N_("%(what)s (%(n)s)", what=PROGRAM_NAMES.get(k) or N_("no program"), n=v)
                for k, v in sorted(self.statuses.items())]))
        elif self.statuses:
            out.append(N_("Case statuses: %(statuses)s", statuses=[
                N_("%(what)s (%(n)s)", what=columns.STATUS_WORDS.get(k, k), n=v)
                for k, v in sorted(self.statuses.items())]))
        if self.other_statuses:
            out.append(N_("Statuses shown to texters as written (not understood): %(statuses)s", statuses=[
                N_("“%(what)s” (%(n)s)", what=k, n=v) for k, v in list(self.other_statuses.items())[:5]]))
        return out + list(self.notes)

    def as_info(self, who=""):
        """Return what the meta hash keeps about this import."""
        used = {k: h for k, (_, h) in (self.cols.used.items() if self.cols else ())}
        return {"file": self.file, "rows": self.rows, "skipped": self.skipped, "data_date": self.data_date,
                "program": self.program, "columns": used, "missing": list(self.cols.missing if self.cols
                                                                          else ()),
                "imported": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
                "who": who}


def counted(n, noun):
    """Return "1 case", "3 entries"... as a message id (its words translated on the page)."""
    if noun == "case":
        return N_("1 case") if n == 1 else N_("%(n)s cases", n=n)
    return N_("1 entry") if n == 1 else N_("%(n)s entries", n=n)


def _header(rows_iter, fields):
    """Return (header row, rows consumed) from the first rows; Refused when there is none."""
    seen = []
    for row in rows_iter:
        seen.append(row)
        if columns.looks_like_header(row, fields):
            return row, len(seen)
        if len(seen) >= HEADER_SEARCH_ROWS:
            break
    if not seen or not any(c not in (None, "") for row in seen for c in row):
        raise Refused(N_("The file is empty: it has no rows."))
    cols = columns.recognise(seen[0], fields)
    raise Refused(cols.refusal())


def _program_from_name(name):
    """Return h2a or h2b when a file's name says so (H-2A_Disclosure_Data_FY2025_Q4.xlsx)."""
    text = re.sub(r"[^a-z0-9]", "", name.lower())
    if "h2a" in text:
        return "h2a"
    if "h2b" in text:
        return "h2b"
    return None


def fiscal_year_of(name, latest=""):
    """Return the fiscal year a disclosure file is of: from its name (FY2025, FY25), else from its latest
    decision date (October starts the next year), else 0."""
    found = re.search(r"FY[ _-]?(\d{4}|\d{2})(?!\d)", name, re.IGNORECASE)
    if found:
        year = int(found.group(1))
        return year + 2000 if year < 100 else year
    if len(latest) >= 7 and latest[:4].isdigit():
        return int(latest[:4]) + (int(latest[5:7]) >= 10)
    return 0


def _cell(row, cols, name):
    used = cols.used.get(name)
    return row[used[0]] if used and used[0] < len(row) else None


def import_cases(path, data, program=None, data_date=None, progress=None, max_bytes=None, who="",
                 fiscal_year=None):
    """Import a disclosure file into data (JobsData) and return its Report; Refused says why not.

    program: h2a or h2b (else from the file's name, else from its case numbers); data_date: the date
    the data is of (else the latest decision or received date in the file); fiscal_year: the year the
    file is of (else from its name, else from its latest decision); progress(done, total) is called now
    and then. The import replaces only the same program's data of the same fiscal year.
    """
    started = time.monotonic()
    rows = Rows(path, **({"max_bytes": max_bytes} if max_bytes else {}),
                is_header=lambda row: columns.looks_like_header(row, columns.CASE_FIELDS))
    report = Report(file=os.path.basename(path), kind="cases")
    it = iter(rows)
    header, consumed = _header(it, columns.CASE_FIELDS)
    cols = columns.recognise(header, columns.CASE_FIELDS)
    if not cols.ok:
        raise Refused(cols.refusal())
    report.cols = cols
    gen = data.new_generation()
    statuses, others, prefixes = collections.Counter(), collections.Counter(), collections.Counter()
    employers = {}  # (name key, state) -> [name, state, season, case key, sort date, program]
    latest, batch = "", {}
    try:
        for number, row in enumerate(it, start=consumed + 1):
            key = casenum.key_of(_cell(row, cols, "case"))
            if not key:
                if any(c not in (None, "") for c in row):
                    report.skipped += 1
                    if len(report.skipped_examples) < 5:
                        report.skipped_examples.append(number)
                continue
            record = _case_record(row, cols)
            statuses[record["status"]] += 1
            if record["status"] == "other" and record["status_text"]:
                others[record["status_text"]] += 1
            prefixes[key[:4] if key.startswith("H") else "C"] += 1
            decided = as_date(_cell(row, cols, "decision")) or as_date(_cell(row, cols, "received"))
            latest = max(latest, decided)
            _index(employers, key, record, decided)
            batch[key] = encode_case(record)
            if len(batch) >= data.BATCH:
                data.write_cases(gen, batch)
                batch = {}
                if progress:
                    progress(rows.done, rows.total)
        data.write_cases(gen, batch)
        report.rows = sum(statuses.values())
        if not report.rows:
            raise Refused(N_("%(file)s has column names but no case rows: nothing was imported.", file=report.file))
        report.program = program or _program_from_name(report.file) or (
            "h2b" if prefixes["H400"] > prefixes["H300"] + prefixes["C"] else "h2a")
        report.statuses, report.other_statuses = dict(statuses), dict(others.most_common(20))
        report.data_date = data_date or latest
        report.fiscal_year = int(fiscal_year or 0) or fiscal_year_of(report.file, latest)
        index = [[v[0], name, v[1], v[2], v[3]] for (name, _), v in employers.items()]
        data.write_blob("e", gen, pack({"program": report.program, "employers": index}))
        report.seconds = time.monotonic() - started
        info = dict(report.as_info(who), fiscal_year=report.fiscal_year)
        newest = data.publish_year(report.program, gen, info, report.data_date, report.fiscal_year)
        if newest:
            raise Refused(N_("%(file)s is of fiscal year %(year)s, older than the two years kept for %(program)s "
                             "(the newest is %(newest)s): nothing was imported.", file=report.file,
                             year=report.fiscal_year, program=PROGRAM_NAMES[report.program], newest=newest))
    except BaseException:
        data.discard(gen)
        raise
    if progress:
        progress(rows.total or rows.done, rows.total)
    data.remove_orphans()
    return report


def _case_record(row, cols):
    """Return the record of one case row."""
    status_text = as_text(_cell(row, cols, "status"), 60)
    begin = as_date(_cell(row, cols, "begin"))
    end = as_date(_cell(row, cols, "end"))
    person = " ".join(as_text(_cell(row, cols, f), 40) for f in ("agent_first", "agent_middle", "agent_last"))
    return {"status": columns.status_kind(status_text), "status_text": status_text,
            "person": " ".join(person.split()), "piece": as_number(_cell(row, cols, "piece")),
            "piece_unit": as_text(_cell(row, cols, "piece_unit"), 30),
            "employer": as_text(_cell(row, cols, "employer")), "trade": as_text(_cell(row, cols, "trade")),
            "city": as_text(_cell(row, cols, "city"), 40), "state": as_text(_cell(row, cols, "state"), 20),
            "job": as_text(_cell(row, cols, "job"), 60), "begin": begin, "end": end,
            "certified": as_number(_cell(row, cols, "certified")),
            "requested": as_number(_cell(row, cols, "requested")),
            "wage": as_number(_cell(row, cols, "wage")), "unit": columns.unit_kind(_cell(row, cols, "unit")),
            "agent": as_text(_cell(row, cols, "agent"))}


def _index(employers, key, record, decided):
    """Keep, per employer and worksite state, its display name, latest season and latest case."""
    name = name_key(record["employer"])
    if not name:
        return
    state = record["state"][:2].upper() if len(record["state"]) == 2 else record["state"]
    season = (record["begin"] or decided)[:4]
    when = record["begin"] or decided
    entry = employers.get((name, state))
    if entry is None or when >= entry[4]:
        employers[(name, state)] = [record["employer"], state, season, key, when]
