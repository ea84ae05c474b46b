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


_DROP_GSM7 = dict.fromkeys(map(ord, GSM7_BASIC | GSM7_EXTENDED), None)
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")


def is_gsm7(text):
    """Return True when every character of text is in GSM-7 (basic or extension)."""
    return not text.translate(_DROP_GSM7)


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
    text = unicodedata.normalize("NFC", text).translate(_TYPOGRAPHIC)
    if fold_accents:
        text = text.translate(_ACCENTS)
    return text
