"""The staff's simulator (bot/staff/simulator.py): the pure engine on a chosen script, state in a signed token."""
import dataclasses
import datetime

import pytest

from bot.staff import simulator
from bot.conversation.engine import Context, Inbound, State, step
from bot.conversation.script import load_script
from bot.conversation.sms import segments
from conftest import PERSON, REFERRAL, SECRET_KEY

SCRIPT = load_script("locales")
OPEN = datetime.datetime(2026, 11, 24, 15, 0, tzinfo=datetime.timezone.utc)     # Tue 10:00 New York
CLOSED = datetime.datetime(2026, 11, 28, 3, 0, tzinfo=datetime.timezone.utc)    # Fri 22:00 New York


def talk(session, *texts, now=OPEN, script=SCRIPT):
    """Send texts in order, each through a token as the page does; return the last Session."""
    for text in texts:
        session = simulator.load(simulator.dump(session, SECRET_KEY), SECRET_KEY)
        session = simulator.send(script, session, text, now)
    return session


def bot_lines(session):
    """Return the bot's replies in the transcript."""
    return [line[1] for line in session.log if line[0] == "bot"]


def test_new_texter_gets_what_the_engine_gives_with_each_cost():
    """A new texter: the greeting, then the main menu; every reply is the engine's, priced as an SMS."""
    session = talk(simulator.start("draft"), "hola", "1")
    state, expected = State(), []
    for text in ("hola", "1"):
        result = step(SCRIPT, state, Inbound(text), Context(now=OPEN, new_session=not expected))
        state, expected = result.state, expected + result.replies
    assert bot_lines(session) == expected
    for who, text, cost in session.log:
        if who == "bot":
            assert cost == [*segments(text), len(text)]
    assert session.lang == "es" and session.node == "main"
    assert session.sms_segments == sum(segments(t)[1] for t in expected)


def test_remembered_language_starts_at_the_main_menu_on_whatsapp():
    """A texter whose language is remembered gets the main menu; WhatsApp replies are priced in characters."""
    session = talk(simulator.start("published", "whatsapp", "en"), "hi")
    [reply] = bot_lines(session)
    assert "1. " in reply and session.node == "main"
    assert session.log[-1][2] == [None, 0, len(reply)]
    assert session.sms_segments == 0


def test_referral_shows_the_directory_of_the_script_given():
    """The referral answer comes from the Script passed in: another script, another number."""
    bundle_script = load_script("locales")
    cdm = next(e for e in bundle_script.directory if e["id"] == "cdm")
    us_number = next(p["number"] for p in cdm["phones"] if p["from"] == "US")
    session = talk(simulator.start("draft", lang="es"), "hola", REFERRAL, "Ohio")
    assert us_number in bot_lines(session)[-1]
    cdm["phones"][0]["number"] = "1-855-234-9698"
    other = talk(simulator.start("draft", lang="es"), "hola", REFERRAL, "Ohio", script=bundle_script)
    assert "1-855-234-9698" in bot_lines(other)[-1] and us_number not in bot_lines(other)[-1]


def test_handoff_waits_for_a_volunteer_until_closed():
    """Asking for a person: a note, then messages are kept (no reply); closing sends the closing text."""
    session = talk(simulator.start("draft", lang="es"), "hola", PERSON)
    assert session.handoff == "waiting" and session.log[-1] == ["note", "handoff", None]
    session = talk(session, "necesito ayuda")
    assert [line[0] for line in session.log[-5:]] == ["texter", "why", "decision", "bot", "note"]
    assert session.log[-4][1][0][0].startswith("intent ") and session.log[-4][1][0][1]["intent"] == "help"  # read, but kept for the volunteer
    assert [line[:2] for line in session.log[-5:] if line[0] not in ("why", "decision")] == [
        ["texter", "necesito ayuda"],
        ["bot", "Recibimos su mensaje. Una persona le va a contestar aqui pronto. Escriba MENU para volver, o "
                "EMERGENCIA si hay peligro."], ["note", "kept"]]
    closed = simulator.close_handoff(SCRIPT, session)
    assert closed.handoff is None and closed.log[-2][0] == "bot" and closed.log[-1][1] == "closed"
    assert closed.log[-2][1].startswith("Gracias por escribirnos")
    assert "1. " in bot_lines(talk(closed, "hola"))[-1]  # the bot answers again
    assert simulator.close_handoff(SCRIPT, closed) is closed  # nothing to close


def test_after_hours_handoff_uses_the_scripts_office_hours():
    """Outside the script's office hours the texter is told when someone answers."""
    session = talk(simulator.start("draft", lang="es"), "hola", PERSON, now=CLOSED)
    assert "lunes 30 de noviembre, 09:00" in bot_lines(session)[-1]
    script = load_script("locales")
    script.office_hours = {"timezone": "America/New_York", "days": {"sat": "10:00-12:00"}}
    later = talk(simulator.start("draft", lang="es"), "hola", PERSON, now=CLOSED, script=script)
    assert "sabado 28 de noviembre, 10:00" in bot_lines(later)[-1]


def test_stop_start_and_deletion():
    """STOP silences, START brings the menu back; BORRAR then SI forgets the texter, language included."""
    session = talk(simulator.start("draft", lang="es"), "hola", "STOP", "menu")
    assert session.opted_out and session.log[-1][1] == "no_reply" and ["note", "opted_out", None] in session.log
    session = talk(session, "START")
    assert not session.opted_out and "1. " in bot_lines(session)[-1]
    session = talk(session, "BORRAR", "SI")
    assert session.state is None and session.lang is None and session.log[-1] == ["note", "deleted", None]
    assert talk(session, "hola").node == "language"  # met as someone new


def test_tokens_are_signed_and_bounded():
    """A token from elsewhere, edited, or oversized is refused; the transcript keeps its last lines."""
    session = talk(simulator.start("draft", lang="es"), *["menu"] * 40)
    assert len(session.log) == simulator.MAX_LOG
    token = simulator.dump(session, SECRET_KEY)
    assert simulator.load(token, SECRET_KEY) == session
    for bad in ("", "x" * (simulator.MAX_TOKEN + 1), token[:-2] + "AA", simulator.dump(session, "another key")):
        with pytest.raises(simulator.SimulatorError):
            simulator.load(bad, SECRET_KEY)
    with pytest.raises(simulator.SimulatorError):
        simulator.start("draft", channel="fax")


def test_long_input_and_broken_state_never_crash():
    """A 20,000-character message is cut to what WhatsApp delivers; a state the engine cannot read starts over."""
    session = talk(simulator.start("draft", lang="es"), "x" * 20000)
    assert len(session.log[0][1]) == simulator.MAX_INPUT
    broken = dataclasses.replace(simulator.start("draft"), state='{"node": "gone", "page": "x"}', lang="fr")
    assert bot_lines(simulator.send(SCRIPT, broken, "hola", OPEN))


def test_the_simulator_shows_why_a_sentence_was_understood():
    """Staff see the words found, the intent, its score and the decision under the texter's message."""
    session = talk(simulator.start("draft", lang="es"), "hola", "mi patron no me paga las horas extras")
    kept = next(text for who, text, _ in reversed(session.log) if who == "why")
    lines = [template % params if params else template for template, params in kept]  # [template, details]
    why = "\n".join(lines)
    assert lines[0].startswith("intent pay 0.") and lines[1].startswith("  weighed: ")  # the n-grams that weighed
    assert "danger -" in why and "language es" in why and "decision" not in why
    nearest = [line for line in lines if line.startswith("  like: ")]
    assert len(nearest) == 3 and "(pay" in nearest[0]  # the nearest examples, the first about pay
    decided = next(text for who, text, _ in reversed(session.log) if who == "decision")
    assert decided == ["go", ["pay"], None]
    assert session.node == "pay"


def test_the_simulator_says_a_menu_number_was_followed():
    """A menu number the bot handled is never shown as "not understood" (issue 22, defect 5)."""
    session = talk(simulator.start("draft", lang="es"), "hola", PERSON)
    decided = [text for who, text, _ in session.log if who == "decision"]
    assert decided[-1] == ["option", ["person"], None]
    session = talk(simulator.start("draft"), "hola", "1")  # the language menu's number
    decided = [text for who, text, _ in session.log if who == "decision"]
    assert decided[-1][0] == "option"
    session = talk(simulator.start("draft", lang="es"), "hola", "xyzzy qwerty")
    assert [text for who, text, _ in session.log if who == "decision"][-1][0] is None


def test_danger_while_waiting_is_urgent_in_the_simulator():
    """Danger written while waiting: the emergency reply and a note that the conversation is urgent."""
    session = talk(simulator.start("draft", lang="es"), "hola", PERSON, "me quieren matar")
    assert ["note", "urgent", None] in session.log and "911" in bot_lines(session)[-1]



def test_the_decision_names_labels_in_the_pages_language(twilio_app, web):
    """The decision line of the Spanish page says what the bot went to in words ("fue a pago", "(saludo)"),
    never the model's label (pay, hello)."""
    import re
    twilio_app.extensions["accounts"].add("eva@example.org", "staff", "correct horse battery staple",
                                          langs=["es"], ui_lang="es")
    eva = web()
    eva.login("eva@example.org")
    eva.get("/admin/script/simulator/")
    page = eva.post("/admin/script/simulator/", {"action": "start", "version": "draft", "lang": "es",
                                                  "channel": "sms"}).get_data(as_text=True)
    decisions = []
    for body in ("hola", "mi patron no me paga"):
        token = re.search(r'name="token" value="([^"]+)"', page)[1]
        page = eva.post("/admin/script/simulator/", {"action": "send", "token": token, "body": body}
                        ).get_data(as_text=True)
        decisions.append(re.findall(r'Qué hizo el bot:</span>\s*<span class="text">(.*?)</span>', page, re.S)[-1])
    assert decisions[0].strip() == "respondió a un saludo o agradecimiento (saludo)", decisions
    assert decisions[1].strip() == "fue a pago", decisions
