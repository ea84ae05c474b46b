"""Read the table of a PDF DOL publishes (OFLC's debarment lists) row by row, with the section each row is in.

OFLC's debarment list is one table across many pages (its header row repeated on each), with headings such
as "H-2A Debarments" or "PERM Debarments" above parts of it. pdfplumber (pinned in requirements.txt) finds
the ruled table on each page; the text between one table and the previous one is taken as a heading.
"""
import os
import re

from bot.jobs.reader import Refused
from bot.conversation.wording import N_

MAX_PAGES = 2000           # DOL's lists are a few dozen pages; past this it is not DOL's list
SECTION = re.compile(r"\bPERM\b|\bH-?2\s?-?[AB]\b|permanent labor certification", re.IGNORECASE)


def section_of(text):
    """Return perm, h2a or h2b when a heading names a program ("H-2A Debarments", "PERM"), else ""."""
    found = ""
    for match in SECTION.finditer(text or ""):
        word = re.sub(r"[^A-Z0-9]", "", match.group(0).upper())
        if word == "PERM" and not match.group(0).isupper():
            continue  # "Perm" inside a sentence; DOL's headings write PERM
        found = {"H2A": "h2a", "H2B": "h2b"}.get(word, "perm")
    return found


def _cause(exc):
    """Return the innermost exception's name: pdfplumber wraps pdfminer's."""
    while exc.__cause__ is not None or (exc.args and isinstance(exc.args[0], Exception)):
        exc = exc.__cause__ or exc.args[0]
    return type(exc).__name__


class PdfRows:
    """The table rows of a PDF file, like reader.Rows: iterate for tuples; self.section is the heading
    (perm, h2a, h2b or "") above the row last yielded; progress in self.done of self.total pages."""

    kind = "pdf"
    unit = "pages"

    def __init__(self, path):
        self.path, self.name = path, os.path.basename(path)
        self.section, self.done, self.total, self.tables = "", 0, None, 0

    def __iter__(self):
        import pdfplumber  # only this import needs it
        try:
            pdf = pdfplumber.open(self.path)
            pages = pdf.pages
        except Exception as exc:  # noqa: BLE001  pdfminer raises many kinds for a damaged file
            raise Refused(N_("%(name)s is not a PDF file that can be read (%(cause)s).", name=self.name,
                             cause=_cause(exc))) from None
        try:
            if len(pages) > MAX_PAGES:
                raise Refused(N_("%(name)s has %(n)s pages: DOL's debarment lists have far fewer (at most %(max)s "
                                 "are read).", name=self.name, n=len(pages), max=MAX_PAGES))
            self.total = len(pages)
            for page in pages:
                try:
                    rows = list(self._page(page))
                except Exception as exc:  # noqa: BLE001  a damaged page: say which, never a traceback
                    raise Refused(N_("Page %(n)s of %(name)s cannot be read (%(cause)s).", n=self.done + 1,
                                     name=self.name, cause=_cause(exc))) from None
                for self.section, cells in rows:
                    yield cells
                self.done += 1
                page.flush_cache()
        finally:
            pdf.close()
        if not self.tables:
            raise Refused(N_("%(name)s has no table that can be read: is it DOL's debarment list as published "
                             "(not a scan)? Its CSV or Excel export works too.", name=self.name))

    def _page(self, page):
        """Yield (section, cells) for each row of the page's tables."""
        lines = page.extract_text_lines(return_chars=False)
        above = 0.0
        for table in sorted(page.find_tables(), key=lambda t: t.bbox[1]):
            top = table.bbox[1]
            heading = " ".join(line["text"] for line in lines if above <= line["top"] < top)
            self.section = section_of(heading) or self.section
            above = table.bbox[3]
            self.tables += 1
            for row in table.extract():
                cells = tuple(" ".join(str(c).split()) if c is not None else None for c in row)
                if len([c for c in cells if c]) == 1 and section_of(next(c for c in cells if c)) \
                        and not any(ch.isdigit() for ch in "".join(c for c in cells if c).replace("2", "")):
                    self.section = section_of(next(c for c in cells if c))  # a heading row inside the table
                    continue
                yield self.section, cells
