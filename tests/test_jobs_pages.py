"""The staff page /admin/jobs: status, uploads imported outside the request with the import's report,
refusals in words, staff only."""
import io
import os
import re
import threading
import time

import pytest

import jobfiles as jf
from bot.jobs import tasks


def uploaded(user, data, wait=30):
    """Post an upload; follow the import it queued until it is done; return (the POST, the final page)."""
    posted = user.post("/admin/jobs", data, content_type="multipart/form-data")
    if posted.status_code != 303:
        return posted, posted
    location = posted.headers["Location"]
    upload_id = re.search(r"import=([0-9a-f]{32})", location).group(1)
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        state = user.get(f"/admin/jobs/imports/{upload_id}").get_json()
        if state["state"] in ("finished", "failed"):
            break
        time.sleep(0.05)
    return posted, user.get(location)


def _file(tmp_path, name, headers, rows):
    path = tmp_path / name
    (jf.write_xlsx if name.endswith(".xlsx") else jf.write_csv)(path, headers, rows)
    return (io.BytesIO(path.read_bytes()), name)


def test_staff_upload_a_disclosure_file_and_see_it_loaded(web, tmp_path, twilio_app):
    sam = web("sam")
    page = sam.get("/admin/jobs").get_data(as_text=True)
    assert "No job data loaded" in page and 'type="file"' in page and "OFLC performance data page" in page
    posted, response = uploaded(sam, {"kind": "cases", "program": "",
                                      "file": _file(tmp_path, "H-2A_Disclosure_Data_FY2025_Q2.xlsx",
                                                    jf.H2A_HEADERS, jf.SAMPLE_H2A)})
    assert posted.status_code == 303  # the import runs outside the request
    text = response.get_data(as_text=True)
    assert response.status_code == 200, text
    assert "7 cases imported as H-2A" in text and "H-2A fiscal year 2025: 7 cases from H-2A_Disclosure_Data_FY2025_Q2.xlsx" in text
    _, deb = uploaded(sam, {"kind": "debarred", "program": "h2a",
                            "file": _file(tmp_path, "deb.csv", jf.DEBARRED_HEADERS, jf.SAMPLE_DEBARRED)})
    assert "Debarment list (current debarments): 2 entries from deb.csv" in deb.get_data(as_text=True)


def test_a_bad_upload_is_refused_in_words(web, tmp_path):
    sam = web("sam")
    sam.get("/admin/jobs")
    _, missing = uploaded(sam, {"kind": "cases", "file": _file(
        tmp_path, "h2a.csv", ["CASE_NUMBER", "EMPLOYER_NAME"], jf.SAMPLE_H2A)})
    assert "no case status column" in missing.get_data(as_text=True)
    assert 'class="flash error"' in missing.get_data(as_text=True)
    word = sam.post("/admin/jobs", {"kind": "cases", "file": (io.BytesIO(b"hello"), "notes.docx")},
                    content_type="multipart/form-data")
    assert word.status_code == 400 and "Excel .xlsx file, a CSV file" in word.get_data(as_text=True)
    nothing = sam.post("/admin/jobs", {"kind": "cases"}, content_type="multipart/form-data")
    assert nothing.status_code == 400 and "Choose a file" in nothing.get_data(as_text=True)


def test_only_staff_reach_the_page(web):
    assert web("ana").get("/admin/jobs").status_code == 403
    assert web(None).get("/admin/jobs").status_code == 302


def test_the_reports_page_counts_lookups(web, twilio_app, tmp_path):
    from conftest import Texter
    sam = web("sam")
    uploaded(sam, {"kind": "cases", "file": _file(tmp_path, "h2a.csv", jf.H2A_HEADERS, jf.SAMPLE_H2A)})
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
    posted, response = uploaded(sam, {"kind": "cases", "file": upload})
    assert posted.status_code == 303, posted.get_data(as_text=True)
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


def test_a_second_click_imports_nothing_twice_and_progress_is_polled(web, twilio_app, tmp_path, monkeypatch):
    """The same form sent twice (one upload id) gives one import; the page's JSON shows its progress."""
    release, started = threading.Event(), threading.Event()
    real = tasks.import_upload

    def slow(*args):
        started.set()
        release.wait(10)
        return real(*args)
    monkeypatch.setattr(tasks, "import_upload", slow)
    sam = web("sam")
    page = sam.get("/admin/jobs").get_data(as_text=True)
    upload_id = re.search(r'name="upload_id" value="([0-9a-f]{32})"', page).group(1)
    form = {"kind": "cases", "upload_id": upload_id}
    first = sam.post("/admin/jobs", {**form, "file": _file(tmp_path, "h2a.csv", jf.H2A_HEADERS, jf.SAMPLE_H2A)},
                     content_type="multipart/form-data")
    second = sam.post("/admin/jobs", {**form, "file": _file(tmp_path, "h2a.csv", jf.H2A_HEADERS, jf.SAMPLE_H2A)},
                      content_type="multipart/form-data")
    assert first.status_code == second.status_code == 303
    assert first.headers["Location"] == second.headers["Location"]
    running = sam.get(first.headers["Location"]).get_data(as_text=True)
    assert 'id="import"' in running and "data-status-url" in running
    state = sam.get(f"/admin/jobs/imports/{upload_id}").get_json()
    assert state["state"] in ("queued", "started")
    release.set()
    deadline = time.monotonic() + 20
    while sam.get(f"/admin/jobs/imports/{upload_id}").get_json()["state"] != "finished":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    done = sam.get(first.headers["Location"]).get_data(as_text=True)
    assert "7 cases imported as H-2A" in done and 'id="import"' not in done
    audit = [e for e in twilio_app.extensions["conversations"].store.audit_log() if e.get("action") == "jobs_import"]
    assert len(audit) == 1 and audit[0]["who"] == "sam@example.org"
    assert sam.get("/admin/jobs/imports/" + "0" * 32).status_code == 404


def test_upload_folders_are_removed_and_leftovers_swept_at_start(web, twilio_app, tmp_path):
    sam = web("sam")
    twilio_app.config["JOBS_UPLOAD_DIR"] = str(tmp_path / "uploads")
    uploaded(sam, {"kind": "cases", "file": _file(tmp_path, "h2a.csv", jf.H2A_HEADERS, jf.SAMPLE_H2A)})
    uploaded(sam, {"kind": "cases", "file": _file(tmp_path, "bad.csv", ["CASE_NUMBER"], jf.SAMPLE_H2A)})
    assert os.listdir(tmp_path / "uploads") == []  # imported or refused, nothing is left
    old = tmp_path / "uploads" / "jobs-dead1"
    old.mkdir()
    (old / "H-2A.xlsx").write_bytes(b"PK")
    os.utime(old, (time.time() - tasks.SWEEP_AGE - 60,) * 2)
    recent = tmp_path / "uploads" / "jobs-running"
    recent.mkdir()  # another process's import in progress: left alone
    assert tasks.sweep(twilio_app) == 1
    assert sorted(os.listdir(tmp_path / "uploads")) == ["jobs-running"]


@pytest.mark.parametrize("procfile_line", ["worker: APP_ENV=production flask --app bot jobs worker"])
def test_the_procfile_runs_the_import_worker(procfile_line):
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    with open(os.path.join(root, "Procfile")) as fh:
        assert procfile_line in fh.read().splitlines()
