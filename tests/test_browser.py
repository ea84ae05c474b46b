"""Browser tests: Playwright drives Debian's Chromium against a live gunicorn, a real Redis, and the
real twilio client pointed at a local fake Twilio API.

Chromium comes from Debian's package (apt-get install chromium; .ci/run installs it), never from a
Playwright download. Without it these tests are skipped on a developer's machine and fail in CI.
"""
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

import pytest
import redis

from bot import create_app
from bot.storage.privacy import Keys, short_name
from bot.conversation.sms import segments, sms_safe
from conftest import DATA_KEY, PASSWORD, PERSON, SECRET_KEY, TOKEN, TWILIO_FROM, messages_of, twilio_signature
from fake_twilio import FakeTwilio

pytestmark = pytest.mark.slow
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
VIEWPORTS = {
    "desktop": {"viewport": {"width": 1280, "height": 800}},
    "phone": {"viewport": {"width": 375, "height": 667}, "is_mobile": True, "has_touch": True,
              "device_scale_factor": 2},
}


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def chromium():
    """Return the path of Debian's Chromium (skipped without it, except in CI where it must be there)."""
    if not (os.path.exists(CHROMIUM) and os.access(CHROMIUM, os.X_OK)) and not shutil.which("chromium"):
        message = f"Debian's chromium is not installed at {CHROMIUM}: apt-get install -y chromium"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return CHROMIUM if os.path.exists(CHROMIUM) else shutil.which("chromium")


@pytest.fixture(scope="module")
def live(redis_url, chromium):
    """Start the fake Twilio API and gunicorn (production settings); yield what the tests need."""
    prefix = f"test:{uuid.uuid4().hex[:12]}:"
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    fake = FakeTwilio(TOKEN)
    settings = {"REDIS_URL": redis_url, "REDIS_PREFIX": prefix, "TWILIO_AUTH_TOKEN": TOKEN,
                "DATA_KEY": DATA_KEY, "SECRET_KEY": SECRET_KEY, "TWILIO_ACCOUNT_SID": fake.account_sid,
                "TWILIO_FROM": TWILIO_FROM, "TWILIO_API_URL": fake.url, "PUBLIC_BASE_URL": base}
    env = {**os.environ, **settings, "APP_ENV": "production"}
    proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "--workers", "2", "--threads", "4",
                             "--bind", f"127.0.0.1:{port}", "bot:create_app()"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(base + "/healthz", timeout=1)
            break
        except (urllib.error.URLError, OSError):
            assert proc.poll() is None, proc.stderr.read().decode(errors="replace")[-2000:]
            assert time.monotonic() < deadline, "gunicorn did not start"
            time.sleep(0.2)
    app = create_app(settings)  # this process's view of the same Redis, to create accounts
    app.extensions["accounts"].add("ana@example.org", "volunteer", PASSWORD, langs=["es"])
    app.extensions["accounts"].add("sam@example.org", "staff", PASSWORD, ui_lang="en")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        yield {"base": base, "fake": fake, "browser": browser, "keys": Keys(DATA_KEY), "app": app}
        browser.close()
    proc.terminate()
    proc.wait(15)
    fake.close()
    client = redis.Redis.from_url(redis_url)
    keys = list(client.scan_iter(match=f"{prefix}*", count=1000))
    if keys:
        client.delete(*keys)


def text(base, number, body):
    """Send one SMS from number to the live server, signed as Twilio signs; return the bot's replies."""
    fields = {"MessageSid": "SM" + uuid.uuid4().hex, "From": number, "To": TWILIO_FROM, "Body": body}
    url = base + "/twilio/messages"
    request = urllib.request.Request(url, data=urllib.parse.urlencode(fields).encode(), headers={
        "X-Twilio-Signature": twilio_signature(TOKEN, url, fields)})
    with urllib.request.urlopen(request, timeout=30) as response:
        return messages_of(response.read().decode())


@pytest.fixture
def page(live, request):
    """Return a fresh browser page (its own cookies) for the viewport named by the test's parameter."""
    context = live["browser"].new_context(**VIEWPORTS[getattr(request, "param", "desktop")])
    page = context.new_page()
    page.set_default_timeout(15000)
    page.problems = []
    page.on("console", lambda m: m.type == "error" and page.problems.append(m.text))
    page.on("pageerror", lambda e: page.problems.append(str(e)))
    page.on("response", lambda r: r.status >= 400 and page.problems.append(f"{r.status} {r.url}"))
    yield page
    context.close()


def log_in(page, base, email="ana@example.org", start="/inbox/"):
    """Open a page (the inbox), get sent to /login, log in (as Ana) and land on that page."""
    page.goto(base + start)
    assert "/login" in page.url
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(base + start)


@pytest.mark.parametrize("page", ["desktop", "phone"], indirect=True)
def test_volunteer_takes_a_conversation_and_hands_it_back(live, page):
    """A texter asks for a person; Ana claims, reads, replies (exactly that message reaches Twilio for
    that number); the texter's answer appears without a reload; Ana closes; the bot answers again."""
    base, fake = live["base"], live["fake"]
    number = "+1505555" + str(uuid.uuid4().int)[:4]
    for body in ("hola", "1", PERSON, "Necesito ayuda con mi pago"):
        text(base, number, body)
    name = short_name(live["keys"].pseudonym(number))

    log_in(page, base)
    card = page.locator(f"li[data-texter='{name}']")
    card.wait_for()
    assert "Español" in card.inner_text() and "SMS" in card.inner_text()
    assert number[2:] not in page.content() and number[-4:] not in card.inner_text()

    card.get_by_role("button", name="Tomar").click()
    page.wait_for_url(f"{base}/inbox/c/**")
    thread = page.locator("#thread")
    assert "Necesito ayuda con mi pago" in thread.inner_text()

    page.fill("#body", "¿Dónde está?")
    assert page.inner_text("#cost") == "1 segmento SMS (UCS-2), 12 caracteres"  # ó and á are not GSM-7
    reply = "Hola, soy Ana. ¿En qué ciudad trabaja usted?"
    page.fill("#body", reply)
    assert page.inner_text("#cost") == f"1 segmento SMS (GSM-7), {len(reply)} caracteres"
    before = len(fake.messages)
    page.click("#send")
    page.wait_for_url(f"{base}/inbox/c/**")
    [sent] = fake.wait_for(before + 1)[before:]
    assert sent["to"] == number and sent["body"] == reply and sent["from"] == TWILIO_FROM
    assert sent["form"]["StatusCallback"] == base + "/twilio/status"
    assert reply in thread.inner_text()

    page.evaluate("window.notReloaded = true")
    assert fake.callback(sent, "delivered") == 204
    page.locator("#thread .msg.out .status", has_text="entregado").wait_for()
    assert text(base, number, "Estoy en Salinas") == []
    page.locator("#thread .msg.in", has_text="Estoy en Salinas").wait_for()
    assert page.evaluate("window.notReloaded") is True  # it came by polling, not a reload

    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#close")
    page.wait_for_url(base + "/inbox/")
    closing = fake.wait_for(before + 2)[-1]
    assert closing["to"] == number and closing["body"].startswith("Gracias por escribirnos")
    assert "1. Reclutamiento, cobros" in text(base, number, "hola")[0]

    if page.viewport_size["width"] < 500:  # nothing wider than a phone's screen
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert page.problems == []  # no script error and no CSP violation


def test_segment_counter_matches_the_server(live, page):
    """The page's SMS segment count (JavaScript) agrees with bot/conversation/sms.py on awkward texts."""
    page.goto(live["base"] + "/login")
    samples = ["", "hola", "a" * 160, "a" * 161, "á" * 70, "á" * 71, "[" * 80, "[" * 81, "ñ¿¡ü é" * 30,
               "“quoted” — dash…", "emoji 😀" * 10, "K'iche' ʼ", "x\ty\r\nz", "€" * 77]
    for sample in samples:
        js = page.evaluate("(t) => { const s = window.helplineSms.smsSafe(t); "
                           "return [s, ...window.helplineSms.segments(s)]; }", sample)
        safe = sms_safe(sample, fold_accents=False)
        assert js == [safe, *segments(safe)], sample
    assert page.problems == []


@pytest.mark.parametrize("page", ["desktop", "phone"], indirect=True)
def test_urgent_conversation_comes_first_with_a_badge(live, page):
    """Two texters wait; the later one writes about danger: in Ana's inbox it is the first card, with a
    visible red badge, even on a phone."""
    base = live["base"]
    calm, scared = ("+1505555" + str(uuid.uuid4().int)[:4] for _ in range(2))
    for number in (calm, scared):
        for body in ("hola", "1", PERSON):
            text(base, number, body)
    assert text(base, scared, "ayuda, el patron me quiere matar")[0].startswith("Si esta en peligro ahora, llame al 911")
    log_in(page, base)
    page.locator("#waiting > li").first.wait_for()
    order = page.eval_on_selector_all("#waiting > li", "cards => cards.map(c => [c.dataset.texter, "
                                      "c.querySelector('.badge.urgent') !== null])")
    names = [name for name, _ in order]
    scared_name, calm_name = (short_name(live["keys"].pseudonym(n)) for n in (scared, calm))
    assert names.index(scared_name) < names.index(calm_name)
    urgent = [is_urgent for _, is_urgent in order]
    assert urgent == sorted(urgent, reverse=True) and urgent[0]  # every urgent card before the others
    badge = page.locator(f"li[data-texter='{scared_name}'] .badge.urgent")
    assert badge.is_visible() and badge.inner_text() == "Urgente: peligro"
    assert badge.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(176, 0, 32)"
    calm_card = page.locator(f"li[data-texter='{calm_name}']")
    assert calm_card.locator(".badge.urgent").count() == 0
    if page.viewport_size["width"] < 500:
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert page.problems == []
