"""Browser test (Debian's Chromium against a live gunicorn, see tests/test_browser.py): a texter's photo
and voice note are shown and played in the thread, fetched through the app from the fake Twilio."""
import io
import struct
import urllib.parse
import urllib.request
import uuid
import wave
import zlib

import pytest

from conftest import PERSON, TOKEN, TWILIO_FROM, messages_of, twilio_signature
from test_browser import chromium, live, text  # noqa: F401  (fixtures of that module)
from test_browser_sessions_drafts import browse, log_in  # noqa: F401

pytestmark = pytest.mark.slow


def png(width=40, height=30):
    """Return a small red PNG."""
    raw = b"".join(b"\x00" + b"\xb0\x00\x20" * width for _ in range(height))
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def wav(seconds=1.0, rate=8000):
    """Return a WAV voice note of a quiet tone."""
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(b"".join(struct.pack("<h", 800 if (i // 20) % 2 else -800) for i in range(int(rate * seconds))))
    return out.getvalue()


def send_with_media(base, number, files):
    """Send one message with media from number, signed as Twilio signs; return the bot's replies."""
    fields = {"MessageSid": "MM" + uuid.uuid4().hex, "From": number, "To": TWILIO_FROM, "Body": "",
              "NumMedia": str(len(files))}
    for i, url_type in enumerate(files):
        fields[f"MediaUrl{i}"], fields[f"MediaContentType{i}"] = url_type
    url = base + "/twilio/messages"
    request = urllib.request.Request(url, data=urllib.parse.urlencode(fields).encode(), headers={
        "X-Twilio-Signature": twilio_signature(TOKEN, url, fields)})
    with urllib.request.urlopen(request, timeout=30) as response:
        return messages_of(response.read().decode())


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_a_photo_and_a_voice_note_from_a_texter_are_shown_and_played(live, browse, size):
    base, fake = live["base"], live["fake"]
    number = "+1505554" + str(uuid.uuid4().int)[:4]
    for body in ("hola", "1", PERSON):
        text(base, number, body)
    files = [(fake.add_media("image/png", png()), "image/png"), (fake.add_media("audio/wav", wav()), "audio/wav")]
    send_with_media(base, number, files)
    h = live["keys"].pseudonym(number)
    ana = browse(size)
    log_in(ana, base)
    ana.goto(f"{base}/inbox/c/{h}")
    image = ana.locator("#thread .attachments img")
    image.wait_for()
    ana.wait_for_function("() => { const i = document.querySelector('#thread .attachments img');"
                          " return i.complete && i.naturalWidth === 40; }")
    assert "api.twilio.com" not in ana.content()
    audio = ana.locator("#thread .attachments audio")
    audio.evaluate("a => { a.muted = true; return a.play(); }")
    ana.wait_for_function("() => document.querySelector('#thread .attachments audio').currentTime > 0.2")
    assert abs(audio.evaluate("a => a.duration") - 1.0) < 0.1
    assert ana.problems == []


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_a_ready_answer_is_inserted_in_kiche_for_a_kiche_texter(live, browse, size):
    """A K'iche' texter; a volunteer (Spanish pages) searches "salarios" and inserts the K'iche' text in the
    reply box, edits it, and sends it: Twilio gets the K'iche' words."""
    from bot.conversation.script import load_script
    base, fake = live["base"], live["fake"]
    email = f"quc-{size}-{uuid.uuid4().hex[:4]}@example.org"
    live["app"].extensions["accounts"].add(email, "volunteer", "correct horse battery staple", langs=["quc", "es"])
    number = "+1505553" + str(uuid.uuid4().int)[:4]
    for body in ("hola", "2", PERSON, "to'b'anik"):
        text(base, number, body)
    h = live["keys"].pseudonym(number)
    page = browse(size)
    log_in(page, base, email)
    page.goto(f"{base}/inbox/c/{h}")
    page.click("#claim")
    page.wait_for_selector("#compose")
    page.locator("#ready summary").click()
    page.fill("#q", "salarios")
    page.locator("#ready button[type=submit]").click()
    page.wait_for_selector("#answers")
    quc = load_script("locales").text("pay.complaint", "quc")
    page.locator("#answers li", has_text=quc[:30]).first.get_by_role("button").click()
    assert page.input_value("#body") == quc
    page.locator("#body").press("End")
    page.locator("#body").type(" Maltyox.")
    before = len(fake.messages)
    page.click("#send")
    sent = fake.wait_for(before + 1)[-1]
    assert sent["to"] == number and sent["body"].startswith(quc[:40]) and sent["body"].endswith("Maltyox.")
    assert page.problems == []
