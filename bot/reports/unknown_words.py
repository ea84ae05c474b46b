"""Words most often found in messages the bot did not understand, for staff to add to the script.

Privacy first: words, never messages. Before counting, links, e-mail addresses, anything with a digit
(phone numbers, amounts, dates) and words of fewer than 3 letters are dropped; only words that no list
of the script knows are kept (so "el", "que" or "pago" never show), at most MAX_WORDS a message.

Fields in the day's report hash (bot/reports/counters.py): nu:<lang>:<word>:<b> -> times used, where b
is one of BUCKETS letters computed from the texter's pseudonym AND the word. The page shows a word only
when it was seen under at least MIN_TEXTERS different letters in the period, which takes at least that
many different texters (two texters may share a letter: the count can only be too low, never too
high). Because the letter depends on the word too, the letters of two words say nothing about whether
one texter wrote both. The CSV download and the CLI leave these fields out.
"""
import collections
import hashlib
import re

from bot.conversation.textmatch import normalize

PREFIX = "nu"
MIN_TEXTERS = 5
MAX_WORDS = 8
BUCKETS = "abcdefghijklmnopqrstuvwxyz234567"   # 32 letters
_LINK = re.compile(r"(?:https?://|www\.)\S+|\S+@\S+|\S+\.(?:com|org|net|gov|edu|mx|gt|us|io|ly|me)\S*",
                   re.IGNORECASE)
_WORD = re.compile(r"[^\W\d_]{3,24}")


def safe_words(text, unknown):
    """Return the words of text that may be counted: in unknown (no list knows them), no links, no
    addresses, no digits, 3 to 24 letters; each once, at most MAX_WORDS."""
    text = _LINK.sub(" ", text or "")
    allowed = set(unknown)
    kept = []
    for raw in re.split(r"\s+", text):
        if any(ch.isdigit() for ch in raw):
            continue  # phone numbers, amounts, case numbers, and words glued to them
        for word in _WORD.findall(normalize(raw)):
            if word in allowed and word not in kept:
                kept.append(word)
    return kept[:MAX_WORDS]


def bucket(h, word):
    """Return the letter a texter's use of a word is counted under (from their pseudonym and the word)."""
    digest = hashlib.sha256(f"{h}:{word}".encode("utf-8")).digest()
    return BUCKETS[digest[0] % len(BUCKETS)]


def tally(result, text, h):
    """Return the counters of a step the bot did not understand, {field: 1} (empty otherwise)."""
    unknown = next((data.get("words") for kind, data in result.events if kind == "not_understood"), None)
    if not unknown:
        return {}
    lang = result.state.lang or "none"
    return {f"{PREFIX}:{lang}:{word}:{bucket(h, word)}": 1 for word in safe_words(text, unknown)}


def top_words(totals, limit=15, min_texters=MIN_TEXTERS):
    """Return {lang: [(word, times, texters at least)]} of a period's totals, most used first, only
    the words seen from at least min_texters different texters."""
    times, letters = collections.Counter(), collections.defaultdict(set)
    for name, value in totals.items():
        parts = name.split(":")
        if len(parts) != 4 or parts[0] != PREFIX or not value:
            continue
        key = (parts[1], parts[2])
        times[key] += value
        letters[key].add(parts[3])
    out = collections.defaultdict(list)
    for (lang, word), count in sorted(times.items(), key=lambda kv: (-kv[1], kv[0])):
        if len(letters[(lang, word)]) >= min_texters and len(out[lang]) < limit:
            out[lang].append((word, count, len(letters[(lang, word)])))
    return dict(out)


def is_word_field(name):
    """Return True for a counter field of this module (kept out of the CSV and the CLI)."""
    return name.startswith(PREFIX + ":")
