"""Uploads are bounded (issue 23, item 3): zip bombs refused from the zip's directory before anything is
inflated, rows capped, and no temporary folder left behind."""
import os

import pytest

import jobfiles as jf
from bot.jobs import reader


@pytest.fixture(scope="module")
def bombs(tmp_path_factory):
    """A 516 MB sheet of empty rows and 510 MB of shared strings, each zipped to about a megabyte."""
    folder = tmp_path_factory.mktemp("bombs")
    return {"rows": jf.write_zip_bomb(folder / "H-2A_rows.xlsx", "xl/worksheets/sheet1.xml", 516, b'<row r="1"/>'),
            "strings": jf.write_zip_bomb(folder / "H-2A_strings.xlsx", "xl/sharedStrings.xml", 510,
                                         b"<si><t>" + b"A" * 500 + b"</t></si>")}


@pytest.fixture
def never_inflated(monkeypatch):
    """Fail the test if openpyxl is asked to open the workbook: the refusal must come before."""
    import openpyxl

    def refuse(*args, **kwargs):
        raise AssertionError("openpyxl opened a zip bomb")
    monkeypatch.setattr(openpyxl, "load_workbook", refuse)


@pytest.mark.parametrize("kind", ["rows", "strings"])
def test_a_zip_bomb_is_refused_by_the_cli_in_a_sentence(app, bombs, never_inflated, kind):
    assert os.path.getsize(bombs[kind]) < 3 * 2**20
    result = app.test_cli_runner().invoke(args=["jobs", "import", str(bombs[kind])])
    assert result.exit_code != 0 and "Traceback" not in result.output
    assert "would unpack to 5" in result.output and "MB unpacked are refused" in result.output, result.output


def test_a_highly_compressed_part_is_refused_even_under_the_size_limit(app, tmp_path, never_inflated):
    path = jf.write_zip_bomb(tmp_path / "small_bomb.xlsx", "xl/worksheets/sheet1.xml", 200, b'<row r="1"/>')
    result = app.test_cli_runner().invoke(args=["jobs", "import", str(path)])
    assert result.exit_code != 0 and "possible zip bomb" in result.output, result.output


def test_dols_real_sized_workbook_passes_the_checks(tmp_path):
    path = jf.write_xlsx(tmp_path / "H-2A_Disclosure_Data_FY2025_Q4.xlsx", jf.H2A_HEADERS, jf.generated(3000))
    reader.check_workbook(str(path), path.name)  # no Refused


@pytest.mark.parametrize("suffix", ["xlsx", "csv"])
def test_rows_are_capped(app, tmp_path, monkeypatch, suffix):
    monkeypatch.setattr(reader, "MAX_ROWS", 50)
    rows = list(jf.generated(80))
    path = (jf.write_xlsx if suffix == "xlsx" else jf.write_csv)(tmp_path / f"h2a.{suffix}", jf.H2A_HEADERS, rows)
    result = app.test_cli_runner().invoke(args=["jobs", "import", str(path)])
    assert result.exit_code != 0 and "has more than 50 rows" in result.output, result.output
    assert "No job data loaded" in app.test_cli_runner().invoke(args=["jobs", "status"]).output


@pytest.mark.parametrize("kind", ["rows", "strings"])
def test_a_zip_bomb_uploaded_on_the_staff_page_is_refused_and_leaves_no_folder(web, twilio_app, bombs,
                                                                              never_inflated, kind):
    sam = web("sam")
    twilio_app.config["JOBS_UPLOAD_DIR"] = str(bombs[kind].parent / f"uploads-{kind}")
    with open(bombs[kind], "rb") as fh:
        response = sam.post("/admin/jobs", {"kind": "cases", "program": "", "file": (fh, "H-2A_FY2025.xlsx")},
                            content_type="multipart/form-data")
    text = response.get_data(as_text=True)
    assert response.status_code == 400, text
    assert "MB unpacked are refused" in text
    assert os.listdir(twilio_app.config["JOBS_UPLOAD_DIR"]) == []  # the upload's folder is gone
