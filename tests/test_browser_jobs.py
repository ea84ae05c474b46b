"""Browser test of /admin/jobs: staff upload DOL's file on a phone through Chromium against a live gunicorn
and the Procfile's import worker, see the upload's progress and the import's report, then a texter's case
number is answered."""
import os
import re
import subprocess
import sys
import uuid

import pytest

import jobfiles as jf
from conftest import PASSWORD
from test_browser import chromium, live, log_in, page, text  # noqa: F401  (fixtures of that module)

pytestmark = pytest.mark.slow


ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def start_worker(live):
    """Start the import worker as the Procfile does (flask --app bot jobs worker), on the live server's Redis."""
    settings = live["app"].config["SETTINGS"]
    env = {**os.environ, "APP_ENV": "production", "REDIS_URL": settings.REDIS_URL,
           "REDIS_PREFIX": settings.REDIS_PREFIX, "DATA_KEY": settings.DATA_KEY, "SECRET_KEY": settings.SECRET_KEY,
           "TWILIO_AUTH_TOKEN": settings.TWILIO_AUTH_TOKEN}
    return subprocess.Popen([sys.executable, "-m", "flask", "--app", "bot", "jobs", "worker"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


@pytest.fixture
def worker(live):
    """Run the import worker for the test."""
    proc = start_worker(live)
    yield proc
    proc.terminate()
    proc.wait(15)


@pytest.mark.parametrize("page", ["phone"], indirect=True)
def test_staff_upload_on_a_phone_and_a_texter_is_answered(live, worker, page, tmp_path):
    base = live["base"]
    log_in(page, base, "sam@example.org", "/admin/jobs")
    assert "No job data loaded" in page.locator("#loaded").text_content()
    path = jf.write_xlsx(tmp_path / "H-2A_Disclosure_Data_FY2025_Q2.xlsx", jf.H2A_HEADERS, jf.SAMPLE_H2A)
    page.set_input_files("#file", str(path))
    page.get_by_role("button", name="Upload and import").click()
    page.locator("#report").wait_for(timeout=30000)
    assert "7 cases imported as H-2A" in page.locator("#report").text_content()
    assert "H-2A fiscal year 2025: 7 cases from H-2A_Disclosure_Data_FY2025_Q2.xlsx" in page.locator("#loaded").text_content()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert page.problems == []  # no script error, no CSP violation, no failed request

    bad = jf.write_csv(tmp_path / "notes.csv", ["CASE_NUMBER", "EMPLOYER_NAME"], jf.SAMPLE_H2A)
    page.set_input_files("#file", str(bad))
    page.get_by_role("button", name="Upload and import").click()
    page.locator("p.flash.error").wait_for()
    assert "no case status column" in page.locator("p.flash.error").text_content()
    assert "H-2A fiscal year 2025: 7 cases" in page.locator("#loaded").text_content()  # the data in use stays

    number = "+1505557" + str(uuid.uuid4().int)[:4]
    text(base, number, "hola")
    text(base, number, "3")
    reply = text(base, number, "h300 25041 123456")[0]
    assert reply.startswith("H-300-25041-123456 (H-2A): certified by DOL. RANCHO SOL LLC, Salinas, CA")


# Every text the page's script writes into the upload's or the import's status line, recorded as it is written.
RECORD_STATUS = """
window.said = [];
new MutationObserver(function (changes) {
  changes.forEach(function (change) {
    var el = change.target.nodeType === 1 ? change.target : change.target.parentElement;
    if (el && (el.id === "upload-status" || el.id === "import-status") && el.textContent) {
      window.said.push(el.textContent);
    }
  });
}).observe(document, { subtree: true, childList: true, characterData: true });
"""
SPANISH_STATUS = [r"Subiendo… \d+%", "Subido; revisando el archivo…", r"Importando… \d+%",
                  r"Filas leídas hasta ahora: \d+",
                  "Falló la subida: revise la conexión y vuelva a intentarlo.",
                  "No se puede leer el estado de la importación: vuelva a cargar la página.",
                  r"Esperando al proceso de importación: inícielo .*"]  # the page's own, no worker running yet


@pytest.mark.parametrize("page", ["desktop"], indirect=True)
def test_a_spanish_page_shows_the_upload_and_the_report_in_spanish(live, page, tmp_path):
    """Eva's pages are in Spanish: the script's progress words come from the page (a failed upload, the upload's
    percent on a slow connection, an import state that cannot be read), and the report of a real import (a
    renamed column, a status not understood, skipped rows) has no English sentence left."""
    base = live["base"]
    accounts = live["app"].extensions["accounts"]
    if accounts.get("eva@example.org") is None:
        accounts.add("eva@example.org", "staff", PASSWORD, langs=["es"], ui_lang="es")
    page.add_init_script(RECORD_STATUS)
    log_in(page, base, "eva@example.org", "/admin/jobs")
    headers = ["Case No" if h == "CASE_NUMBER" else h for h in jf.H2A_HEADERS if h != "TRADE_NAME_DBA"]
    rows = [dict(r, **{"Case No": r["CASE_NUMBER"]}) for r in jf.generated(4000)]
    rows[5]["CASE_STATUS"] = "Pending Review"
    rows[7]["Case No"] = rows[9]["Case No"] = ""
    path = jf.write_csv(tmp_path / "H-2A_Disclosure_Data_FY2024.csv", headers, rows)
    page.set_input_files("#file", str(path))

    page.route("**/admin/jobs", lambda route: route.abort() if route.request.method == "POST"
               else route.continue_())
    page.get_by_role("button", name="Subir e importar").click()
    page.wait_for_function("document.getElementById('upload-status').textContent.indexOf('Falló la subida') === 0")
    assert page.get_by_role("button", name="Subir e importar").is_enabled()  # the upload can be tried again
    page.unroute("**/admin/jobs")

    page.route("**/admin/jobs/imports/*", lambda route: route.fulfill(status=502, body="<html>bad gateway</html>"))
    cdp = page.context.new_cdp_session(page)  # a slow connection: the upload's percent is shown as it goes
    cdp.send("Network.emulateNetworkConditions", {"offline": False, "latency": 20, "downloadThroughput": -1,
                                                  "uploadThroughput": 256 * 1024})
    page.get_by_role("button", name="Subir e importar").click()
    page.locator("#import").wait_for(timeout=60000)  # no worker yet: the import waits, and its state is polled
    page.wait_for_function("document.getElementById('import-status').textContent.indexOf('No se puede leer') === 0")
    cdp.send("Network.emulateNetworkConditions", {"offline": False, "latency": 0, "downloadThroughput": -1,
                                                  "uploadThroughput": -1})
    page.unroute("**/admin/jobs/imports/*")
    said = page.evaluate("window.said")
    assert any(re.fullmatch(r"Subiendo… \d+%", s) for s in said), said
    assert "No se puede leer el estado de la importación: vuelva a cargar la página." in said

    proc = start_worker(live)
    try:
        page.goto(base + page.locator("#import").get_attribute("data-page-url"))
        page.locator("#report").wait_for(timeout=60000)
    finally:
        proc.terminate()
        proc.wait(15)
    report = page.locator("#report").text_content()
    for words in ("Importación de H-2A_Disclosure_Data_FY2024.csv: 3998 casos como H-2A año fiscal 2024",
                  "Columna «Case No» leída como número de caso",
                  "No se encontró columna para: nombre comercial (DBA)",
                  "Filas sin un número de caso legible, no importadas: 2 (filas 9, 11)",
                  "«Pending Review» (1)"):
        assert words in report, report
    for english in ("imported", "read as", "Column", "rows", "not understood", "statuses", "left blank",
                    "certified"):
        assert not re.search(rf"\b{english}\b", report), report
    said += page.evaluate("window.said")
    assert said and [s for s in said if not any(re.fullmatch(p, s) for p in SPANISH_STATUS)] == [], said
    assert all(p.startswith(("502 ", "net::", "Failed to load resource")) for p in page.problems), page.problems
