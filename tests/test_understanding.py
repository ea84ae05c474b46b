"""Understanding as texters meet it (issue 19): danger by kind, danger in the past, languages, the models.

Messages go through the signed webhook as first messages of fresh conversations, in the three languages
and both channels. The sentences here were written for these tests, not taken from the examples.
"""
import os

import numpy as np
import pytest

from bot.conversation.script import load_script
from bot.conversation.sms import sms_safe
from bot.conversation.understanding import cache, linear, training
from bot.conversation.understanding.examples import flatten, problems
from conftest import ROOT, SCRIPT, Texter
from bot.conversation.checks import check_script

DANGER = {  # kind -> {lang: message}, and what its answer must carry first
    "violence": {"es": "ahorita nos estan golpeando en la bodega, ayudenos",
                 "en": "a man is beating my roommate right now and he has a knife",
                 "quc": "kinkich'ay kamik pa ri ja"},
    "selfharm": {"es": "ya no aguanto, me quiero quitar la vida",
                 "en": "i want to kill myself tonight",
                 "quc": "kwaj kinkamik, man kwaj ta chik kink'asi'"},
    "medical": {"es": "mi compañero se cayo de la escalera y no respira",
                "en": "my coworker collapsed and is not breathing",
                "quc": "jun wachi'l xtzaq, man kuxlan ta"},
    "poison": {"es": "nos fumigaron encima y me arden los ojos y vomito",
               "en": "they sprayed pesticide on us and my skin is burning and i am throwing up",
               "quc": "xkiya' pesticida chqij, kaporon ri nuch'akul"},
}
FIRST = {"violence": "911", "selfharm": "988", "medical": "911", "poison": "1-800-222-1222"}
PAGE = {"violence": "emergency", "selfharm": "emergency_selfharm", "medical": "emergency_medical",
        "poison": "emergency_poison"}


@pytest.mark.parametrize("channel", ["sms", "whatsapp"])
@pytest.mark.parametrize("lang", ["es", "en", "quc"])
@pytest.mark.parametrize("kind", sorted(DANGER))
def test_every_danger_kind_gets_its_answer_first(make_texter, kind, lang, channel):
    """A first message about danger now gets its kind's page: the number to call comes first."""
    texter = make_texter(channel=channel)
    replies = texter.send(DANGER[kind][lang])
    text = "\n".join(replies)
    first_number = min((text.find(n), n) for n in ("911", "988", "1-800-222-1222") if n in text)[1]
    assert first_number == FIRST[kind], text
    if kind == "selfharm":
        assert "AYUDA" in text and "911" in text  # Spanish by text, and 911 after
    if kind == "poison":
        assert "911" in text


def test_the_kind_reaches_its_page_in_the_engine():
    """Each kind's page is the script's (the words above are read as that kind, in every language)."""
    for kind, by_lang in DANGER.items():
        for lang, text in by_lang.items():
            u = SCRIPT.understand(text)
            assert u.danger == kind, (kind, lang, u.explain())
            assert SCRIPT.danger_pages[kind] == PAGE[kind]


@pytest.mark.parametrize("channel", ["sms", "whatsapp"])
@pytest.mark.parametrize("text, topic_words", [
    ("hace tres años en mi pais me querian matar los pandilleros, ahora tengo corte de asilo en marzo",
     ("corte de inmigracion",)),
    ("el año pasado me cai de una escalera en el trabajo y nunca me pagaron el doctor", ("seguro",)),
    ("last year the crew boss hit me, now i work on another farm but they still owe me two weeks of pay",
     ("Wage and Hour", "1. Pay and wages")),  # its page, or the short choice offering it (fifth round)
])
def test_danger_in_the_past_gets_its_topic_with_the_911_line_first(make_texter, text, topic_words, channel):
    """Frightening words about the past or elsewhere: the topic's page, with one 911 line first, not the
    emergency page."""
    replies = make_texter(channel=channel).send(text)
    first = replies[0]
    lines = {SCRIPT.text("emergency.911", lang) for lang in SCRIPT.languages}
    assert first.split("\n")[0] in lines | {sms_safe(line) for line in lines}
    assert "1-888-373-7888" not in first and "988" not in first  # not the emergency page
    said = "\n".join(replies).lower().replace("ó", "o")
    assert any(words.lower() in said for words in topic_words), said


@pytest.mark.parametrize("text", [
    "hey man, the boss did not pay my overtime this week",
    "yo man how much should they pay us per hour in georgia",
    "my man at the camp says the housing has no water",
])
def test_man_in_english_stays_english(make_texter, text):
    """"man" is an English word too (in K'iche' it is "not"): the whole message tells the language."""
    texter = make_texter()
    texter.send(text)
    assert SCRIPT.understand(text).lang == "en"
    assert texter.send("MENU")[0].startswith("Pick a number")


@pytest.mark.parametrize("text, lang, menu", [
    ("hablo mejor español", "es", "Elija un numero"),
    ("prefiero que me escriban en español por favor", "es", "Elija un numero"),
    ("k'iche' kinch'aw", "quc", "Chatz'ib'aj jun ajilab'al"),
    ("can you write to me in english", "en", "Pick a number"),
])
def test_a_statement_of_ones_language_sets_it(make_texter, text, lang, menu):
    """Saying which language one speaks sets it (not a request for a person) and shows the main menu."""
    texter = make_texter()
    assert texter.send(text)[0].startswith(menu)
    assert texter.send("MENU")[0].startswith(menu)


def test_a_language_statement_later_in_the_conversation_switches(make_texter):
    """In the middle of a conversation too."""
    texter = make_texter()
    texter.send("hola")
    texter.send("1")
    assert texter.send("i speak english")[0].startswith("Pick a number")


def test_fees_already_paid_reach_the_recruitment_page():
    """"ya pagué", "me cobraron", asking for the money back: the recruitment fees page."""
    for text in ("ya le pague al reclutador 1500 y no me han llamado", "me cobraron 500 dolares por la visa",
                 "how do i get back the money i paid the recruiter"):
        assert SCRIPT.understand(text).intent == "recruitment", (text, SCRIPT.understand(text).explain())


def test_explanations_name_the_ngrams_and_the_nearest_examples():
    """Every decision can be explained: the features that weighed most and the nearest examples."""
    u = SCRIPT.understand("el patron no me ha pagado tres semanas")
    assert u.intent == "pay" and any(line.strip().startswith("weighed:") for line in u.explain())
    nearest = SCRIPT.understander.nearest("el patron no me ha pagado tres semanas")
    assert len(nearest) == 3 and nearest[0][1].startswith("pay") and 0 < nearest[0][2] <= 1


def test_training_is_deterministic_and_the_cache_file_reads_back_the_same():
    """The same examples give the same models; the saved models read back give the same answers."""
    flat = flatten(SCRIPT.examples)[::3]  # a third of the examples: quicker, still every label
    texts = SCRIPT.language_texts()
    one, extra = training.train(flat, texts)
    two, _ = training.train(flat, texts)
    for name in one:
        assert np.array_equal(one[name].coef, two[name].coef)
    loaded, again = linear.load(linear.save(one, extra), cache.NAMES)
    assert again["accept"] == extra["accept"]
    for text in ("no me pagan", "me quieren matar", "xinkamisax"):
        for name in one:
            assert np.allclose(one[name].probabilities(text), loaded[name].probabilities(text))


def test_new_examples_are_trained_in_the_background_into_the_cache(tmp_path, monkeypatch):
    """A version with new examples is trained by a process of its own into the cache folder."""
    monkeypatch.setitem(cache._folder, "path", str(tmp_path))
    examples = {lang: {section: dict(labels) for section, labels in sections.items()}
                for lang, sections in SCRIPT.examples.items()}
    examples["es"]["intents"]["pay"] = list(examples["es"]["intents"]["pay"]) + ["el cheque vino chueco otra vez"]
    texts = SCRIPT.language_texts()
    assert not cache.ready(examples, texts)
    assert cache.train_detached(examples, texts)
    assert not cache.train_detached(examples, texts)  # already being trained
    import time
    deadline = time.monotonic() + 120
    while not cache.ready(examples, texts) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert cache.ready(examples, texts)
    assert [p.name for p in tmp_path.iterdir() if p.suffix in (".lock", ".job")] == []


def test_models_missing_from_the_cache_are_trained_apart_and_read_from_it(tmp_path):
    """A process that finds no models in the cache folder has them trained by a process of its own and
    reads them from the folder: it never imports scikit-learn (a web worker stays small), and the models
    are the ones training in place gives. Run in a fresh interpreter, as a worker starts."""
    import json
    import subprocess
    import sys
    program = f"""
import json, os, sys
sys.path[:0] = [{ROOT!r}]
from bot.conversation.understanding import cache
from bot.conversation.script import load_script
cache.set_folder({str(tmp_path)!r})
script = load_script({os.path.join(ROOT, "locales")!r})
u = cache.understander(script.examples, script.language_texts())
print(json.dumps({{"sklearn": "sklearn" in sys.modules, "files": sorted(os.listdir({str(tmp_path)!r})),
                  "read": u.read("mi patron no me paga").intents[0][0],
                  "coef": float(u.intent.coef.sum())}}))
"""
    found = json.loads(subprocess.run([sys.executable, "-c", program], capture_output=True, text=True,
                                      check=True, timeout=300).stdout.strip().splitlines()[-1])
    assert not found["sklearn"]
    assert [f for f in found["files"] if f.endswith(".npz")] and not [f for f in found["files"] if f.endswith(".job")]
    assert found["read"] == "pay"
    assert found["coef"] == float(SCRIPT.understander.intent.coef.sum())  # the same training


def test_the_checks_refuse_examples_they_cannot_use():
    """Unknown languages, sections and labels, empty and over-long messages are named with where."""
    bad = {"xx": {}, "es": {"intents": {"pay": ["", "x" * 700], "nonsense": ["hola"]}, "extra": {}}}
    found = problems(bad, SCRIPT.intent_labels, set(SCRIPT.danger_pages), SCRIPT.languages)
    wheres = {w for w, _ in found}
    assert {"examples.xx", "examples.es.intents.pay[0]", "examples.es.intents.pay[1]",
            "examples.es.intents.nonsense", "examples.es.extra"} <= wheres


def test_the_shipped_examples_pass_the_checks():
    """No example problem in the shipped script, and enough examples of everything in every language."""
    found = [p for p in check_script(SCRIPT) if p.where.startswith(("examples", "understand"))]
    assert found == []
    counts = {lang: len([e for e in flatten(SCRIPT.examples) if e.lang == lang]) for lang in SCRIPT.languages}
    assert counts["es"] >= 2000 and counts["en"] >= 1200 and counts["quc"] >= 400
    assert sum(counts.values()) >= 4000


def test_a_script_without_examples_still_answers_menus(tmp_path):
    """With no examples the models cannot be trained: menus and words still work, sentences are misses."""
    script = load_script(os.path.join(os.path.dirname(os.path.dirname(__file__)), "locales"))
    script.examples, script._understander = {}, None
    u = script.understand("no me pagan")
    assert u.intent is None and u.danger is None
