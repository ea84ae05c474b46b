"""Find the place a texter names inside a sentence: a US state, a Mexican state, a Guatemalan department.

The places are data (locales/places.yaml): each code has `names` (found anywhere in a sentence, small
typos forgiven in words of five letters or more), `regions` (states or departments that stand for the
code: "Michoacán" is MX, shown as "Michoacán, México") and `weak` codes that are also everyday words
(LA, IN, OR, ME, OK, HI, "mi", "al"...), which count only when nothing else fits and the texter wrote
them in capitals or alone.
"""
import re
from dataclasses import dataclass

from rapidfuzz import process
from rapidfuzz.distance import OSA

from bot.conversation.textmatch import normalize

_FILLER = frozenset({"en", "in", "de", "from", "estoy", "vivo", "trabajo", "im", "i", "am", "live", "work",
                     "the", "el", "la", "state", "estado", "of", "del", "a"})
FUZZY_MIN = 5


@dataclass(frozen=True)
class Place:
    """A place found: its code (US-NC, MX, GT...), the name that matched, how to say it, and whether it
    was found by forgiving a typo."""

    code: str
    name: str
    shown: str
    typo: bool = False
    weak: bool = False  # a code that is also a word ("OK", "LA"): never remembered from a passing message


_NOT_WORD = re.compile(r"[^\w ]|_")  # what str.isalnum() refuses, but a space (every code point agrees)


def words_of(text):
    """Return a message's normalized words (dots, commas and other punctuation as spaces)."""
    return _NOT_WORD.sub(" ", normalize(text)).split()


class Places:
    """Every place name, indexed once by its words."""

    def __init__(self, places):
        """places: {code: {"country", "names", "regions", "weak"}} as in locales/places.yaml."""
        self.names = {}      # tuple of words -> (code, name as written, shown)
        self.weak = {}       # word -> (code, name)
        for code, place in (places or {}).items():
            if not isinstance(place, dict):
                continue
            names = [str(n) for n in place.get("names") or ()]
            first = names[0] if names else code
            for name in names:  # said back as the texter's language writes it; a code as the name
                self._add(name, code, name if len(name) > 2 and "." not in name else first)
            for region in place.get("regions") or ():
                self._add(str(region), code, f"{region}, {first}")
            for weak in place.get("weak") or ():
                self.weak.setdefault(normalize(str(weak)), (code, first))
        self.longest = max((len(k) for k in self.names), default=1)
        self._starts = {}    # first word -> the most words of a name starting with it
        for key in self.names:
            self._starts[key[0]] = max(self._starts.get(key[0], 0), len(key))
        self._fuzzy = {}
        for key in self.names:
            joined = " ".join(key)
            if len(joined) >= FUZZY_MIN:
                self._fuzzy.setdefault(len(key), []).append(joined)

    def _add(self, name, code, shown):
        """Index one name of a place."""
        key = tuple(normalize(name).replace(".", " ").split())
        if key:
            self.names.setdefault(key, (code, name, shown))

    def find(self, text, fuzzy=True, words=None):
        """Return the Place a message names, or None: the longest name, a US one before a country
        (fuzzy=False: names written exactly, which is much cheaper); words: text's words as words_of()
        gives them, when already known."""
        words = words_of(text) if words is None else words
        found = []
        i = 0
        while i < len(words):
            hit = self._at(words, i, fuzzy)
            if hit:
                size, entry, typo = hit
                found.append((size, entry, typo, i))
                i += size
            else:
                i += 1
        if found:
            found.sort(key=lambda f: (not f[1][0].startswith("US-"), f[2], -f[0], f[3]))
            code, name, shown = found[0][1]
            return Place(code, name, shown, found[0][2])
        return self._weak(text, words)

    def starting(self, words, i, fuzzy=True):
        """Return (Place, number of words) for the longest name starting at normalized word i, or None."""
        hit = self._at(words, i, fuzzy) if 0 <= i < len(words) else None
        if not hit:
            return None
        size, (code, name, shown), typo = hit
        return Place(code, name, shown, typo), size

    def _at(self, words, i, fuzzy=True):
        """Return (size, entry, typo) of the longest name starting at word i, or None."""
        for size in range(min(self._starts.get(words[i], 0), len(words) - i), 0, -1):  # names starting so
            key = tuple(words[i:i + size])
            if key in self.names:
                return size, self.names[key], False
        if not fuzzy:
            return None
        for size in range(min(self.longest, len(words) - i), 0, -1):
            joined = " ".join(words[i:i + size])
            if len(joined) < FUZZY_MIN or joined in _FILLER:
                continue
            allowed = 1 if len(joined) < 8 else 2
            match = process.extractOne(joined, self._fuzzy.get(size, ()), scorer=OSA.distance,
                                       score_cutoff=allowed)
            if match:
                return size, self.names[tuple(match[0].split())], True
        return None

    def _weak(self, text, words):
        """Return the place of a code that is also a word, written in capitals or alone, or None."""
        if self.weak.keys().isdisjoint(words):
            return None  # most messages: no such word
        rest = [w for w in words if w in self.weak or w not in _FILLER]
        shouted = (text or "").upper() == (text or "")
        raw = set() if shouted else {w.strip(".,;:!?") for w in (text or "").split()}
        for word in words:
            if word not in self.weak:
                continue
            if rest == [word] or word.upper() in raw:
                code, name = self.weak[word]
                return Place(code, word.upper(), name, weak=True)
        return None
