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


# -- the page in Spanish: the import report, the refusals, the script's words and the audit (issue 22) ------

def renamed_file(tmp_path):
    """Return a disclosure CSV as a year's file may come: the case number under an older name ("Case No"), no
    trade-name column, a status the importer does not know and two rows without a case number."""
    headers = ["Case No" if h == "CASE_NUMBER" else h for h in jf.H2A_HEADERS if h != "TRADE_NAME_DBA"]
    rows = [dict(r, **{"Case No": r["CASE_NUMBER"]}) for r in jf.SAMPLE_H2A]
    rows[1]["CASE_STATUS"] = "Pending Review"
    rows += [dict(jf.SAMPLE_H2A[0], **{"Case No": ""}), dict(jf.SAMPLE_H2A[2], **{"Case No": "see notes"})]
    return _file(tmp_path, "H-2A_Disclosure_Data_FY2025_Q2.csv", headers, rows)


def spanish(twilio_app, web):
    """Return sam with Spanish pages."""
    accounts = twilio_app.extensions["accounts"]
    accounts.update(accounts.get("sam@example.org"), ui_lang="es")
    return web("sam")


def english_left(text):
    """Return the catalog's English page strings and the report's English words found in a Spanish text."""
    from test_spanish_pages import english_ui_strings
    words = ["imported", "read as", "Column", "rows", "Rows", "skipped", "statuses", "not understood", "left blank",
             "certified", "partially", "denied", "withdrawn", "worksite", "employer name", "case number", "entries",
             "Entries", "program", "current debarments", "Uploading", "failed", "reload"]
    return [s for s in english_ui_strings() if s in text] + [w for w in words if re.search(rf"\b{w}\b", text)]


def test_the_report_of_a_real_import_is_said_in_spanish(twilio_app, web, tmp_path):
    """A renamed column, a status not understood and skipped rows, reported in Spanish with no English left;
    the import's JSON and the audit log say it in Spanish too."""
    sam = spanish(twilio_app, web)
    posted, page = uploaded(sam, {"kind": "cases", "program": "", "file": renamed_file(tmp_path)})
    assert posted.status_code == 303 and page.status_code == 200
    from test_spanish_pages import visible
    report = visible(re.search(r'<section id="report">.*?</section>', page.get_data(as_text=True), re.S)[0])
    for spanish_words in ("Importación de H-2A_Disclosure_Data_FY2025_Q2.csv: 7 casos como H-2A año fiscal 2025",
                          "Columna «Case No» leída como número de caso",
                          "Columna «CASE_STATUS» leída como estado del caso",
                          "Columna «TOTAL_WORKERS_H-2A_CERTIFIED» leída como trabajadores certificados",
                          "No se encontró columna para: nombre comercial (DBA) (queda en blanco en las respuestas)",
                          "Filas sin un número de caso legible, no importadas: 2 (filas 9, 10)",
                          "Estados de los casos: certificado (4), denegado (1), otro estado (1), retirado (1)",
                          "Estados que se muestran tal como están escritos a quienes escriben (no se entendieron): "
                          "«Pending Review» (1)"):
        assert spanish_words in report, report
    assert english_left(report) == []
    loaded = visible(re.search(r'<section id="loaded">.*?</section>', page.get_data(as_text=True), re.S)[0])
    assert "H-2A año fiscal 2025: 7 casos de H-2A_Disclosure_Data_FY2025_Q2.csv" in loaded, loaded
    assert "sin columna para: nombre comercial (DBA)" in loaded and english_left(loaded) == []
    upload_id = re.search(r"import=([0-9a-f]{32})", posted.headers["Location"])[1]
    state = sam.get(f"/admin/jobs/imports/{upload_id}").get_json()
    assert state["lines"][1] == "Columna «Case No» leída como número de caso"
    assert english_left(" ".join(state["lines"])) == []
    audit = visible(re.search(r'<table id="audit".*?</table>', sam.get("/admin/").get_data(as_text=True), re.S)[0])
    assert "importó datos H-2A del DOL: 7 casos" in audit and "jobs_import" not in audit
    sam.app.extensions["accounts"].update(sam.app.extensions["accounts"].get("sam@example.org"), ui_lang="en")
    english = visible(sam.get("/admin/").get_data(as_text=True))
    assert "imported DOL's H-2A disclosure data: 7 cases" in english  # the same entry, a sentence in English
    english = visible(sam.get(posted.headers["Location"]).get_data(as_text=True))
    assert "Column “Case No” read as case number" in english and "Rows without a readable case number" in english


def test_times_dates_and_seconds_are_written_for_the_pages_language(twilio_app, web, tmp_path):
    """The loaded lines' import time (with its zone), the data's date and the report's seconds are written as
    the page's language writes them, never as the ISO text the status keeps (2026-12-07T19:04:40+00:00)."""
    sam = spanish(twilio_app, web)
    posted, page = uploaded(sam, {"kind": "cases", "program": "", "file": renamed_file(tmp_path)})
    from test_spanish_pages import visible
    html = page.get_data(as_text=True)
    loaded = visible(re.search(r'<section id="loaded">.*?</section>', html, re.S)[0])
    report = visible(re.search(r'<section id="report">.*?</section>', html, re.S)[0])
    assert not re.search(r"\d{4}-\d{2}-\d{2}", loaded + report), loaded + report
    assert re.search(r"datos del \d{1,2} [a-z]{3,4}\.? 20\d\d, importado \d{1,2}/\d{1,2}/\d{2}, \d{1,2}:\d{2} \S+ por sam@",
                     loaded), loaded
    assert re.search(r" en \d+,\d s\.", report) and not re.search(r" en \d+\.\d s", report), report
    state = sam.get("/admin/jobs/imports/" + re.search(r"import=(\w+)", posted.headers["Location"])[1]).get_json()
    assert re.search(r" en \d+,\d s\.", state["lines"][0]), state["lines"][0]  # the JSON the page polls too
    sam.app.extensions["accounts"].update(sam.app.extensions["accounts"].get("sam@example.org"), ui_lang="en")
    english = visible(sam.get(posted.headers["Location"]).get_data(as_text=True))
    assert re.search(r"data of [A-Z][a-z]{2} \d{1,2}, 20\d\d, imported \d{1,2}/\d{1,2}/\d{2}, \d{1,2}:\d{2}\s[AP]M \S+ by sam@",
                     english), english
    assert re.search(r" in \d+\.\d s\.", english)
    from bot.jobs.cli import status_lines
    line = status_lines(twilio_app.extensions["jobs"].data.status())[0]
    assert re.search(r"imported \d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+00:00", line)  # the command line keeps ISO


def test_a_debarment_list_and_a_refusal_in_spanish(twilio_app, web, tmp_path):
    sam = spanish(twilio_app, web)
    rows = jf.SAMPLE_DEBARRED + [{"Name": "Old Perm Co", "City, State": "Tifton, GA", "Program": "20 CFR 656",
                                  "Start Date": jf.D(2023, 5, 1), "End Date": "sometime"}]
    _, page = uploaded(sam, {"kind": "debarred", "file": _file(tmp_path, "deb.csv", jf.DEBARRED_HEADERS, rows)})
    from test_spanish_pages import visible
    report = visible(re.search(r'<section id="report">.*?</section>', page.get_data(as_text=True), re.S)[0])
    for spanish_words in ("Importación de deb.csv: 2 entradas", "Columna «City, State» leída como ciudad y estado",
                          "Entradas por programa: H-2A (2)", "Entradas PERM omitidas (PERM no es H-2A ni H-2B): 1",
                          "Leída como la lista de inhabilitaciones vigentes"):
        assert spanish_words in report, report
    assert english_left(report) == []
    audit = visible(sam.get("/admin/").get_data(as_text=True))
    assert "importó una lista de inhabilitados: 2 entradas" in audit
    _, refused = uploaded(sam, {"kind": "cases", "file": _file(tmp_path, "h2a.csv", ["CASE_NUMBER"], jf.SAMPLE_H2A)})
    error = visible(re.search(r'<p class="flash error".*?</p>', refused.get_data(as_text=True), re.S)[0])
    assert "estado del caso y nombre del patrón" in error and english_left(error) == [], error


def test_the_empty_page_and_its_script_words_in_spanish(twilio_app, web):
    """With nothing loaded the page points to its own form, not a terminal; the upload's progress words the
    script shows come from the page, in its language."""
    sam = spanish(twilio_app, web)
    page = sam.get("/admin/jobs").get_data(as_text=True)
    assert "No hay datos de empleos cargados" in page and "flask --app bot jobs import" not in page
    assert 'data-uploading="Subiendo… {percent}%"' in page
    assert 'data-upload-failed="Falló la subida: revise la conexión y vuelva a intentarlo."' in page
    assert 'data-rows-read="Filas leídas hasta ahora: {n}"' in page
    with open(os.path.join(os.path.dirname(tasks.__file__), "..", "web", "static", "jobs.js")) as fh:
        script = fh.read()
    quoted = [s for s in re.findall(r'"([^"]*)"', script) if re.search(r"[A-Za-z]{3,} [a-z]{2,}", s)]
    assert quoted == []  # no sentence in the script itself: every word it shows is the page's


def test_an_old_report_of_plain_english_lines_still_shows(web, twilio_app, tmp_path, monkeypatch):
    """A report kept from before its lines were message ids (plain English) is shown as it is, not a 500."""
    def old(*args):
        return {"lines": ["h2a.csv: 7 cases imported as H-2A in 0.1 s.", "  case       <- column 'CASE_NUMBER'"]}
    monkeypatch.setattr(tasks, "import_upload", old)
    sam = spanish(twilio_app, web)
    _, page = uploaded(sam, {"kind": "cases", "file": _file(tmp_path, "h2a.csv", jf.H2A_HEADERS, jf.SAMPLE_H2A)})
    from test_spanish_pages import visible
    text = visible(page.get_data(as_text=True))
    assert page.status_code == 200 and "h2a.csv: 7 cases imported as H-2A in 0.1 s." in text
    assert "Case <- column 'CASE_NUMBER'" in text
