"""The pure conversation step: transitions that golden transcripts do not show well."""
import datetime

import pytest

from bot.conversation import pager
from bot.conversation.engine import Context, Inbound, State, step
from bot.conversation.script import load_script
from bot.conversation.sms import segments, sms_safe
from bot.conversation.understanding.reader import Understanding
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


def test_while_waiting_every_message_is_kept_and_acknowledged_in_one_segment():
    """Waiting for a person: each message is kept for the volunteer and answered in one SMS segment;
    once a volunteer has claimed it, the bot is quiet."""
    state = run(["hola", "1", PERSON]).state
    for text in ("ayuda", "hola?", "??"):
        r = step(SCRIPT, state, Inbound(text), Context(now=OPEN, handoff_status="waiting"))
        assert r.events[0] == ("handoff_message", {"text": text, "media": 0})
        assert r.replies == ["Recibimos su mensaje. Una persona le va a contestar aqui pronto. Escriba MENU para "
                             "volver, o EMERGENCIA si hay peligro."]
        assert segments(r.replies[0]) == ("GSM-7", 1)
        state = r.state
    claimed = step(SCRIPT, state, Inbound("hola?"), Context(now=OPEN, handoff_status="claimed"))
    assert claimed.replies == [] and claimed.events == [("handoff_message", {"text": "hola?", "media": 0})]


def test_the_acknowledgement_after_hours_says_when_in_one_segment():
    """Outside office hours the acknowledgement says when a person will answer, still one segment."""
    state = run(["hola", "1", PERSON], now=CLOSED).state
    for lang in ("es", "en", "quc"):
        state.lang = lang
        r = step(SCRIPT, state, Inbound("hello?"), Context(now=CLOSED, handoff_status="waiting"))
        assert "911" in r.replies[0] and segments(r.replies[0]) == ("GSM-7", 1), r.replies[0]


def test_menu_while_waiting_asks_before_leaving_the_line():
    """MENU while waiting keeps the place in line and says how to leave; MENU again leaves it."""
    state = run(["hola", "1", PERSON]).state
    first = step(SCRIPT, state, Inbound("MENU"), Context(now=OPEN, handoff_status="waiting"))
    assert first.replies[0].startswith("Sigue en la fila") and not any(k == "handoff_cancel" for k, _ in first.events)
    again = step(SCRIPT, first.state, Inbound("menu"), Context(now=OPEN, handoff_status="waiting"))
    assert ("handoff_cancel", {}) in again.events and again.node == "main"
    assert again.replies[0].startswith("Salio de la fila.") and not again.state.handoff
    other = step(SCRIPT, first.state, Inbound("ok"), Context(now=OPEN, handoff_status="waiting"))
    assert not other.state.leave  # anything else keeps them in line; the next MENU asks again


@pytest.mark.parametrize("status", [None, "waiting", "claimed"])
@pytest.mark.parametrize("text", ["EMERGENCIA!", "911", "me quieren matar", "nos tienen encerrados", "a man with a gun is at the camp",
                                  "kinkich'ay"])
def test_danger_from_anywhere(text, status):
    """Danger gets the emergency reply (911 first) in every state; in a handoff it is kept and urgent."""
    state = run(["hola", "1", PERSON]).state if status else run(["hola", "1", "2"]).state
    r = step(SCRIPT, state, Inbound(text), Context(now=OPEN, handoff_status=status))
    assert "911" in r.replies[0].split("\n")[0]
    if status:
        assert ("urgent", {}) in r.events and r.events[0][0] == "handoff_message"
    else:
        assert r.node == "emergency"


@pytest.mark.parametrize("before", [[], ["hola"], ["hola", "1", "BORRAR"]])
def test_danger_as_first_message_at_the_language_menu_and_when_deleting(before):
    """A first message, the language menu and a deletion's confirmation all give way to danger."""
    state = run(before).state if before else State()
    r = step(SCRIPT, state, Inbound("me quieren matar"), Context(now=OPEN))
    assert r.node == "emergency" and "911" in r.replies[0] and r.state.confirm_delete is None
    assert r.state.lang == "es"


def test_a_handoff_opened_after_danger_is_urgent():
    """Danger, then a person: the handoff is opened as urgent."""
    r = run(["hola", "1", "911", "1"])
    opened = next(data for kind, data in r.events if kind == "handoff_open")
    assert opened["urgent"] is True
    calm = next(data for kind, data in run(["hola", "1", PERSON]).events if kind == "handoff_open")
    assert calm["urgent"] is False


def test_first_message_in_own_words_is_answered_in_its_language():
    """A first message about a topic: that topic, in that language, with one line on changing language."""
    for text, lang, node, line in [("no me pagan las horas extra", "es", "pay", "Otro idioma: escriba IDIOMA."),
                                   ("I was fired", "en", "retaliation", "Other language: write LANGUAGE."),
                                   ("xinsokotaj pa ri chak", "quc", "injury", "Jun chik ch'ab'al")]:
        r = run([text])
        assert (r.state.lang, r.node) == (lang, node) and r.replies[0].startswith(line)
        assert ("language", lang) in r.events
    assert run(["hola"]).node == "language" and run(["???"]).node == "language"


def test_the_greeting_is_one_gsm7_segment_and_names_911():
    """The first reply a new texter gets costs one segment and says 911."""
    text = run(["hola"]).replies[0]
    assert segments(text) == ("GSM-7", 1) and "911" in text


TWO = "me lastimé y me quieren mandar a mi país"


@pytest.fixture
def two_topics(monkeypatch):
    """Make the model read TWO as injury or asylum, nearly as likely (what a sentence about both gives)."""
    real = SCRIPT.understand

    def understand(text, danger=True):
        if text != TWO:
            return real(text, danger)
        return Understanding(intents=(("injury", 0.48), ("asylum", 0.41), ("pay", 0.05)), lang="es")

    monkeypatch.setattr(SCRIPT, "understand", understand)


def test_two_topics_in_one_sentence_get_a_short_choice(two_topics):
    """Two topics: a numbered choice of just those, one segment; the number picks one."""
    r = run(["hola", "1", TWO])
    assert r.replies == ["¿Sobre qué tema? Responda con un numero:\n1. Lesion o enfermedad\n2. Asilo, seguridad"]
    assert segments(r.replies[0])[1] == 1
    assert run(["2"], state=r.state).node == "asylum"
    assert run(["5"], state=r.state).node == "discrimination"  # the choice is gone: the menu's own 5


def test_a_choice_holds_for_one_message_only(two_topics):
    """After a choice of two topics, MENU then 1 is the main menu's 1, not the first topic offered."""
    r = run(["hola", "1", TWO, "MENU", "1"])
    assert r.node == "recruitment"


def test_a_first_message_asking_for_an_organisation_somewhere_gets_it_at_once():
    """First message: organisations for a place, in the texter's language, with the language line."""
    r = run(["I need a free lawyer in Texas for my asylum case"])
    assert r.node == "referral" and r.state.lang == "en" and r.state.place == "US-TX"
    assert r.replies[0].startswith("Other language: write LANGUAGE.\nPlace: Texas.\n")


def test_option_numbers_stay_put_inside_a_topic():
    """On every page of a topic, "Buscar organizacion" is 1, "Hablar con persona" 2 and "Volver" 3."""
    for topic in ("recruitment", "pay", "injury", "retaliation", "asylum"):
        node = topic
        while node:
            labels = [o.label for o in SCRIPT.nodes[node].options]
            assert labels[:3] == ["opt.referral", "opt.person", "opt.back"], node
            node = next((o.goto for o in SCRIPT.nodes[node].options if o.label == "opt.more"), None)


@pytest.mark.parametrize("word", ["más", "mas", "siguiente", "more", "next", "ch'aqa' chik"])
def test_small_words_turn_the_page(word):
    """"más", "more", "next" and the K'iche' words turn the SMS page, then open the topic's next page."""
    first = run(["hola", "1", "2"])  # pay's first page is two SMS pages long, its options on the first
    assert first.state.more and "4. Mas informacion" in first.replies[0]
    r = run([word], state=first.state)
    assert r.node == "pay" and r.state.page == 1 and not r.state.more and r.replies[0] not in first.replies[0]
    assert run([word], state=r.state).node == "pay_more"


def test_more_on_a_last_page_says_there_is_no_more():
    """"más" where nothing follows: one line, not "not understood"."""
    r = run(["hola", "1", "4", "mas"])  # housing: two SMS pages, no "more information"
    assert r.node == "housing" and not r.state.more and "No hay mas texto." not in r.replies[0]
    r = run(["mas"], state=r.state)
    assert r.replies == ["No hay mas texto."] and r.node == "housing"


@pytest.mark.parametrize("text, start", [("gracias", "Con gusto."), ("ok", "Bien."), ("hola", "Hola."),
                                         ("thanks", "Con gusto."), ("bye", "Cuidese.")])
def test_small_talk_gets_one_friendly_line(text, start):
    """Small talk in a menu: one segment, not the menu, not "not understood"."""
    r = run(["hola", "1", "2", text])
    assert r.replies[0].startswith(start) and segments(r.replies[0])[1] == 1 and r.node == "pay"


def test_no_after_borrar_says_nothing_was_deleted():
    """BORRAR, then no: one line saying nothing was deleted."""
    r = run(["hola", "1", "BORRAR", "no"])
    assert r.replies == ["Bien, no borramos nada."] and r.state.lang == "es"


def test_a_sentence_naming_an_organisation_and_a_place_gives_the_referral_at_once():
    """An organisation asked for with a topic and a place: the organisations, the place named first."""
    r = run(["hola", "1", "busco una organizacion que ayude con mi pago en carolina del norte"])
    assert r.node == "referral" and r.state.place == "US-NC" and r.state.topic == "pay"
    first = r.replies[0]  # the state's organisations first (issue 13), so WHD is on the next SMS page
    assert first.startswith("Lugar: Carolina del Norte.") and "(800) 777-5869" in first
    more = run(["mas"], state=r.state).replies[0]
    # the next page goes on where the first stopped, with whole entries: WHD's name and number together
    assert more.startswith("- Division de Horas y Salarios (WHD), Departamento de Trabajo: llame 1-866-487-9243."), more


def test_a_miss_reports_its_unknown_words():
    """A message not understood carries the words no list knows (for the staff's report)."""
    r = run(["hola", "1", "2", "el zacate esta muy alto y las hormigas pican"])
    assert r.events == [("not_understood", {"words": ("hormigas", "pican")})]


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


@pytest.mark.parametrize("lang", ["es", "en", "quc"])
def test_the_short_answers_are_one_gsm7_segment_in_every_language(lang, two_topics):
    """Small talk, the acknowledgement while waiting, leaving the line, "nothing deleted" and the choice
    of two topics each cost one GSM-7 segment, in every language (as sent: accents folded)."""
    from bot.conversation.sms import sms_safe
    ids = [SCRIPT.engine_text(role) for role in ("waiting_ack", "leave_queue", "delete_kept", "left_queue",
                                                 "change_language")] + list(SCRIPT.small_talk.values())
    for tid in ids:
        assert segments(sms_safe(SCRIPT.text(tid, lang))) == ("GSM-7", 1), tid
    state = State(lang=lang, node="main")
    r = step(SCRIPT, state, Inbound(TWO), Context(now=OPEN))
    assert r.state.choice and segments(r.replies[0]) == ("GSM-7", 1)


@pytest.mark.parametrize("texts", [["busco una organizacion que ayude con mi pago en carolina del norte"],
                                   ["hola", "1", "busco una organizacion que ayude con mi pago en carolina del norte"],
                                   ["hello", "3", "I need an organization for my pay in washington"],
                                   ["hola", "2", "2", "1", "Texas"]])  # K'iche', pay, find an organisation
def test_a_referral_read_page_by_page_loses_no_words(texts):
    """Every SMS page of a referral that names its place, read with "more", adds up to the WhatsApp text
    (the next page is cut from the text that holds the place line, or words are lost or repeated)."""
    sms, whatsapp = run(texts), run(texts, channel="whatsapp")
    pages, state = [], sms.state
    hint = [sms_safe(SCRIPT.text("sms.more_hint", lang)) for lang in SCRIPT.languages]
    pages.append(sms.replies[0])
    while state.more:
        r = run([SCRIPT.text("kw.more_page", state.lang).split(",")[0].strip()], state=state)  # "mas", "more"
        pages.append(r.replies[0])
        state = r.state
    assert len(pages) > 1
    text = "".join(pages)
    for h in hint:
        text = text.replace(h, "")
    assert text.split() == sms_safe(whatsapp.replies[0]).split()
