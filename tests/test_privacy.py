"""What Redis holds after conversations: no number in clear anywhere, and a TTL on every texter's key."""
import re

from bot.store import SCRIPT_TAG
from conftest import PERSON, REFERRAL, Texter

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
        kind = redis_client.type(key).decode()
        if kind == "string":
            values = [redis_client.get(key)]
        elif kind == "hash":
            values = [x for pair in redis_client.hgetall(key).items() for x in pair]
        elif kind == "list":
            values = redis_client.lrange(key, 0, -1)
        else:
            values = redis_client.zrange(key, 0, -1)
        blob = key.decode() + " " + " ".join(v.decode("utf-8", "replace") for v in values)
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
