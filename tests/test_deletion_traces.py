"""Issue 23: what a deleted texter leaves behind. The words they wrote that the bot did not understand
leave the counts with them; the log line of the deleting request names no one; a captured request
replayed after the deletion (or after the texter's keys expired) stores nothing."""
import logging

import pytest

from conftest import Texter
from test_logs import Capture
from test_unknown_words import DAY, miss


def _keys(app, texter):
    """Return the names of every Redis key about the texter."""
    conversations = app.extensions["conversations"]
    store, h = conversations.store, conversations.keys.pseudonym(texter.address)
    return sorted(k.decode() for k in store.redis.scan_iter(match=f"{store.prefix}*{{{h}}}*"))


def _delete(texter):
    """BORRAR, confirmed."""
    texter.send("BORRAR")
    assert texter.send("SI")[0].startswith("Listo: borramos todo")


def _word_fields(app, word):
    """Return {field: count} of a word in the day's counts."""
    store = app.extensions["conversations"].store
    return {k: v for k, v in store.report_days([DAY])[0].items() if f":{word}:" in k}


def test_borrar_removes_the_words_the_texter_added(twilio_app):
    """Three texters write a home town's name; each deletion takes that texter's counts out, and when
    all three are gone nothing of the word remains. Another word, from a texter who stays, remains."""
    numbers = [f"+1505555080{n}" for n in range(3)]
    for number in numbers:
        miss(twilio_app, number, "vengo de tzununa con mi gente")
    miss(twilio_app, "+15055550809", "el zacate esta muy alto y las hormigas pican")
    assert sum(_word_fields(twilio_app, "tzununa").values()) == 3
    for i, number in enumerate(numbers):
        _delete(Texter(twilio_app.test_client(), number))
        assert sum(_word_fields(twilio_app, "tzununa").values()) == 2 - i
    assert _word_fields(twilio_app, "tzununa") == {}
    store = twilio_app.extensions["conversations"].store
    hashes = [k for k in store.redis.scan_iter(match=f"{store.prefix}*") if store.redis.type(k) == b"hash"]
    assert not any("tzununa" in str(store.redis.hgetall(k)) for k in hashes)
    assert sum(_word_fields(twilio_app, "hormigas").values()) == 1


@pytest.fixture
def capture():
    """Capture the bot's log records for the length of a test."""
    handler, bot = Capture(), logging.getLogger("bot")
    level = bot.level
    bot.addHandler(handler)
    bot.setLevel(logging.DEBUG)
    handler.records = []
    handler.emit = handler.records.append
    yield handler
    bot.removeHandler(handler)
    bot.setLevel(level)


def test_message_answered_of_a_deletion_names_no_texter(app, texter, capture):
    """Every line of the deleting request (and of a retry of it) is nameless; earlier lines are not."""
    texter.send("hola")
    texter.send("BORRAR")
    capture.records.clear()
    fields = texter.form("SI")
    texter.post(fields)
    texter.post(fields)  # Twilio's retry of the confirmation
    answered = [r for r in capture.records if r.getMessage() == "message answered"]
    assert len(answered) == 2 and any(r.getMessage() == "texter data deleted" for r in capture.records)
    assert [r for r in capture.records if hasattr(r, "texter")] == []
    capture.records.clear()
    texter.send("hola")
    assert all(hasattr(r, "texter") for r in capture.records if r.getMessage() == "message answered")


def test_a_replay_after_borrar_stores_nothing(app, texter):
    """A captured, signed message replayed after the texter deleted their data is answered with
    nothing and recreates no key, inside the window."""
    first = texter.form("hola")
    texter.post(first)
    middle = texter.form("1")
    texter.post(middle)
    _delete(texter)
    assert _keys(app, texter) == []
    for fields in (first, middle):
        response = texter.post(fields)
        assert response.status_code == 200 and "<Message>" not in response.get_data(as_text=True)
    assert _keys(app, texter) == []


def test_a_replay_after_the_texters_keys_expired_stores_nothing(app, texter):
    """Once the texter's own keys are gone (expired, or the MessageSid fell out of the last 200), the
    nameless mark still turns a replay away; after the window it is a new message again."""
    fields = texter.form("hola")
    texter.post(fields)
    store = app.extensions["conversations"].store
    h = app.extensions["conversations"].keys.pseudonym(texter.address)
    for key in _keys(app, texter):
        store.redis.delete(key)  # as if every per-texter key had expired
    response = texter.post(fields)
    assert "<Message>" not in response.get_data(as_text=True) and _keys(app, texter) == []
    mark = store.gone_key(h, fields["MessageSid"], "m")
    assert 0 < store.redis.ttl(mark) <= 7 * 86400
    store.redis.delete(mark)  # the window is over
    assert "<Message>" in texter.post(fields).get_data(as_text=True)


@pytest.mark.parametrize("ending", [("BORRAR", "SI"), ("STOP",), ("BAJA",)])
def test_a_subscriber_who_leaves_leaves_no_trace_of_the_subscription(twilio_app, fake_twilio, ending):
    """Issue 25: a subscriber who got an alert writes BORRAR (and SI), STOP or BAJA: a SCAN of every key
    finds neither the subscription nor the number, plain or encrypted; after BORRAR no key names them at
    all. The alert's own counts keep only numbers (one more unsubscribed after it)."""
    from conftest import key_values
    from test_alerts_sending import DAYTIME, send, subscribe, write
    twilio_app.extensions["conversations"].clock = lambda: DAYTIME
    texter = subscribe(twilio_app, "+15055550881", "es", "Florida")
    store = twilio_app.extensions["conversations"].store
    h = twilio_app.extensions["conversations"].keys.pseudonym(texter.number)
    token = store.subscription(h)["n"]
    alert_id = write(twilio_app)
    send(twilio_app, alert_id)
    [message] = fake_twilio.messages
    texter.post({"MessageSid": message["sid"], "MessageStatus": "delivered", "To": texter.number},
                path=f"/twilio/status?alert={alert_id}")
    assert store.subscription(h)[f"x{alert_id}"] == "s"
    for body in ending:
        texter.send(body)
    everything = {k.decode(): key_values(store.redis, k) for k in store.redis.scan_iter(match=f"{store.prefix}*")}
    assert store.key("a", h) not in everything
    for name, values in everything.items():
        text = name + " " + " ".join(values)
        assert token not in text and texter.number not in text and texter.number[1:] not in text, name
        if ending[0] == "BORRAR":
            assert h not in text, name
    alert = store.alert(alert_id)
    assert (alert["sent"], alert["delivered"], alert["unsub"]) == (1, 1, 1)
