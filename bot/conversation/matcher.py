"""Understand a sentence: scored intents from the script's words, deterministic and explainable.

The words are data (the script's `understand:` section names a catalog text per intent; each text is a
comma-separated list of words and phrases in its language). A message and every phrase are read the same
way, by bot/conversation/stems.py: normalised, split into words, each word stemmed in its language (or,
in K'iche', also taken without its usual prefixes). A word nobody listed is compared with the listed words
(rapidfuzz, one edit for words of 6 to 9 letters, two from 10), so "despidieron" written "despidiero"
still counts.

A phrase is found where its stems follow each other in the message. An intent's score is the number of
message words its phrases cover; the explanation keeps the phrases found, so staff see why. What the
engine then does with it is bot/conversation/decision.py's decide().
"""
import functools
from dataclasses import dataclass

from rapidfuzz import process
from rapidfuzz.distance import OSA

from bot.conversation import stems
from bot.conversation.decision import Decision, decide  # noqa: F401 (callers import these from here)

MAX_TOKENS = 60          # a longer message is read by its first 60 words (no sentence needs more)
FUZZY_MIN = 6            # shorter words must be spelt right: "pago"/"pega", "marzo"/"mareo" differ by one
FUZZY_TWO = 10           # from this length two edits are forgiven


@dataclass(frozen=True)
class Hit:
    """One phrase found in a message: for which intent, in which language, over which words."""

    intent: str
    phrase: str
    lang: str
    start: int
    end: int
    fuzzy: bool = False


@dataclass(frozen=True)
class Understanding:
    """What a message is about: intents best first with their scores, the language its words tell."""

    scores: tuple            # ((intent, score), ...) best first; ties in the script's order
    hits: tuple              # every Hit, for the explanation
    lang: str = None         # the language the message's words tell, or None
    words: tuple = ()        # the message's words, normalised (for counting what was not understood)
    known: frozenset = frozenset()  # positions of words some list knows

    @property
    def intent(self):
        """Return the best intent, or None."""
        return self.scores[0][0] if self.scores else None

    def score(self, intent):
        """Return an intent's score (0 when not found)."""
        return dict(self.scores).get(intent, 0)

    def has(self, intent):
        """Return True when some phrase of intent was found."""
        return any(h.intent == intent for h in self.hits)

    def unknown_words(self):
        """Return the message's words no list knows (what staff may want to add)."""
        return tuple(w for i, w in enumerate(self.words) if i not in self.known)

    def explain(self):
        """Return one line per intent found: its score and the phrases that matched."""
        lines = []
        for intent, score in self.scores:
            found = [f"{h.phrase!r} ({h.lang}{', typo' if h.fuzzy else ''})" for h in self.hits
                     if h.intent == intent]
            lines.append(f"{intent} {score:g}: {', '.join(found)}")
        return lines


class Matcher:
    """Phrases per intent and language, indexed once; understand() reads one message."""

    def __init__(self, phrases, language_words=None, order=(), known=()):
        """phrases: {intent: {lang: [phrase, ...]}}; language_words: {lang: [everyday words]} that tell a
        language apart without meaning anything; order: intents in the order ties are broken; known: other
        words never taken for a typo (place names: "mexico" is not "medico")."""
        self.order = {intent: i for i, intent in enumerate(order or phrases)}
        self.languages = sorted({lang for by_lang in phrases.values() for lang in by_lang}
                                | set(language_words or ()))
        self.index = {}          # (lang, stems tuple) -> [(intent, phrase)]
        self.starts = set()      # (lang, first stem) of every phrase: most words start none
        self.longest = 1
        self.forms = {}          # normalised word as listed -> set of languages listing it
        self.lang_words = {}     # lang -> analysed everyday words
        for intent, by_lang in phrases.items():
            for lang, items in by_lang.items():
                for phrase in items:
                    words = stems.words(phrase)
                    if not words:
                        continue
                    key = (lang, tuple(stems.analyse(lang, w) for w in words))
                    bucket = self.index.setdefault(key, [])
                    if all(i != intent for i, _ in bucket):
                        bucket.append((intent, phrase))
                    self.longest = max(self.longest, len(words))
                    self.starts.add((lang, key[1][0]))
                    for w in words:
                        self.forms.setdefault(w, set()).add(lang)
        for lang, items in (language_words or {}).items():
            found = {stems.analyse(lang, w) for item in items for w in stems.words(item)}
            self.lang_words[lang] = found
            for item in items:
                for w in stems.words(item):
                    self.forms.setdefault(w, set()).add(lang)
        # K'iche' words are not corrected: one letter apart they often mean other things (xinch'aw, I spoke;
        # xinch'ay, I was hit), and there is no dictionary to tell a typo from another word.
        self.known_words = {w for item in known for w in stems.words(item)}
        self._fuzzy_forms = [w for w, langs in self.forms.items()
                             if len(w) >= FUZZY_MIN - 1 and not w.isdigit() and langs != {"quc"}]
        self._correct = functools.lru_cache(maxsize=8192)(self._correct_uncached)

    # -- for the checks ---------------------------------------------------------------------------

    def shared(self):
        """Return (lang, phrase, intents) for each phrase that two intents claim (same words once stemmed)."""
        return [(lang, bucket[0][1], [i for i, _ in bucket]) for (lang, _), bucket in self.index.items()
                if len(bucket) > 1]

    def hidden_danger(self):
        """Return (lang, danger phrase, longer phrase, its intent) where a longer phrase of another intent
        contains a danger phrase: a message with the longer one is not read as danger."""
        danger = [(key, bucket) for key, bucket in self.index.items() if any(i == "danger" for i, _ in bucket)]
        out = []
        for (lang, words), bucket in danger:
            for (other_lang, longer), others in self.index.items():
                if other_lang != lang or len(longer) <= len(words):
                    continue
                if any(longer[i:i + len(words)] == words for i in range(len(longer) - len(words) + 1)):
                    out += [(lang, next(p for i, p in bucket if i == "danger"), phrase, intent)
                            for intent, phrase in others if intent != "danger"]
        return out

    # -- typos ------------------------------------------------------------------------------------

    def _correct_uncached(self, word):
        """Return (listed word, True) for a word within a typo or two of a listed one, else (word, False)."""
        if word in self.forms or word in self.known_words or len(word) < FUZZY_MIN or word.isdigit():
            return word, False
        allowed = 1 if len(word) < FUZZY_TWO else 2
        found = process.extractOne(word, self._fuzzy_forms, scorer=OSA.distance, score_cutoff=allowed)
        return (found[0], True) if found else (word, False)

    # -- reading a message ------------------------------------------------------------------------

    def understand(self, text, langs=None):
        """Return the Understanding of a message; langs limits the languages read (None: all)."""
        words = stems.words(text)[:MAX_TOKENS]
        corrected = [self._correct(w) for w in words]
        tokens = [c[0] for c in corrected]
        langs = [l for l in self.languages if langs is None or l in langs]
        hits, known = [], set()
        for lang in langs:
            variants = [stems.variants(lang, t) for t in tokens]
            for start in range(len(tokens)):
                if not any((lang, v) in self.starts for v in variants[start]):
                    continue
                for size in range(min(self.longest, len(tokens) - start), 0, -1):
                    keys = stems.keys(lang, variants[start:start + size])
                    for key in keys:
                        for intent, phrase in self.index.get(key, ()):
                            fuzzy = any(corrected[i][1] for i in range(start, start + size))
                            hits.append(Hit(intent, phrase, lang, start, start + size, fuzzy))
                            known.update(range(start, start + size))
        for i, t in enumerate(tokens):
            if t in self.forms or t in self.known_words:
                known.add(i)
        hits = _longest(hits)
        scores = self._scores(hits)
        return Understanding(scores=scores, hits=tuple(hits), lang=self._language(tokens, hits, langs),
                             words=tuple(words), known=frozenset(known))

    def _scores(self, hits):
        """Return ((intent, score), ...) best first: one point per separate place an intent was found
        (phrases one word apart are one place), and a hundredth per word covered (a longer phrase wins a tie)."""
        spans = {}
        for hit in hits:
            spans.setdefault(hit.intent, []).append((hit.start, hit.end))
        scores = []
        for intent, found in spans.items():
            found.sort()
            groups, end, words = 0, -2, set()
            for start, stop in found:
                if start > end + 1:
                    groups += 1
                end = max(end, stop)
                words.update(range(start, stop))
            scores.append((intent, round(groups + len(words) / 100, 2)))
        return tuple(sorted(scores, key=lambda p: (-p[1], self.order.get(p[0], 99))))

    def _language(self, tokens, hits, langs):
        """Return the language the words tell: K'iche' when any word is K'iche' only, else the most."""
        votes = {lang: 0 for lang in langs}
        for hit in hits:
            votes[hit.lang] += 2 * (hit.end - hit.start)
        for token in tokens:
            for lang in langs:
                if any(v in self.lang_words.get(lang, ()) for v in stems.variants(lang, token)):
                    votes[lang] += 1
        # A K'iche' word of three letters or more decides (K'iche' speakers mix in Spanish); shorter ones
        # only vote: "pa" and "ta" are also Spanish slang ("pa la casa", "ta bien").
        own_quc = [t for t in tokens if len(t) >= 3 and self.forms.get(t) == {"quc"} and not t.isdigit()]
        if own_quc and "quc" in votes:
            return "quc"
        ranked = sorted(votes.items(), key=lambda p: -p[1])
        if not ranked or ranked[0][1] == 0 or (len(ranked) > 1 and ranked[1][1] == ranked[0][1]):
            return None
        return ranked[0][0]


def _longest(hits):
    """Return the hits not inside a longer phrase of another intent ("k'ax kinna'" is pain, not "k'ax")."""
    kept = []
    for hit in hits:
        size = hit.end - hit.start
        if not any(o.intent != hit.intent and o.start <= hit.start and hit.end <= o.end and o.end - o.start > size
                   for o in hits):
            kept.append(hit)
    return kept
