"""Browser tests of the inbox defects of issue 22 (Debian's Chromium against a live gunicorn, see
tests/test_browser.py): Reveal and refusals as post-redirect-get, focus and screen-reader announcements
across refreshes, drafts tied to the session, the urgent border, bidi controls, time zones, the tab title."""
import re
import uuid

import pytest

from bot.storage.privacy import short_name
from conftest import PASSWORD, PERSON
from test_browser import chromium, live, text  # noqa: F401  (fixtures of that module)
from test_browser_sessions_drafts import SIZES, browse, log_in  # noqa: F401  (fixtures and helpers)

pytestmark = pytest.mark.slow


def volunteer(live, name):
    """Add a Spanish-speaking volunteer of this test's own (pages in Spanish); return the email."""
    email = f"{name}-{uuid.uuid4().hex[:6]}@example.org"
    live["app"].extensions["accounts"].add(email, "volunteer", PASSWORD, langs=["es"])
    return email


def waiting(base, *messages, urgent=False):
    """Have a new texter ask for a person (and write messages); return (number, pseudonym)."""
    number = "+1505559" + str(uuid.uuid4().int)[:4]
    for body in ("hola", "1", PERSON, *messages):
        text(base, number, body)
    if urgent:
        text(base, number, "ayuda, el patron me quiere matar")
    return number


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_reveal_is_a_get_page_and_a_reload_does_not_reveal_again(live, browse, size):
    """Reveal lands on the conversation's own address with the number; a reload masks it and audits
    nothing; changing the page language there works (no 405)."""
    base = live["base"]
    number = waiting(base, "Necesito ayuda")
    h = live["keys"].pseudonym(number)
    ana = browse(size)
    log_in(ana, base, volunteer(live, "rev"))
    ana.goto(f"{base}/inbox/c/{h}")
    ana.click("#claim")
    ana.wait_for_selector("#compose")
    ana.once("dialog", lambda dialog: dialog.accept())
    ana.get_by_role("button", name="Mostrar número").click()
    ana.locator(".revealed").wait_for()
    assert ana.url.startswith(f"{base}/inbox/c/{h}") and "/reveal" not in ana.url
    assert number[1:] in ana.inner_text(".revealed").replace("+", "")
    audits = lambda: sum(1 for e in live["app"].extensions["accounts"].store.audit_log()  # noqa: E731
                         if e["action"] == "reveal" and e["texter"] == short_name(h))
    assert audits() == 1
    ana.reload()
    assert ana.locator(".revealed").count() == 0 and audits() == 1
    with ana.expect_navigation():
        ana.select_option("#lang", "en")
    assert ana.locator("h1").inner_text() == short_name(h) and "Reveal number" in ana.content()
    with ana.expect_navigation():
        ana.select_option("#lang", "es")
    assert ana.problems == []


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_a_lost_claim_page_survives_a_language_change(live, browse, size):
    """Ben took it first: Ana's refused claim is a GET page (409) that she can switch to English."""
    base = live["base"]
    live["app"].extensions["accounts"].add(f"ben-{size}@example.org", "volunteer", PASSWORD, langs=["es"])
    number = waiting(base)
    h = live["keys"].pseudonym(number)
    ana = browse(size)
    log_in(ana, base, volunteer(live, "lost-claim"))
    ana.goto(f"{base}/inbox/c/{h}")
    live["app"].extensions["inbox"].claim(h, live["app"].extensions["accounts"].get(f"ben-{size}@example.org"))
    ana.click("#claim")
    ana.wait_for_selector("#error-message")
    assert "ya tomó esta conversación" in ana.inner_text("#error-message")
    assert "/claim" not in ana.url
    with ana.expect_navigation():
        ana.select_option("#lang", "en")
    # the same address, now a plain GET in English: the conversation is another volunteer's (never a 405)
    assert "Another volunteer is handling" in ana.inner_text("#error-message") and "405" not in ana.inner_text("main")
    with ana.expect_navigation():
        ana.select_option("#lang", "es")


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_focus_stays_and_new_messages_are_announced(live, browse, size):
    """The inbox refreshes while a Claim button has keyboard focus: focus stays on it. In a conversation,
    a new message of the texter is put in the polite live region."""
    base = live["base"]
    number = waiting(base)
    name = short_name(live["keys"].pseudonym(number))
    ana = browse(size)
    log_in(ana, base, volunteer(live, "focus"))
    claim = ana.locator(f"#waiting li[data-texter='{name}'] button")
    claim.focus()
    before = ana.evaluate("document.querySelector('#counts').dataset.waiting")
    waiting(base)  # someone else arrives: the list changes at the next refresh
    ana.wait_for_function(f"() => document.querySelector('#counts').dataset.waiting !== '{before}'", timeout=20000)
    assert ana.evaluate("document.activeElement.closest('[data-texter]')?.dataset.texter") == name
    assert ana.evaluate("document.activeElement.tagName") == "BUTTON"
    h = live["keys"].pseudonym(number)
    claim.click()
    ana.wait_for_selector("#compose")
    assert ana.get_attribute("#announce", "aria-live") == "polite"
    text(base, number, "Estoy en el campo ahora")
    ana.wait_for_function("() => document.getElementById('announce').textContent.includes('Estoy en el campo ahora')",
                          timeout=20000)
    assert "Mensaje nuevo" in ana.inner_text("#announce") and h
    assert ana.problems == []


def test_drafts_die_with_the_sessions_staff_end(live, browse):
    """Ana types a reply; staff end her sessions (a lost phone); after she logs in again, it is gone."""
    base = live["base"]
    live["app"].extensions["accounts"].add("lost@example.org", "volunteer", PASSWORD, langs=["es"])
    number = waiting(base)
    h = live["keys"].pseudonym(number)
    phone = browse("phone")
    log_in(phone, base, "lost@example.org")
    phone.goto(f"{base}/inbox/c/{h}")
    phone.click("#claim")
    phone.wait_for_selector("#compose")
    phone.locator("#body").press_sequentially("Borrador en el teléfono perdido")
    assert "Borrador" in phone.evaluate(f"localStorage.getItem('helpline-reply:{h}')")
    accounts = live["app"].extensions["accounts"]
    accounts.end_sessions(accounts.get("lost@example.org"))  # staff's End sessions
    phone.goto(f"{base}/inbox/")
    assert "/login" in phone.url
    log_in(phone, base, "lost@example.org")
    assert phone.evaluate(f"localStorage.getItem('helpline-reply:{h}')") is None
    phone.goto(f"{base}/inbox/c/{h}")
    assert phone.input_value("#body") == ""


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_urgent_border_bidi_time_zone_and_title(live, browse, size):
    """An urgent card in a language Ana speaks keeps its red border; a right-to-left override is shown
    neutralised with dir=auto; times name their zone; the title counts in words."""
    base = live["base"]
    number = waiting(base, "\u202eolleh amigo", "שלום", urgent=True)
    h = live["keys"].pseudonym(number)
    name = short_name(h)
    ana = browse(size)
    log_in(ana, base, volunteer(live, "urgent"))
    card = ana.locator(f"#waiting li[data-texter='{name}']")
    card.wait_for()
    assert "speaks" in card.get_attribute("class") and "urgent" in card.get_attribute("class")
    assert card.evaluate("e => getComputedStyle(e).borderLeftColor") == "rgb(176, 0, 32)"
    assert re.match(r"^\(\d+ urgentes?, \d+ esperando\) Bandeja$", ana.title()), ana.title()
    ana.goto(f"{base}/inbox/c/{h}")
    texts = ana.locator("#thread .msg.in .text")
    shown = texts.all_inner_texts()
    assert "olleh amigo" in shown and not any("\u202e" in t for t in shown)
    assert all(d == "auto" for d in texts.evaluate_all("els => els.map(e => e.getAttribute('dir'))"))
    hebrew = ana.locator("#thread .msg.in .text", has_text="שלום")
    assert hebrew.evaluate("e => getComputedStyle(e).direction") == "rtl"
    assert re.search(r"GMT-0[45]:00|E[SD]T", ana.inner_text("#thread time >> nth=0"))
    assert ana.problems == []


def test_job_upload_button_is_disabled_while_uploading(live, browse, tmp_path):
    """A second click during an upload imports nothing twice: the button is disabled until the answer."""
    import jobfiles as jf
    base = live["base"]
    sam = browse("phone")
    log_in_staff = sam.goto
    log_in_staff(base + "/login")
    sam.fill("#email", "sam@example.org")
    sam.fill("#password", PASSWORD)
    sam.click("button[type=submit]")
    sam.wait_for_url(base + "/inbox/")
    sam.goto(base + "/admin/jobs")
    path = jf.write_csv(tmp_path / "H-2A_FY2025.csv", jf.H2A_HEADERS, jf.SAMPLE_H2A)
    posts = []
    sam.on("request", lambda r: r.method == "POST" and r.url.endswith("/admin/jobs") and posts.append(r))
    sam.set_input_files("#file", str(path))
    button = sam.get_by_role("button", name="Upload and import")
    button.click()
    assert sam.evaluate("document.querySelector('form[data-progress] button').disabled") is True
    sam.locator("#import, #report").first.wait_for()  # the import queued (issue 21) or already reported
    assert len(posts) == 1


RECORD_NOTIFICATIONS = """
window.shown = [];
window.Notification = class {
  constructor(title, options) { window.shown.push({title, options}); }
  static get permission() { return window.notificationPermission || "default"; }
  static requestPermission() { window.asked = (window.asked || 0) + 1; window.notificationPermission = "granted";
                               return Promise.resolve("granted"); }
};
"""


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_a_notification_for_a_new_urgent_conversation(live, browse, size):
    """Alerts are asked for on a click (never on load); then a new urgent conversation gives a
    notification naming it as urgent."""
    base = live["base"]
    ana = browse(size)
    ana.add_init_script(RECORD_NOTIFICATIONS)
    log_in(ana, base, volunteer(live, "alerts"))
    assert ana.evaluate("window.asked || 0") == 0  # nothing asked on load
    ana.click("#alerts-on")
    ana.wait_for_function("() => window.asked === 1")
    assert "alertas están activas" in ana.inner_text("#alerts-state")
    number = waiting(base, urgent=True)
    name = short_name(live["keys"].pseudonym(number))
    ana.wait_for_function("() => window.shown.length > 0", timeout=20000)
    shown = ana.evaluate("window.shown")
    assert any(name in n["title"] and n["title"].startswith("Urgente") for n in shown), shown
    assert ana.problems == []
