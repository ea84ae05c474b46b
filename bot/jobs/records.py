"""Compact records of DOL cases and debarments, and the name keys that match employers."""
import json
import re
import unicodedata
import zlib

SEP = "\x1f"  # never in a spreadsheet cell that as_text() tidied
# A case record, in this order; the case key is the hash field, not part of the record.
CASE_FIELDS = ("status", "status_text", "employer", "trade", "city", "state", "job", "begin", "end",
               "certified", "requested", "wage", "unit", "agent", "program", "person", "piece", "piece_unit")
_SUFFIXES = frozenset("llc l l c inc incorporated corp corporation co company ltd limited lp llp pllc pc "
                      "dba the and of sa de cv srl".split())
_NOT_WORD = re.compile(r"[^a-z0-9]+")


def encode_case(record):
    """Return a case record (dict) as one compact string."""
    return SEP.join(str(record.get(f, "") or "").replace(SEP, " ") for f in CASE_FIELDS)


def decode_case(raw):
    """Return the dict encode_case() was given (missing trailing fields are blank)."""
    if isinstance(raw, bytes):
        raw = raw.decode("utf-8", "replace")
    values = raw.split(SEP)
    return {f: values[i] if i < len(values) else "" for i, f in enumerate(CASE_FIELDS)}


def name_key(name):
    """Return an employer's name folded for matching: no accents, case, punctuation or LLC/INC words."""
    text = str(name or "")
    if not text.isascii():  # plain ASCII has nothing to decompose
        text = "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))
    text = text.lower().replace("&", " and ")
    words = [w for w in _NOT_WORD.split(text) if w and w not in _SUFFIXES]
    return " ".join(words)


def person_key(name):
    """Return a person's name folded with its words sorted: "Sanchez, Antonio" and "Antonio Sanchez" agree."""
    return " ".join(sorted(name_key(name).split()))


def pack(value):
    """Return a JSON-able value as compressed bytes (employer index, debarment list)."""
    return zlib.compress(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8"), 6)


def unpack(blob):
    """Return what pack() was given; a broken blob reads as empty."""
    try:
        return json.loads(zlib.decompress(blob).decode("utf-8"))
    except (zlib.error, ValueError, TypeError, UnicodeDecodeError):
        return []
