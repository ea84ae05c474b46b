"""Staff import DOL's files: columns recognised by name, bad files refused in words, data swapped whole."""
import os
import subprocess
import sys
import textwrap

import pytest

import jobfiles as jf
from bot.jobs import casenum
from bot.jobs.importer import import_cases
from bot.jobs.service import Query

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run(app, *args):
    return app.test_cli_runner().invoke(args=["jobs", *map(str, args)])


def find(app, number):
    """Return the Lookup of a case number, as the conversation would make it."""
    ref = casenum.find(number)
    return app.extensions["jobs"].lookup(Query("case", typed=ref.typed, keys=(ref.key,)))


def test_import_reports_the_columns_used_and_missing_and_status_prints_it(app, tmp_path):
    path = jf.write_xlsx(tmp_path / "H-2B_Disclosure_Data_FY2025_Q1.xlsx", jf.H2B_HEADERS, jf.SAMPLE_H2B,
                         title="H-2B Disclosure Data, FY 2025")  # a title line above the column names
    result = run(app, "import", path)
    assert result.exit_code == 0, result.output
    assert "1 case imported as H-2B fiscal year 2025, data of 2025-01-05" in result.output
    assert "Column “BASIC_WAGE_RATE_FROM” read as wage offered" in result.output
    assert ("No column found for: trade name (DBA), requested start date, requested end date, agent or attorney "
            "(left blank in answers)") in result.output
    status = run(app, "status").output
    assert "H-2B fiscal year 2025: 1 case from H-2B_Disclosure_Data_FY2025_Q1.xlsx, data of 2025-01-05" in status
    assert "H-2A: not loaded" in status and "Debarment lists: not loaded" in status


@pytest.mark.parametrize("drop, words", [
    ("CASE_NUMBER", "no case number column"), ("CASE_STATUS", "no case status column"),
    ("EMPLOYER_NAME", "no employer name column")])
def test_a_file_without_a_required_column_is_refused_with_a_sentence(app, tmp_path, drop, words):
    headers = [h for h in jf.H2A_HEADERS if h != drop]
    path = jf.write_xlsx(tmp_path / "h2a.xlsx", headers, jf.SAMPLE_H2A)
    result = run(app, "import", path)
    assert result.exit_code == 1
    assert words in result.output and "cannot be imported" in result.output
    assert "No job data loaded" in run(app, "status").output


@pytest.mark.parametrize("content", [b"", b"\n\n", b"CASE_NUMBER,CASE_STATUS,EMPLOYER_NAME\n"])
def test_an_empty_file_is_refused(app, tmp_path, content):
    path = tmp_path / "empty.csv"
    path.write_bytes(content)
    result = run(app, "import", path)
    assert result.exit_code == 1 and ("empty" in result.output or "no case rows" in result.output), result.output


def test_other_bad_files_are_refused_in_words(app, tmp_path):
    (tmp_path / "old.xls").write_bytes(b"\xd0\xcf\x11\xe0" + b"\0" * 100)
    assert "save it as .xlsx or CSV" in run(app, "import", tmp_path / "old.xls").output
    (tmp_path / "broken.xlsx").write_bytes(b"PK\x03\x04 not really a zip")
    assert "not an Excel .xlsx file" in run(app, "import", tmp_path / "broken.xlsx").output
    assert "no such file" in run(app, "import", tmp_path / "missing.csv").output
    empty_sheet = jf.write_xlsx(tmp_path / "blank.xlsx", [], [])
    assert "empty" in run(app, "import", empty_sheet).output


def test_reimport_replaces_a_program_whole_and_lookups_never_see_half(app, tmp_path):
    first = jf.write_csv(tmp_path / "a.csv", jf.H2A_HEADERS, jf.SAMPLE_H2A)
    assert run(app, "import", first, "--program", "h2a").exit_code == 0
    newer = [jf.case(f"H-300-25100-{i:06d}", employer="NEW FARM LLC") for i in range(5000)]
    second = jf.write_csv(tmp_path / "b.csv", jf.H2A_HEADERS, newer)
    seen = []

    def midway(done, total):
        """While the new file is half written, lookups still see only the old data."""
        seen.append((find(app, "H-300-25041-123456").cases != (), find(app, "H-300-25100-000001").cases != ()))

    import_cases(str(second), app.extensions["jobs"].data, program="h2a", progress=midway)
    assert seen and all(s == (True, False) for s in seen[:-1]), seen
    assert find(app, "H-300-25041-123456").cases == ()
    assert find(app, "H-300-25100-000001").cases[0].record["employer"] == "NEW FARM LLC"
    client = app.extensions["jobs"].data.redis
    generations = list(client.scan_iter(match=f"{app.extensions['jobs'].data.prefix}{{jobs}}:c:*"))
    assert len(generations) == 1  # the old generation is gone


def test_a_refused_import_leaves_the_data_in_use(app, tmp_path):
    good = jf.write_csv(tmp_path / "a.csv", jf.H2A_HEADERS, jf.SAMPLE_H2A)
    assert run(app, "import", good).exit_code == 0
    bad = jf.write_csv(tmp_path / "b.csv", ["CASE_NUMBER", "EMPLOYER_NAME"], jf.SAMPLE_H2A)
    assert run(app, "import", bad).exit_code == 1
    assert find(app, "H-300-25041-123456").cases


def test_debarment_list_missing_its_name_column_is_refused(app, tmp_path):
    path = jf.write_csv(tmp_path / "deb.csv", ["Company name?", "Start Date"], [{"Start Date": "2024-01-01"}])
    result = run(app, "debarred", path)
    assert result.exit_code == 1 and "no name column" in result.output


def test_a_50_mb_file_is_streamed_in_bounded_memory(settings, tmp_path):
    """A 50 MB CSV (25,000 cases with a wide column no field uses) imports in a child process under 250 MB."""
    path = tmp_path / "big.csv"
    filler = "x" * 1950
    headers = jf.H2A_HEADERS + ["CASE_NARRATIVE"]
    rows = ({**row, "CASE_NARRATIVE": filler} for row in jf.generated(25000))
    jf.write_csv(path, headers, rows)
    assert path.stat().st_size > 50 * 2**20
    code = textwrap.dedent(f"""
        import resource, sys
        sys.path.insert(0, {os.path.join(ROOT, 'tests')!r})
        from bot import create_app
        app = create_app({settings!r})
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        result = app.test_cli_runner().invoke(args=["jobs", "import", {str(path)!r}])
        after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        print(result.exit_code, before // 1024, after // 1024)
        print(result.output)
        app.extensions["intake"].stop()
    """)
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    status, before, after = out.stdout.split("\n", 1)[0].split()
    assert status == "0", out.stdout
    assert "25000 cases imported" in out.stdout
    print(f"50 MB file: max RSS {before} MB before the import, {after} MB after")
    assert int(after) - int(before) < 120, (before, after)  # MB: the file is never held whole


def test_import_and_lookup_on_redis_cluster(settings, redis_cluster, tmp_path):
    """All job keys share the {jobs} hash tag, so the import's swap and the lookup script run on a cluster."""
    from bot import create_app
    app = create_app({**settings, "REDIS_URL": redis_cluster, "REDIS_CLUSTER": "1"})
    try:
        path = jf.write_csv(tmp_path / "h2a.csv", jf.H2A_HEADERS, jf.SAMPLE_H2A)
        assert run(app, "import", path).exit_code == 0
        deb = jf.write_csv(tmp_path / "deb.csv", jf.DEBARRED_HEADERS, jf.SAMPLE_DEBARRED)
        assert run(app, "debarred", deb).exit_code == 0
        assert find(app, "H-300-25080-555555").cases[0].debarments[0].end == "2031-01-14"
        assert run(app, "import", path).exit_code == 0  # a second import replaces the first
        assert "H-2A fiscal year 2025: 7 cases" in run(app, "status").output
    finally:
        data = app.extensions["jobs"].data
        for key in list(data.redis.scan_iter(match=f"{data.prefix}*")):
            data.redis.delete(key)
        app.extensions["intake"].stop()


def test_a_workbook_with_a_notes_sheet_first_is_read_from_its_data_sheet(app, tmp_path):
    import openpyxl
    book = openpyxl.Workbook()
    book.active.title = "Notes"
    book.active.append(["This file contains selected fields of H-2A cases."])
    data = book.create_sheet("Data")
    data.append(jf.H2A_HEADERS)
    for row in jf.SAMPLE_H2A:
        data.append([row.get(h) for h in jf.H2A_HEADERS])
    book.save(tmp_path / "h2a.xlsx")
    result = run(app, "import", tmp_path / "h2a.xlsx")
    assert result.exit_code == 0 and "7 cases imported" in result.output, result.output


def _messages(value):
    """Yield every Message in a report line (the line, and the details it holds, nested)."""
    if hasattr(value, "template"):
        yield value
        for detail in value.params.values():
            yield from _messages(detail)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _messages(item)


def test_every_report_line_is_a_translated_message_id(app, tmp_path):
    """A report's lines and the words in their details (fields, statuses, lists, counts) are message ids the
    staff page's catalog translates: a new line written as a plain sentence fails here, not on a Spanish page."""
    import pickle

    from babel.messages.pofile import read_po

    from bot.jobs.debarment import import_debarred
    from test_ui_catalog import PO
    with open(PO, "rb") as fh:
        catalog = read_po(fh)
    headers = [h for h in jf.H2A_HEADERS if h != "TRADE_NAME_DBA"]
    rows = [dict(jf.SAMPLE_H2A[0], CASE_STATUS="Pending"), dict(jf.SAMPLE_H2A[1], CASE_NUMBER="")] + jf.SAMPLE_H2A
    data = app.extensions["jobs"].data
    cases = import_cases(jf.write_csv(tmp_path / "h2a.csv", headers, rows), data)
    pdf = import_debarred(jf.write_debarment_pdf(tmp_path / "Debarment_List.pdf"), data)
    lines = cases.lines() + pdf.lines()
    assert len(lines) > 25 and any("PERM" in line for line in lines) and any("Pending" in line for line in lines)
    for line in lines:
        assert hasattr(line, "template"), f"not a message id: {line!r}"
        for message in _messages(line):
            assert catalog.get(message.template) and catalog.get(message.template).string, message.template
    kept = pickle.loads(pickle.dumps(lines))  # what the RQ job keeps: the ids and their details
    assert [m.template for m in kept] == [m.template for m in lines] and kept == lines
