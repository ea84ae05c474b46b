"""The shipped texts read easily and K'iche' texts hold no Spanish or English left in (issue 13)."""
import os
import re
import unicodedata

import pytest
import textstat
import yaml

from bot.conversation.rendering import render_node
from conftest import ROOT, SCRIPT

FLOORS = {"es": ("fernandez_huerta", 80), "en": ("flesch_reading_ease", 70)}
MAX_WORDS = 20
WEB = re.compile(r"\b(?:https?://)?(?:[\w-]+\.)+(?:gov|org|com)(?:/[\w./-]*)?", re.I)
KEY_NUMBERS = {"CDM": "1-855-234-9699", "WHD": "1-866-487-9243", "trafficking hotline": "1-888-373-7888",
               "emergency": "911"}
with open(os.path.join(ROOT, "locales", "quc-words.yaml"), encoding="utf-8") as _fh:
    QUC_WORDS = yaml.safe_load(_fh)


def topics():
    """Return {topic: [text ids in the order a texter meets them]} over the info nodes."""
    found = {}
    for node in SCRIPT.nodes.values():
        if node.type == "info" and node.topic:
            ids = found.setdefault(node.topic, [])
            ids += [tid for tid in node.text if tid not in ids]
    return found


def plain(text):
    """Return text ready for counting: web addresses as one word, abbreviations without inner dots."""
    text = WEB.sub("web", text)
    for short, bare in (("EE.UU.", "EEUU"), ("U.S.", "US")):
        text = re.sub(re.escape(short) + r"(?=\s+[A-ZÁÉÍÓÚ¿¡])", bare + ".", text).replace(short, bare)
    return text


def sentences(text):
    """Return the sentences of a text (ends at . ! ? or a line break)."""
    return [s for s in re.split(r"(?<=[.!?])\s+|\n", plain(text)) if s.strip()]


def shown_ids():
    """Return the ids of every text a texter reads (not keyword lists, not the 3-language greeting).

    The matcher's lists (m.*) are words looked for in what texters write, with their slang, typos and
    Spanish inside K'iche' on purpose: data for matching, never shown to a texter, like the kw.* lists.
    """
    return [tid for tid in SCRIPT.catalogs["es"] if not tid.startswith(("kw.", "m.", "lang.", "language."))]


@pytest.mark.parametrize("lang", sorted(FLOORS))
def test_every_topic_reads_easily(lang):
    """Spanish topics score Fernández-Huerta 80 or more, English ones Flesch 70 or more (textstat)."""
    measure, floor = FLOORS[lang]
    textstat.set_lang(lang)
    scores = {topic: getattr(textstat, measure)(" ".join(plain(SCRIPT.text(t, lang)) for t in ids))
              for topic, ids in topics().items()}
    assert len(scores) >= 8
    assert {t: s for t, s in scores.items() if s < floor} == {}


def test_the_floor_can_fail():
    """A legal-register sentence scores under both floors (the measure is not vacuous)."""
    textstat.set_lang("es")
    hard = ("La determinación administrativa subsiguiente constituirá jurisprudencia vinculante respecto de "
            "procedimientos migratorios extraordinarios.")
    assert textstat.fernandez_huerta(hard) < 80
    textstat.set_lang("en")
    assert textstat.flesch_reading_ease("Notwithstanding administrative determinations, jurisdictional "
                                        "considerations necessitate individualized adjudication.") < 70


@pytest.mark.parametrize("lang", ["es", "en"])
def test_no_sentence_is_over_twenty_words(lang):
    """Every sentence a texter reads has at most 20 words (a number or web address is one word)."""
    long = {}
    for tid in shown_ids():
        for sentence in sentences(SCRIPT.text(tid, lang)):
            words = re.findall(r"[\w'/%()-]+", sentence)
            if len(words) > MAX_WORDS:
                long[tid] = (len(words), sentence)
    assert long == {}


def test_spanish_is_mexican_and_central_american():
    """Spanish says patrón (not empleador) and lo/la (not the Spain-style le) after despedir and castigar."""
    spain = re.compile(r"\bempleador(es)?\b|\b(le|les) (despid|castig)|(castigarle|despedirle)\b", re.I)
    found = {tid: SCRIPT.text(tid, "es") for tid in shown_ids() if spain.search(SCRIPT.text(tid, "es"))}
    assert found == {}


def fold(text):
    """Return text lower-cased without accents, the glottal stop written as an ASCII apostrophe."""
    text = text.replace("\u2019", "'").replace("\u02bc", "'").lower()
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))


def kiche_texts():
    """Return {where: K'iche' text} for every catalog text a texter reads and each directory note."""
    texts = {tid: SCRIPT.catalogs["quc"][tid].text for tid in shown_ids() if tid in SCRIPT.catalogs["quc"]}
    texts.update({f"directory[{e['id']}]": (e.get("hours") or {}).get("quc", "") for e in SCRIPT.directory})
    return texts


def without_names(text):
    """Return a K'iche' text without the names of locales/quc-words.yaml and web addresses."""
    text = WEB.sub(" ", text)
    for name in sorted(QUC_WORDS["names"], key=len, reverse=True):
        text = re.sub(re.escape(name), " ", text, flags=re.I)
    return text


def words_outside_names(text):
    """Return the folded words of a K'iche' text, leaving out names, web addresses and CAPITAL commands."""
    text = without_names(text)
    words = re.findall(r"[^\W\d_][\w']*", text)
    return [fold(w) for w in words if not (len(w) > 1 and w.upper() == w)]


def test_kiche_texts_hold_no_listed_english_or_spanish_word():
    """No K'iche' text uses a word of the English or Spanish lists in locales/quc-words.yaml."""
    banned = {fold(w) for w in QUC_WORDS["english"] + QUC_WORDS["spanish"]}
    assert not banned & {fold(w) for w in QUC_WORDS["loanwords"]}
    found = {where: sorted(set(words_outside_names(text)) & banned) for where, text in kiche_texts().items()}
    assert {where: words for where, words in found.items() if words} == {}


def test_kiche_texts_use_one_spelling_per_word():
    """No K'iche' text uses a spelling the list in locales/quc-words.yaml replaces."""
    found = {}
    for where, text in kiche_texts().items():
        folded = " " + fold(without_names(text)) + " "
        for keep, avoid in QUC_WORDS["spelling"].items():
            for form in avoid:
                form = fold(form)
                end = "" if form.endswith("-") else r"(?![\w'])"
                if re.search(r"(?<![\w'])" + re.escape(form.rstrip("-")) + end, folded):
                    found.setdefault(where, []).append(f"{form} (write {keep})")
    assert found == {}


def test_the_kiche_checks_can_fail():
    """A sentence with left-in English and a replaced spelling is caught by both checks."""
    banned = {fold(w) for w in QUC_WORDS["english"]}
    assert set(words_outside_names("Chatch'aw rik'in ri Trafficking Hotline")) & banned == {"trafficking",
                                                                                            "hotline"}
    assert "rik'in" in QUC_WORDS["spelling"]["ruk'"]


def test_kiche_texts_stay_marked_for_review():
    """Every K'iche' text a texter reads is still marked needs-review until a native speaker checks it."""
    quc = SCRIPT.catalogs["quc"]
    assert [tid for tid in shown_ids() if tid in quc and not quc[tid].needs_review] == []


def levels(depth=2):
    """Return the nodes within depth choices of the main menu (the main menu itself included)."""
    seen, frontier = {SCRIPT.main}, [SCRIPT.main]
    for _ in range(depth):
        frontier = [o.goto for nid in frontier for o in SCRIPT.nodes[nid].options
                    if o.goto in SCRIPT.nodes and o.goto not in seen]
        seen |= set(frontier)
    return seen


@pytest.mark.parametrize("lang", SCRIPT.languages)
def test_key_numbers_within_two_menu_levels(lang):
    """CDM, WHD, the trafficking hotline and 911 are each shown within two choices of the main menu."""
    shown = "\n".join(render_node(SCRIPT, nid, lang) for nid in levels(2))
    assert {name: number in shown for name, number in KEY_NUMBERS.items()} == dict.fromkeys(KEY_NUMBERS, True)
    assert "1-855-234-9699" in render_node(SCRIPT, "recruitment", lang)  # CDM in the recruitment topic


def test_every_abuse_named_in_issue_13_has_a_message_and_a_referral():
    """Each abuse has a message in a topic whose nodes offer a referral."""
    abuses = ["rec.job_differs", "rec.age", "dis.age", "inj.sent_home", "claim.from_home", "ret.before_quit",
              "asy.status", "asy.address", "asy.notario", "asy.free_list"]
    for tid in abuses:
        nodes = [n for n in SCRIPT.nodes.values() if tid in n.text]
        assert nodes, tid
        assert all(any(o.goto == "referral" for o in n.options) for n in nodes), tid


def numbers_of(text):
    """Return the sorted digit groups of a text ("24/7" counts as 24 hours)."""
    return sorted(re.findall(r"\d+", text.replace("24/7", "24")))


def test_every_language_states_the_same_numbers():
    """Phone numbers, days, ages, hours and fractions agree between Spanish, English and K'iche' (a cheap
    part of "the same claims": a dropped or changed figure shows here)."""
    differ = {}
    for tid in shown_ids():
        source = numbers_of(SCRIPT.text(tid, "es"))
        for lang in ("en", "quc"):
            if numbers_of(SCRIPT.text(tid, lang)) != source:
                differ[f"{tid}.{lang}"] = SCRIPT.text(tid, lang)
    for entry in SCRIPT.directory:
        notes = entry.get("hours") or {}
        if len({tuple(numbers_of(v)) for v in notes.values()}) > 1:
            differ[f"directory[{entry['id']}]"] = notes
    assert differ == {}
