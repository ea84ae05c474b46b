"""The staff page /admin/jobs: status, uploads with the import's report, refusals in words, staff only."""
import io

import jobfiles as jf


def _file(tmp_path, name, headers, rows):
    path = tmp_path / name
    (jf.write_xlsx if name.endswith(".xlsx") else jf.write_csv)(path, headers, rows)
    return (io.BytesIO(path.read_bytes()), name)


def test_staff_upload_a_disclosure_file_and_see_it_loaded(web, tmp_path, twilio_app):
    sam = web("sam")
    page = sam.get("/admin/jobs").get_data(as_text=True)
    assert "No job data loaded" in page and 'type="file"' in page and "OFLC performance data page" in page
    response = sam.post("/admin/jobs", {"kind": "cases", "program": "",
                                        "file": _file(tmp_path, "H-2A_Disclosure_Data_FY2025_Q2.xlsx",
                                                      jf.H2A_HEADERS, jf.SAMPLE_H2A)},
                        content_type="multipart/form-data")
    text = response.get_data(as_text=True)
    assert response.status_code == 200, text
    assert "7 cases imported as H-2A" in text and "H-2A fiscal year 2025: 7 cases from H-2A_Disclosure_Data_FY2025_Q2.xlsx" in text
    deb = sam.post("/admin/jobs", {"kind": "debarred", "program": "h2a",
                                   "file": _file(tmp_path, "deb.csv", jf.DEBARRED_HEADERS, jf.SAMPLE_DEBARRED)},
                   content_type="multipart/form-data")
    assert "Debarment list (current debarments): 2 entries from deb.csv" in deb.get_data(as_text=True)


def test_a_bad_upload_is_refused_in_words(web, tmp_path):
    sam = web("sam")
    sam.get("/admin/jobs")
    missing = sam.post("/admin/jobs", {"kind": "cases", "file": _file(
        tmp_path, "h2a.csv", ["CASE_NUMBER", "EMPLOYER_NAME"], jf.SAMPLE_H2A)}, content_type="multipart/form-data")
    assert missing.status_code == 400 and "no case status column" in missing.get_data(as_text=True)
    word = sam.post("/admin/jobs", {"kind": "cases", "file": (io.BytesIO(b"hello"), "notes.docx")},
                    content_type="multipart/form-data")
    assert word.status_code == 400 and "Excel .xlsx file or a CSV file" in word.get_data(as_text=True)
    nothing = sam.post("/admin/jobs", {"kind": "cases"}, content_type="multipart/form-data")
    assert nothing.status_code == 400 and "Choose a file" in nothing.get_data(as_text=True)


def test_only_staff_reach_the_page(web):
    assert web("ana").get("/admin/jobs").status_code == 403
    assert web(None).get("/admin/jobs").status_code == 302


def test_the_reports_page_counts_lookups(web, twilio_app, tmp_path):
    from conftest import Texter
    sam = web("sam")
    sam.post("/admin/jobs", {"kind": "cases", "file": _file(tmp_path, "h2a.csv", jf.H2A_HEADERS, jf.SAMPLE_H2A)},
             content_type="multipart/form-data")
    texter = Texter(twilio_app.test_client(), "+15055550466")
    for body in ("hola", "3", "H-300-25041-123456", "H-300-99999-999999", "H-300-99999-999998"):
        texter.send(body)
    page = sam.get("/admin/reports").get_data(as_text=True)
    assert 'data-figure="jobs_found">1<' in page and 'data-figure="jobs_not_found">2<' in page
    assert 'href="/admin/jobs"' in page
    csv = sam.get("/admin/reports.csv").get_data(as_text=True)
    assert ",job_lookups,en,,found,1" in csv and ",job_lookups,en,,not_found,2" in csv


def test_a_real_sized_upload_passes_the_apps_small_body_limit(web, tmp_path):
    """The app refuses bodies over 64 KB; this form alone takes files (here about 3 MB, 12,000 cases)."""
    rows = list(jf.generated(12000))
    upload = _file(tmp_path, "H-2A_big.csv", jf.H2A_HEADERS, rows)
    assert len(upload[0].getvalue()) > 2 * 2**20
    sam = web("sam")
    sam.get("/admin/jobs")
    response = sam.post("/admin/jobs", {"kind": "cases", "file": upload}, content_type="multipart/form-data")
    assert response.status_code == 200 and "12000 cases imported as H-2A" in response.get_data(as_text=True)


def test_uploads_still_need_the_csrf_token(web, tmp_path):
    sam = web("sam")
    response = sam.post("/admin/jobs", {"kind": "cases", "file": _file(tmp_path, "a.csv", jf.H2A_HEADERS,
                                                                       jf.SAMPLE_H2A)},
                        csrf=False, content_type="multipart/form-data")
    assert response.status_code == 400
    assert "No job data loaded" in sam.get("/admin/jobs").get_data(as_text=True)


def test_the_simulator_answers_case_numbers_from_the_loaded_data(twilio_app, tmp_path):
    """The staff's simulator uses the same lookup as texters (nothing of the session is stored)."""
    import datetime

    from bot.staff import simulator
    from conftest import SCRIPT
    path = jf.write_csv(tmp_path / "h2a.csv", jf.H2A_HEADERS, jf.SAMPLE_H2A)
    assert twilio_app.test_cli_runner().invoke(args=["jobs", "import", str(path)]).exit_code == 0
    now = datetime.datetime(2026, 11, 24, 15, 0, tzinfo=datetime.timezone.utc)
    session = simulator.start("published", "sms", "es")
    session = simulator.send(SCRIPT, session, "H-300-25041-123456", now, twilio_app.extensions["jobs"])
    replies = [line[1] for line in session.log if line[0] == "bot"]
    assert replies[-1].startswith("H-300-25041-123456 (H-2A): certificado por DOL. RANCHO SOL LLC")
