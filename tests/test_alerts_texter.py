"""Alerts by consent, the texter's side (issue 25): ALERTAS / ALERTS / TZIJOL subscribes in each language and
channel, the state is asked once, the confirmation is one segment, BAJA, STOP and BORRAR end it at once,
it expires after 12 months, the offer comes once, and a message still costs two Redis round trips."""
import time

import pytest

from bot import create_app
from bot.conversation.sms import segments, sms_safe
from conftest import OPEN_HOURS, Texter, round_trips

LANGS = {"es": ("1", "ALERTAS", "BAJA"), "quc": ("2", "tzijol", "MAJ TZIJOL"), "en": ("3", "alerts", "stop alerts")}
YEAR = 365 * 86400


@pytest.fixture
def make_app_with(settings):
    """Return a factory of apps with settings of the test's own (stopped afterwards)."""
    apps = []

    def make(**extra):
        app = create_app({**settings, **extra})
        app.config["TESTING"] = True
        app.extensions["conversations"].clock = lambda: OPEN_HOURS
        apps.append(app)
        return app
    yield make
    for app in apps:
        app.extensions["intake"].stop()


def _sub(app, texter):
    """Return the texter's subscription fields ({} when none) and its TTL."""
    conversations = app.extensions["conversations"]
    h = conversations.keys.pseudonym(texter.address)
    store = conversations.store
    return store.subscription(h), store.redis.ttl(store.key("a", h))


def _new_session(app, texter):
    """Forget the session state, as an hour of silence does (the language and subscription stay)."""
    conversations = app.extensions["conversations"]
    store = conversations.store
    store.redis.delete(store.key("s", conversations.keys.pseudonym(texter.address)))


@pytest.mark.parametrize("channel", ["sms", "whatsapp"])
@pytest.mark.parametrize("lang", ["es", "quc", "en"])
def test_subscribe_in_each_language_and_channel(app, make_texter, lang, channel):
    """The word asks the state once; the answer subscribes with the number encrypted, the language, the
    state, the time and the kinds; the confirmation is one SMS segment and says the monthly cap."""
    number, word, _ = LANGS[lang]
    texter = make_texter(f"+150555507{len(lang)}{int(channel == 'sms')}", channel)
    texter.send("hola")
    texter.send(number)
    asked = texter.send(word)
    assert len(asked) == 1 and "Florida" in asked[0]
    assert _sub(app, texter)[0] == {}  # nothing kept before the state is answered
    confirm = texter.send("Florida")[0]
    assert "Florida" in confirm and "2" in confirm
    assert segments(sms_safe(confirm)) == ("GSM-7", 1)  # one SMS segment (WhatsApp gets the accents)
    sub, ttl = _sub(app, texter)
    assert sub["l"] == lang and sub["st"] == "US-FL" and sub["k"] == "heat,fraud,rules,other"
    assert texter.number not in str(sub)  # the number is kept encrypted, and readable with DATA_KEY
    assert app.extensions["conversations"].keys.decrypt(sub["n"]) == texter.address
    assert int(sub["at"]) == int(app.extensions["conversations"].clock().timestamp())
    assert YEAR - 5 < ttl <= YEAR


def test_a_first_message_alertas_answers_in_the_words_language(app, make_texter):
    """A texter with no language yet who writes ALERTS is asked in English, and subscribes in English."""
    texter = make_texter("+15055550780")
    assert texter.send("ALERTS")[0].startswith("Which U.S. state")
    assert texter.send("Texas")[0].startswith("Done: you will get alerts for workers in Texas")
    assert _sub(app, texter)[0]["l"] == "en"


def test_a_state_said_earlier_is_not_asked_again(app, texter):
    """A state the texter named earlier in the conversation is used at once."""
    texter.send("hola")
    texter.send("1")
    texter.send("estoy en carolina del norte")
    reply = texter.send("alertas")[0]
    assert reply.startswith("Recibira avisos para trabajadores en Carolina del Norte")
    assert _sub(app, texter)[0]["st"] == "US-NC"


def test_the_state_is_asked_once_and_renewal_keeps_it(app, texter):
    """After a subscription, ALERTAS in a later session asks nothing and renews the 12 months."""
    texter.send("hola")
    texter.send("1")
    texter.send("ALERTAS")
    texter.send("Georgia")
    store = app.extensions["conversations"].store
    h = app.extensions["conversations"].keys.pseudonym(texter.address)
    store.redis.expire(store.key("a", h), 1000)  # as if months had passed
    _new_session(app, texter)
    assert texter.send("ALERTAS")[0].startswith("Recibira avisos para trabajadores en Georgia")
    assert _sub(app, texter)[1] > YEAR - 5


def test_an_answer_that_is_no_state_subscribes_to_every_state(app, texter):
    """Asked once: an answer that names no U.S. state subscribes to the alerts for every state."""
    texter.send("hola")
    texter.send("1")
    texter.send("ALERTAS")
    assert texter.send("cualquiera")[0].startswith("Recibira avisos para trabajadores de todo EE.UU.")
    assert _sub(app, texter)[0]["st"] == ""
    _new_session(app, texter)
    assert "todo EE.UU." in texter.send("alertas")[0]  # not asked again


def test_menu_at_the_state_question_leaves_without_subscribing(app, texter):
    """A global word answers itself: no subscription."""
    texter.send("hola")
    texter.send("1")
    texter.send("ALERTAS")
    assert "Elija un numero" in texter.send("MENU")[0]
    assert _sub(app, texter)[0] == {}


@pytest.mark.parametrize("lang", ["es", "quc", "en"])
def test_the_stop_word_ends_the_subscription_at_once(app, make_texter, lang):
    """BAJA / MAJ TZIJOL / STOP ALERTS delete the subscription and its number; the bot goes on."""
    number, word, stop = LANGS[lang]
    texter = make_texter(f"+15055550{len(lang)}79")
    for body in ("hola", number, word, "Ohio"):
        texter.send(body)
    assert _sub(app, texter)[0]
    assert texter.send(stop)
    assert _sub(app, texter) == ({}, -2)
    assert texter.send("1")  # still answered: only the alerts ended


def test_stop_ends_the_subscription_with_everything(app, texter):
    """STOP (Twilio's opt-out) deletes the subscription in the same write as the opt-out."""
    for body in ("hola", "1", "ALERTAS", "Florida"):
        texter.send(body)
    assert texter.send("STOP") == []
    assert _sub(app, texter) == ({}, -2)
    texter.send("START")
    assert _sub(app, texter) == ({}, -2)  # START does not subscribe again


def test_the_subscription_expires(settings, make_app_with):
    """With a short ALERTS_TTL the subscription (and its number) is gone when it runs out."""
    app = make_app_with(ALERTS_TTL="2")
    texter = Texter(app.test_client(), "+15055550789")
    for body in ("hola", "1", "ALERTAS", "Utah"):
        texter.send(body)
    assert _sub(app, texter)[0]["st"] == "US-UT"
    time.sleep(3.1)
    assert _sub(app, texter) == ({}, -2)
    assert app.extensions["alerts"].subscriber_counts() == {}


def test_the_offer_comes_once(app, texter):
    """One line offers alerts after a topic page where it fits, and never again for this texter."""
    texter.send("hola")
    texter.send("1")
    offers = []
    for body in ("1", "4", "4", "MENU", "1", "4", "4"):
        offers += [r for r in texter.send(body) if "Responda ALERTAS" in r]
    assert len(offers) == 1
    _new_session(app, texter)
    for body in ("1", "4", "4"):
        assert not any("ALERTAS" in r for r in texter.send(body))


def test_subscribing_costs_no_extra_round_trip(app, redis_url, prefix):
    """Asking, answering, renewing and ending the subscription: two round trips a message, as any other."""
    texter = Texter(app.test_client(), "+15055550790")
    texter.send("hola")
    texter.send("1")
    bodies = ["ALERTAS", "Florida", "2", "ALERTAS", "BAJA", "ALERTAS", "STOP"]
    seen = round_trips(redis_url, prefix, lambda: [texter.send(body) for body in bodies])
    assert seen == ["EVALSHA", "EVALSHA"] * len(bodies)


def test_the_simulator_shows_a_subscription_and_stores_nothing(app):
    """Staff trying ALERTAS in the simulator read what would happen; no subscription is made."""
    from bot.staff import simulator
    script = app.extensions["live_script"].get()
    session = simulator.start("published", lang="es")
    for body in ("ALERTAS", "Florida", "BAJA"):
        session = simulator.send(script, session, body, OPEN_HOURS)
    notes = [text for who, text, *_ in session.log if who == "note"]
    assert notes == ["alerts_on", "alerts_off"]
    assert app.extensions["alerts"].subscriber_counts() == {}


@pytest.mark.parametrize("lang", ["es", "quc", "en"])
def test_every_confirmation_fits_one_segment(app, lang):
    """For every U.S. state's name and a cap of up to 31 a month, the confirmation is one GSM-7 segment."""
    from bot.conversation.alert_steps import state_name
    from bot.conversation.quiet_hours import STATE_ZONES
    script = app.extensions["live_script"].get()
    fold = script.sms.get("fold_accents", True)
    longest = ""
    for code in STATE_ZONES:
        for cap in (2, 31):
            text = sms_safe(script.text("alerts.confirm", lang, place=state_name(script, code, lang), per_month=cap),
                            fold)
            assert segments(text) == ("GSM-7", 1), text
            longest = max(longest, text, key=len)
    assert len(longest) > 140  # the texts really were filled in
    assert segments(sms_safe(script.text("alerts.confirm_all", lang, per_month=31), fold)) == ("GSM-7", 1)
