"""axe-core (axe-playwright-python's bundled axe.min.js, pinned in tests/requirements.txt; nothing fetched at
run time) on every page, in Spanish and English, on a phone and a desktop: no violation (issue 22, defect 14)."""
import uuid

import pytest
from axe_playwright_python.sync_playwright import Axe

from bot.storage.privacy import short_name
from conftest import PASSWORD, PERSON
from test_browser import chromium, live, text  # noqa: F401  (fixtures of that module)
from test_browser_voice import whatsapp

pytestmark = pytest.mark.slow
SIZES = {"phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True,
                   "device_scale_factor": 2},
         "desktop": {"viewport": {"width": 1366, "height": 900}}}
# Every rule axe runs by default, WCAG 2.2 AA's target size included.
OPTIONS = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa",
                                                   "best-practice"]}}


@pytest.fixture(scope="module")
def people(live):
    """Add Eva (staff, Spanish pages) and a conversation she holds; return her email and its pseudonym."""
    live["app"].extensions["accounts"].add("eva@example.org", "staff", PASSWORD, langs=["es"], ui_lang="es")
    number = "+1505558" + str(uuid.uuid4().int)[:4]
    for body in ("hola", "1", PERSON, "Necesito ayuda con mi pago", "\u202eolleh"):
        text(live["base"], number, body)
    return live["keys"].pseudonym(number)


def pages(h):
    """Return the pages to check, as paths."""
    return ["/inbox/", f"/inbox/c/{h}", "/admin/", "/admin/reports", "/admin/jobs", "/admin/script/",
            "/admin/script/text/main.intro", "/admin/script/text/kw.menu", "/admin/script/directory",
            "/admin/script/directory/cdm", "/admin/script/directory/new", "/admin/script/hours",
            "/admin/script/publish", "/admin/script/history", "/admin/script/files", "/admin/script/simulator/",
            "/dev/chat", "/inbox/c/AAAAAAAAAAAAAAAA", "/admin/alerts/", "/admin/alerts/new"]


def violations(page):
    """Return axe's violations on the page as short lines (rule: the first nodes)."""
    results = Axe().run(page, options=OPTIONS)
    found = results.response["violations"]
    return [f"{v['id']}: " + " | ".join(n["target"][0] if isinstance(n["target"][0], str) else str(n["target"])
                                       for n in v["nodes"][:3]) for v in found]


@pytest.mark.parametrize("size", ["phone", "desktop"])
@pytest.mark.parametrize("who", ["eva@example.org", "sam@example.org"])
def test_no_axe_violation_on_any_page(live, people, size, who):
    """Every page (logged out, the inbox, a conversation, staff pages) passes axe in both languages and sizes."""
    base = live["base"]
    context = live["browser"].new_context(**SIZES[size])
    page = context.new_page()
    page.set_default_timeout(15000)
    found = {}
    page.goto(base + "/login")
    found["/login"] = violations(page)
    page.fill("#email", who)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(base + "/inbox/")
    for path in pages(people):
        page.goto(base + path)
        found[path] = violations(page)
    context.close()
    found = {path: v for path, v in found.items() if v}
    assert found == {}, "\n".join(f"{p}: {v}" for p, v in found.items())


def test_the_check_can_fail(live):
    """axe really runs: a select without a name, an empty table header and two tiny links side by side are
    each reported."""
    context = live["browser"].new_context(**SIZES["phone"])
    page = context.new_page()
    page.goto(live["base"] + "/login")
    page.evaluate("""() => {
      const main = document.querySelector('main');
      main.insertAdjacentHTML('beforeend', '<select><option>a</option></select>' +
        '<table><thead><tr><th></th><th>x</th></tr></thead><tbody><tr><td>1</td><td>2</td></tr></tbody></table>' +
        '<div style="height:40px;overflow:auto"><p style="height:400px">long</p></div>' +
        '<p><a href="/a" style="display:inline-block;height:12px;width:12px;font-size:8px">x</a>' +
        '<a href="/b" style="display:inline-block;height:12px;width:12px;font-size:8px">y</a></p>');
    }""")
    rules = {line.split(":")[0] for line in violations(page)}
    context.close()
    assert {"select-name", "empty-table-header", "target-size"} <= rules, rules


@pytest.mark.parametrize("size", ["phone", "desktop"])
@pytest.mark.parametrize("who", ["eva@example.org", "sam@example.org"])
def test_no_axe_violation_on_a_conversation_passed_to_one_with_a_voice_reply(live, people, size, who):
    """A WhatsApp conversation Ana passes to the visitor: their inbox (marked "passed to you") and the
    conversation with every fold open (the voice note form, ready answers, colleagues) after they sent a
    voice note (its player in the thread), in both languages and sizes."""
    from test_voice_format import webm
    base = live["base"]
    number = "+1505553" + str(uuid.uuid4().int)[:4]
    for body in ("hola", "1", PERSON, "necesito ayuda"):
        whatsapp(base, number, body)
    h = live["keys"].pseudonym(number)
    context = live["browser"].new_context(**SIZES[size])
    page = context.new_page()
    page.set_default_timeout(15000)
    for email in ("ana@example.org", who):
        page.goto(base + "/login")
        page.fill("#email", email)
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(base + "/inbox/")
        if email == "ana@example.org":
            page.goto(f"{base}/inbox/c/{h}")
            page.click("#claim")
            page.click("#colleagues summary")
            page.select_option("#transfer-to", who)
            page.click("#transfer")
            page.wait_for_url(base + "/inbox/")
            page.click("#logout button")
            page.wait_for_url(base + "/login")
    found = {"/inbox/": violations(page)}
    page.goto(f"{base}/inbox/c/{h}")
    page.click("#voice summary")
    page.set_input_files("#voice-file", files=[{"name": "voice.webm", "mimeType": "audio/webm", "buffer": webm()}])
    with page.expect_navigation():
        page.click("#send-voice")
    page.wait_for_selector("#thread audio.voice-sent")
    page.evaluate("() => document.querySelectorAll('details').forEach((d) => { d.open = true; })")
    found["conversation"] = violations(page)
    context.close()
    found = {path: v for path, v in found.items() if v}
    assert found == {}, "\n".join(f"{p}: {v}" for p, v in found.items())
