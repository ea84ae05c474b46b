"""The Twilio webhooks over HTTP: signatures, retries, odd bodies, status callbacks, health."""
import concurrent.futures
import hashlib
import hmac
import base64
import re

import pytest

from bot.storage.versions import SCRIPT_TAG
from conftest import PERSON, TOKEN, Texter, messages_of, twilio_signature


def texter_keys(redis_client, prefix):
    """Return the keys under prefix that are not the script's versions."""
    return [k for k in redis_client.scan_iter(match=f"{prefix}*") if SCRIPT_TAG.encode() not in k]


def test_signature_matches_twilio_library(texter):
    """Our independent signer and twilio's RequestValidator agree (so the tests sign like Twilio)."""
    from twilio.request_validator import RequestValidator
    fields = texter.form("hola")
    url = "http://localhost/twilio/messages"
    assert RequestValidator(TOKEN).compute_signature(url, fields) == twilio_signature(TOKEN, url, fields)


@pytest.mark.parametrize("signature, status", [(None, 401), ("", 401), ("Zm9yZ2Vk", 403)])
def test_missing_or_forged_signature_is_refused_and_nothing_stored(texter, redis_client, prefix,
                                                                     signature, status):
    """A request without a valid signature gets 401/403 and leaves no key behind."""
    fields = texter.form("hola")
    headers = {} if signature is None else {"X-Twilio-Signature": signature}
    response = texter.client.post("/twilio/messages", data=fields, headers=headers)
    assert response.status_code == status
    assert texter_keys(redis_client, prefix) == []


def test_tampered_body_is_refused(texter, redis_client, prefix):
    """A signature for one body does not cover another."""
    fields = texter.form("hola")
    signature = twilio_signature(TOKEN, "http://localhost/twilio/messages", fields)
    response = texter.post({**fields, "Body": "STOP"}, signature=signature)
    assert response.status_code == 403
    assert texter_keys(redis_client, prefix) == []


def test_signature_with_other_token_is_refused(app):
    """A request signed with another account's token is refused."""
    other = Texter(app.test_client(), token="another-token")
    assert other.post(other.form("hola")).status_code == 403


def test_sha256_signature_settings_header(texter):
    """Twilio's HMAC-SHA256 webhook signatures are accepted when announced by their header."""
    fields = texter.form("hola")
    url = "http://localhost/twilio/messages"
    payload = url + "".join(f"{k}{fields[k]}" for k in sorted(fields))
    sig = base64.b64encode(hmac.new(TOKEN.encode(), payload.encode(), hashlib.sha256).digest()).decode()
    response = texter.post(fields, signature=sig,
                           headers={"X-Twilio-Webhooks-Signature-Settings": "algorithm=HMAC_SHA256"})
    assert response.status_code == 200


def test_without_auth_token_the_webhook_refuses_clearly(settings):
    """No TWILIO_AUTH_TOKEN: every webhook request is refused with a message saying why."""
    from bot import create_app
    app = create_app({**settings, "TWILIO_AUTH_TOKEN": ""})
    response = app.test_client().post("/twilio/messages", data={"From": "+15055550123"})
    assert response.status_code == 503
    assert "TWILIO_AUTH_TOKEN" in response.get_data(as_text=True)


def test_behind_a_proxy_the_public_url_is_rebuilt(settings):
    """With TRUSTED_PROXIES=1 and X-Forwarded-* headers (ProxyFix), the signature is checked against the
    public URL."""
    from bot import create_app
    from conftest import Texter
    app = create_app({**settings, "TRUSTED_PROXIES": "1"})
    texter = Texter(app.test_client())
    fields = texter.form("hola")
    sig = twilio_signature(TOKEN, "https://bot.example.org/twilio/messages", fields)
    response = texter.client.post("/twilio/messages", data=fields, headers={
        "X-Twilio-Signature": sig, "X-Forwarded-Proto": "https", "X-Forwarded-Host": "bot.example.org"})
    assert response.status_code == 200
    app.extensions["intake"].stop()


def test_retried_message_sid_gets_the_same_answer_and_changes_nothing(texter, app):
    """Twilio retrying a MessageSid gets the first answer again; the conversation does not move."""
    texter.send("hola")
    fields = texter.form("1")
    first = texter.post(fields)
    again = texter.post(fields)
    assert first.get_data() == again.get_data()
    assert "2. Pago y salario" in messages_of(first.get_data(as_text=True))[0]
    # The conversation is at the main menu, not one step further: "2" now opens the pay topic.
    assert "H-2A" in texter.send("2")[0]


def test_same_message_sid_ten_times_at_once(app, settings):
    """Ten simultaneous deliveries of one MessageSid: one answer, given ten times, applied once."""
    texter = Texter(app.test_client(), number="+15055550999")
    texter.send("hola")
    fields = texter.form("1")

    def deliver(_):
        return Texter(app.test_client(), number="+15055550999").post(fields).get_data(as_text=True)

    with concurrent.futures.ThreadPoolExecutor(10) as pool:
        bodies = list(pool.map(deliver, range(10)))
    assert len(set(bodies)) == 1
    assert "Pago y salario" in bodies[0]
    assert "H-2A" in texter.send("2")[0]


def test_media_only_message(texter):
    """A photo with no text gets a clear answer: greeting first, then 'I can only read text'."""
    media = {"NumMedia": "1", "MediaUrl0": "https://api.twilio.com/x/ME1", "MediaContentType0": "image/jpeg"}
    assert "Elija su idioma" in texter.send("", **media)[0]
    texter.send("1")
    reply = texter.send("", **media)[0]
    assert reply.startswith("Solo puedo leer texto") and "2. Pago y salario" in reply


@pytest.mark.parametrize("length", [1600, 20000])
def test_long_bodies_are_answered(texter, length):
    """Very long bodies get a normal answer; nothing breaks."""
    texter.send("1")
    reply = texter.send("x" * length)
    assert reply and reply[0].startswith("No entendi")


def test_long_body_in_a_handoff_is_kept_with_a_note(texter, app):
    """A 20,000-character message to a volunteer is kept (cut to 4,096) and marked as cut."""
    conversations = app.extensions["conversations"]
    texter.send("hola")
    texter.send("1")
    texter.send(PERSON)
    texter.send("y" * 20000)
    thread = conversations.store.thread(conversations.keys.pseudonym(texter.address))
    last = [entry for entry in thread if entry["dir"] == "in"][-1]
    assert len(last["text"]) == 4096 and last["cut"] == 20000
    assert thread[-1]["dir"] == "bot" and thread[-1]["text"].startswith("Recibimos su mensaje")  # the acknowledgement


@pytest.mark.parametrize("body", ["\x00\x01\x02 1 \x7f", "hola\u202e\u200b", "\ufffd\U0001f600", "1\r\n\t"])
def test_control_characters_and_broken_text(texter, body):
    """Control characters, direction marks, replacement characters and emoji never break the reply."""
    texter.send("1")
    replies = texter.send(body)
    assert replies and replies[0]


def test_invalid_utf8_body(texter, app):
    """Percent-escapes that are not UTF-8 reach the app as text (werkzeug keeps them) and are answered."""
    texter.send("1")
    sid = "SM" + "bad0001" * 4 + "0123"
    raw = f"From=%2B15055550123&MessageSid={sid}&Body=%FF%FE1"
    fields = {"From": "+15055550123", "MessageSid": sid, "Body": "%FF%FE1"}
    sig = twilio_signature(TOKEN, "http://localhost/twilio/messages", fields)
    response = texter.client.post("/twilio/messages", data=raw,
                                  content_type="application/x-www-form-urlencoded",
                                  headers={"X-Twilio-Signature": sig})
    assert response.status_code == 200
    assert messages_of(response.get_data(as_text=True))


def test_request_with_no_fields_is_a_clear_400(texter):
    """A signed request with no fields gets 400 naming what is missing."""
    response = texter.post({})
    assert response.status_code == 400
    assert "MessageSid" in response.get_data(as_text=True)


def test_oversized_request_gets_413(texter, app):
    """A body over MAX_BODY_BYTES is refused before any work."""
    response = texter.post({"Body": "x" * (app.config["MAX_CONTENT_LENGTH"] + 10)})
    assert response.status_code == 413


@pytest.mark.parametrize("status, code", [("delivered", 204), ("read", 204), ("exploded", 204), ("", 400)])
def test_status_callback(texter, status, code):
    """Known and unknown statuses are acknowledged; a callback without a status is a 400."""
    fields = {"MessageSid": "SM" + "1" * 32, "MessageStatus": status, "To": texter.address,
              "AccountSid": "AC" + "0" * 32}
    assert texter.post(fields, path="/twilio/status").status_code == code


def test_status_callback_records_status_for_a_handoff(texter, app):
    """A delivery status for a texter in a handoff is kept with the thread."""
    conversations = app.extensions["conversations"]
    texter.send("hola")
    texter.send("1")
    texter.send(PERSON)
    sid = "SM" + "2" * 32
    fields = {"MessageSid": sid, "MessageStatus": "delivered", "To": texter.address}
    assert texter.post(fields, path="/twilio/status").status_code == 204
    assert conversations.store.statuses(conversations.keys.pseudonym(texter.address)) == {sid: "delivered"}


def test_healthz(app):
    """Health is 200 with Redis up."""
    response = app.test_client().get("/healthz")
    assert response.status_code == 200 and response.get_json()["redis"] is True


def test_healthz_and_webhook_without_redis(settings):
    """Redis unreachable: /healthz is 503 and the webhook still answers 200 with the safe message."""
    from bot import create_app
    app = create_app({**settings, "REDIS_URL": "redis://127.0.0.1:1/0", "REDIS_TIMEOUT": "0.5"})
    assert app.test_client().get("/healthz").status_code == 503
    texter = Texter(app.test_client())
    reply = texter.send("hola")[0]
    assert "911" in reply and "1-888-373-7888" in reply and "Lo sentimos" in reply and "Sorry" in reply


def test_local_chat_page_in_development(app):
    """In development /dev/chat talks to the bot from this machine; production has no such page."""
    client = app.test_client()
    assert client.post("/dev/chat", data={"body": "hola", "channel": "sms"}).status_code == 400  # no CSRF token
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/dev/chat").get_data(as_text=True))[1]
    client.post("/dev/chat", data={"body": "hola", "channel": "sms", "csrf_token": token})
    page = client.get("/dev/chat").get_data(as_text=True)
    assert "Elija su idioma" in page and "SMS GSM-7, 1 segment(s)" in page
    assert client.get("/dev/chat", environ_base={"REMOTE_ADDR": "10.1.2.3"}).status_code == 403


def test_no_local_chat_page_in_production(settings):
    """Production does not serve /dev/chat."""
    from bot import create_app
    app = create_app({**settings, "APP_ENV": "production"})
    assert app.test_client().get("/dev/chat").status_code == 404
