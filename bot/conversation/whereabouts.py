"""Tell where a texter is from where they come from: "soy de Guatemala y estoy en Florida".

A place after words of origin ("soy de", "vengo de", "I am from", "send me back to", "me quieren
regresar a"...) or a demonym ("guatemalteco", "Honduran") gives the texter's nationality, never where
they are: a referral for Guatemala is no use to a Guatemalan in Florida, and "can they send me back to
Mexico" asks about deportation, not about Mexico. The rest of the message is searched for where the
texter is (bot/conversation/places.py). Words that look like a place but are everyday words
("montaña" is not Montana) are left out; "Carolina" alone is not a state: the texter is asked which.

The data (locales/places.yaml): each country may list `demonyms` and each place `everyday` words
(written exactly, accents included). Pure: no Flask, no Redis.
"""
import re
from dataclasses import dataclass

from bot.conversation.places import words_of
from bot.conversation.textmatch import normalize

# Words after which a place is where the texter comes from (normalized: no accents, lower case).
ORIGIN = (
    "soy de", "somos de", "soy originario de", "soy originaria de", "originario de", "originaria de",
    "vengo de", "venimos de", "vine de", "vinimos de", "naci en", "nacimos en", "mi pais es",
    "regresar a", "regresarme a", "regresarnos a", "regresen a", "regresan a", "mandar a", "mandarme a",
    "mandarnos a", "manden a", "mandan a", "devolver a", "devolverme a", "deportar a", "deportarme a",
    "deporten a", "deportan a", "sacar a", "echar a", "volver a", "de vuelta a",
    "i am from", "im from", "i m from", "we are from", "were from", "we re from", "come from", "came from",
    "born in", "send me back to", "send us back to", "sent back to", "send me to", "send us to",
    "deport me to", "deport us to", "deported to", "go back to", "back to", "return to", "my country is",
    "in aj", "oj aj",
)
_ORIGIN = {}  # first word -> the phrases starting with it, longest first
for _phrase in sorted((tuple(p.split()) for p in ORIGIN), key=len, reverse=True):
    _ORIGIN.setdefault(_phrase[0], []).append(_phrase)
REACH = 3  # a place of origin starts after at most this many filler words ("a mi país, Guatemala")
_FILLER = frozenset({"mi", "my", "the", "el", "la", "los", "pais", "country", "home", "a", "to", "su", "nuestro",
                     "our", "tierra", "rancho", "ri", "nutinamit", "amaq"})
CAROLINA = "carolina"
_SIDES = frozenset({"norte", "sur", "north", "south", "nc", "sc"})


@dataclass(frozen=True)
class Whereabouts:
    """What one message says: where the texter is (a Place), their nationality (MX, GT...), and whether
    they named "Carolina" without saying which."""

    where: object = None
    nationality: str = None
    carolina: bool = False


class Reader:
    """Reads where a texter is and where they come from, with the script's places."""

    def __init__(self, places, finder, fallback=None):
        """places: places.yaml's mapping; finder: a places.Places; fallback(norm) -> Place or None."""
        self.places, self.finder, self.fallback = places, finder, fallback
        self.demonyms = {}
        everyday = set()
        for code, place in (places or {}).items():
            if not isinstance(place, dict):
                continue
            for word in place.get("demonyms") or ():
                self.demonyms[normalize(str(word))] = place.get("country", code)
            everyday.update(str(w).lower() for w in place.get("everyday") or ())
        self.everyday = re.compile(r"(?<!\w)(" + "|".join(re.escape(w) for w in sorted(everyday, key=len,
                                                                                       reverse=True)) + r")(?!\w)",
                                   re.I) if everyday else None

    def read(self, text, fuzzy=True):
        """Return the Whereabouts of a message; fuzzy=False keeps only places written exactly."""
        text = self.everyday.sub(" algo ", text or "") if self.everyday else (text or "")  # a word stays a word
        words = words_of(text)
        nationality, rest = None, list(words)
        for start, size in _origins(words):
            j = start + size
            while j < len(words) and j - start - size < REACH and words[j] in _FILLER:
                j += 1
            found = self.finder.starting(words, j, fuzzy)
            if found is None:
                continue
            place, length = found
            if not place.code.startswith("US"):
                nationality = nationality or self._country(place.code)
            for i in range(start, j + length):  # a US state after "soy de" is not where they are either
                rest[i] = ""
        for word in words:
            nationality = nationality or self.demonyms.get(word)
        remaining = " ".join(w for w in rest if w)
        untouched = rest == words  # nothing of origin removed: the finder reads the text as written
        where = (self.finder.find(text, fuzzy, words) if untouched else self.finder.find(remaining, fuzzy)) \
            if remaining else None
        if where is None and fuzzy and remaining and self.fallback is not None and untouched:
            where = self.fallback(remaining)
        carolina = any(w.startswith(CAROLINA) for w in rest if w) and not (
            where is not None and where.code in ("US-NC", "US-SC")) and not (_SIDES & set(rest))
        if carolina and where is not None and where.code.startswith("US"):
            carolina = False  # "Carolina" beside another state is a name, not a state
        return Whereabouts(where=None if carolina else where, nationality=nationality, carolina=carolina)

    def _country(self, code):
        """Return the country code of a place code."""
        return (self.places.get(code) or {}).get("country", code)




def _origins(words):
    """Yield (start, size) of each run of origin words in a message."""
    i = 0
    while i < len(words):
        hit = next((len(p) for p in _ORIGIN.get(words[i], ()) if tuple(words[i:i + len(p)]) == p), 0)
        if hit:
            yield i, hit
            i += hit
        else:
            i += 1
