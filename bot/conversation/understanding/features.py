"""What the understanding models read in a message: its words, word pairs and the letters inside words.

A message is folded as the menus fold it (bot/conversation/textmatch.normalize: case, accents,
apostrophe variants), letters typed three times or more count once ("ayudaaa" is "ayuda"), and every
digit reads as 0 ("$800" and "$2000" are both an amount; 911 and 988 stay what they are). Its features are:
  "w <word>"        each word
  "b <word> <word>" each pair of neighbouring words
  " xy", "xyz "...  runs of 2 to 5 letters inside each word, with a space at the word's edges: typos,
                    missing accents, regional spellings and K'iche' prefixes share most of them
  "e <symbol>"      each emoji
The same function serves training (bot/conversation/understanding/training.py) and reading a message
(bot/conversation/understanding/linear.py), so the two cannot disagree.
"""
import re
import unicodedata

from bot.conversation.textmatch import normalize

MAX_WORDS = 80            # a longer message is read by its first 80 words
NGRAMS = (2, 3, 4, 5)
_WORD = re.compile(r"[^\W_]+")
_REPEAT = re.compile(r"(.)\1\1+")
_DIGITS = re.compile(r"\d+")
KEPT_NUMBERS = ("911", "988")  # numbers that mean something by themselves: never read as an amount


def fold(text):
    """Return a message as the models read it: normalised, repeated letters once, digits as 0 (but
    911 and 988 as written)."""
    return _DIGITS.sub(_digits, _REPEAT.sub(r"\1", normalize(text)))


def _digits(match):
    """Return a run of digits as the models read it."""
    run = match.group()
    return run if run in KEPT_NUMBERS else "0" * len(run)


def words(folded):
    """Return the words of a folded message (at most MAX_WORDS)."""
    return _WORD.findall(folded)[:MAX_WORDS]


class Features(list):
    """A message's features (a plain list to every reader), with the parts they were made of: its words,
    its word pairs and its emoji features, and which runs (WORD_RUNS or LETTER_RUNS) each word gave. A
    model may count them word by word from what it keeps of words it has read (linear.py)."""

    __slots__ = ("words", "pairs", "emoji", "kind")


def features(folded):
    """Return the list of features of a folded message (a feature may repeat: it is counted)."""
    found = words(folded)
    pairs = ["b " + a + " " + b for a, b in zip(found, found[1:])]
    out = Features("w " + w for w in found)
    out += pairs
    for w in found:
        out += _inside(w, WORD_RUNS)
    emoji = []
    if not folded.isascii():
        emoji = ["e " + ch for ch in folded if ord(ch) > 0x2000 and unicodedata.category(ch) == "So"]
        out += emoji
    out.words, out.pairs, out.emoji, out.kind = found, pairs, emoji, WORD_RUNS
    return out


def char_features(folded):
    """Return the letter runs of 1 to 4 inside words (the language model reads these and whole words)."""
    found = words(folded)
    out = Features("w " + w for w in found)
    for w in found:
        out += _inside(w, LETTER_RUNS)
    out.words, out.pairs, out.emoji, out.kind = found, [], [], LETTER_RUNS
    return out


def runs(word, sizes):
    """Return the runs of each size in sizes inside word, padded with a space at each edge, size by size."""
    padded = " " + word + " "
    length = len(padded)
    return [padded[i:i + size] for size in sizes for i in range(length - size + 1)]


# The runs of a word are the same in every message: the words read recently are kept with theirs (a few
# thousand words, whatever the texters write), so a message builds its features from them.
WORD_RUNS, LETTER_RUNS = ({}, NGRAMS), ({}, (1, 2, 3, 4))
KEPT_WORDS = 4096


def _inside(word, kind):
    """Return the runs of word for kind (WORD_RUNS or LETTER_RUNS), from the recent words when there."""
    kept, sizes = kind
    found = kept.get(word)
    if found is None:
        found = tuple(runs(word, sizes))
        if len(kept) >= KEPT_WORDS:
            kept.clear()
        kept[word] = found
    return found
