"""Import DOL's debarment lists: OFLC's PDF as published, or a CSV/XLSX export of it (issue 21).

OFLC publishes the list of current debarments (Entity | Entity Type | Employer Location | Start of
Debarment | End of Debarment | Violation | CFR Citation) and a list of expired H-2A debarments (Name | City,
State | Violation | Duration | Start date | End date). PERM, H-2A and H-2B entries share one table; the
program is read from a program column, else the CFR citation (656 PERM, 655.100-199 or 29 CFR 501 H-2A,
655.1-99 or 29 CFR 503 H-2B), else the section heading, else --program. PERM entries are not H-2 jobs: they
are counted in the report and skipped. Each list replaces only its own earlier import; the texters' answers
use every list loaded.
"""
import calendar
import datetime
import os
import re
import time

from bot.jobs import columns
from bot.jobs.columns import as_date, as_text
from bot.jobs.importer import Report, _cell, _header, _program_from_name
from bot.jobs.pdftable import PdfRows, section_of
from bot.jobs.places import split_place, state_code
from bot.jobs.reader import Refused, Rows
from bot.jobs.records import name_key, pack, unpack
from bot.conversation.wording import N_

LISTS = {"current": N_("current debarments"), "expired": N_("expired debarments")}
_MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
_MONTHS.update({name.lower(): i for i, name in enumerate(calendar.month_abbr) if name})
_MONTHS["sept"] = 9
_WORD_DATE = re.compile(r"([A-Za-z]{3,9})\.?[\s,.]*(\d{1,2})(?:st|nd|rd|th)?[\s,.]+(\d{4})(?!\d)")
_NUM_DATE = re.compile(r"(?<!\d)(\d{1,2})\s*[/.-]\s*(\d{1,2})\s*[/.-]\s*(\d{4})(?!\d)")
_MARKS = re.compile(r"[*\u2020\u2021\u00a7\u00b9\u00b2\u00b3\u2070-\u2079]+")
_GLUED_NOTE = re.compile(r"(?<=[A-Za-z]{2})\d{1,2}(?=$|[\s,;)])")  # "Placement Services Global1"


def clean_name(value):
    """Return a debarred party's name without DOL's footnote marks ("Antonio Sanchez*" -> "Antonio Sanchez")."""
    text = _GLUED_NOTE.sub("", _MARKS.sub("", as_text(value, 160)))
    return " ".join(text.split()).strip(" ,;")[:120]


def loose_date(value):
    """Return a date as ISO, "permanent", or "" when it cannot be read ("September, 24. 2022" is read;
    "September 2, 202" is not, and shows as unknown, never as permanent)."""
    iso = as_date(value)
    if iso:
        return iso
    text = str(value or "")
    for pattern in (_WORD_DATE, _NUM_DATE):
        match = pattern.search(text)
        if not match:
            continue
        first = match.group(1)
        month = int(first) if first.isdigit() else _MONTHS.get(first.lower())
        if not month:
            continue
        try:
            return datetime.date(int(match.group(3)), month or 0, int(match.group(2))).isoformat()
        except (ValueError, TypeError):
            return ""
    return ""


def program_of(text):
    """Return h2a, h2b or perm from a program cell or a CFR citation, else ""."""
    text = str(text or "")
    if re.search(r"(?<![\d.])656(?!\d)", text):
        return "perm"
    if re.search(r"655\.1\d\d|(?<![\d.])501(?!\d)", text):
        return "h2a"
    if re.search(r"655\.\d{1,2}(?!\d)|(?<![\d.])503(?!\d)", text):
        return "h2b"
    return _program_from_name(text) or section_of(text)


def _rows(path, program):
    """Return the rows of a PDF, .xlsx or CSV list."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(5)
    except OSError:
        head = b""
    if head == b"%PDF-":
        return PdfRows(path)
    return Rows(path, is_header=lambda row: columns.looks_like_header(row, columns.DEBARRED_FIELDS))


def import_debarred(path, data, program=None, progress=None, who="", list_name=None):
    """Import a debarment list (PDF, CSV or .xlsx) and return its Report; Refused says why not."""
    started = time.monotonic()
    rows = _rows(path, program)
    report = Report(file=os.path.basename(path), kind="debarred", program=program or "")
    it = iter(rows)
    header, consumed = _header(it, columns.DEBARRED_FIELDS)
    cols = columns.recognise(header, columns.DEBARRED_FIELDS)
    if not cols.ok:
        raise Refused(cols.refusal())
    if "city_state" in cols.used:  # one "City, State" column stands for both
        cols.missing = [f for f in cols.missing if f not in ("city", "state")]
    cols.missing = [f for f in cols.missing if f not in ("entity_type", "violation", "duration", "program",
                                                         "citation")]
    report.cols = cols
    source = list_name or ("expired" if "duration" in cols.used or "expired" in report.file.lower() else "current")
    entries, perm, no_program, unknown_dates, programs = [], 0, 0, 0, {}
    header_keys = [columns.header_key(h) for h in header]
    for number, row in enumerate(it, start=consumed + 1):
        if [columns.header_key(c) for c in row] == header_keys:
            continue  # the header row again, on the next page
        name = clean_name(_cell(row, cols, "name"))
        if not name_key(name):
            if any(c not in (None, "") for c in row):
                report.skipped += 1
                if len(report.skipped_examples) < 5:
                    report.skipped_examples.append(number)
            continue
        prog = (program_of(_cell(row, cols, "program")) or program_of(_cell(row, cols, "citation"))
                or getattr(rows, "section", "") or program or "")
        if prog == "perm":
            perm += 1
            continue
        no_program += not prog
        city, state = as_text(_cell(row, cols, "city"), 40), state_code(_cell(row, cols, "state"))
        if "city_state" in cols.used and not state:
            city, state = split_place(as_text(_cell(row, cols, "city_state"), 80))
        start, end = loose_date(_cell(row, cols, "start")), loose_date(_cell(row, cols, "end"))
        end_text = as_text(_cell(row, cols, "end"), 40)
        unknown_dates += (not start) + (bool(end_text) and not end)
        programs[prog or "?"] = programs.get(prog or "?", 0) + 1
        entries.append([name, name_key(name), city[:40], state, prog, start, end, source])
        if progress and len(entries) % 100 == 0:
            progress(rows.done, rows.total)
    if not entries:
        if perm:
            raise Refused(N_("%(file)s has column names but no H-2A or H-2B entries: nothing was imported (%(n)s "
                             "PERM entries skipped).", file=report.file, n=perm))
        raise Refused(N_("%(file)s has column names but no H-2A or H-2B entries: nothing was imported.",
                         file=report.file))
    report.rows, report.statuses = len(entries), programs
    report.notes = [N_("Read as the list of %(which)s; it replaces only that list's earlier import",
                       which=LISTS[source])]
    if perm:
        report.notes.append(N_("PERM entries skipped (PERM is not H-2A or H-2B): %(n)s", n=perm))
    if no_program:
        report.notes.append(N_("Entries with no program (no citation, heading or --program), shown to texters "
                               "without a program: %(n)s", n=no_program))
    if unknown_dates:
        report.notes.append(N_("Dates that could not be read (texters are told the date is unknown): %(n)s",
                               n=unknown_dates))
    report.data_date = datetime.date.today().isoformat()
    kept = [e for e in (unpack(data.debarred_blob()) if data.debarred_blob() else []) if (e[7] if len(e) > 7 else "current") != source]
    gen = data.new_generation()
    try:
        data.write_blob("d", gen, pack(kept + entries))
        info = report.as_info(who)
        before = data.status().get("debarred") or {}
        lists = dict(before.get("lists") or ({"current": before} if before else {}))  # an import before lists
        lists[source] = {k: info[k] for k in ("file", "rows", "imported", "who")}
        info.update(lists=lists, rows=len(kept) + len(entries))
        report.seconds = time.monotonic() - started
        data.publish("debarred", gen, info, report.data_date)
    except BaseException:
        data.discard(gen)
        raise
    if progress:
        progress(rows.total or rows.done, rows.total)
    return report

