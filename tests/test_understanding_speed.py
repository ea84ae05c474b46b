"""The fast reading of the understanding models (issue 24) gives the scores of a plain computation.

The reference below is what linear.py and features.py did before they were made faster, written out
plainly: features built letter by letter, counted in a Python dict, tf-idf and softmax with numpy. Every
model is read on thousands of messages (the examples, the frozen evaluation batch, and messages made to
reach the edges: emoji, digits, very long words, a feature met thousands of times, 80-word messages).
"""
import json
import math
import os
import unicodedata

import numpy as np
import pytest

from bot.conversation.understanding import features as feats
from conftest import ROOT, SCRIPT
from bot.conversation.understanding.examples import flatten


def reference_features(folded):
    """Return a folded message's features as features.py built them before the cache of words."""
    found = feats.words(folded)
    out = ["w " + w for w in found]
    out += ["b " + a + " " + b for a, b in zip(found, found[1:])]
    for w in found:
        padded = " " + w + " "
        for size in feats.NGRAMS:
            out += [padded[i:i + size] for i in range(len(padded) - size + 1)]
    out += ["e " + ch for ch in folded if ord(ch) > 0x2000 and unicodedata.category(ch) == "So"]
    return out


def reference_char_features(folded):
    """Return the language model's features as features.py built them before the cache of words."""
    found = feats.words(folded)
    out = ["w " + w for w in found]
    for w in found:
        padded = " " + w + " "
        for size in (1, 2, 3, 4):
            out += [padded[i:i + size] for i in range(len(padded) - size + 1)]
    return out


def reference_probabilities(model, folded):
    """Return a model's class probabilities for a folded message, computed plainly."""
    found = (reference_features if model.analyzer == "words" else reference_char_features)(folded)
    counts = {}
    for f in found:
        row = model.vocabulary.get(f)
        if row is not None:
            counts[row] = counts.get(row, 0) + 1
    logits = model.intercept.astype(np.float64)
    if counts:
        rows = list(counts)
        tf = np.array([1.0 + math.log(counts[r]) for r in rows], dtype=np.float32)
        values = tf * model.idf[rows]
        norm = float(np.sqrt(np.dot(values, values)))
        values = values / norm if norm else values
        logits = logits + values.astype(np.float64) @ model.coef[rows].astype(np.float64)
    exp = np.exp(logits - logits.max())
    return exp / exp.sum()


def messages():
    """Return thousands of varied messages."""
    texts = [e.text for e in flatten(SCRIPT.examples)]
    with open(os.path.join(ROOT, "tests", "eval", "frozen-batch.json"), encoding="utf-8") as fh:
        texts += [item["text"] for item in json.load(fh)]
    made = ["", "1", "911", "$800 y 2000 dolares", "🙏🙏 ayuda 😭", "AYUDAAAA por favor!!!", "a", "ok",
            "ab" * 3000, "la " * 200, " ".join(texts[:120]), "mi patrón no me paga 😡 desde el 15/10",
            "kinkich'ay kamik pa ri ja", "x\u202eevil\u202c y \u200b raro", "H-300-25041-123456 ese caso"]
    return texts + made + [t.upper() for t in texts[::5]] + [t[::-1] for t in texts[::7]]


def test_features_are_those_of_the_plain_computation():
    """Features, in the same order (the order of the sums), whether a word is read for the first time or
    again (from the recent words)."""
    for text in messages()[::3]:
        folded = feats.fold(text)
        for _ in range(2):
            assert feats.features(folded) == reference_features(folded), text
            assert feats.char_features(folded) == reference_char_features(folded), text


def test_the_recent_words_stay_few():
    """The recent words kept for their runs never grow past their limit."""
    intent = SCRIPT.understander.intent
    for i in range(feats.KEPT_WORDS + 50):
        intent.vector(f"palabra{i}", feats.features(f"palabra{i}"))
    assert len(feats.WORD_RUNS[0]) <= feats.KEPT_WORDS and len(intent._words) <= feats.KEPT_WORDS


@pytest.mark.parametrize("name", ["intent", "danger", "language"])
def test_probabilities_are_those_of_the_plain_computation(name):
    """Each model's probabilities, read the fast way, within 1e-6 of the plain computation, on every
    message; the intent and danger models also when given the features already computed."""
    understander = SCRIPT.understander
    model = getattr(understander, name)
    checked = 0
    for text in messages():
        folded = feats.fold(text)
        want = reference_probabilities(model, folded)
        got = model.probabilities(folded)
        assert np.max(np.abs(got - want)) < 1e-6, (name, text)
        if model.analyzer == "words":
            again = model.probabilities_of(*model.vector(folded, feats.features(folded)))
            assert np.max(np.abs(again - want)) < 1e-6, (name, text)
        checked += 1
    assert checked > 2000


def test_the_reading_is_the_same_as_before():
    """What the reader makes of messages (intents, danger, language) follows the plain probabilities."""
    understander = SCRIPT.understander
    for text in messages()[::11]:
        u = understander.read(text)
        folded = feats.fold(text)
        probs = reference_probabilities(understander.intent, folded)
        best = int(np.argmax(probs))
        if u.intents:
            assert abs(u.intents[0][1] - probs[best]) < 1e-4, text


@pytest.mark.parametrize("body, reads", [("1", 0), ("3", 0), ("MENU", 0), ("ayuda", 0), ("mas", 0),
                                         ("H-300-25041-123456", 0), ("h300 25041 123456.", 0),
                                         ("mi patron no me paga", 1), ("H-300-25041-123456 me golpean", 1)])
def test_exact_rules_decide_before_the_models(monkeypatch, body, reads):
    """A menu number, a global word, "more" or a case number alone is answered by the exact rules without
    reading the message with the models (a case number inside a sentence is still read, for danger)."""
    import datetime
    from bot.conversation.engine import Context, Inbound, State, step
    from bot.conversation.jobreply import Lookup
    calls = []
    real = type(SCRIPT.understander).read
    monkeypatch.setattr(type(SCRIPT.understander), "read", lambda self, *a, **k: calls.append(a) or real(self, *a, **k))
    now = datetime.datetime(2026, 11, 24, 15, tzinfo=datetime.timezone.utc)
    lookup = Lookup("case", typed="H-300-25041-123456") if body.lower().startswith("h") else None
    result = step(SCRIPT, State(lang="es", node=SCRIPT.main), Inbound(body), Context(now=now, lookup=lookup))
    assert result.replies
    assert len(calls) == reads, (body, calls)


def reference_normalize(text):
    """Return text folded as textmatch.normalize did before its fast path for plain ASCII."""
    from bot.conversation import textmatch as tm
    text = unicodedata.normalize("NFKC", text or "").translate(tm._KEYCAP_TEN).translate(tm._INVISIBLE)
    text = "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))
    text = text.casefold().translate(tm._APOSTROPHES)
    text = "".join(ch if ch.isprintable() else " " for ch in text)
    return tm._SPACES.sub(" ", tm._PUNCT_EDGES.sub("", text)).strip()


def odd_texts(count=5000):
    """Return short texts of letters, accents, apostrophes, controls, emoji, keycaps and odd Unicode."""
    import random
    rng = random.Random(24)
    alphabet = "aAzZ ñÑéÉ'`´’\t\n\x00\x7f\u200b\ufe0f\u20e3🔟1️⃣２ﬁß İ ǅ Ⅻ \u0301e\u0301 .#-"
    return ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 20))) for _ in range(count)]


def test_normalize_is_the_plain_computation():
    """The menus' folding gives what it gave before, on real messages and odd Unicode alike."""
    from bot.conversation.textmatch import normalize
    for text in messages() + odd_texts() + [None, "", "STOP", "Ｍｅｎú", "İstanbul", "ŉ", "ﬃ"]:
        assert normalize(text) == reference_normalize(text), repr(text)


def test_word_matching_by_length_is_the_plain_loop():
    """Keywords looked up among those of a close length match as the loop over all of them did."""
    from rapidfuzz.distance import OSA
    from bot.conversation.textmatch import normalize

    def plain(matcher, norm):
        if not norm:
            return None
        if norm in matcher.exact:
            return matcher.exact[norm]
        best, best_dist, tie = None, None, False
        for word, target, allowed in matcher._fuzzy:
            if abs(len(word) - len(norm)) > allowed:
                continue
            dist = OSA.distance(norm, word, score_cutoff=allowed)
            if dist > allowed:
                continue
            if best_dist is None or dist < best_dist:
                best, best_dist, tie = target, dist, False
            elif dist == best_dist and target != best:
                tie = True
        return None if tie else best

    matchers = [m for m in vars(SCRIPT).values() if type(m).__name__ == "WordMatcher"]
    matchers += [m for value in vars(SCRIPT).values() if isinstance(value, dict)
                 for m in value.values() if type(m).__name__ == "WordMatcher"]
    assert matchers
    matchers = matchers[:6] + matchers[6::max(1, len(matchers) // 30)]  # the global words and a sample
    words = [w for m in matchers for w in m.exact]
    typos = [w[:i] + w[i + 1:] for w in words for i in range(0, len(w), 3)] + [w + "x" for w in words]
    for norm in [normalize(t) for t in messages()[::15]] + words + typos:
        for matcher in matchers:
            assert matcher.match(norm) == plain(matcher, norm), norm
