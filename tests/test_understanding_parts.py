"""Danger told inside a long message (issue 19): the danger model reads each sentence as well as the whole.

The stories here were written for these tests, not taken from the examples or any evaluation set. Each
long message about something else whose last sentences tell of danger now gets its kind's page, through
the signed webhook; the same story without those sentences gets its topic; a story about danger in the
past keeps its topic.
"""
import pytest

from bot.conversation.understanding import parts as parts_module
from bot.conversation.understanding.parts import parts
from conftest import SCRIPT

PAY_STORY = {
    "es": "buenas tardes, le escribo porque el patron nos paga por caja y esta semana nos desconto la renta "
          "de la traila y el transporte, y no nos dio el talon de cheque. trabajamos como 60 horas y no "
          "sale ni el minimo. ya le reclamamos al mayordomo y nomas se rie.",
    "en": "hi i have a question about my check. the grower takes money every week for the bus and the "
          "trailer and he does not give us the paper with the hours. we work like 60 hours and it does not "
          "come to the minimum. we asked the crew leader and he just laughs.",
}
DANGER_END = {  # kind -> {lang: the sentences added at the end of the story}
    "violence": {"es": "y ahorita el mayordomo llego borracho con una pistola y dice que nos va a matar a todos, "
                       "estamos encerrados en el cuarto",
                 "en": "and right now the crew leader is outside our door with a gun saying he will kill us, "
                       "we locked ourselves in the bathroom"},
    "selfharm": {"es": "la verdad ya no puedo mas con las deudas, ya me despedi de mi familia y tengo las "
                       "pastillas aqui, esta noche me las tomo todas",
                 "en": "honestly i cant take it anymore, i already said goodbye to my kids and i have the "
                       "pills here, tonight i am taking all of them"},
}
FIRST = {"violence": "911", "selfharm": "988"}
PAY_WORDS = {"es": "pago", "en": "pay"}


@pytest.mark.parametrize("channel", ["sms", "whatsapp"])
@pytest.mark.parametrize("lang", sorted(PAY_STORY))
@pytest.mark.parametrize("kind", sorted(DANGER_END))
def test_danger_at_the_end_of_a_long_story_gets_its_page(make_texter, kind, lang, channel):
    """The danger told last in a long message about pay gets its kind's number first."""
    texter = make_texter(channel=channel)
    text = "\n".join(texter.send(PAY_STORY[lang] + " " + DANGER_END[kind][lang]))
    first = min((text.find(n), n) for n in ("911", "988") if n in text)[1] if "911" in text or "988" in text else None
    assert first == FIRST[kind], text


@pytest.mark.parametrize("lang", sorted(PAY_STORY))
def test_the_same_story_without_the_danger_gets_its_topic(lang):
    """Without its last sentences, the story is about pay: no danger page."""
    u = SCRIPT.understand(PAY_STORY[lang])
    assert u.danger is None, u.explain()
    assert u.intent == "pay", u.explain()


def test_danger_past_the_words_the_whole_is_read_by_is_still_read():
    """A message longer than the whole message's reading (its first words) is read part by part to its end."""
    story = " ".join([PAY_STORY["es"]] * 3)
    assert SCRIPT.understand(story).danger is None
    u = SCRIPT.understand(story + " " + DANGER_END["violence"]["es"])
    assert u.danger == "violence", u.explain()


@pytest.mark.parametrize("text", [
    "hace dos años en mi pais unos mareros me golpearon y me quisieron matar. por eso me vine. ahora estoy "
    "bien aqui pero tengo corte de asilo en marzo y no tengo abogado, como le hago",
    "when i was crossing in 2023 the coyotes locked us in a house with guns. now i am safe here and working. "
    "can that help me get papers, like a visa for victims?",
])
def test_danger_in_the_past_told_in_sentences_is_not_danger_now(text):
    """Each sentence read with the one before it: a past told over two sentences stays the past."""
    u = SCRIPT.understand(text)
    assert u.danger is None, u.explain()


def test_a_message_of_one_sentence_has_no_parts_and_long_ones_are_split():
    """One short sentence is its own whole; stops, line breaks and 'ahorita' split; each part keeps the one
    before it; a run-on without stops is read in windows."""
    assert parts("me quiero morir") == []
    found = parts("no me pagan.\nY el patron grita\nahorita trae un cuchillo")
    assert found[0] == "no me pagan"
    assert found[-1].endswith("ahorita trae un cuchillo") and found[-1].startswith("y el patron grita")
    run_on = " ".join(f"palabra{i}" for i in range(40))
    windows = parts(run_on)
    assert len(windows) > 2
    assert all(len(w.split()) <= 2 * parts_module.WINDOW for w in windows)
    assert windows[-1].split()[-1] == "palabra00"  # the last words are read (digits fold to 0)
