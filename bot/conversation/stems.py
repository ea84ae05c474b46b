"""Read words as the sentence matcher indexes them: normalised, split, and reduced to a stem.

A message and every listed phrase are read the same way: normalize() (case, accents, apostrophe
variants), split into words, and each word reduced to its stem by the Snowball stemmer of its language
(Spanish, English); K'iche' has no stemmer, so its words are matched whole or after one of the usual
aspect, person and possessive prefixes ("xinkamisax" finds "kamisax").
"""
import functools
import re

import Stemmer

from bot.conversation.textmatch import normalize

STEMMED = {"es": "spanish", "en": "english"}
# K'iche' prefixes: aspect (k-, x-, ch-), person (in, at, oj, ix, e...), possessive (nu, a, u, qa, i, ki).
QUC_PREFIXES = tuple(sorted({
    "xin", "xat", "xoj", "xix", "xe", "xu", "xa", "xi", "x", "kin", "kat", "koj", "kix", "ke", "ku", "ka", "k",
    "chin", "chat", "choj", "chix", "che", "chu", "cha", "nu", "qa", "ki", "u", "a", "i", "w", "aw", "r",
}, key=len, reverse=True))
QUC_MIN_ROOT = 4
_WORD = re.compile(r"[a-z0-9]+|\+")


def words(text):
    """Return the words of a text, normalised."""
    return _WORD.findall(normalize(text))


def analyse(lang, word):
    """Return the form a word is indexed by in lang: its stem (es, en) or itself (quc and others)."""
    return _stem(lang, word) if lang in STEMMED else word


def variants(lang, word):
    """Return the forms a message word may be found under in lang's index."""
    if lang in STEMMED:
        return (_stem(lang, word),)
    if lang == "quc":
        return _quc_variants(word)
    return (word,)


def keys(lang, variants):
    """Return the index keys a run of words may be found under (every combination of their variants)."""
    combos = [()]
    for options in variants:
        combos = [c + (v,) for c in combos for v in options]
    return [(lang, c) for c in combos]


@functools.lru_cache(maxsize=16384)
def _stem(lang, word):
    """Return a word's Snowball stem in lang (digits stay as they are)."""
    if word.isdigit():
        return word
    return _stemmer(lang).stemWord(word)


@functools.lru_cache(maxsize=None)
def _stemmer(lang):
    """Return the Snowball stemmer of a language (built once)."""
    return Stemmer.Stemmer(STEMMED[lang])


@functools.lru_cache(maxsize=16384)
def _quc_variants(word):
    """Return a K'iche' word and its roots once a usual prefix is taken off (at most two variants)."""
    out = [word]
    for prefix in QUC_PREFIXES:
        if word.startswith(prefix) and len(word) - len(prefix) >= QUC_MIN_ROOT:
            out.append(word[len(prefix):])
            break
    return tuple(out)
