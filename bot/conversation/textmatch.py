"""Understand what a texter wrote: normalise text, read numbers, match words with small typos."""
import functools
import re
import unicodedata

from rapidfuzz.distance import OSA

_INVISIBLE = dict.fromkeys(map(ord, "\ufe0f\ufe0e\u20e3\u200b\u200c\u200d\u2060\ufeff"), None)
_APOSTROPHES = dict.fromkeys(map(ord, "'\u2019\u2018\u02bc\u02bb\u00b4`\u2032"), None)
_KEYCAP_TEN = {ord("\U0001f51f"): "10"}
_PUNCT_EDGES = re.compile(r"^[\W_]+|[\W_]+$")
_SPACES = re.compile(r"\s+")
_NUMBER = re.compile(r"^(?:(?:opcion|option|numero|number|num|no|n)\s*)?(\d{1,2})$")

# Number words in the three languages, index = value, with the spellings people use. K'iche' words are
# written without the glottal stop because normalize() removes apostrophes ("keb'" is "keb").
NUMBER_WORDS = {
    "es": ["cero", "uno una", "dos", "tres", "cuatro", "cinco", "seis", "siete", "ocho", "nueve", "diez"],
    "en": ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"],
    "quc": ["", "jun", "keb kaib", "oxib", "kajib", "joob job", "waqib", "wuqub", "wajxaqib", "belejeb",
            "lajuj"],
}
_ORDINALS = {"primero": 1, "primera": 1, "first": 1, "segundo": 2, "segunda": 2, "second": 2,
             "tercero": 3, "tercera": 3, "third": 3}


def normalize(text):
    """Return text folded for matching: NFKC, no emoji modifiers, no accents, lower case, trimmed."""
    if type(text) is str:  # a message is folded by the engine, the job and place readers and the models
        return _normalized(text)
    return _normalize(text)


def _normalize(text):
    """Return text folded for matching (normalize's work)."""
    text = text or ""
    if text.isascii():  # most messages: the Unicode steps change nothing, casefold() is lower()
        text = text.lower()
        if "'" in text or "`" in text:  # the table's ASCII apostrophes (translate looks every character up)
            text = text.replace("'", "").replace("`", "")
    else:
        text = unicodedata.normalize("NFKC", text).translate(_KEYCAP_TEN).translate(_INVISIBLE)
        text = unicodedata.normalize("NFKD", text)
        if not text.isascii():
            text = "".join(ch for ch in text if not unicodedata.combining(ch))
        text = text.casefold().translate(_APOSTROPHES)
    if not text.isprintable():
        text = "".join(ch if ch.isprintable() else " " for ch in text)
    return _SPACES.sub(" ", _PUNCT_EDGES.sub("", text)).strip()


_normalized = functools.lru_cache(maxsize=64)(_normalize)  # the texts folded last, each folded once
forget_texts = _normalized.cache_clear  # called once a message is answered (bot/twilio/conversations.py)


def build_number_words(languages):
    """Return {normalised word: number} for the number words of the given languages."""
    words = {}
    for lang in languages:
        for value, spellings in enumerate(NUMBER_WORDS.get(lang, [])):
            for word in spellings.split():
                words.setdefault(word, value)
    return words


def read_number(norm, number_words):
    """Return the option number written in norm (digits, number word or ordinal), or None."""
    match = _NUMBER.match(norm)
    if match:
        return int(match.group(1))
    if norm in number_words:
        return number_words[norm]
    return _ORDINALS.get(norm)


def max_typos(word):
    """Return how many edits a word of this length tolerates: none for short words."""
    if len(word) < 4:
        return 0
    return 1 if len(word) < 8 else 2


class WordMatcher:
    """Match a whole message against keywords, exactly or within a small edit distance."""

    def __init__(self, pairs):
        """Build from (keyword, target) pairs; keywords are normalised here."""
        self.exact = {}
        for word, target in pairs:
            norm = normalize(word)
            if norm:
                self.exact.setdefault(norm, target)
        self._fuzzy = [(w, t, max_typos(w)) for w, t in self.exact.items() if max_typos(w)]
        self._by_length = {}  # length -> the fuzzy keywords that a text of that length may be close to
        for entry in self._fuzzy:
            for length in range(len(entry[0]) - entry[2], len(entry[0]) + entry[2] + 1):
                self._by_length.setdefault(length, []).append(entry)

    def match(self, norm):
        """Return the target of the closest keyword to norm, or None when none or two are closest."""
        if not norm:
            return None
        if norm in self.exact:
            return self.exact[norm]
        best, best_dist, tie = None, None, False
        for word, target, allowed in self._by_length.get(len(norm), ()):  # |len(word) - len(norm)| <= allowed
            dist = OSA.distance(norm, word, score_cutoff=allowed)
            if dist > allowed:
                continue
            if best_dist is None or dist < best_dist:
                best, best_dist, tie = target, dist, False
            elif dist == best_dist and target != best:
                tie = True
        return None if tie else best

    def __bool__(self):
        """Return True when the matcher has any keyword."""
        return bool(self.exact)
