"""Issue 15: what the webhooks accept, signatures on the raw URL, proxies, and deletion leaving nothing."""
import logging

import pytest

from bot import create_app
from conftest import OPEN_HOURS, PERSON, TOKEN, key_values, messages_of, twilio_signature


def _keys_of(app, texter):
    """Return the names of every Redis key about the texter."""
    conversations = app.extensions["conversations"]
    store, h = conversations.store, conversations.keys.pseudonym(texter.address)
    return list(store.redis.scan_iter(match=f"{store.prefix}*{{{h}}}*"))


# -- ids in Twilio's formats only ------------------------------------------------------------------

def test_replayed_request_with_a_sid_absorbing_the_next_field_is_refused(app, texter):
    """The signature-concatenation attack: a captured BORRAR-then-SI, replayed with NumMedia folded into
    MessageSid (same signature), is refused with 400 and changes nothing; the texter's data stays."""
    for body in ("hola", "1", PERSON, "me quitaron el pasaporte"):
        texter.send(body)
    texter.send("BORRAR")
    confirm = texter.form("SI")
    texter.send("no, espere")  # the texter cancels; an attacker captured the confirming request
    keys_before = sorted(_keys_of(app, texter))
    forged = {k: v for k, v in confirm.items() if k != "NumMedia"}
    forged["MessageSid"] = confirm["MessageSid"] + "NumMedia" + confirm["NumMedia"]
    url = "http://localhost/twilio/messages"
    signature = twilio_signature(TOKEN, url, confirm)
    assert twilio_signature(TOKEN, url, forged) == signature  # the attack: the signature still holds
    response = texter.post(forged, signature=signature)
    assert response.status_code == 400 and "MessageSid" in response.get_data(as_text=True)
    assert sorted(_keys_of(app, texter)) == keys_before
    assert app.extensions["conversations"].store.handoff(
        app.extensions["conversations"].keys.pseudonym(texter.address))


@pytest.mark.parametrize("sid", ["SMbad0001", "SM" + "g" * 32, "SM" + "a" * 33, "XX" + "a" * 32,
                                 "sm" + "a" * 32, "SM" + "a" * 31 + " "])
def test_message_sid_outside_twilios_format_is_refused(texter, sid):
    """Anything but SM/MM and 32 hex digits is a 400 before any state changes."""
    response = texter.post(texter.form("hola", MessageSid=sid))
    assert response.status_code == 400


def test_mms_sid_is_accepted(texter):
    """MM... is Twilio's MessageSid for a message with media."""
    assert "Elija su idioma" in texter.send("hola", MessageSid="MM" + "0123456789abcdef" * 2)[0]


@pytest.mark.parametrize("sender", ["abc", "client:alice", "whatsapp:", "+1", "555-0123", "messenger:12345",
                                    "whatsapp:+1505abc0123", "+15055550123 ", "tel:+15055550123"])
def test_sender_that_is_not_a_number_is_refused(app, texter, sender):
    """A From that is not an E.164 number, bare or whatsapp:, is a 400: such senders would share a pseudonym."""
    response = texter.post(texter.form("hola", From=sender))
    assert response.status_code == 400 and "From" in response.get_data(as_text=True)
    store = app.extensions["conversations"].store
    assert not list(store.redis.scan_iter(match=f"{store.prefix}s:*"))


def test_status_callback_with_a_bad_sid_or_recipient_is_refused(texter):
    """The status callback keys on MessageSid and To too."""
    good = {"MessageSid": "SM" + "1" * 32, "MessageStatus": "delivered", "To": texter.address}
    assert texter.post(good, path="/twilio/status").status_code == 204
    assert texter.post({**good, "MessageSid": "SM1"}, path="/twilio/status").status_code == 400
    assert texter.post({**good, "To": "client:bob"}, path="/twilio/status").status_code == 400


# -- the signature on the URL as Twilio sent it -----------------------------------------------------

@pytest.mark.parametrize("query", ["x=%2F", "n=%C3%B1", "t=%7E", "a=1&b=%20c+d", "q=%3D%26"])
def test_percent_encoded_query_strings_validate_without_public_base_url(texter, query):
    """Twilio signs the URL as configured; the raw query string is checked, not a decoded rebuild."""
    fields = texter.form("hola")
    path = f"/twilio/messages?{query}"
    response = texter.post(fields, path=path)
    assert response.status_code == 200, response.get_data(as_text=True)


def test_decoded_query_does_not_validate(texter):
    """A signature over the decoded URL (not what Twilio would send) is refused."""
    fields = texter.form("hola")
    sig = twilio_signature(TOKEN, "http://localhost/twilio/messages?x=/", fields)
    assert texter.post(fields, path="/twilio/messages?x=%2F", signature=sig).status_code == 403


# -- proxies ---------------------------------------------------------------------------------------

def test_trusted_proxies_defaults_to_zero_so_forwarded_for_is_not_believed(settings):
    """Exposed directly, a client claiming X-Forwarded-For: 127.0.0.1 does not get /metrics."""
    app = create_app(settings)
    response = app.test_client().get("/metrics", headers={"X-Forwarded-For": "127.0.0.1"},
                                      environ_base={"REMOTE_ADDR": "203.0.113.7"})
    assert response.status_code == 403
    app.extensions["intake"].stop()


def test_production_warns_once_when_forwarded_headers_arrive_with_no_trusted_proxy(settings, caplog):
    """In production with TRUSTED_PROXIES=0, the first request with X-Forwarded-* logs a warning, once."""
    app = create_app({**settings, "APP_ENV": "production"})
    client = app.test_client()
    with caplog.at_level(logging.WARNING):
        for _ in range(3):
            client.get("/healthz", headers={"X-Forwarded-For": "198.51.100.4", "X-Forwarded-Proto": "https"})
    warnings = [r for r in caplog.records if "TRUSTED_PROXIES" in r.getMessage()]
    assert len(warnings) == 1
    app.extensions["intake"].stop()


# -- deletion leaves nothing -------------------------------------------------------------------------

def test_deletion_anonymises_the_audit_log(twilio_app, web, fake_twilio):
    """A volunteer's actions about a deleted texter stay in the audit log, without the short name."""
    from conftest import Texter, ask_for_person
    from bot.storage.privacy import short_name
    texter = ask_for_person(Texter(twilio_app.test_client(), "+15055550901"))
    conversations = twilio_app.extensions["conversations"]
    h = conversations.keys.pseudonym(texter.address)
    ana = web("ana")
    assert ana.post(f"/inbox/c/{h}/claim").status_code == 303
    store = conversations.store
    name = short_name(h)
    assert any(e.get("texter") == name for e in store.audit_log())
    texter.send("BORRAR")
    texter.send("SI")
    audit = store.audit_log()
    assert not any(name in value for e in audit for value in e.values())
    assert any(e["action"] == "claim" and e["who"] == "ana@example.org" for e in audit)


def test_deletion_removes_the_texters_outbox_entries(settings):
    """Without Twilio, a volunteer's replies wait in the local outbox: a deletion takes them too."""
    from conftest import Texter
    app = create_app(settings)
    app.extensions["conversations"].clock = lambda: OPEN_HOURS
    sender = app.extensions["sender"]
    store = app.extensions["conversations"].store
    texter, other = Texter(app.test_client(), "+15055550902"), Texter(app.test_client(), "+15055550903")
    sender.send(texter.address, body="Hola, soy Ana del equipo")
    sender.send(other.address, body="Para otra persona")
    texter.send("BORRAR")
    texter.send("SI")
    bodies = [e["body"] for e in store.outbox()]
    assert bodies == ["Para otra persona"]
    app.extensions["intake"].stop()


def test_retry_of_the_confirming_message_is_a_duplicate_and_names_nobody(app, texter):
    """Twilio retrying the SI that deleted everything gets the same answer and writes nothing new."""
    for body in ("hola", "1", PERSON):
        texter.send(body)
    texter.send("BORRAR")
    confirm = texter.form("SI")
    first = messages_of(texter.post(confirm).get_data(as_text=True))
    assert first[0].startswith("Listo: borramos todo")
    assert _keys_of(app, texter) == []
    again = messages_of(texter.post(confirm).get_data(as_text=True))
    assert again == first
    assert _keys_of(app, texter) == []
    store = app.extensions["conversations"].store
    number = texter.number.lstrip("+")
    h = app.extensions["conversations"].keys.pseudonym(texter.address)
    for key in store.redis.scan_iter(match=f"{store.prefix}*"):
        name = key.decode()
        assert h not in name and number not in name
        assert not any(h in v or number in v for v in key_values(store.redis, key))
