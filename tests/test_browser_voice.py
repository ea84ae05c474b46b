"""Browser tests (Debian's Chromium against a live gunicorn, see tests/test_browser.py) of issue 22's voice
replies: a volunteer records a voice note with Chromium's fake microphone, listens to it, sends it; the
fake Twilio fetches it without a login from the address it was given (Ogg/Opus, as WhatsApp plays), and
the thread plays it. On a phone and a desktop."""
import urllib.parse
import urllib.request
import uuid

import pytest

from conftest import PASSWORD, PERSON, TOKEN, TWILIO_FROM, messages_of, twilio_signature
from test_browser import CHROMIUM_ARGS, chromium, live, text  # noqa: F401  (fixtures of that module)
from test_browser_inbox_defects import volunteer
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
