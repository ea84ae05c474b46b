"""DOL's debarment lists as published (issue 21): OFLC's PDF read with its own headings, PERM entries kept out,
state names, footnote marks and loose dates; debarred employers and agents flagged by case and by name search,
whether or not a case of theirs is loaded."""
import pytest

import jobfiles as jf
from test_jobs import one, person
from bot.jobs.debarment import clean_name, loose_date, program_of
from bot.jobs.places import split_place

D = jf.D
CLINTON_CASE = jf.case("H-300-25100-101010", employer="BAD HARVEST LLC", city="CLINTON", state="NC")
AGENT_HEADERS = jf.H2A_HEADERS + ["ATTORNEY_AGENT_LAST_NAME", "ATTORNEY_AGENT_FIRST_NAME",
                                  "ATTORNEY_AGENT_MIDDLE_NAME"]
AGENT_CASE = dict(jf.case("H-300-21050-202020", employer="PEACH ROW FARMS", city="TIFTON", state="GA",
                          begin=D(2021, 4, 1), end=D(2021, 10, 31), decision=D(2021, 2, 1)),
                  ATTORNEY_AGENT_LAST_NAME="SANCHEZ", ATTORNEY_AGENT_FIRST_NAME="ANTONIO",
                  ATTORNEY_AGENT_MIDDLE_NAME="M")


def run(app, *args):
    return app.test_cli_runner().invoke(args=["jobs", *map(str, args)])


@pytest.fixture
def listed(app, tmp_path):
    """The app with H-2A cases (one of Bad Harvest in Clinton, NC) and OFLC's PDF list imported."""
    cases = jf.write_xlsx(tmp_path / "H-2A_Disclosure_Data_FY2025_Q2.xlsx", jf.H2A_HEADERS,
                          jf.SAMPLE_H2A + [CLINTON_CASE])
    assert run(app, "import", cases).exit_code == 0
    result = run(app, "debarred", jf.write_debarment_pdf(tmp_path / "Debarment_List.pdf"))
    assert result.exit_code == 0, result.output
    app.debarred_report = result.output
    return app


def test_the_pdf_import_reports_what_it_read_and_skipped(listed):
    out = listed.debarred_report
    assert "Debarment_List.pdf: 5 entries imported" in out, out
    assert "Entries by program: H-2A (4), H-2B (1)" in out
    assert "PERM entries skipped (PERM is not H-2A or H-2B): 2" in out
    assert "Dates that could not be read (texters are told the date is unknown): 1" in out
    assert "Column “Entity” read as name" in out and "Column “Employer Location” read as city and state" in out
    status = run(listed, "status").output
    assert "Debarment list (current debarments): 5 entries from Debarment_List.pdf" in status


def test_a_debarred_employer_with_a_current_case_is_flagged_by_case_and_by_name(listed):
    reply = one(person(listed, "en").send("H-300-25100-101010"))
    assert reply.startswith("WARNING: Bad Harvest LLC is on DOL's H-2A debarment list from May 13, 2020 to "
                            "May 12, 2030."), reply
    listing = one(person(listed, "es", "whatsapp", number="+15055550401").send("revisa la empresa bad harvest"))
    assert "BAD HARVEST LLC (NC, 2025, H-2A) - INHABILITADO 2020-2030" in listing, listing


def test_a_debarred_employer_without_a_case_is_flagged_by_name(listed):
    for lang, words in (("en", ["WARNING: Ghost Fields Inc (NC) is on DOL's H-2A debarment list from Jun 1, 2024 "
                                "to May 31, 2030.", "No case under that name", "Do not pay anyone"]),
                        ("es", ["ATENCION: Ghost Fields Inc (NC) esta en la lista de DOL de inhabilitados",
                                "DOL niega las solicitudes nuevas"]),
                        ("quc", ["K'AX: Ghost Fields Inc (NC) k'o pa ri lista rech ri DOL", "WINAQ"])):
        reply = one(person(listed, lang, number=f"+150555504{ord(lang[1])}").send(
            {"en": "check employer ghost fields", "es": "revisa la empresa Ghost Field",
             "quc": "chawila ri patron ghost fields inc"}[lang]))
        for w in words:
            assert w in reply, (w, reply)
        assert "1." not in reply  # nothing to pick: no case is offered


def test_perm_entries_are_never_shown_as_h2(listed):
    # Rancho Sol LLC is on the PERM part of the list only: its H-2A case and its name search carry no warning
    reply = one(person(listed, "en").send("H-300-25041-123456"))
    assert "WARNING" not in reply and "debarment" not in reply.lower()
    listing = one(person(listed, "en", number="+15055550402").send("check employer rancho sol"))
    assert "DEBARRED" not in listing and "WARNING" not in listing
    nothing = one(person(listed, "en", number="+15055550403").send("check employer perm only staffing"))
    assert nothing.startswith("No employer with that name") and "PERM" not in nothing


def test_footnote_marks_permanent_and_unreadable_dates(listed):
    sanchez = one(person(listed, "en").send("check employer antonio sanchez"))
    assert "WARNING: Antonio Sanchez (GA) is on DOL's H-2A debarment list since Sep 24, 2022." in sanchez, sanchez
    assert "*" not in sanchez
    placement = one(person(listed, "en", number="+15055550404").send("check employer placement services global"))
    assert "Placement Services Global (WA) is on DOL's H-2A debarment list from date unclear to Dec 31, 2029" \
        in placement, placement
    assert "Global1" not in placement and "since" not in placement


def test_an_individual_agent_from_the_split_name_columns_is_flagged(listed, tmp_path):
    path = jf.write_csv(tmp_path / "H-2A_Disclosure_Data_FY2024.csv", AGENT_HEADERS, [AGENT_CASE])
    assert run(listed, "import", path).exit_code == 0  # the year before the one loaded: kept beside it
    reply = one(person(listed, "en").send("H-300-21050-202020"))
    assert reply.startswith("WARNING: Antonio Sanchez is on DOL's H-2A debarment list since Sep 24, 2022."), reply
    assert "PEACH ROW FARMS" in reply


def test_the_expired_list_is_kept_beside_the_current_one(listed, tmp_path):
    path = jf.write_debarment_pdf(tmp_path / "Expired_H-2A_Debarments.pdf", [("", jf.EXPIRED_ROWS)],
                                  jf.EXPIRED_HEADERS, "Expired H-2A Debarments")
    result = run(listed, "debarred", path, "--program", "h2a")
    assert result.exit_code == 0, result.output
    assert "Read as the list of expired debarments" in result.output
    status = run(listed, "status").output
    assert "(current debarments): 5 entries" in status and "(expired debarments): 1 entry" in status
    old = one(person(listed, "en").send("check employer old tobacco farm"))
    assert "Old Tobacco Farm (NC) was on DOL's H-2A debarment list from Mar 1, 2012 to Feb 28, 2015." in old, old
    assert "WARNING: Bad Harvest LLC is on" in one(person(listed, "en", number="+15055550405").send(
        "H-300-25100-101010"))  # the current list is still in use


def test_a_list_over_many_pages_with_its_header_repeated(app, tmp_path):
    rows = [[f"Filler Farm {i:03d} LLC", "Employer", "Dunn, North Carolina", "June 1, 2024", "May 31, 2030",
             "Wages", "20 CFR 655.182"] for i in range(90)]
    path = jf.write_debarment_pdf(tmp_path / "long.pdf", [("H-2A Debarments", rows)])
    result = run(app, "debarred", path)
    assert result.exit_code == 0, result.output
    assert "long.pdf: 90 entries imported" in result.output and "Entries by program: H-2A (90)" in result.output


def test_a_csv_export_with_dols_headings_is_read_the_same(app, tmp_path):
    path = jf.write_csv(tmp_path / "debarments.csv", jf.PDF_HEADERS,
                        [dict(zip(jf.PDF_HEADERS, row)) for _, rows in jf.PDF_SECTIONS for row in rows])
    result = run(app, "debarred", path)
    assert result.exit_code == 0, result.output
    # no section headings in an export: the citation decides, and the row without one has no program
    assert "5 entries imported" in result.output
    assert "PERM entries skipped (PERM is not H-2A or H-2B): 2" in result.output
    assert "Entries with no program (no citation, heading or --program), shown to texters without a program: 1" \
        in result.output


@pytest.mark.parametrize("content, words", [
    (b"%PDF-1.4\n%broken", "is not a PDF file that can be read"),
    (None, "has no table that can be read")])
def test_a_pdf_without_a_table_is_refused_in_a_sentence(app, tmp_path, content, words):
    path = tmp_path / "list.pdf"
    if content is None:
        from fpdf import FPDF
        pdf = FPDF()
        pdf.add_page()
        pdf.set_font("Helvetica", size=12)
        pdf.cell(0, 10, "H-2A Debarments: see the attached list.")
        pdf.output(str(path))
    else:
        path.write_bytes(content)
    result = run(app, "debarred", path)
    assert result.exit_code != 0 and words in result.output, result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("text, iso", [
    ("May 13, 2020", "2020-05-13"), ("September, 24. 2022", "2022-09-24"), ("September 2, 202", ""),
    ("Sept. 3, 2021", "2021-09-03"), ("Permanent", "permanent"), ("", ""), ("TBD", ""), ("2/30/2022", ""),
    (D(2024, 1, 15), "2024-01-15"), ("01/15/2024", "2024-01-15")])
def test_loose_dates(text, iso):
    assert loose_date(text) == iso


def test_names_places_and_programs():
    assert clean_name("Antonio Sanchez*") == "Antonio Sanchez"
    assert clean_name("Placement Services Global1") == "Placement Services Global"
    assert clean_name("Farm 21 LLC") == "Farm 21 LLC"
    assert split_place("Clinton, North Carolina") == ("Clinton", "NC")
    assert split_place("Yakima, WA") == ("Yakima", "WA")
    assert split_place("Somewhere") == ("Somewhere", "")
    assert [program_of(t) for t in ("20 CFR 656.31(f)", "20 CFR 655.182", "29 CFR 501.20", "20 CFR 655.73",
                                    "29 CFR 503.24", "H-2B", "")] == ["perm", "h2a", "h2a", "h2b", "h2b", "h2b", ""]


def test_a_pdf_given_as_a_disclosure_file_is_refused_in_words(app, tmp_path):
    result = run(app, "import", jf.write_debarment_pdf(tmp_path / "Debarment_List.pdf"))
    assert result.exit_code != 0 and "is a PDF: DOL's disclosure data is an Excel .xlsx file" in result.output
