"""Where a message goes once read (bot/conversation/decision.py), and what the evaluation sets may not
teach: Understandings are built by hand here, so each rule is tested apart from the models."""
import json
import os

import pytest

from bot.conversation.decision import decide
from bot.conversation.understanding.examples import flatten
from bot.conversation.understanding.features import fold
from bot.conversation.understanding.reader import Understanding
from bot.conversation.script import load_script
from bot.conversation.textmatch import normalize
from conftest import SCRIPT

LANGUAGES = {"lang_es": "es", "lang_en": "en", "lang_quc": "quc"}
LEADS = {"pay": "pay", "fired": "retaliation", "housing": "housing", "person": "person",
         "referral": "referral", "help": "main"}
ACCEPT = 0.3
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUTSIDE = os.path.join(ROOT, "..", "shared", "corpora", "outside-writers.json")


def read(*intents, **kw):
    """Return an Understanding with these (intent, probability) pairs."""
    return Understanding(intents=tuple(intents), **kw)


def test_a_sure_topic_goes_to_it():
    assert decide(read(("pay", 0.8), ("fired", 0.1)), LEADS, ACCEPT).kind == "go"


def test_two_unsure_topics_that_share_the_message_are_offered_as_a_choice():
    """Below the acceptance score, two topics nearly as likely as each other: a choice of the two."""
    d = decide(read(("fired", 0.24), ("housing", 0.23), ("pay", 0.1)), LEADS, ACCEPT)
    assert d.kind == "choice" and d.intents == ("fired", "housing")


@pytest.mark.parametrize("intents", [
    (("fired", 0.24), ("housing", 0.08), ("pay", 0.07)),      # the second far behind: not a pair
    (("fired", 0.12), ("housing", 0.11), ("pay", 0.1)),       # together far from a sure topic
    (("other", 0.25), ("fired", 0.2), ("housing", 0.19)),     # the likeliest is no topic
    (("fired", 0.2), ("person", 0.19), ("housing", 0.1)),     # a request is no topic to choose
])
def test_no_choice_when_the_two_are_not_both_likely_topics(intents):
    d = decide(read(*intents), LEADS, ACCEPT)
    assert d.kind is None


def test_an_unsure_choice_keeps_the_danger_line():
    d = decide(read(("fired", 0.24), ("housing", 0.22), near_danger="violence"), LEADS, ACCEPT)
    assert d.kind == "choice" and d.line == "violence"


def test_a_clear_topic_in_an_unclear_language_is_answered_in_the_likeliest(make_texter):
    """A first message whose topic is clear but whose language the model is not sure of gets the topic
    in the likeliest language (with the line on changing it), not the three-language greeting."""
    texter = make_texter()
    candidates = ["call me plis", "lawyer pls", "overtime?", "plis call me back", "need lawyer pls"]
    unclear = [t for t in candidates if SCRIPT.understand(t).lang is None
               and SCRIPT.understand(t).lang_guess == "en" and SCRIPT.understand(t).intent in LEADS]
    assert unclear, "none of the candidates is a clear topic in an unclear language any more: write another"
    text = unclear[0]
    replies = texter.send(text)
    joined = "\n".join(replies)
    assert "Elija su idioma" not in joined
    assert SCRIPT.text(SCRIPT.engine_text("change_language"), "en") in joined


@pytest.mark.skipif(not os.path.exists(OUTSIDE), reason="the outside writers' set lies in ../shared only")
def test_no_example_is_a_close_variation_of_an_outside_writers_message():
    """The outside writers' messages are for evaluation only: no example may be one of them reworded
    (rapidfuzz similarity 72 or more, messages over 12 letters)."""
    from rapidfuzz import fuzz, process
    with open(OUTSIDE, encoding="utf-8") as fh:
        data = json.load(fh)
    outside = [fold(m["text"]) for m in (data["messages"] if isinstance(data, dict) else data)]
    close = []
    for e in flatten(SCRIPT.examples):
        f = fold(e.text)
        if len(f) > 12:
            best = max(process.extractOne(f, outside, scorer=fuzz.ratio)[1],
                       process.extractOne(f, outside, scorer=fuzz.token_sort_ratio)[1])
            if best >= 72:
                close.append(e.text)
    assert close == []


def test_a_short_word_in_an_unclear_language_still_gets_the_greeting(make_texter):
    """Too few letters to tell a language ("ICE", "asilo"): the three-language greeting asks."""
    texter = make_texter()
    assert "Elija su idioma" in "\n".join(texter.send("ICE"))


def test_a_request_for_a_person_keeps_the_language_it_names():
    d = decide(read(("person", 0.7), ("lang_es", 0.01)), LEADS, ACCEPT, LANGUAGES, named="es")
    assert (d.kind, d.intents, d.speak) == ("go", ("person",), "es")
    d = decide(read(("lang_quc", 0.5), ("person", 0.4)), LEADS, ACCEPT, LANGUAGES)
    assert (d.kind, d.intents, d.speak) == ("go", ("person",), "quc")
    d = decide(read(("lang_quc", 0.8), ("person", 0.1)), LEADS, ACCEPT, LANGUAGES)
    assert (d.kind, d.intents, d.speak) == ("language", ("quc",), None)
    d = decide(read(("person", 0.9), ("pay", 0.05)), LEADS, ACCEPT, LANGUAGES)
    assert d.speak is None
    d = decide(read(("pay", 0.9), ("person", 0.05)), LEADS, ACCEPT, LANGUAGES, named="en")
    assert d.speak is None  # a language named beside a topic is not a request to change


@pytest.mark.parametrize("norm, lang", [("call me in spanish", "es"), ("alguien que hable k'iche", "quc"),
                                        ("una persona en ingles", "en"), ("english or spanish", None),
                                        ("call me", None), ("inglesia", None)])
def test_the_language_a_message_names(norm, lang):
    assert SCRIPT.named_language(normalize(norm)) == lang


def test_an_unknown_language_name_list_is_refused_by_the_checks():
    from bot.conversation.word_checks import check_understanding
    script = load_script(os.path.join(ROOT, "locales"))
    script.language_names = dict(script.language_names, xx=["xx"])
    assert "understand.language_names.xx" in {p.where for p in check_understanding(script)}


@pytest.mark.parametrize("text, lang", [("can somebody call me in spanish please", "es"),
                                        ("quiero hablar con una persona en ingles", "en")])
def test_asking_for_a_person_in_a_language_opens_the_handoff_in_it(make_texter, text, lang):
    texter = make_texter()
    replies = "\n".join(texter.send(text))
    handoff = SCRIPT.nodes["person"].text[0]
    assert SCRIPT.text(handoff, lang)[:40] in replies, replies


def test_an_urgent_message_gets_the_911_line_first():
    d = decide(read(("help", 0.6)), dict(LEADS), ACCEPT, urgent=True)
    assert (d.kind, d.line) == ("go", "violence")
    d = decide(read(("pay", 0.9)), LEADS, ACCEPT, urgent=True)
    assert d.line == "violence"
    d = decide(read(("pay", 0.9), near_danger="selfharm"), LEADS, ACCEPT, urgent=True)
    assert d.line == "selfharm"  # a kind's own line stays
    assert decide(read(("help", 0.6)), LEADS, ACCEPT).line is None


@pytest.mark.parametrize("text, lang", [("ayuda urgente", "es"), ("urgent help please", "en")])
def test_urgent_help_puts_911_first(make_texter, text, lang):
    first = make_texter(channel="whatsapp").send(text)[0].split("\n")[0]
    assert first == SCRIPT.text(SCRIPT.danger_lines["violence"], lang)


@pytest.mark.parametrize("text", ["Arizona", "Texas", "Carolina del Norte", "Huehuetenango"])
def test_a_place_alone_is_never_danger(make_texter, text):
    """A place written alone (at the place prompt or first) names where the texter is: no danger page."""
    texter = make_texter(channel="whatsapp")
    texter.send("hola")
    texter.send("1")
    joined = "\n".join(texter.send(text))
    for kind in SCRIPT.danger_pages.values():
        assert SCRIPT.text(SCRIPT.nodes[kind].text[0], "es")[:30] not in joined
