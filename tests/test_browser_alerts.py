"""Browser test of /admin/alerts (issue 25): on a phone (390x844, Spanish pages) and a desktop (English pages),
against a live gunicorn, the Procfile's worker and the fake Twilio, staff write an alert, read its checks
(the segment count follows the typing), see how many it reaches, schedule it for the next minute, watch
its progress and read its report, then find it on the reports page; axe-core finds no violation on any
of those pages."""
import datetime
import os
import signal
import subprocess
import sys
from zoneinfo import ZoneInfo

import pytest

from conftest import PASSWORD
from test_browser import chromium, live, text  # noqa: F401  (fixtures of that module)
from test_browser_a11y import SIZES, violations

pytestmark = pytest.mark.slow
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WORDS = {"en": {"new": "Write an alert", "save": "Save and check", "schedule": "Schedule", "ok": "No problem found.",
                "reach": "It reaches 6 subscribers.", "report": "Report", "scheduled": "Scheduled for"},
         "es": {"new": "Escribir un aviso", "save": "Guardar y revisar", "schedule": "Programar",
                "ok": "Ningún problema.", "reach": "Llega a 6 suscriptores.", "report": "Informe",
                "scheduled": "Programado para"}}


@pytest.fixture(scope="module")
def worker(live):
    """Run the Procfile's worker (tests/alert_worker.py: a daytime clock) on the live server's Redis."""
    settings = live["app"].config["SETTINGS"]
    env = {**os.environ, "APP_ENV": "production", "REDIS_URL": settings.REDIS_URL,
           "REDIS_PREFIX": settings.REDIS_PREFIX, "DATA_KEY": settings.DATA_KEY, "SECRET_KEY": settings.SECRET_KEY,
           "TWILIO_AUTH_TOKEN": settings.TWILIO_AUTH_TOKEN, "TWILIO_ACCOUNT_SID": settings.TWILIO_ACCOUNT_SID,
           "TWILIO_FROM": settings.TWILIO_FROM, "TWILIO_API_URL": settings.TWILIO_API_URL,
           "PUBLIC_BASE_URL": settings.PUBLIC_BASE_URL, "ALERTS_RATE": "0"}
    proc = subprocess.Popen([sys.executable, os.path.join(ROOT, "tests", "alert_worker.py")], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    live["app"].extensions["accounts"].add("lia@example.org", "staff", PASSWORD, langs=["es"], ui_lang="es")
    yield proc
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(15)


def next_minute(zone="America/New_York", ahead=25):
    """Return the first whole minute at least `ahead` seconds from now, as a datetime-local value in zone."""
    moment = datetime.datetime.now(ZoneInfo(zone)) + datetime.timedelta(seconds=ahead + 60)
    return moment.replace(second=0, microsecond=0).strftime("%Y-%m-%dT%H:%M")


def checked(page, found, name):
    """Run axe on the page as it is now and keep its violations under name."""
    found[name] = violations(page)


@pytest.mark.parametrize("size, lang, email, state", [("phone", "es", "lia@example.org", "Florida"),
                                                      ("desktop", "en", "sam@example.org", "Georgia")])
def test_write_check_count_schedule_watch_and_report(live, worker, size, lang, email, state):
    base, fake, words = live["base"], live["fake"], WORDS[lang]
    numbers = [f"+1505556{len(size)}{n:03d}" for n in range(6)]  # phone: 5, desktop: 7
    for number in numbers:
        for body in ("hola", "1", "ALERTAS", state):  # each run a state of its own: they share the server
            text(base, number, body)
    context = live["browser"].new_context(**SIZES[size])
    page = context.new_page()
    page.set_default_timeout(15000)
    problems = []
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("response", lambda r: r.status >= 400 and problems.append(f"{r.status} {r.url}"))
    found = {}
    page.goto(base + "/admin/alerts/")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(base + "/admin/alerts/")
    checked(page, found, "index")
    page.click("#new-alert")
    page.wait_for_url(base + "/admin/alerts/new")
    title = f"Heat {size}"
    page.fill("#title", title)
    page.select_option("#states", ["US-FL" if state == "Florida" else "US-GA"])
    page.uncheck("#lang-quc")
    page.fill("#text_es", f"Calor esta semana en {state}: tiene derecho a agua, sombra y descanso. WHD: 1-866-487-9243")
    assert page.locator("#cost-es").text_content().startswith(("1 SMS segment", "1 segmento"))
    page.fill("#text_en", f"Heat this week in {state}: you have the right to water, shade and rest. " * 3)
    assert page.locator("#cost-en").text_content().startswith("2 ")  # the count follows the typing
    page.fill("#text_en", f"Heat this week in {state}: you have the right to water, shade and rest. WHD: 1-866-487-9243")
    checked(page, found, "new")
    page.click("#save")
    page.wait_for_selector("#checks")
    assert page.locator("#checks .problem.ok").count() == 2
    assert words["ok"] in page.locator("#checks").text_content()
    assert page.locator("#reach").text_content().strip() == words["reach"]
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    checked(page, found, "draft")
    page.fill("#when", next_minute())
    page.click("#schedule")
    page.wait_for_selector("#progress")
    assert words["scheduled"] in page.locator("#scheduled-at").text_content()
    checked(page, found, "scheduled")
    page.wait_for_selector("#report", timeout=150000)  # the page polls and shows the report once it is sent
    sent = page.locator('#counts [data-count="sent"]').text_content().strip()
    assert sent == "6" and page.locator("#alert-progress").get_attribute("value") == "100"
    assert words["report"] in page.locator("#report h2").text_content()
    checked(page, found, "report")
    got = [m["to"] for m in fake.messages if m["to"] in numbers]
    assert sorted(got) == sorted(numbers)
    page.goto(base + "/admin/reports")
    row = page.locator("#alert-results tr", has_text=title)
    assert row.locator('[data-count="sent"]').text_content().strip() == "6"
    assert page.locator("#subscribers").count() == 1
    checked(page, found, "reports")
    context.close()
    assert problems == []
    assert {name: v for name, v in found.items() if v} == {}
