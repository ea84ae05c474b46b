"""Read one message with the trained models: its intents, danger, language, and why.

An Understanding carries every score the engine acts on and an explanation staff can read: for the
intent, the danger class and the language, the features that weighed most; the nearest examples are
looked up on request (the simulator and the inbox ask; a texter's reply never waits for them).
"""
from dataclasses import dataclass

import numpy as np

from bot.conversation.understanding import features as feats
from bot.conversation.understanding.parts import parts
from bot.conversation.wording import N_
from bot.conversation.understanding.examples import NONE, OTHER, PAST

TOP = 6                  # intents kept in an Understanding, best first
LANGUAGE_MIN = 0.7       # a language is told when the language model is this sure
LANGUAGE_MIN_LETTERS = 6  # and the message has this many letters: one short word tells nothing
PART_MIN = 0.9           # a part of a long message read alone tells of danger from this score (above the
PAST_GUARD = 0.8         # whole's page threshold); no part is, when the whole is this surely the past
DANGER_MIN_LETTERS = 3    # "y", "no", "ok": too short to tell of danger (the model has nothing to go on)


@dataclass(frozen=True)
class Understanding:
    """What a message is about, as the models read it."""

    intents: tuple = ()          # ((intent, probability), ...) best first
    danger: str = None           # the kind of danger now (violence, selfharm, medical, poison), or None
    danger_score: float = 0.0    # the probability of any danger now
    near_danger: str = None      # danger possible but not sure: the kind whose one line goes first
    past: bool = False           # frightening words about the past or elsewhere (no danger now)
    lang: str = None             # the language the message is written in, when clear
    lang_score: float = 0.0
    lang_guess: str = None       # the likeliest language even when not clear (danger is answered in it)
    words: tuple = ()            # the message's words, folded
    known: frozenset = frozenset()  # positions of words the intent model has seen
    why: tuple = ()              # lines for staff: what weighed

    @property
    def intent(self):
        """Return the most likely intent, or None."""
        return self.intents[0][0] if self.intents else None

    def score(self, intent):
        """Return an intent's probability (0 when it is not among the best)."""
        return dict(self.intents).get(intent, 0.0)

    def unknown_words(self):
        """Return the message's words the model has never seen (what staff may want examples for)."""
        return tuple(w for i, w in enumerate(self.words) if i not in self.known)

    def explain(self):
        """Return the explanation as lines."""
        return list(self.why)


class _Reading(Understanding):
    """An Understanding read by the models (Understander.read) whose language (lang, lang_score,
    lang_guess) and explanation (why) are worked out from the message when first asked for."""

    def __init__(self, reader, folded, vectors, **fields):
        """reader: the Understander; folded: the message folded; vectors: (intent rows, values, danger
        score, danger rows, values) as read; fields: the Understanding's other fields."""
        for name, value in fields.items():
            object.__setattr__(self, name, value)
        object.__setattr__(self, "_later", (reader, folded, vectors))

    def _told(self):
        """Return (language, its probability unrounded, likeliest language), read once."""
        told = self.__dict__.get("_language")
        if told is None:
            reader, folded, _ = self._later
            told = reader._language(folded, self.words)
            object.__setattr__(self, "_language", told)
        return told

    @property
    def lang(self):
        """The language the message is written in, when clear."""
        return self._told()[0]

    @property
    def lang_score(self):
        """The language model's probability for its likeliest language."""
        return round(self._told()[1], 4)

    @property
    def lang_guess(self):
        """The likeliest language even when not clear."""
        return self._told()[2]

    @property
    def why(self):
        """Lines for staff: what weighed (written once)."""
        lines = self.__dict__.get("_why")
        if lines is None:
            reader, _, (rows, values, score, drows, dvalues) = self._later
            lang, lang_score, _ = self._told()
            lines = reader._why(self.intents, rows, values, self.danger or self.near_danger, score, self.past,
                                drows, dvalues, lang, lang_score)
            object.__setattr__(self, "_why", lines)
        return lines


class Understander:
    """The trained models with their thresholds; read() understands one message."""

    def __init__(self, models, extra, examples=()):
        """models: {intent, danger, language} LinearModels; extra: thresholds and figures from training."""
        self.intent, self.danger, self.language = models["intent"], models["danger"], models["language"]
        self.extra = dict(extra)
        self.accept = float(extra.get("accept", 0.35))
        self.danger_threshold = float(extra.get("danger", 0.5))
        self.line_threshold = float(extra.get("danger_line", 0.2))
        self.examples = tuple(examples)
        self._kinds = [i for i, c in enumerate(self.danger.classes) if c not in (NONE, PAST)]
        self._past = self.danger.index.get(PAST)
        self._none = self.danger.index.get(NONE)
        self._nearest = None

    def read(self, text, danger=True):
        """Return the Understanding of a message; danger=False skips the danger model (a menu number).

        The language model is read, and the explanation for staff written, when first asked for (most
        messages come from texters whose language is known, and only staff pages read the explanation):
        the same values as reading them at once."""
        folded = feats.fold(text)
        found = feats.features(folded) if self.intent.analyzer == self.danger.analyzer else None
        words = tuple(found.words if found is not None else feats.words(folded))
        rows, values = self.intent.vector(folded, found)
        probs = self.intent.probabilities_of(rows, values)
        likeliest, classes = probs.tolist(), self.intent.classes  # Python floats: the same values
        intents = tuple((classes[i], round(likeliest[i], 4)) for i in (-probs).argsort()[:TOP].tolist())
        kind, near, score, past = None, None, 0.0, False
        drows = dvalues = None
        if danger and sum(len(w) for w in words) >= DANGER_MIN_LETTERS:
            drows, dvalues = self.danger.vector(folded, found)
            dprobs = self.danger.probabilities_of(drows, dvalues)
            score = float(dprobs[self._kinds].sum())
            if score < self.danger_threshold:
                score, dprobs, drows, dvalues = self._worst_part(text, score, dprobs, drows, dvalues)
            likely = self.danger.classes[max(self._kinds, key=lambda i: dprobs[i])]
            if score >= self.danger_threshold:
                kind = likely
            elif score >= self.line_threshold:
                near = likely
            elif self._past is not None:
                past = dprobs[self._past] >= max(dprobs[self._none], 0.35)
        vocabulary = self.intent.vocabulary
        known = frozenset(i for i, w in enumerate(words) if "w " + w in vocabulary)
        return _Reading(self, folded, (rows, values, score, drows, dvalues), intents=intents, danger=kind,
                        danger_score=round(score, 4), near_danger=near, past=bool(past), words=words,
                        known=known)

    def _worst_part(self, text, score, dprobs, drows, dvalues):
        """Return (score, probabilities, rows, values) of the part of a long message most likely to tell of
        danger now, when it is likelier than the whole (bot/conversation/understanding/parts.py); the
        whole's when no part is, or when the whole is surely about danger in the past. A part alone is
        read out of its story, so it must be surer than the whole (PART_MIN)."""
        if self._past is not None and dprobs[self._past] >= PAST_GUARD:
            return score, dprobs, drows, dvalues
        for part in parts(text):
            rows, values = self.danger.vector(part)
            probs = self.danger.probabilities_of(rows, values)
            found = float(probs[self._kinds].sum())
            if found >= PART_MIN and found > score:
                score, dprobs, drows, dvalues = found, probs, rows, values
        return score, dprobs, drows, dvalues

    def _language(self, folded, words):
        """Return (language, probability, likeliest language): the language is None when the message is
        too short or the model unsure; the likeliest is None only for a message without letters."""
        letters = sum(len(w) for w in words if not w.isdigit())
        probs = self.language.probabilities(folded)
        best = int(np.argmax(probs))
        score = float(probs[best])
        guess = self.language.classes[best] if letters else None
        if letters < LANGUAGE_MIN_LETTERS or score < LANGUAGE_MIN:
            return None, score, guess
        return self.language.classes[best], score, guess

    def _why(self, intents, rows, values, kind, score, past, drows, dvalues, lang, lang_score):
        """Return the explanation lines: scores and the features that weighed most (each a sentence with a
        message id, so a page shows it in its own language)."""
        lines = []
        if intents:
            best = intents[0][0]
            weighed = ", ".join(f"{_show(f)} {w:+.2f}" for f, w in self.intent.weighed(rows, values, best, 5))
            others = ", ".join(f"{i} {p:.2f}" for i, p in intents[1:])
            shown = {"intent": best, "score": f"{intents[0][1]:.2f}", "accept": f"{self.accept:.2f}"}
            if others:
                lines.append(N_("intent %(intent)s %(score)s (accepted from %(accept)s); then %(others)s",
                                others=others, **shown))
            else:
                lines.append(N_("intent %(intent)s %(score)s (accepted from %(accept)s)", **shown))
            if weighed:
                lines.append(N_("  weighed: %(features)s", features=weighed))
        if drows is not None:
            state = kind or ("past" if past else "-")
            lines.append(N_("danger %(state)s: %(score)s (its page from %(page)s, its line first from %(line)s)",
                            state=state, score=f"{score:.2f}", page=f"{self.danger_threshold:.2f}",
                            line=f"{self.line_threshold:.2f}"))
            if kind:
                weighed = self.danger.weighed(drows, dvalues, kind, 5)
                lines.append(N_("  weighed: %(features)s",
                                features=", ".join(f"{_show(f)} {w:+.2f}" for f, w in weighed)))
        if lang:
            lines.append(N_("language %(lang)s (%(score)s)", lang=lang, score=f"{lang_score:.2f}"))
        else:
            lines.append(N_("language not told (%(score)s)", score=f"{lang_score:.2f}"))
        return tuple(lines)

    def nearest(self, text, most=3):
        """Return [(example text, label, similarity)] of the training examples closest to a message."""
        if not self.examples:
            return []
        if self._nearest is None:
            self._nearest = _Index(self.intent, self.examples)
        return self._nearest.search(feats.fold(text), most)

    def nbytes(self):
        """Return about how many bytes the models hold."""
        return self.intent.nbytes() + self.danger.nbytes() + self.language.nbytes()


class _Index:
    """The examples as tf-idf vectors of the intent model, for the nearest examples (built once)."""

    def __init__(self, model, examples):
        """Vectorise every example (a second or so; done the first time an explanation is asked for)."""
        self.model, self.examples = model, examples
        self.vectors = [dict(zip(*(a.tolist() for a in model.vector(feats.fold(e.text))))) for e in examples]

    def search(self, folded, most):
        """Return the most similar examples by cosine similarity."""
        rows, values = self.model.vector(folded)
        query = dict(zip(rows.tolist(), values.tolist()))
        scored = []
        for i, vector in enumerate(self.vectors):
            sim = sum(v * vector.get(r, 0.0) for r, v in query.items())
            if sim > 0:
                scored.append((sim, i))
        scored.sort(reverse=True)
        out = []
        for sim, i in scored[:most]:
            e = self.examples[i]
            label = e.intent if e.danger in (NONE, PAST) else e.danger
            out.append((e.text, f"{label}{' (past)' if e.danger == PAST else ''}", round(sim, 2)))
        return out


def _show(feature):
    """Return a feature as staff read it: a word, two words, or letters inside a word."""
    if feature.startswith(("w ", "b ", "e ")):
        return repr(feature[2:])
    return repr(feature.replace(" ", "_"))


__all__ = ["Understanding", "Understander", "OTHER"]
