"""Browser tests of issue 14 (Debian's Chromium against a live gunicorn, see tests/test_browser.py):
logging out kills a copied cookie; the claim race page; the reply box in view after claiming on a phone;
a typed reply surviving a hand-back; the reports page's language menu; the PO round trip after an edit.

Set SCREENSHOTS to a folder to keep a screenshot of each step that matters (to look at them).
"""
import os
import uuid

import pytest

from bot.storage.privacy import short_name
from conftest import PASSWORD, PERSON
from test_browser import chromium, live, text  # noqa: F401  (fixtures of that module)

pytestmark = pytest.mark.slow
SIZES = {  # the sizes volunteers and staff were watched on
    "phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True,
              "device_scale_factor": 2},
    "desktop": {"viewport": {"width": 1366, "height": 900}},
}


def shot(page, name):
    """Keep a screenshot when SCREENSHOTS names a folder."""
    folder = os.environ.get("SCREENSHOTS")
    if folder:
        os.makedirs(folder, exist_ok=True)
        page.screenshot(path=os.path.join(folder, f"{name}.png"))


@pytest.fixture(scope="module")
def ben(live):
    """Add a second Spanish-speaking volunteer, Ben, to the live server's accounts."""
    live["app"].extensions["accounts"].add("ben@example.org", "volunteer", PASSWORD, langs=["es"])
    return "ben@example.org"


@pytest.fixture
def browse(live):
    """Return a factory of fresh browser pages (own cookies) of a size; closes them afterwards."""
    contexts = []

    def make(size="desktop"):
        context = live["browser"].new_context(**SIZES[size])
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15000)
        page.problems = []
        page.on("pageerror", lambda e: page.problems.append(str(e)))
        page.on("console", lambda m: m.type == "error" and "status of 4" not in m.text and page.problems.append(m.text))
        return page
    yield make
    for context in contexts:
        context.close()


def log_in(page, base, email="ana@example.org"):
    """Log in from the login page; land on the inbox."""
    page.goto(base + "/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(base + "/inbox/")


def waiting_texter(base, messages=()):
    """Have a new texter ask for a person (and write messages); return (number, short name)."""
    number = "+1505557" + str(uuid.uuid4().int)[:4]
    for body in ("hola", "1", PERSON, "Necesito ayuda con mi pago", *messages):
        text(base, number, body)
    return number


def test_logout_kills_a_copied_cookie(live, browse):
    """A copy of Ana's cookie opens the inbox; once Ana logs out, the copy is sent to the login page."""
    base = live["base"]
    ana = browse("phone")
    log_in(ana, base)
    thief = browse("desktop")
    thief.context.add_cookies(ana.context.cookies())
    thief.goto(base + "/inbox/")
    assert thief.url == base + "/inbox/"
    ana.evaluate("localStorage.setItem('helpline-reply:x', JSON.stringify({text: 'unsent'}))")
    ana.get_by_role("button", name="Salir").click()
    ana.wait_for_url(base + "/login")
    assert ana.evaluate("localStorage.getItem('helpline-reply:x')") is None  # a shared phone keeps nothing
    thief.goto(base + "/inbox/")
    assert "/login" in thief.url
    shot(thief, "logout-copied-cookie-desktop")
    status = thief.evaluate("fetch('/inbox/lists', {headers: {'X-Requested-With': 'fetch'}}).then(r => r.status)")
    assert status == 401


def test_claim_race_page(live, browse, ben):
    """Ana and Ben look at the same waiting texter; Ben claims first; Ana's claim gets a page of the site
    in Spanish naming Ben, with the way back to the inbox (not werkzeug's "Conflict")."""
    base = live["base"]
    number = waiting_texter(base)
    name = short_name(live["keys"].pseudonym(number))
    ana, ben_page = browse("phone"), browse("desktop")
    log_in(ana, base)
    log_in(ben_page, base, ben)
    for page in (ana, ben_page):
        page.locator(f"li[data-texter='{name}'] a.name").click()
        page.wait_for_url(f"{base}/inbox/c/**")
    ben_page.click("#claim")
    ben_page.wait_for_selector("#compose")
    ana.click("#claim")
    ana.wait_for_selector("#error-message")
    message = ana.inner_text("#error-message")
    assert message == "ben@example.org ya tomó esta conversación."
    assert ana.inner_text("h1") == "Alguien se adelantó" and "Conflict" not in ana.content()
    assert ana.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    shot(ana, "claim-race-phone")
    ana.get_by_role("link", name="Volver a la bandeja").click()
    ana.wait_for_url(base + "/inbox/")
    assert ana.problems == []


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_reply_box_in_view_after_claiming(live, browse, size):
    """After claiming from the inbox, the newest message and the reply box are both on screen, without
    scrolling; "Yours" comes first in the inbox and the title counts who waits."""
    base = live["base"]
    number = waiting_texter(base, [f"Mensaje número {i}: sigo esperando una respuesta." for i in range(14)])
    name = short_name(live["keys"].pseudonym(number))
    ana = browse(size)
    log_in(ana, base)
    assert ana.title().startswith("(")  # "(n) Bandeja": someone is waiting
    ana.locator(f"#waiting li[data-texter='{name}']").get_by_role("button", name="Tomar").click()
    ana.wait_for_url(f"{base}/inbox/c/**")
    ana.wait_for_function("() => { const t = document.getElementById('thread');"
                          " return t.scrollTop + t.clientHeight >= t.scrollHeight - 2; }")
    height = SIZES[size]["viewport"]["height"]
    box = ana.locator("#body").bounding_box()
    send = ana.locator("#send").bounding_box()
    newest = ana.locator("#thread .msg.in").last.bounding_box()
    assert 0 <= box["y"] and box["y"] + box["height"] <= height, box
    assert send["y"] + send["height"] <= height, send
    assert 0 <= newest["y"] and newest["y"] + newest["height"] <= height, newest
    assert "número 13" in ana.locator("#thread .msg.in").last.inner_text()
    shot(ana, f"claimed-{size}")
    ana.goto(base + "/inbox/")
    content = ana.content()
    assert content.index('id="mine"') < content.index("Esperando")
    shot(ana, f"inbox-yours-first-{size}")
    assert ana.problems == []


def test_typed_reply_survives_a_hand_back(live, browse):
    """Ana types a reply; staff hand the conversation back meanwhile; the page reloads and tells her in
    words, showing the reply; she claims again and finds it back in the box; once sent it is forgotten."""
    base = live["base"]
    number = waiting_texter(base)
    h = live["keys"].pseudonym(number)
    ana = browse("phone")
    log_in(ana, base)
    ana.goto(f"{base}/inbox/c/{h}")
    ana.click("#claim")
    ana.wait_for_selector("#compose")
    reply = "Hola, soy Ana. ¿En qué ciudad trabaja?"
    ana.locator("#body").press_sequentially(reply)
    inbox, accounts = live["app"].extensions["inbox"], live["app"].extensions["accounts"]
    inbox.release(h, accounts.get("sam@example.org"))  # staff hand it back (as on their page)
    notice = ana.locator("#kept-notice")
    notice.wait_for(state="visible", timeout=20000)
    assert "volvió a la cola" in notice.inner_text()
    assert ana.input_value("#kept-text") == reply
    shot(ana, "hand-back-kept-reply-phone")
    ana.click("#claim")
    ana.wait_for_selector("#compose")
    assert ana.input_value("#body") == reply
    assert "se guardó en este navegador" in ana.inner_text("#kept-notice")
    ana.reload()
    assert ana.input_value("#body") == reply  # a plain reload keeps it too
    before = len(live["fake"].messages)
    ana.click("#send")
    sent = live["fake"].wait_for(before + 1)[-1]
    assert sent["body"] == reply
    ana.wait_for_selector("#compose")
    ana.reload()
    assert ana.input_value("#body") == ""  # sent: nothing kept any more
    assert ana.evaluate(f"localStorage.getItem('helpline-reply:{h}')") is None
    assert ana.problems == []


def test_typed_reply_kept_when_someone_else_takes_the_conversation(live, browse, ben):
    """Staff hand Ana's conversation back and Ben claims it while she types: her page becomes the
    "not yours" page, which still shows her unsent reply and says why it was not sent."""
    base = live["base"]
    h = live["keys"].pseudonym(waiting_texter(base))
    ana = browse("phone")
    log_in(ana, base)
    ana.goto(f"{base}/inbox/c/{h}")
    ana.click("#claim")
    ana.wait_for_selector("#compose")
    reply = "Un momento, por favor: busco la dirección."
    ana.locator("#body").press_sequentially(reply)
    inbox, accounts = live["app"].extensions["inbox"], live["app"].extensions["accounts"]
    inbox.release(h, accounts.get("sam@example.org"))
    inbox.claim(h, accounts.get(ben))
    ana.locator("#kept-notice").wait_for(state="visible", timeout=20000)
    assert ana.inner_text("#error-message") == "Otra persona voluntaria atiende esta conversación."
    assert ana.input_value("#kept-text") == reply and "no se envió" in ana.inner_text("#kept-notice")
    shot(ana, "someone-else-took-it-kept-reply-phone")
    assert ana.problems == []


def test_reports_language_menu(live, browse):
    """The header's menu on the reports page lists the page languages (not the reports' language names);
    choosing Spanish gives the same report in Spanish, never a 400."""
    base = live["base"]
    sam = browse("desktop")
    log_in(sam, base, "sam@example.org")
    sam.goto(base + "/admin/reports")
    options = sam.locator("header select#lang option").all_inner_texts()
    assert options == ["Español", "English"]
    with sam.expect_navigation():
        sam.select_option("header select#lang", "es")
    assert sam.url == base + "/admin/reports" and sam.inner_text("h1") == "Informes"
    assert sam.locator("header select#lang option").all_inner_texts() == ["Español", "English"]
    shot(sam, "reports-spanish-desktop")
    with sam.expect_navigation():
        sam.select_option("header select#lang", "en")
    assert sam.inner_text("h1") == "Reports"
    assert sam.problems == []


def test_po_round_trip_after_an_edit_and_typed_text_kept(live, browse, tmp_path):
    """Staff edit a long Spanish text (two lines), type English without saving, save the Spanish: the
    English they typed is still there. Then quc.po downloaded and uploaded unchanged changes nothing."""
    base = live["base"]
    sam = browse("desktop")
    log_in(sam, base, "sam@example.org")
    sam.goto(base + "/admin/script/text/handoff.after_hours")
    spanish = sam.input_value("#text-es")
    typed = "Thanks. The office is closed now; a person answers here from %(when)s. (draft, unsaved)"
    sam.fill("#text-en", typed)
    sam.fill("#text-es", spanish + "\nGracias por su paciencia: le respondemos en cuanto abra la oficina.")
    sam.click("#save-es")
    sam.wait_for_url(f"{base}/admin/script/text/handoff.after_hours*")
    assert "Gracias por su paciencia" in sam.input_value("#text-es")
    assert sam.input_value("#text-en") == typed
    assert sam.locator("[data-unsaved-for='text-en']").is_visible()
    shot(sam, "edit-page-unsaved-english-desktop")

    sam.goto(base + "/admin/script/files")
    with sam.expect_download() as download:
        sam.locator("#downloads a[href='/admin/script/files/quc.po']").click()
    path = tmp_path / "quc.po"
    download.value.save_as(path)
    data = path.read_bytes()
    assert b'#| msgid ""\n#| "' in data  # the earlier Spanish, as gettext writes it
    sam.select_option("#upload-lang", "quc")
    sam.set_input_files("#file", str(path))
    sam.click("#upload-form button[type=submit]")
    sam.wait_for_selector("#report")
    assert sam.inner_text("#report .count") == "0"
    assert "Nothing: the file holds what the draft already has." in sam.inner_text("#report")
    shot(sam, "po-round-trip-desktop")
    assert sam.problems == []


def test_accounts_table_fits_a_phone(live, browse):
    """On a phone the accounts table is a list of blocks: no sideways scrolling, every button on screen."""
    base = live["base"]
    sam = browse("phone")
    log_in(sam, base, "sam@example.org")
    sam.goto(base + "/admin/")
    assert sam.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    width = SIZES["phone"]["viewport"]["width"]
    for button in sam.locator("#accounts button").all():
        box = button.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= width, box
    sam.locator("#accounts").scroll_into_view_if_needed()
    shot(sam, "accounts-phone")
    sam.goto(base + "/admin/script/hours")
    shot(sam, "office-hours-phone")
    assert sam.problems == []
