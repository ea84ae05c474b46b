"""SMS arithmetic: GSM-7 or UCS-2, segment counts, and SMS-safe text."""
import re
import unicodedata

# GSM 03.38 basic character set (one septet each).
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# Extension table: each costs two septets (escape + character).
GSM7_EXTENDED = frozenset("^{}\\[~]|€\f")

GSM7_SINGLE, GSM7_MULTI = 160, 153
UCS2_SINGLE, UCS2_MULTI = 70, 67

# Typographic characters with a GSM-7 look-alike; applied to every SMS.
_TYPOGRAPHIC = str.maketrans({
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u02bc": "'", "\u02bb": "'",
    "\u00b4": "'", "`": "'", "\u2032": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u00ab": '"', "\u00bb": '"', "\u2033": '"',
    "\u2013": "-", "\u2014": "-", "\u2012": "-", "\u2212": "-", "\u2010": "-", "\u2011": "-",
    "\u2026": "...", "\u00a0": " ", "\u202f": " ", "\u2007": " ", "\u2009": " ",
    "\u2022": "-", "\u00b7": "-", "\t": " ",
})
# Spanish vowels outside GSM-7, folded only when the script asks for it.
_ACCENTS = str.maketrans("áíóúÁÍÓÚâêîôûÂÊÎÔÛ", "aiouAIOUaeiouAEIOU")


def _any_of(chars, negated=False):
    """Return a pattern matching one character of chars (or, negated, one character not in chars)."""
    return re.compile("[" + ("^" if negated else "") + "".join(re.escape(ch) for ch in sorted(chars)) + "]")


# The two tables as (character, replacement) pairs, replaced one character at a time: str.translate
# with a mapping looks every character of a text up (some 13 µs for an SMS page), a search for one
# character is fast, and every replacement is ASCII outside both tables, so the order changes nothing.
_NOT_GSM7 = _any_of(GSM7_BASIC | GSM7_EXTENDED, negated=True)
_TYPOGRAPHIC_PAIRS = tuple((chr(k), v if isinstance(v, str) else chr(v)) for k, v in _TYPOGRAPHIC.items())
_ACCENT_PAIRS = tuple((chr(k), v if isinstance(v, str) else chr(v)) for k, v in _ACCENTS.items())
_HAS_TYPOGRAPHIC = _any_of(ch for ch, _ in _TYPOGRAPHIC_PAIRS)
_HAS_ACCENTS = _any_of(ch for ch, _ in _ACCENT_PAIRS)
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")


def is_gsm7(text):
    """Return True when every character of text is in GSM-7 (basic or extension)."""
    return _NOT_GSM7.search(text) is None


def non_gsm7_chars(text):
    """Return the distinct characters of text that force UCS-2, in order of appearance."""
    seen = []
    for ch in text:
        if ch not in GSM7_BASIC and ch not in GSM7_EXTENDED and ch not in seen:
            seen.append(ch)
    return seen


def _units(text):
    """Return (encoding, per-character unit costs) for text."""
    if is_gsm7(text):
        return "GSM-7", [2 if ch in GSM7_EXTENDED else 1 for ch in text]
    # UCS-2 counts UTF-16 code units: characters beyond the BMP (emoji) take two.
    return "UCS-2", [2 if ord(ch) > 0xFFFF else 1 for ch in text]


def segments(text):
    """Return (encoding, number of segments) that text costs as one SMS."""
    gsm = is_gsm7(text)
    wide = sum(text.count(ch) for ch in GSM7_EXTENDED) if gsm else len(_ASTRAL.findall(text))
    if not wide:  # fast path: every character costs one unit, so no character can straddle a boundary
        single, multi = (GSM7_SINGLE, GSM7_MULTI) if gsm else (UCS2_SINGLE, UCS2_MULTI)
        return ("GSM-7" if gsm else "UCS-2"), (0 if not text else 1 if len(text) <= single else -(-len(text) // multi))
    encoding, units = _units(text)
    single, multi = (GSM7_SINGLE, GSM7_MULTI) if encoding == "GSM-7" else (UCS2_SINGLE, UCS2_MULTI)
    total = sum(units)
    if total <= single:
        return encoding, 1 if total else 0
    # A character is never split across segments (an escape pair or a surrogate pair).
    count, used = 1, 0
    for unit in units:
        if used + unit > multi:
            count, used = count + 1, 0
        used += unit
    return encoding, count


def sms_safe(text, fold_accents=True):
    """Return text rewritten for SMS: typographic punctuation replaced, optionally accents folded."""
    text = unicodedata.normalize("NFC", text)
    if _HAS_TYPOGRAPHIC.search(text):
        text = _replaced(text, _TYPOGRAPHIC_PAIRS)
    if fold_accents and _HAS_ACCENTS.search(text):
        text = _replaced(text, _ACCENT_PAIRS)
    return text


def _replaced(text, pairs):
    """Return text with each character of pairs replaced (what str.translate does with their table)."""
    for ch, replacement in pairs:
        if ch in text:
            text = text.replace(ch, replacement)
    return text
