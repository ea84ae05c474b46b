"""What Redis holds after conversations: no number in clear anywhere, and a TTL on every texter's key."""
import re

from bot.storage.versions import SCRIPT_TAG
from conftest import PERSON, REFERRAL, Texter, key_values

NUMBERS = ["+15055550142", "+525512345678", "+50255512345"]


def _variants(number):
    digits = number.lstrip("+")
    return {number, digits, digits[-10:], digits[-8:]}


def test_no_number_in_keys_or_values_and_every_key_expires(app, redis_client, prefix):
    """Run several conversations on both channels, a handoff and a STOP; then scan every key."""
    for number in NUMBERS:
        for channel in ("sms", "whatsapp"):
            texter = Texter(app.test_client(), number, channel)
            for body in ("hola", "1", REFERRAL, "NC", "2", PERSON, "mi numero es otro", "STOP"):
                texter.send(body)
    keys = list(redis_client.scan_iter(match=f"{prefix}*"))
    assert len(keys) > 10
    leaks, no_ttl = [], []
    for key in keys:
        blob = key.decode() + " " + " ".join(key_values(redis_client, key))
        for number in NUMBERS:
            if any(v in blob for v in _variants(number)):
                leaks.append(key)
        for field in ("SALINAS", "93901", "Maria Lopez"):
            assert field not in blob, f"{field} stored in {key!r}"
        if redis_client.ttl(key) < 0 and SCRIPT_TAG.encode() not in key:  # script versions never expire
            no_ttl.append(key)
    assert leaks == [] and no_ttl == []


def test_handoff_keeps_the_number_encrypted(app, texter):
    """The handoff record holds the number only encrypted, and it decrypts to the sender."""
    conversations = app.extensions["conversations"]
    for body in ("hola", "1", PERSON):
        texter.send(body)
    record = conversations.store.handoff(conversations.keys.pseudonym(texter.address))
    assert record["status"] == "waiting" and texter.number not in record["number"]
    assert conversations.keys.decrypt(record["number"]) == texter.address
    assert re.fullmatch(r"[A-Za-z0-9_-]{16}", conversations.keys.pseudonym(texter.address))


def test_logs_hold_no_number_or_body(app, caplog):
    """Log lines of a conversation name the texter by pseudonym only."""
    texter = Texter(app.test_client(), "+15055550188")
    with caplog.at_level("DEBUG"), caplog.at_level("DEBUG", logger="bot"):
        for body in ("hola", "1", PERSON, "secreto privado"):
            texter.send(body)
    text = "\n".join(r.getMessage() + " " + str(r.__dict__) for r in caplog.records)
    assert caplog.records
    assert "5055550188" not in text and "secreto privado" not in text


def test_after_the_inbox_no_number_in_clear_and_texter_keys_expire(twilio_app, web, redis_client, prefix,
                                                                     fake_twilio):
    """Claim, reply, reveal, release, claim, close: then no key or value holds a number in clear, and
    every key about a texter (and the queue, the claimed list and the audit log) expires."""
    import re as regex
    number = "+15055550142"
    texter = Texter(twilio_app.test_client(), number, "whatsapp")
    for body in ("hola", "1", PERSON, "ayuda"):
        texter.send(body)
    h = twilio_app.extensions["conversations"].keys.pseudonym(texter.address)
    ana = web("ana")
    ana.post(f"/inbox/c/{h}/claim")
    token = regex.search(r'name="token" type="hidden" value="(\w+)"', ana.get(f"/inbox/c/{h}").get_data(as_text=True))[1]
    ana.post(f"/inbox/c/{h}/reply", {"body": "hola", "token": token})
    sid = fake_twilio.wait_for(1)[0]["sid"]
    texter.post({"MessageSid": sid, "MessageStatus": "delivered", "To": texter.address}, path="/twilio/status")
    ana.post(f"/inbox/c/{h}/reveal")
    ana.post(f"/inbox/c/{h}/release")
    ana.post(f"/inbox/c/{h}/claim")
    ana.post(f"/inbox/c/{h}/close")
    web().post("/login", {"email": "ana@example.org", "password": "wrong password!"})
    keys = list(redis_client.scan_iter(match=f"{prefix}*"))
    kinds = {k.decode()[len(prefix):].split(":")[0] for k in keys}
    assert {"h", "t", "d", "x", "audit", "users", "lf"} <= kinds
    for key in keys:
        blob = key.decode() + " " + " ".join(key_values(redis_client, key))
        assert not any(v in blob for v in _variants(number)), key
        name = key.decode()[len(prefix):]
        # Accounts, staff settings and the script's versions are not about any texter.
        if name not in ("users", "settings") and SCRIPT_TAG not in name:
            assert redis_client.ttl(key) > 0, key


def test_inbox_logs_hold_no_number_or_body(twilio_app, web, fake_twilio, caplog):
    """Replies that go out and replies Twilio refuses (quoting the number) leave no number or body in logs."""
    import re as regex
    texter = Texter(twilio_app.test_client(), "+15055550123")
    with caplog.at_level("DEBUG"):
        for body in ("hola", "1", PERSON, "secreto del texter"):
            texter.send(body)
        h = twilio_app.extensions["conversations"].keys.pseudonym(texter.address)
        ana = web("ana")
        ana.post(f"/inbox/c/{h}/claim")
        for answer in (None, ("error", 400, 21211), ("error", 503, 20503)):
            if answer:
                fake_twilio.plan(answer)
            page = ana.get(f"/inbox/c/{h}").get_data(as_text=True)
            token = regex.search(r'name="token" type="hidden" value="(\w+)"', page)[1]
            ana.post(f"/inbox/c/{h}/reply", {"body": "respuesta secreta", "token": token})
        ana.post(f"/inbox/c/{h}/reveal")
        ana.post(f"/inbox/c/{h}/close")
    text = "\n".join(r.getMessage() + " " + str(r.__dict__) for r in caplog.records)
    assert "twilio refused a message" in text  # the refusal was logged, without the number
    for secret in ("5055550123", "secreto del texter", "respuesta secreta", "Gracias por escribirnos"):
        assert secret not in text
