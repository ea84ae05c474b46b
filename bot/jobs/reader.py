"""Stream the rows of DOL's files (Excel .xlsx through openpyxl's read-only mode, or CSV), never whole."""
import csv
import io
import os
import zipfile

from bot.conversation.wording import N_

MAX_BYTES = 200 * 1024 * 1024  # a year's H-2A file is far smaller; past this, it is not DOL's file
# A workbook is a zip: a small .xlsx can inflate to gigabytes ("zip bomb"). Before openpyxl reads a byte,
# the parts' declared sizes are added up (zipfile never inflates a part past its declared size) and the
# file refused past MAX_UNCOMPRESSED, or when a large part is compressed more than MAX_RATIO to 1 (a year
# of DOL's data, 25,000 rows, is about 29 MB of XML at 12 to 1; 40 million empty rows are 190 to 1).
MAX_UNCOMPRESSED = 400 * 1024 * 1024
MAX_RATIO = 100
RATIO_FROM = 10 * 1024 * 1024  # parts smaller than this may be compressed any amount
MAX_ROWS = 1_000_000           # DOL's H-2A file has some 20,000 cases a year


class Refused(Exception):
    """A file that cannot be imported; the message is a sentence for staff."""


def _too_many(name):
    """Return the refusal of a file with more rows than any of DOL's."""
    return N_("%(name)s has more than %(max)s rows: DOL's disclosure files have far fewer, so it is not "
              "imported.", name=name, max=f"{MAX_ROWS:,}")


class _Counting(io.RawIOBase):
    """A binary file that counts the bytes read, for the progress bar."""

    def __init__(self, raw):
        self.raw, self.count = raw, 0

    def readable(self):
        return True

    def readinto(self, buffer):
        n = self.raw.readinto(buffer)
        self.count += n or 0
        return n

    def close(self):
        self.raw.close()
        super().close()


def check_workbook(path, name):
    """Raise Refused when a workbook's parts would inflate past MAX_UNCOMPRESSED or a large part is compressed
    past MAX_RATIO to 1 (both read from the zip's directory, without inflating anything)."""
    try:
        with zipfile.ZipFile(path) as book:
            parts = book.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise Refused(N_("%(name)s is not an Excel .xlsx file that can be read (%(cause)s).", name=name,
                         cause=type(exc).__name__)) from None
    total = sum(part.file_size for part in parts)
    if total > MAX_UNCOMPRESSED:
        raise Refused(N_("%(name)s would unpack to %(mb)s MB; workbooks over %(max)s MB unpacked are refused (a "
                         "year of DOL's disclosure data is much smaller).", name=name, mb=total // 2**20,
                         max=MAX_UNCOMPRESSED // 2**20))
    for part in parts:
        if part.file_size > RATIO_FROM and part.file_size > MAX_RATIO * max(part.compress_size, 1):
            raise Refused(N_("%(name)s is compressed %(ratio)s to 1 (%(part)s): DOL's files are not, so it is "
                             "refused as a possible zip bomb.", name=name,
                             ratio=part.file_size // max(part.compress_size, 1), part=part.filename))


class Rows:
    """The rows of one file, with a measure of progress: iterate for tuples of cell values."""

    def __init__(self, path, max_bytes=MAX_BYTES, is_header=None):
        """Open path; raise Refused when it is missing, empty, too large or not .xlsx/.csv.

        is_header(row) picks, in a workbook of several sheets, the first sheet with such a row in its
        first rows (DOL's data sheet may sit beside a notes sheet); else the first sheet is read.
        """
        self.path, self.name, self.is_header = path, os.path.basename(path), is_header
        try:
            self.size = os.path.getsize(path)
        except OSError:
            raise Refused(N_("%(file)s: no such file.", file=self.name)) from None
        if self.size == 0:
            raise Refused(N_("%(file)s is empty.", file=self.name))
        if self.size > max_bytes:
            raise Refused(N_("%(file)s is %(mb)s MB; files over %(max)s MB are refused (a year of DOL's "
                             "disclosure data is much smaller).", file=self.name, mb=self.size // 2**20,
                             max=max_bytes // 2**20))
        with open(path, "rb") as fh:
            head = fh.read(8)
        if head.startswith(b"PK"):
            self.kind = "xlsx"
            check_workbook(path, self.name)
        elif head.startswith(b"%PDF-"):
            raise Refused(N_("%(name)s is a PDF: DOL's disclosure data is an Excel .xlsx file (a debarment list's "
                             "PDF is imported as a debarment list: flask --app bot jobs debarred).", name=self.name))
        elif head.startswith(b"\xd0\xcf\x11\xe0"):
            raise Refused(N_("%(file)s is an old Excel .xls file: open it and save it as .xlsx or CSV.", file=self.name))
        else:
            self.kind = "csv"
        self.total, self.unit = (self.size, "bytes") if self.kind == "csv" else (None, "rows")
        self.done = 0

    def __iter__(self):
        """Yield each row as a tuple of cell values; progress is in self.done (of self.total)."""
        return self._xlsx() if self.kind == "xlsx" else self._csv()

    def _csv(self):
        raw = _Counting(open(self.path, "rb"))
        with raw:
            sample = raw.raw.read(65536)
            raw.raw.seek(0)
            encoding = "utf-8-sig"
            try:
                sample.decode("utf-8")
            except UnicodeDecodeError as exc:
                if exc.start < len(sample) - 4:  # not just a character cut at the sample's end
                    encoding = "cp1252"  # Excel's "CSV" on Windows
            text = io.TextIOWrapper(io.BufferedReader(raw, 1 << 16), encoding=encoding, errors="replace",
                                    newline="")
            try:
                dialect = csv.Sniffer().sniff(sample.decode(encoding, "replace")[:8192], delimiters=",;\t|")
            except csv.Error:
                dialect = csv.excel
            csv.field_size_limit(1 << 20)
            try:
                for number, row in enumerate(csv.reader(text, dialect)):
                    if number >= MAX_ROWS:
                        raise Refused(_too_many(self.name))
                    self.done = raw.count
                    yield tuple(row)
            except csv.Error as exc:
                raise Refused(N_("%(file)s is not a CSV file that can be read (%(why)s).", file=self.name, why=exc)) from None
        self.done = self.size

    def _xlsx(self):
        import openpyxl  # only the import needs it; the webhook never loads it
        try:
            book = openpyxl.load_workbook(self.path, read_only=True, data_only=True)
        except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
            raise Refused(N_("%(file)s is not an Excel .xlsx file that can be read (%(why)s).", file=self.name,
                             why=type(exc).__name__)) \
                from None
        try:
            sheet = self._data_sheet(book)
            if sheet is None:
                return
            self.total = sheet.max_row if isinstance(sheet.max_row, int) and sheet.max_row > 1 else None
            if self.total and self.total > MAX_ROWS:
                raise Refused(_too_many(self.name))
            for row in sheet.iter_rows(values_only=True):
                self.done += 1
                if self.done > MAX_ROWS:
                    raise Refused(_too_many(self.name))
                yield row
        finally:
            book.close()

    def _data_sheet(self, book, look=10):
        """Return the sheet holding the data: the first whose first rows have a header row."""
        if len(book.worksheets) > 1 and self.is_header is not None:
            for sheet in book.worksheets:
                for number, row in enumerate(sheet.iter_rows(values_only=True)):
                    if number >= look:
                        break
                    if self.is_header(row):
                        return sheet
        return book.worksheets[0] if book.worksheets else None
