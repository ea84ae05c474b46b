"""Browser test of the staff's script pages: Playwright drives Debian's Chromium against a live gunicorn
(two workers, production settings) and a real Redis; a texter writes through the signed webhook.

Staff change a referral phone number, see the checks refuse an unparseable one, publish a good one,
see it in the simulator and in a texter's next reply, then restore the previous version.
"""
import time
import uuid

import pytest

from bot.conversation.sms import segments, sms_safe
from conftest import PASSWORD, REFERRAL
from test_browser import chromium, live, log_in, page, text  # noqa: F401 - the same live server fixtures
from test_browser_sessions_drafts import browse  # noqa: F401 - pages of the sizes staff were watched on
from test_browser_sessions_drafts import log_in as log_in_from_login

pytestmark = pytest.mark.slow
OLD, BAD, NEW = "1-855-234-9699", "1-855-234-969", "1-855-234-9698"
WAIT = 10  # seconds for a publish to reach both workers (each asks Redis every SCRIPT_CHECK_SECONDS)


def referral_until(base, number, wanted):
    """Ask for organisations in Ohio again until the reply holds wanted (the other worker may take
    a moment to notice a publish); return the reply."""
    deadline = time.monotonic() + WAIT
    while True:
        [reply] = text(base, number, "Ohio")
        if wanted in reply or time.monotonic() > deadline:
            return reply
        time.sleep(0.3)


def test_staff_change_check_publish_simulate_and_restore_a_phone_number(live, page):
    """The whole round: a bad number is refused with what and where, a good one is published and reaches
    the simulator and a texter, the history restores the old one."""
    base = live["base"]
    texter = "+1505556" + str(uuid.uuid4().int)[:4]
    for body in ("hola", "1", REFERRAL):
        text(base, texter, body)
    assert OLD in referral_until(base, texter, OLD)

    log_in(page, base, "sam@example.org", "/admin/script/")
    page.click("nav.subnav >> text=Directory")
    page.click("#entry-cdm a.name")
    page.fill("#phone-1", BAD)
    page.click("#save-entry")
    problems = page.locator("ul.problems")
    problems.get_by_text("is not a phone number").wait_for()
    assert "Directory: cdm, phone 1" in problems.inner_text() and BAD in problems.inner_text()

    page.click("nav.subnav >> text=Publish")
    page.fill("#note", "CDM's new number")
    page.click("#publish")
    page.locator("#error").wait_for()
    assert "Directory: cdm, phone 1" in page.locator("#errors").inner_text()
    assert [p for p in page.problems if "422" not in p] == []  # the refusal (and the console's note of it)
    page.problems.clear()

    page.click("#errors a[href$='/directory/cdm']")  # the error links to where it is fixed
    page.fill("#phone-1", NEW)
    page.click("#save-entry")
    page.get_by_text("Saved in the draft. Publish to put it in force.").wait_for()
    assert "is not a phone number" not in page.content()
    page.click("nav.subnav >> text=Publish")
    changes = page.locator("#changes").inner_text()
    assert OLD in changes and NEW in changes
    page.fill("#note", "CDM's new number")
    page.click("#publish")
    page.wait_for_url(base + "/admin/script/history")
    page.get_by_text("Published version 2").wait_for()

    page.click("nav.subnav >> text=Simulator")
    page.select_option("#sim-version", "published")
    page.select_option("#sim-lang", "es")
    page.click("#sim-start")
    for body in ("hola", REFERRAL, "Ohio"):
        page.fill("#sim-body", body)
        page.click("#sim-submit")
        page.locator("#sim-log .msg.texter", has_text=body).last.wait_for()
    answer = page.locator("#sim-log .msg.bot").last.inner_text()
    assert NEW in answer and OLD not in answer and "SMS: GSM-7" in answer
    assert NEW in referral_until(base, texter, NEW)  # the texter's next reply, from either worker

    page.click("nav.subnav >> text=History")
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#restore-1")
    page.get_by_text("Version 1 is published again, as version 3.").wait_for()
    assert OLD in referral_until(base, texter, OLD)

    page.goto(base + "/admin/script/text/main.intro")  # the segment count follows the typing
    page.fill("#text-en", "Menú: ¿dónde?")
    assert page.inner_text("#cost-en") == "1 SMS segment (GSM-7), 13 characters"  # ú, ó folded for SMS
    page.fill("#text-en", "Façade " * 11)
    assert page.inner_text("#cost-en") == "2 SMS segments (UCS-2), 76 characters"
    assert page.problems == []  # no script error, no CSP violation


def test_segment_counter_folds_accents_like_the_server(live, page):
    """With the script's accent folding, the page's count (JavaScript) agrees with bot/conversation/sms.py."""
    page.goto(live["base"] + "/login")
    samples = ["", "Menú: ¿dónde?", "á" * 161, "ÁÍÓÚ âêîôû ÂÊÎÔÛ", "“¿Qué?” — sí…", "ç" * 71, "K'iche' ʼ " * 20]
    for sample in samples:
        js = page.evaluate("(t) => { const s = window.helplineSms.smsSafe(t, true); "
                           "return [s, ...window.helplineSms.segments(s)]; }", sample)
        safe = sms_safe(sample, fold_accents=True)
        assert js == [safe, *segments(safe)], sample
    assert page.problems == []


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_every_wrong_field_is_said_at_once_in_the_pages_language(live, browse, size):
    """Issue 22, defect 10: a directory entry and the settings with several wrong fields. The browser's own
    checks (one field at a time, in the browser's language) do not stop the form: the page names every one,
    in Spanish, and keeps what was typed."""
    base = live["base"]
    email = f"eva-{size}-{uuid.uuid4().hex[:6]}@example.org"
    live["app"].extensions["accounts"].add(email, "staff", PASSWORD, langs=["es"])
    eva = browse(size)
    log_in_from_login(eva, base, email)
    eva.goto(base + "/admin/script/directory/new")
    eva.fill("#id", "Bad Id!")
    eva.fill("#serves", "US-XX")
    eva.fill("#checked", "2099-01-01")
    eva.click("#save-entry")
    said = eva.locator("#error").inner_text()
    assert "Identificador: use minúsculas" in said and "lugar desconocido 'US-XX'" in said and "futuro" in said, said
    assert eva.input_value("#id") == "Bad Id!" and eva.input_value("#serves") == "US-XX"
    eva.goto(base + "/admin/")
    eva.fill("#template_es", "HX1")
    eva.fill("#template_en", "nope")
    eva.fill("#notify_minutes", "-3")
    eva.click("#settings button[type=submit]")
    errors = " ".join(eva.locator("#settings .flash.error").all_inner_texts())
    assert "«HX1» no es un Content SID" in errors and "«nope» no es un Content SID" in errors, errors
    assert "entre 0 y 1440" in errors and eva.input_value("#notify_minutes") == "-3"
    assert eva.problems == []
