"""Load and abuse: a per-texter rate limit, and oversized requests refused before they are read."""
import socket
import threading

import pytest
from werkzeug.serving import make_server

from bot import create_app
from conftest import OPEN_HOURS, TOKEN, Texter, messages_of, twilio_signature

LIMIT = 5


@pytest.fixture
def app(settings):
    """Return the app with RATE_LIMIT=5 messages a minute."""
    app = create_app({**settings, "RATE_LIMIT": str(LIMIT)})
    app.extensions["conversations"].clock = lambda: OPEN_HOURS
    yield app
    app.extensions["intake"].stop()


def test_past_the_limit_told_once_then_silence_and_nothing_applied(app, make_texter):
    """Five messages are answered; the sixth says slow down in the texter's language; then nothing."""
    texter = make_texter("+15055550601")
    texter.send("hola")
    texter.send("3")  # English
    for _ in range(LIMIT - 2):
        assert texter.send("menu")[0].startswith("Pick a number. In danger?")
    assert texter.send("1")[0].startswith("We got many messages in a row")
    assert texter.send("1") == [] and texter.send("2") == []
    conversations = app.extensions["conversations"]
    store, h = conversations.store, conversations.keys.pseudonym(texter.address)
    assert 0 < store.redis.ttl(store.key("n", h)) <= 60
    store.redis.delete(store.key("n", h))  # the minute is over
    assert texter.send("menu")[0].startswith("Pick a number. In danger?")  # the limited "1"s never moved anything


def test_other_texters_are_not_affected(app, make_texter):
    """One texter flooding does not slow anyone else, though every request comes from one address."""
    flooder = make_texter("+15055550602")
    for _ in range(LIMIT + 5):
        flooder.send("hola")
    assert flooder.send("hola") == []
    for i in range(30):  # thirty texters behind Twilio's same addresses
        assert "Elija su idioma" in make_texter(f"+1505555{i:04d}").send("hola")[0]


def test_stop_is_honoured_past_the_limit(app, make_texter):
    """A carrier opt-out is never rate limited: STOP in the middle of a flood still opts out."""
    texter = make_texter("+15055550603")
    for _ in range(LIMIT + 2):
        texter.send("hola")
    assert texter.send("STOP") == []
    conversations = app.extensions["conversations"]
    store, h = conversations.store, conversations.keys.pseudonym(texter.address)
    assert store.redis.exists(store.key("o", h))


def test_retries_of_one_message_count_once(app, make_texter):
    """Twilio retrying one MessageSid is not a flood."""
    texter = make_texter("+15055550604")
    fields = texter.form("hola")
    for _ in range(LIMIT * 2):
        assert "Elija su idioma" in messages_of(texter.post(fields).get_data(as_text=True))[0]


def test_oversized_request_is_refused_before_its_body_is_read(app):
    """A request announcing more than MAX_BODY_BYTES gets 413 at once; the body is never awaited."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with socket.create_connection(("127.0.0.1", server.server_port), timeout=5) as sock:
            sock.sendall(b"POST /twilio/messages HTTP/1.1\r\nHost: localhost\r\n"
                         b"Content-Type: application/x-www-form-urlencoded\r\nX-Twilio-Signature: x\r\n"
                         b"Content-Length: 100000000\r\n\r\nBody=")
            answer = sock.recv(4096).decode("latin-1")  # would time out if the server waited for 100 MB
        assert answer.startswith("HTTP/1.1 413")
    finally:
        server.shutdown()


def test_large_but_allowed_body_is_answered(app):
    """A WhatsApp-sized body of 4,096 emoji, percent-encoded, is under the limit and answered."""
    fields = Texter(app.test_client(), "+15055550605", "whatsapp").form("\U0001f600" * 4096)
    url = "http://localhost/twilio/messages"
    response = app.test_client().post("/twilio/messages", data=fields,
                                      headers={"X-Twilio-Signature": twilio_signature(TOKEN, url, fields)})
    assert response.status_code == 200 and messages_of(response.get_data(as_text=True))
