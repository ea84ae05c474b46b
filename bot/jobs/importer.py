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
from bot.conversation.wording import N_
from bot.jobs.records import encode_case, name_key, pack

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

    def lines(self):
        """Return the report as sentences, one a line."""
        program = N_(" as %(program)s", program=PROGRAM_NAMES.get(self.program, self.program)) if self.program else ""
        date = N_(", data of %(date)s", date=self.data_date) if self.data_date else ""
        out = [N_("%(file)s: %(count)s imported%(program)s%(date)s in %(seconds)s s.", file=self.file,
                  count=counted(self.rows, "case" if self.kind == "cases" else "entry"), program=program,
                  date=date, seconds=f"{self.seconds:.1f}")]
        if self.cols is not None:
            for name, (_, header) in self.cols.used.items():
                out.append(N_("  %(field)s <- column %(header)s", field=f"{name:<10}", header=repr(header)))
            if self.cols.missing:
                out.append(N_("  no column found for: %(fields)s (left blank in answers)",
                              fields=", ".join(self.cols.missing)))
        if self.skipped:
            rows = ", ".join(map(str, self.skipped_examples)) + ("..." if self.skipped > 5 else "")
            if self.kind == "cases":
                out.append(N_("  %(n)s rows skipped without a readable case number (rows %(rows)s)",
                              n=self.skipped, rows=rows))
            else:
                out.append(N_("  %(n)s rows skipped without a readable name (rows %(rows)s)", n=self.skipped,
                              rows=rows))
        if self.statuses:
            out.append(N_("  statuses: %(list)s", list=", ".join(f"{k} {v}" for k, v in sorted(self.statuses.items()))))
        if self.other_statuses:
            out.append(N_("  statuses shown as written (not understood): %(list)s",
                          list="; ".join(f"{k!r} {v}" for k, v in list(self.other_statuses.items())[:5])))
        return out

    def as_info(self, who=""):
        """Return what the meta hash keeps about this import."""
        used = {k: h for k, (_, h) in (self.cols.used.items() if self.cols else ())}
        return {"file": self.file, "rows": self.rows, "skipped": self.skipped, "data_date": self.data_date,
                "program": self.program, "columns": used, "missing": list(self.cols.missing if self.cols
                                                                          else ()),
                "imported": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
                "who": who}


def counted(n, noun):
    """Return "1 case", "2 cases", "1 entry", "3 entries" (each a Message, translated on the page)."""
    if noun == "entry":
        return N_("1 entry") if n == 1 else N_("%(n)s entries", n=n)
    return N_("1 case") if n == 1 else N_("%(n)s cases", n=n)


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


def _cell(row, cols, name):
    used = cols.used.get(name)
    return row[used[0]] if used and used[0] < len(row) else None


def import_cases(path, data, program=None, data_date=None, progress=None, max_bytes=None, who=""):
    """Import a disclosure file into data (JobsData) and return its Report; Refused says why not.

    program: h2a or h2b (else from the file's name, else from its case numbers); data_date: the date
    the data is of (else the latest decision or received date in the file); progress(done, total) is
    called now and then.
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
        index = [[v[0], name, v[1], v[2], v[3]] for (name, _), v in employers.items()]
        data.write_blob("e", gen, pack({"program": report.program, "employers": index}))
        report.seconds = time.monotonic() - started
        data.publish(report.program, gen, report.as_info(who), report.data_date)
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
    return {"status": columns.status_kind(status_text), "status_text": status_text,
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


def import_debarred(path, data, program=None, progress=None, who=""):
    """Import a debarment list (CSV or .xlsx) and return its Report; Refused says why not."""
    started = time.monotonic()
    rows = Rows(path, is_header=lambda row: columns.looks_like_header(row, columns.DEBARRED_FIELDS))
    report = Report(file=os.path.basename(path), kind="debarred", program=program or "")
    it = iter(rows)
    header, consumed = _header(it, columns.DEBARRED_FIELDS)
    cols = columns.recognise(header, columns.DEBARRED_FIELDS)
    if not cols.ok:
        raise Refused(cols.refusal())
    if "city_state" in cols.used:  # one "City, State" column stands for both
        cols.missing = [f for f in cols.missing if f not in ("city", "state")]
    report.cols = cols
    entries = []
    for number, row in enumerate(it, start=consumed + 1):
        name = as_text(_cell(row, cols, "name"), 120)
        if not name_key(name):
            if any(c not in (None, "") for c in row):
                report.skipped += 1
                if len(report.skipped_examples) < 5:
                    report.skipped_examples.append(number)
            continue
        city, state = as_text(_cell(row, cols, "city"), 40), as_text(_cell(row, cols, "state"), 20)
        place = as_text(_cell(row, cols, "city_state"), 60)
        if place and not state:
            city, _, state = place.rpartition(",")
            city, state = city.strip(), state.strip()
        text = as_text(_cell(row, cols, "program"), 20)
        prog = _program_from_name(text) or program or ""
        entries.append([name, name_key(name), city, state.upper()[:2] if len(state.strip()) == 2 else state,
                        prog, as_date(_cell(row, cols, "start")), as_date(_cell(row, cols, "end"))])
        if progress and len(entries) % 500 == 0:
            progress(rows.done, rows.total)
    if not entries:
        raise Refused(N_("%(file)s has column names but no entries: nothing was imported.", file=report.file))
    report.rows = len(entries)
    report.data_date = datetime.date.today().isoformat()
    gen = data.new_generation()
    try:
        data.write_blob("d", gen, pack(entries))
        report.seconds = time.monotonic() - started
        data.publish("debarred", gen, report.as_info(who), report.data_date)
    except BaseException:
        data.discard(gen)
        raise
    return report
