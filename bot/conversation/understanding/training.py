"""Train the understanding models from the published examples: deterministic, offline, in seconds.

Three models, each scikit-learn's TfidfVectorizer over bot/conversation/understanding/features.py and a
LogisticRegression (newton-cg, fixed settings, no randomness), kept as plain arrays (linear.py):
  intent    what a message is about (topics, requests, small talk, language statements, other);
            the `past` examples train it under their topic
  danger    none, past (frightening words, no danger now) or a kind of danger now; classes weighed
            "balanced" so that the few danger examples count as much as the many others
  language  es, en or quc from letter runs and words (the examples and the script's own texts)

Thresholds come from held-out data: every fifth example of each label (chosen by a hash of its text, so
the split never changes for the same examples) is kept out, the models are trained on the rest, the
thresholds chosen on what was kept out, then the models are trained again on everything.
"""
import hashlib
import time

import numpy as np

from bot.conversation.understanding import features as feats
from bot.conversation.understanding.examples import NONE, OTHER, PAST
from bot.conversation.understanding.linear import ANALYZERS, LinearModel

SETTINGS = {"intent_c": 8.0, "danger_c": 8.0, "language_c": 4.0}
FALSE_ALARMS = 0.03        # at most this share of held-out "past" examples get a danger page,
PLAIN_ALARMS = 0.03       # ... and of held-out plain messages (a topic, small talk)
LINE_MISSES = 0.03         # at most this share of held-out danger examples get no danger line
DANGER_MARGIN = 1.0        # the line's threshold is this share of that score
DANGER_FLOOR = 0.08


def held_out(text):
    """Return True for the fifth of examples kept out to choose thresholds (stable by text)."""
    return hashlib.sha1(text.encode()).digest()[0] % 5 == 0


def fit(texts, labels, analyzer, c, balanced=False):
    """Return a LinearModel fitted on folded texts and their labels."""
    from sklearn.feature_extraction.text import TfidfVectorizer  # training only: workers never import it
    from sklearn.linear_model import LogisticRegression
    vectorizer = TfidfVectorizer(analyzer=ANALYZERS[analyzer], sublinear_tf=True, min_df=2, dtype=np.float32)
    matrix = vectorizer.fit_transform(texts)
    model = LogisticRegression(C=c, solver="newton-cg", max_iter=300, class_weight="balanced" if balanced else None)
    model.fit(matrix, labels)
    coef = model.coef_.T
    intercept = model.intercept_
    if len(model.classes_) == 2:  # binary: one column; make it two so reading is the same
        coef = np.hstack([-coef / 2, coef / 2])
        intercept = np.array([-intercept[0] / 2, intercept[0] / 2])
    return LinearModel(model.classes_, vectorizer.vocabulary_, vectorizer.idf_, coef, intercept, analyzer)


def _intent_data(examples):
    """Return (folded texts, intent labels) of the examples that have an intent."""
    pairs = [(feats.fold(e.text), e.intent) for e in examples if e.intent]
    return [p[0] for p in pairs], [p[1] for p in pairs]


def _danger_data(examples):
    """Return (folded texts, danger classes) of every example."""
    return [feats.fold(e.text) for e in examples], [e.danger for e in examples]


def _language_data(examples, language_texts):
    """Return (folded texts, languages) of the examples and the script's own texts."""
    pairs = [(feats.fold(e.text), e.lang) for e in examples]
    pairs += [(feats.fold(t), lang) for lang, texts in sorted(language_texts.items()) for t in texts if t]
    return [p[0] for p in pairs], [p[1] for p in pairs]


def train(examples, language_texts, settings=None):
    """Return (models {intent, danger, language}, extra) trained from Examples; extra holds thresholds,
    held-out figures and the training time."""
    settings = dict(SETTINGS, **(settings or {}))
    started = time.perf_counter()
    train_part = [e for e in examples if not held_out(e.text)]
    test_part = [e for e in examples if held_out(e.text)]
    extra = {"settings": settings, "examples": len(examples)}
    extra.update(_thresholds(train_part, test_part, language_texts, settings))
    models = {
        "intent": fit(*_intent_data(examples), "words", settings["intent_c"]),
        "danger": fit(*_danger_data(examples), "words", settings["danger_c"], balanced=True),
        "language": fit(*_language_data(examples, language_texts), "chars", settings["language_c"]),
    }
    extra["seconds"] = round(time.perf_counter() - started, 2)
    return models, extra


def _thresholds(train_part, test_part, language_texts, settings):
    """Return the thresholds chosen on the held-out part, with what they give there."""
    intent = fit(*_intent_data(train_part), "words", settings["intent_c"])
    danger = fit(*_danger_data(train_part), "words", settings["danger_c"], balanced=True)
    out = {}
    # Intents: accept the best intent from the score that maximises right minus wrong answers.
    rows = [(intent.probabilities(feats.fold(e.text)), e.intent) for e in test_part if e.intent]
    best, best_gain = 0.3, None
    for t in np.arange(0.15, 0.8, 0.025):
        gain = 0
        for probs, want in rows:
            top = int(np.argmax(probs))
            if probs[top] >= t and intent.classes[top] != OTHER:
                gain += 1 if intent.classes[top] == want else -1
        if best_gain is None or gain > best_gain:
            best, best_gain = float(t), gain
    out["accept"] = round(best, 3)
    right = sum(1 for p, w in rows if intent.classes[int(np.argmax(p))] == w)
    out["held_out_intent"] = [right, len(rows)]
    # Danger, two thresholds. From `danger` the kind's page answers (911, 988, Poison Help first): the
    # lowest score at which at most FALSE_ALARMS of the held-out "past" examples, and PLAIN_ALARMS of the
    # plain ones, would get it. From
    # `danger_line` the kind's one line goes before the answer: all but LINE_MISSES of the held-out
    # danger examples reach it.
    kinds = [i for i, c in enumerate(danger.classes) if c not in (NONE, PAST)]
    scored = [(float(danger.probabilities(feats.fold(e.text))[kinds].sum()), e.danger) for e in test_part]
    now = sorted(s for s, d in scored if d not in (NONE, PAST))
    past = [s for s, d in scored if d == PAST]
    plain = [s for s, d in scored if d == NONE]
    high = next((float(t) for t in np.arange(0.2, 0.81, 0.025)
                 if sum(1 for s in past if s >= t) <= FALSE_ALARMS * len(past)
                 and sum(1 for s in plain if s >= t) <= PLAIN_ALARMS * len(plain)), 0.8)
    low = now[int(LINE_MISSES * len(now))] * DANGER_MARGIN if now else DANGER_FLOOR
    low = min(max(low, DANGER_FLOOR), high)
    out["danger"], out["danger_line"] = round(high, 4), round(low, 4)
    out["held_out_danger"] = [sum(1 for s in now if s >= high), sum(1 for s in now if s >= low), len(now)]
    out["held_out_false_alarms"] = [sum(1 for s in past if s >= high), len(past)]
    out["held_out_lines"] = [sum(1 for s, d in scored if d == NONE and s >= low),
                             sum(1 for s, d in scored if d == NONE)]
    return out
