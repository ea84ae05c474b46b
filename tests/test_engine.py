"""The pure conversation step: transitions that golden transcripts do not show well."""
import datetime

import pytest

from bot.conversation import pager
from bot.conversation.engine import Context, Inbound, State, step
from bot.conversation.script import load_script
from bot.conversation.sms import segments
from conftest import PERSON, choice

SCRIPT = load_script("locales")
OPEN = datetime.datetime(2026, 11, 24, 15, 0, tzinfo=datetime.timezone.utc)     # Tue 10:00 New York
CLOSED = datetime.datetime(2026, 11, 28, 3, 0, tzinfo=datetime.timezone.utc)    # Fri 22:00 New York


def run(texts, state=None, channel="sms", now=OPEN, **ctx):
    """Apply texts in order; return the last Result."""
    state = state or State()
    result = None
    for text in texts:
        result = step(SCRIPT, state, Inbound(text, channel), Context(now=now, **ctx))
        state = result.state
    return result


def test_stop_silences_until_start():
    """STOP: no reply and an opt_out event; nothing until START, which brings back the menu."""
    result = run(["hola", "1", "STOP"])
    assert result.replies == [] and ("opt_out", {}) in result.events
    quiet = run(["1", "MENU", "ayuda"], state=result.state)
    assert quiet.replies == [] and quiet.state.opted_out
    back = run(["start"], state=quiet.state)
    assert "1. Reclutamiento" in back.replies[0] and not back.state.opted_out


@pytest.mark.parametrize("word", ["stop", "STOPALL", "Unsubscribe", "end", "quit", "revoke", "optout", "cancel"])
def test_every_carrier_opt_out_word(word):
    """Each of Twilio's opt-out keywords opts out."""
    assert run(["hola", word]).state.opted_out


def test_opt_out_type_is_honoured():
    """Twilio's OptOutType decides even when the body is another word (Advanced Opt-Out)."""
    r = step(SCRIPT, State(lang="es", node="main"), Inbound("PARAR", opt_out_type="STOP"), Context(now=OPEN))
    assert r.replies == [] and r.state.opted_out
    r = step(SCRIPT, r.state, Inbound("VOLVER", opt_out_type="START"), Context(now=OPEN))
    assert r.replies and not r.state.opted_out
    r = step(SCRIPT, r.state, Inbound("INFO", opt_out_type="HELP"), Context(now=OPEN))
    assert r.node == "help"


def test_after_silence_the_main_menu_in_the_remembered_language():
    """A new session with a remembered language starts at the main menu, whatever was written."""
    r = step(SCRIPT, State(lang="en"), Inbound("3"), Context(now=OPEN, new_session=True))
    assert r.node == "main" and "1. Recruitment fees" in r.replies[0]


def test_handoff_after_hours_says_when():
    """Outside office hours the texter is told when a person will answer (next opening)."""
    r = run(["hola", "1", PERSON], now=CLOSED)
    assert "lunes 30 de noviembre, 09:00 (hora del Este)" in r.replies[0]
    r = run(["hi", "3", PERSON], now=CLOSED)
    assert "Monday, November 30, 9:00 AM (Eastern time)" in r.replies[0]


def test_handoff_keeps_messages_and_acknowledges_at_most_every_30_minutes():
    """While waiting, messages are kept for the volunteer, with an occasional acknowledgement."""
    r = run(["hola", "1", PERSON])
    state = r.state
    first = step(SCRIPT, state, Inbound("ayuda"), Context(now=OPEN, handoff_status="waiting"))
    assert first.replies == [] and first.events == [("handoff_message", {"text": "ayuda", "media": 0})]
    later = step(SCRIPT, first.state, Inbound("hola?"), Context(now=OPEN + datetime.timedelta(minutes=31),
                                                                  handoff_status="waiting"))
    assert later.replies == ["Guardamos su mensaje. Una persona le va a contestar aqui."]
    claimed = step(SCRIPT, first.state, Inbound("hola?"), Context(
        now=OPEN + datetime.timedelta(hours=2), handoff_status="claimed"))
    assert claimed.replies == []


def test_sms_replies_stay_within_budget_and_whatsapp_keeps_full_text():
    """Every SMS reply is at most three segments; the same topic on WhatsApp is one full message."""
    long_parts = ["Primera parte con información importante. " * 6, "Segunda parte, también larga. " * 8,
                  "Tercera parte del texto para leer. " * 8]
    pages = pager.sms_pages(long_parts, 3, "(Escriba MAS para seguir leyendo)")
    assert len(pages) > 1 and all(segments(p + "\n(Escriba MAS para seguir leyendo)")[1] <= 3 for p in pages)
    assert "".join(pages).replace("\n", "").replace(" ", "") == "".join(
        pager.sms_safe(p) for p in long_parts).replace(" ", "")
    for topic in [o.goto for o in SCRIPT.nodes["main"].options]:
        sms = run(["hola", "1", choice("main", topic)])
        assert all(segments(r)[1] <= 3 for r in sms.replies), topic
    wa = run(["hola", "1", choice("main", "passport")], channel="whatsapp")
    assert len(wa.replies) == 1 and "233733" in wa.replies[0]
    assert any(ch in wa.replies[0] for ch in "áíóú")


def test_three_misses_offer_a_person():
    """After three misunderstood messages in a row the bot offers a person."""
    r = run(["hola", "1", "nada", "nada"])
    assert r.node == "main"
    r = run(["nada"], state=r.state)
    assert r.node == "stuck" and "persona" in r.replies[0]


def test_state_json_round_trip_is_small():
    """The stored session state is compact JSON and survives garbage."""
    r = run(["hola", "1", choice("main", "pay")])
    raw = r.state.to_json()
    assert State.from_json(raw).node == "pay" and len(raw) < 120
    assert State.from_json("{not json") == State()
