"""A texter's photos, voice notes and PDFs (issue 22): kept with the message, shown through the app's own
authenticated route (fetched from Twilio with the account's credentials, within type and size limits),
deleted at Twilio when the thread goes (BORRAR at once; closed threads after CLOSED_TTL)."""
import re

import pytest

from bot.twilio import media
from conftest import PERSON, Texter, ask_for_person

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
OGG = b"OggS" + b"\x00" * 64


def send_media(texter, fake, *files, body=""):
    """Send one message with files [(content type, bytes)] as Twilio would; return their MediaUrls."""
    urls = [fake.add_media(kind, data) for kind, data in files]
    extra = {"NumMedia": str(len(urls))}
    for i, (url, (kind, _)) in enumerate(zip(urls, files)):
        extra.update({f"MediaUrl{i}": url, f"MediaContentType{i}": kind})
    texter.send(body, **extra)
    return urls


@pytest.fixture
def waiting(twilio_app, fake_twilio):
    """Return (texter, pseudonym) of a texter waiting for a person."""
    texter = ask_for_person(Texter(twilio_app.test_client(), "+15055550777"))
    return texter, twilio_app.extensions["conversations"].keys.pseudonym(texter.address)


def test_attachments_are_read_only_from_twilio_urls():
    """Only Twilio's own MediaUrls are kept (their path), at most ten; a made-up host is ignored."""
    good = "https://api.twilio.com/2010-04-01/Accounts/AC" + "1" * 32 + "/Messages/MM" + "a" * 32 + "/Media/ME" + "b" * 32
    form = {"NumMedia": "3", "MediaUrl0": good, "MediaContentType0": "image/JPEG",
            "MediaUrl1": "https://evil.example/x.png", "MediaContentType1": "image/png",
            "MediaUrl2": good.replace("api.twilio.com", "api.twilio.com.evil.example"), "MediaContentType2": "x"}
    assert media.attachments(form) == ((good[len("https://api.twilio.com"):], "image/jpeg"),)
    assert media.attachments({"NumMedia": "x"}) == () and media.attachments({"NumMedia": "99"}) == ()


def test_a_photo_and_a_voice_note_are_shown_through_the_app(twilio_app, web, fake_twilio, waiting):
    """The thread shows an <img> and an <audio> whose addresses are the app's; they answer the bytes that
    Twilio holds, fetched with the account's credentials; Twilio's address is never in the page."""
    texter, h = waiting
    urls = send_media(texter, fake_twilio, ("image/jpeg", PNG), ("audio/ogg", OGG), body="mire mi talón de pago")
    ana = web("ana")
    ana.post(f"/inbox/c/{h}/claim")
    page = ana.get(f"/inbox/c/{h}").get_data(as_text=True)
    assert "api.twilio.com" not in page and all(u.split("/Media/")[1] not in page for u in urls)
    image = re.search(r'<img src="([^"]+)"', page)[1]
    audio = re.search(r'<audio controls preload="metadata" src="([^"]+)"', page)[1]
    got = ana.client.get(image)
    assert got.status_code == 200 and got.data == PNG and got.headers["Content-Type"] == "image/jpeg"
    assert "no-store" in got.headers["Cache-Control"] and "inline" in got.headers["Content-Disposition"]
    sound = ana.client.get(audio)
    assert sound.status_code == 200 and sound.data == OGG and sound.headers["Content-Type"] == "audio/ogg"
    assert len(fake_twilio.fetched) == 2  # the fake checked the account's Basic credentials for each
    assert web("ben").client.get(image).status_code == 403  # not Ben's conversation
    assert web().client.get(image).status_code in (302, 401)  # logged out: to the login page
    assert ana.client.get(image.replace("/0", "/7")).status_code == 404


def test_types_the_inbox_does_not_open_are_never_fetched(twilio_app, web, fake_twilio, waiting):
    """A vCard is named in the thread but never fetched; a file over 16 MB is refused in words."""
    texter, h = waiting
    send_media(texter, fake_twilio, ("text/vcard", b"BEGIN:VCARD"), ("application/pdf", b"%PDF" + b"0" * (media.MAX_BYTES + 1)))
    ana = web("ana")
    ana.post(f"/inbox/c/{h}/claim")
    page = ana.get(f"/inbox/c/{h}").get_data(as_text=True)
    assert "text/vcard" in page and "/media/" in page
    sid = re.search(r'/inbox/c/\w+/media/(\w+)/1', page)[1]
    assert ana.get(f"/inbox/c/{h}/media/{sid}/0").status_code == 404  # the vCard
    too_big = ana.get(f"/inbox/c/{h}/media/{sid}/1")
    assert too_big.status_code == 502 and "demasiado grande" in too_big.get_data(as_text=True)
    assert len(fake_twilio.fetched) == 1  # only the PDF was asked for


def test_borrar_deletes_the_media_at_twilio(twilio_app, fake_twilio, waiting):
    """BORRAR: the sweep deletes each file at Twilio (the fake records the DELETEs)."""
    texter, h = waiting
    urls = send_media(texter, fake_twilio, ("image/jpeg", PNG), ("audio/ogg", OGG))
    store, client = twilio_app.extensions["conversations"].store, twilio_app.extensions["media"]
    assert media.sweep(store, client) == 0 and fake_twilio.deleted == []  # not due yet
    texter.send("BORRAR")
    texter.send("BORRAR")
    assert media.sweep(store, client) == 2
    assert sorted(fake_twilio.deleted) == sorted(u[len("https://api.twilio.com"):] for u in urls)
    assert media.sweep(store, client) == 0  # nothing left to do


def test_a_closed_threads_media_is_deleted_when_the_thread_expires(twilio_app, web, fake_twilio, waiting):
    """Close: while the thread is kept (CLOSED_TTL) the file stays; once the thread is gone, it is deleted."""
    import time
    texter, h = waiting
    [url] = send_media(texter, fake_twilio, ("image/png", PNG))
    ana = web("ana")
    ana.post(f"/inbox/c/{h}/claim")
    ana.post(f"/inbox/c/{h}/close")
    store, client = twilio_app.extensions["conversations"].store, twilio_app.extensions["media"]
    now = time.time() + store.ttl["handoff"] + 10  # the first look: the thread is still kept
    assert media.sweep(store, client, now=now) == 0 and fake_twilio.deleted == []
    store.redis.delete(store.key("t", h))  # CLOSED_TTL passed: Redis expired the thread
    assert media.sweep(store, client, now=now + store.ttl["closed"] + 10) == 1
    assert fake_twilio.deleted == [url[len("https://api.twilio.com"):]]


def test_the_apps_sweeper_deletes_due_media(twilio_app, fake_twilio, waiting):
    """The sweeper the app starts (held by the app) deletes a texter's media after BORRAR in one round."""
    texter, h = waiting
    [url] = send_media(texter, fake_twilio, ("image/png", PNG))
    texter.send("BORRAR")
    texter.send("BORRAR")
    sweeper = twilio_app.extensions["media_sweeper"]
    assert sweeper in media.Sweeper._all  # registered with the process's thread
    sweeper.store.redis.delete(f"{sweeper.store.prefix}media-sweep")
    sweeper.round()
    assert fake_twilio.deleted == [url[len("https://api.twilio.com"):]]


def test_without_twilio_dev_chat_files_are_kept_and_shown_the_same_way(app):
    """No Twilio: a photo and a voice note attached in /dev/chat while waiting for a person are kept by the
    app and shown through the same authenticated route; a vCard is named, not kept; a file sent before the
    handoff is not kept; BORRAR deletes them."""
    import io
    from conftest import PASSWORD, WebUser
    from bot.twilio import devchat
    local = {"REMOTE_ADDR": "127.0.0.1"}
    tester = app.test_client()
    tester.get("/dev/chat", environ_base=local)

    def chat(body, *files):
        for kind, data, name in files or [(None, None, None)]:
            form = {"body": body, "channel": "whatsapp"}
            if kind:
                form["file"] = (io.BytesIO(data), name, kind)
            page = tester.get("/dev/chat", environ_base=local).get_data(as_text=True)
            form["csrf_token"] = re.search(r'name="csrf_token" value="([^"]+)"', page)[1]
            assert tester.post("/dev/chat", data=form, content_type="multipart/form-data",
                               environ_base=local).status_code == 302
    store = app.extensions["conversations"].store
    h = app.extensions["conversations"].keys.pseudonym("whatsapp:" + devchat.ADDRESS)
    chat("hola", ("image/png", PNG, "early.png"))
    assert not store.redis.exists(store.key("f", h))  # not a message for a volunteer: nothing kept
    for body in ("1", PERSON):
        chat(body)
    chat("mire", ("image/png", PNG, "talon.png"))
    chat("", ("audio/ogg", OGG, "nota.ogg"))
    chat("", ("text/vcard", b"BEGIN:VCARD", "c.vcf"))
    app.extensions["accounts"].add("vera@example.org", "volunteer", PASSWORD, langs=["es"])
    vera = WebUser(app)
    vera.login("vera@example.org")
    vera.post(f"/inbox/c/{h}/claim")
    page = vera.get(f"/inbox/c/{h}").get_data(as_text=True)
    image = re.search(r'<img src="([^"]+)"', page)[1]
    sound = re.search(r'<audio controls preload="metadata" src="([^"]+)"', page)[1]
    assert vera.client.get(image).data == PNG and vera.client.get(image).headers["Content-Type"] == "image/png"
    assert vera.client.get(sound).data == OGG and "text/vcard" in page
    assert WebUser(app).client.get(image).status_code in (302, 401)
    chat("BORRAR")
    chat("BORRAR")
    assert not store.redis.exists(store.key("f", h)) and vera.client.get(image).status_code == 404
