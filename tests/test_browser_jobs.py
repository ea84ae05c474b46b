"""Browser test of /admin/jobs: staff upload DOL's file on a phone through Chromium against a live gunicorn
and the Procfile's import worker, see the upload's progress and the import's report, then a texter's case
number is answered."""
import os
import subprocess
import sys
import uuid

import pytest

import jobfiles as jf
from test_browser import chromium, live, log_in, page, text  # noqa: F401  (fixtures of that module)

pytestmark = pytest.mark.slow


ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture
def worker(live):
    """Run the import worker as the Procfile does (flask --app bot jobs worker), on the live server's Redis."""
    settings = live["app"].config["SETTINGS"]
    env = {**os.environ, "APP_ENV": "production", "REDIS_URL": settings.REDIS_URL,
           "REDIS_PREFIX": settings.REDIS_PREFIX, "DATA_KEY": settings.DATA_KEY, "SECRET_KEY": settings.SECRET_KEY,
           "TWILIO_AUTH_TOKEN": settings.TWILIO_AUTH_TOKEN}
    proc = subprocess.Popen([sys.executable, "-m", "flask", "--app", "bot", "jobs", "worker"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
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
