"""Voice replies (issue 22): a volunteer's recording is kept with the thread, served to Twilio at an
unguessable address that expires (and nothing else without a login), sent as media on WhatsApp, and by SMS
only as MMS where the helpline's number and the texter's can; deleted with the thread (BORRAR; close and
CLOSED_TTL), at Twilio too. Recordings in WebM (Chromium's) are repackaged as Ogg/Opus
(tests/test_voice_format.py)."""
import re
import time

import pytest

from bot import create_app
from bot.inbox import audio, voice
from bot.storage.privacy import Keys
from bot.inbox import voice_link
from bot.twilio import devchat, media
from conftest import DATA_KEY, OPEN_HOURS, PASSWORD, TWILIO_FROM, Texter, WebUser, ask_for_person
from test_voice_format import webm

# -- the inbox ------------------------------------------------------------------------------------------

def make_app(settings, fake_twilio, **extra):
    """Return an app sending to the fake Twilio (extra settings: TWILIO_MMS...)."""
    app = create_app({**settings, "TWILIO_ACCOUNT_SID": fake_twilio.account_sid, "TWILIO_FROM": TWILIO_FROM,
                      "TWILIO_API_URL": fake_twilio.url, "PUBLIC_BASE_URL": "http://localhost",
                      "TWILIO_TIMEOUT": "2", **extra})
    app.config["TESTING"] = True
    app.extensions["conversations"].clock = lambda: OPEN_HOURS
    app.extensions["sender"].backoff = (0.01, 0.01, 0.01)
    return app


def volunteer(app, email="vera@example.org", ui="es"):
    """Return a logged-in WebUser of a new volunteer speaking Spanish."""
    app.extensions["accounts"].add(email, "volunteer", PASSWORD, langs=["es"], ui_lang=ui)
    user = WebUser(app)
    assert user.login(email).status_code == 302
    return user


def claimed(app, user, number, channel="whatsapp"):
    """Return the pseudonym of a texter who asked for a person, claimed by user."""
    texter = ask_for_person(Texter(app.test_client(), number, channel))
    h = app.extensions["conversations"].keys.pseudonym(texter.address)
    user.post(f"/inbox/c/{h}/claim")
    return h, texter


def send_voice(user, h, data, name="voice.webm", token=None):
    """Post a recording from the conversation page's voice form; return the response."""
    page = user.get(f"/inbox/c/{h}").get_data(as_text=True)
    token = token or re.search(r'id="voice-form".*?name="token" value="(\w+)"', page, re.S)[1]
    import io
    return user.post(f"/inbox/c/{h}/voice", {"voice": (io.BytesIO(data), name), "token": token},
                     content_type="multipart/form-data"), token


def test_a_recorded_voice_note_goes_to_a_whatsapp_texter_as_ogg(twilio_app, web, fake_twilio):
    """Twilio gets a MediaUrl at the app's address; fetched without a login it answers the Ogg/Opus file
    (Twilio's GET), the thread plays it for whoever may read it, and the audit log says it."""
    ana = web("ana")
    h, _ = claimed(twilio_app, ana, "+15055550611")
    response, _token = send_voice(ana, h, webm())
    assert response.status_code == 303
    [message] = fake_twilio.messages
    assert message["to"] == "whatsapp:+15055550611" and "Body" not in message["form"]
    url = message["form"]["MediaUrl"]
    assert url.startswith("http://localhost/twilio/media/") and h not in url
    twilio = twilio_app.test_client()  # no cookie: Twilio fetching the file
    got = twilio.get(url[len("http://localhost"):])
    assert got.status_code == 200 and got.headers["Content-Type"] == "audio/ogg"
    assert got.data == audio.webm_to_ogg(webm()) and "voice.ogg" in got.headers["Content-Disposition"]
    assert twilio.head(url[len("http://localhost"):]).status_code == 200  # Twilio checks the type with HEAD
    page = ana.get(f"/inbox/c/{h}").get_data(as_text=True)
    player = re.search(r'<audio controls preload="metadata" class="voice-sent"\s+src="([^"]+)"', page)[1]
    assert ana.client.get(player).data == got.data
    assert web("ben").client.get(player).status_code == 403
    assert web().client.get(player).status_code in (302, 401)
    [sent] = [e for e in twilio_app.extensions["accounts"].store.audit_log() if e["action"] == "voice"]
    assert sent["who"] == "ana@example.org" and sent["texter"] and "error" not in sent
    assert "Nota de voz" in page


def test_the_address_names_one_file_expires_and_opens_nothing_else(twilio_app, web, fake_twilio):
    """A changed token, another file's id, an expired token and the rest of the app: 404 or the login page."""
    ana = web("ana")
    h, _ = claimed(twilio_app, ana, "+15055550612")
    send_voice(ana, h, webm())
    path = fake_twilio.messages[0]["form"]["MediaUrl"][len("http://localhost"):]
    token = path.rsplit("/", 1)[1]
    anonymous = twilio_app.test_client()
    assert anonymous.get(path[:-3] + ("AAA" if not path.endswith("AAA") else "BBB")).status_code == 404
    file_id = twilio_app.extensions["conversations"].store.thread(h)[-1]["voice"]
    cipher = Keys(DATA_KEY).cipher(voice_link.PURPOSE)
    old = cipher.encrypt_at_time(f"{h} {file_id}".encode(), int(time.time()) - voice_link.LINK_SECONDS - 5).decode()
    assert anonymous.get(f"/twilio/media/{old}").status_code == 404  # expired
    other = cipher.encrypt(f"{h} {'0' * 32}".encode()).decode()
    assert anonymous.get(f"/twilio/media/{other}").status_code == 404
    assert voice_link.read_token(token, cipher) == (h, file_id)
    assert anonymous.get(f"/inbox/c/{h}/voice/{file_id}").status_code in (302, 401)
    assert anonymous.get(f"/inbox/c/{h}").status_code in (302, 401)


def test_sms_without_mms_says_so_in_the_pages_language(twilio_app, web, fake_twilio):
    """The helpline's number cannot send MMS (TWILIO_MMS unset): the page says a voice note cannot go on this
    channel (in Spanish for Ana) and a posted one is refused in the same words; nothing reaches Twilio."""
    ana = web("ana")
    h, _ = claimed(twilio_app, ana, "+15055550613", channel="sms")
    page = ana.get(f"/inbox/c/{h}").get_data(as_text=True)
    assert 'id="voice-form"' not in page and "No se puede enviar una nota de voz por este canal" in page
    response, _ = send_voice(ana, h, webm(), token="a" * 32)
    assert response.status_code == 409 and "No se puede enviar una nota de voz" in response.get_data(as_text=True)
    assert fake_twilio.messages == []


@pytest.mark.parametrize("number, sent", [("+15055550614", True), ("+14165550614", True), ("+525512345678", False)])
def test_mms_goes_to_us_and_canadian_numbers_only(settings, fake_twilio, number, sent):
    """TWILIO_MMS=1: a US or Canadian texter gets the voice note by MMS; a Mexican number is told why not."""
    app = make_app(settings, fake_twilio, TWILIO_MMS="1")
    vera = volunteer(app)
    h, _ = claimed(app, vera, number, channel="sms")
    page = vera.get(f"/inbox/c/{h}").get_data(as_text=True)
    assert ('id="voice-form"' in page) is sent
    response, _ = send_voice(vera, h, webm(), token="b" * 32)
    if sent:
        assert response.status_code == 303 and fake_twilio.messages[0]["to"] == number
        assert fake_twilio.messages[0]["form"]["MediaUrl"].startswith("http://localhost/twilio/media/")
    else:
        assert response.status_code == 409 and "fuera de EE. UU. y Canadá" in response.get_data(as_text=True)
        assert fake_twilio.messages == []
    app.extensions["intake"].stop()


@pytest.mark.parametrize("data, name, status, words", [
    (b"", "voice.webm", 400, "La grabación está vacía"),
    (b"\x89PNG\r\n\x1a\n" + b"\0" * 400, "voice.webm", 400, "no es una grabación que se pueda enviar"),
    (webm(codec=b"A_VORBIS"), "voice.webm", 400, "no es una grabación que se pueda enviar"),
    (b"OggS" + b"\0" * (voice.MAX_BYTES + 10), "voice.ogg", 413, "el máximo es 5 MB"),
])
def test_bad_recordings_are_refused_in_words(twilio_app, web, fake_twilio, data, name, status, words):
    """Empty, not audio, another codec, too large: a 4xx page that says why; nothing sent, nothing kept."""
    ana = web("ana")
    h, _ = claimed(twilio_app, ana, "+15055550615")
    response, _ = send_voice(ana, h, data, name=name)
    assert response.status_code == status and words in response.get_data(as_text=True)
    assert fake_twilio.messages == []
    assert not twilio_app.extensions["conversations"].store.redis.exists(
        twilio_app.extensions["conversations"].store.key("f", h))


def test_the_same_form_sends_once_and_a_closed_window_refuses(twilio_app, web, fake_twilio):
    ana = web("ana")
    h, _ = claimed(twilio_app, ana, "+15055550616")
    _, token = send_voice(ana, h, webm())
    again, _ = send_voice(ana, h, webm(), token=token)
    assert again.status_code == 409 and len(fake_twilio.messages) == 1
    store = twilio_app.extensions["conversations"].store
    assert len([k for k in store.redis.hkeys(store.key("f", h)) if k.endswith(b":type")]) == 1  # the second was dropped
    twilio_app.extensions["conversations"].clock = lambda: OPEN_HOURS.replace(day=OPEN_HOURS.day + 2)
    twilio_app.extensions["inbox"].clock = twilio_app.extensions["conversations"].clock
    late, _ = send_voice(ana, h, webm(), token="c" * 32)
    assert late.status_code == 409 and len(fake_twilio.messages) == 1


def test_borrar_deletes_the_voice_note_here_and_at_twilio(twilio_app, web, fake_twilio):
    """BORRAR: the kept file is gone at once (the address answers 404) and the sweep deletes Twilio's copy."""
    ana = web("ana")
    h, texter = claimed(twilio_app, ana, "+15055550617")
    send_voice(ana, h, webm())
    [message] = fake_twilio.messages
    path = message["form"]["MediaUrl"][len("http://localhost"):]
    at_twilio = [p for p in fake_twilio.media if f"/Messages/{message['sid']}/Media/" in p]
    assert len(at_twilio) == 1
    texter.send("BORRAR")
    texter.send("BORRAR")
    assert twilio_app.test_client().get(path).status_code == 404
    store = twilio_app.extensions["conversations"].store
    assert store.redis.keys(f"*{h}*") == []
    assert media.sweep(store, twilio_app.extensions["media"]) == 2  # the app's file and Twilio's copy
    assert fake_twilio.deleted == at_twilio and store.redis.zcard(f"{store.prefix}media") == 0


def test_a_closed_threads_voice_note_goes_with_the_thread(twilio_app, web, fake_twilio):
    """Close: the file lives as the thread does (CLOSED_TTL, a few minutes' grace at most); when the thread
    is gone the sweep deletes the file and Twilio's copy; while the thread lives they stay."""
    ana = web("ana")
    h, _ = claimed(twilio_app, ana, "+15055550618")
    send_voice(ana, h, webm())
    ana.post(f"/inbox/c/{h}/close")
    store = twilio_app.extensions["conversations"].store
    files, thread = store.redis.ttl(store.key("f", h)), store.redis.ttl(store.key("t", h))
    assert 0 < thread <= store.ttl["closed"] and thread <= files <= thread + 600
    client = twilio_app.extensions["media"]
    now = time.time() + store.ttl["handoff"] + 10  # the first look: the thread is still kept
    assert media.sweep(store, client, now=now) == 0 and store.redis.exists(store.key("f", h))
    store.redis.delete(store.key("t", h))  # CLOSED_TTL passed: Redis expired the thread
    assert media.sweep(store, client, now=now + store.ttl["closed"] + 10) == 2
    assert not store.redis.exists(store.key("f", h)) and len(fake_twilio.deleted) == 1


def test_a_renewed_thread_keeps_its_voice_note(twilio_app, web, fake_twilio):
    """When the file's look comes while the thread lives on (the texter kept writing), it is kept as long
    as the thread, with the grace."""
    ana = web("ana")
    h, texter = claimed(twilio_app, ana, "+15055550619")
    send_voice(ana, h, webm())
    store = twilio_app.extensions["conversations"].store
    store.redis.expire(store.key("f", h), 5)  # about to expire...
    store.redis.expire(store.key("t", h), 9000)  # ...while the thread has 2.5 hours left
    assert media.sweep(store, None, now=time.time() + store.ttl["handoff"] + 10) == 0
    assert 9000 < store.redis.ttl(store.key("f", h)) <= 9000 + 600


def test_without_twilio_the_voice_note_goes_to_the_local_outbox(app, fake_twilio):
    """No Twilio settings: the outbox keeps the message with its address, which /dev/chat plays."""
    vera = volunteer(app)
    h, _ = claimed(app, vera, devchat.ADDRESS)
    response, _ = send_voice(vera, h, webm())
    assert response.status_code == 303
    [entry] = [e for e in app.extensions["conversations"].store.outbox() if e.get("media_url")]
    assert entry["body"] is None and "/twilio/media/" in entry["media_url"]
    assert app.test_client().get(entry["media_url"].split("localhost", 1)[1]).data == audio.webm_to_ogg(webm())
    chat = app.test_client().get("/dev/chat", environ_base={"REMOTE_ADDR": "127.0.0.1"}).get_data(as_text=True)
    assert entry["media_url"] in chat.replace("&amp;", "&")
    assert fake_twilio.messages == []


def test_the_voice_form_needs_its_csrf_token_and_a_login(twilio_app, web, fake_twilio):
    """Without the CSRF token: 400; logged out: to the login page; Ben, who does not hold it: refused.
    Nothing reaches Twilio, nothing is kept."""
    import io
    ana = web("ana")
    h, _ = claimed(twilio_app, ana, "+15055550621")
    form = {"voice": (io.BytesIO(webm()), "voice.webm"), "token": "d" * 32}
    assert ana.client.post(f"/inbox/c/{h}/voice", data=form, content_type="multipart/form-data").status_code == 400
    form["voice"] = (io.BytesIO(webm()), "voice.webm")
    assert web().client.post(f"/inbox/c/{h}/voice", data=form,
                             content_type="multipart/form-data").status_code in (302, 401)
    ben = web("ben")
    ben.get("/inbox/")
    refused, _ = send_voice(ben, h, webm(), token="e" * 32)
    assert refused.status_code == 403
    store = twilio_app.extensions["conversations"].store
    assert fake_twilio.messages == [] and not store.redis.exists(store.key("f", h))
