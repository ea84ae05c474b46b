"""Browser tests (Debian's Chromium against a live gunicorn, see tests/test_browser.py) of issue 22's voice
replies and transfer alerts: a volunteer records a voice note with Chromium's fake microphone, listens to
it, sends it; the fake Twilio fetches it without a login from the address it was given (Ogg/Opus, as
WhatsApp plays), and the thread plays it. A conversation passed to a volunteer whose inbox is open with
alerts on gives a notification and a visible mark. On a phone and a desktop."""
import urllib.parse
import urllib.request
import uuid

import pytest

from bot.storage.privacy import short_name
from conftest import PASSWORD, PERSON, TOKEN, TWILIO_FROM, messages_of, twilio_signature
from test_browser import CHROMIUM_ARGS, chromium, live, text  # noqa: F401  (fixtures of that module)
from test_browser_inbox_defects import RECORD_NOTIFICATIONS, volunteer
from test_browser_sessions_drafts import SIZES, browse, log_in  # noqa: F401  (fixtures and helpers)

pytestmark = pytest.mark.slow
# Chromium's own stand-ins: a microphone that plays a beeping tone, and "allow" answered for the person.
FAKE_MICROPHONE = ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream"]
DURATION = ("() => new Promise((done) => { const a = document.querySelector('#thread audio.voice-sent');"
            " if (isFinite(a.duration) && a.duration > 0) return done(a.duration);"
            " a.addEventListener('loadedmetadata', () => done(a.duration)); a.load(); })")
DECODED = """async (url) => {
  const data = await (await fetch(url, { credentials: 'same-origin' })).arrayBuffer();
  const decoded = await new OfflineAudioContext(1, 48000, 48000).decodeAudioData(data);
  const samples = decoded.getChannelData(0);
  let loud = 0;
  for (const x of samples) loud = Math.max(loud, Math.abs(x));
  return [decoded.duration, loud];
}"""


@pytest.fixture(scope="module")
def recorder(live, chromium):
    """Return a Chromium of its own with the fake microphone (the live browser has none)."""
    browser = live["browser"].browser_type.launch(executable_path=chromium, args=CHROMIUM_ARGS + FAKE_MICROPHONE)
    yield browser
    browser.close()


def whatsapp(base, number, body):
    """Send one WhatsApp message from number to the live server, signed as Twilio signs; return the replies."""
    fields = {"MessageSid": "SM" + uuid.uuid4().hex, "From": f"whatsapp:{number}", "To": f"whatsapp:{TWILIO_FROM}",
              "Body": body}
    url = base + "/twilio/messages"
    request = urllib.request.Request(url, data=urllib.parse.urlencode(fields).encode(), headers={
        "X-Twilio-Signature": twilio_signature(TOKEN, url, fields)})
    with urllib.request.urlopen(request, timeout=30) as response:
        return messages_of(response.read().decode())


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_a_recorded_voice_reply_is_sent_fetched_and_played(live, recorder, size):
    base, fake = live["base"], live["fake"]
    number = "+1505556" + str(uuid.uuid4().int)[:4]
    for body in ("hola", "1", PERSON, "no sé leer bien, mándeme un audio"):
        whatsapp(base, number, body)
    h = live["keys"].pseudonym(number)
    email = volunteer(live, "voz")
    context = recorder.new_context(**SIZES[size])
    page = context.new_page()
    page.set_default_timeout(15000)
    problems = []
    page.on("pageerror", lambda e: problems.append(str(e)))
    log_in(page, base, email)
    page.goto(f"{base}/inbox/c/{h}")
    page.click("#claim")
    page.wait_for_selector("#voice")
    page.click("#voice summary")
    page.click("#record")
    page.wait_for_function("() => /Grabando: [2-9] s/.test(document.getElementById('voice-state').textContent)")
    page.click("#record-stop")
    page.wait_for_selector("#voice-preview:not([hidden])")
    assert "Grabados" in page.inner_text("#voice-state")
    assert page.evaluate("document.getElementById('voice-file').files[0].type") == "audio/webm"
    before = len(fake.messages)
    fake.fetch_outbound = True  # the fake fetches the MediaUrl as Twilio does: no cookie, no login
    try:
        with page.expect_navigation():
            page.click("#send-voice")
    finally:
        fake.fetch_outbound = False
    [message] = fake.wait_for(before + 1)[before:]
    assert message["to"] == f"whatsapp:{number}" and message["form"]["MediaUrl"].startswith(base + "/twilio/media/")
    fetched = message["fetched"]
    assert fetched["status"] == 200 and fetched["type"] == "audio/ogg" and fetched["data"].startswith(b"OggS")
    page.wait_for_selector("#thread audio.voice-sent")
    assert page.evaluate(DURATION) > 1.5
    duration, loud = page.evaluate(DECODED, page.get_attribute("#thread audio.voice-sent", "src"))
    assert duration > 1.5 and loud > 0.05  # the fake microphone's tone came through the repackaging
    assert problems == []
    context.close()


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_a_transferred_conversation_alerts_its_receiver(live, browse, size):
    """Rosa's inbox is open with alerts on; a colleague passes her a conversation: a notification names the
    colleague and the conversation, and her card is marked "Se la pasó …"."""
    base = live["base"]
    rosa = volunteer(live, "rosa")
    page = browse(size)
    page.add_init_script(RECORD_NOTIFICATIONS)
    log_in(page, base, rosa)
    page.click("#alerts-on")
    page.wait_for_function("() => window.asked === 1")
    number = "+1505554" + str(uuid.uuid4().int)[:4]
    for body in ("hola", "1", PERSON, "necesito ayuda"):
        text(base, number, body)
    h = live["keys"].pseudonym(number)
    giver = browse("desktop")
    log_in(giver, base)  # Ana
    giver.goto(f"{base}/inbox/c/{h}")
    giver.click("#claim")
    giver.click("#colleagues summary")
    giver.select_option("#transfer-to", rosa)
    giver.click("#transfer")
    name = short_name(h)
    page.wait_for_function("() => window.shown.some((n) => n.title.includes('le pasó'))", timeout=20000)
    shown = page.evaluate("window.shown")
    assert any(n["title"] == f"ana@example.org le pasó una conversación: {name}" for n in shown), shown
    card = page.locator(f'#mine li[data-texter="{name}"] .badge.transferred')
    assert card.inner_text() == "Se la pasó ana@example.org"
    page.click(f'#mine li[data-texter="{name}"] a.name')
    assert page.inner_text("#transferred") == "ana@example.org le pasó esta conversación."
    assert page.problems == []
