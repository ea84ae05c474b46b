"""Read DOL case numbers as people write them: H-300-25123-456789, h300 25123 456789, C-11060-28222.

A case key is the compact form: "H300" or "H400" and 11 digits, or "C" and 10 digits (old H-2A cases).
REFERRAL-FACTS E1: H-2A cases look like H-300-22007-816996, H-2B like H-400-13074-227549, older H-2A
ones C-11060-28222 (the last form is U, so it is read but never relied on for anything else).
"""
import functools
import re
from dataclasses import dataclass

_SEP = r"[\s\-_./:#]*"
# Program block 300/400 (people type O for 0), then digits with any separators. The H is optional
# only when the program block is there, and the digit count is checked after the match.
_H = re.compile(r"(?<![A-Za-z0-9])(?:[Hh]" + _SEP + r")?([34][0Oo][0Oo])" + _SEP
                + r"((?:\d" + _SEP + r"){9,13})(?!\d)")
_C = re.compile(r"(?<![A-Za-z0-9])[Cc]" + _SEP + r"((?:\d" + _SEP + r"){9,11})(?!\d)")
# P-400-25010-555555 / P-500-...: a prevailing wage determination (ETA-9141), not a job order; without
# this, "P-400-..." would be read as the H-2B case H-400-... (issue 21).
_P = re.compile(r"(?<![A-Za-z0-9])[Pp]" + _SEP + r"([45][0Oo][0Oo])" + _SEP + r"((?:\d" + _SEP + r"){9,13})(?!\d)")
_HAS_H = re.compile(r"^[Hh]")
H_DIGITS, C_DIGITS = 11, 10
PROGRAMS = {"300": "h2a", "400": "h2b"}


@dataclass(frozen=True)
class CaseRef:
    """A case number found in a message: its key, the program it names and whether it was exact."""

    key: str          # the compact key as typed (may be one digit off when exact is False)
    program: str      # "h2a", "h2b", or "pwd" (a prevailing wage determination number: no job order)
    exact: bool       # the digit count is right, so the key can be looked up as it is
    typed: str        # what the texter wrote, tidied for showing back


def display(key):
    """Return a case key the way DOL writes it: H-300-25123-456789 or C-11060-28222."""
    if key.startswith("H") and len(key) == 4 + H_DIGITS:
        return f"H-{key[1:4]}-{key[4:9]}-{key[9:]}"
    if key.startswith("C") and len(key) == 1 + C_DIGITS:
        return f"C-{key[1:6]}-{key[6:]}"
    return key


def key_of(value):
    """Return the key of a case number cell from DOL's file, or "" when it is not one."""
    found = find(str(value or ""))
    return found.key if found is not None and found.exact and found.program != "pwd" else ""


def find(text):
    """Return the first case number in text as a CaseRef (program "pwd" for a wage determination's
    P-400/P-500 number), or None."""
    return _found(text) if type(text) is str else _find(text)


def _find(text):
    """Return the first case number in text (find's work)."""
    for match in _P.finditer(text or ""):
        digits = re.sub(r"\D", "", match.group(2))
        block = match.group(1).upper().replace("O", "0")
        shown = f"P-{block}-{digits[:5]}-{digits[5:]}" if len(digits) == H_DIGITS else \
            re.sub(r"\s+", " ", match.group(0).strip()).upper()[:30]
        return CaseRef(key=f"P{block}{digits}", program="pwd", exact=len(digits) == H_DIGITS, typed=shown)
    for match in _H.finditer(text or ""):
        digits = re.sub(r"\D", "", match.group(2))
        block = match.group(1).upper().replace("O", "0")
        has_h = bool(_HAS_H.match(match.group(0)))
        if not has_h and len(digits) != H_DIGITS:
            continue  # without the H, only the exact shape: "300" and ten digits is a phone number
        return CaseRef(key=f"H{block}{digits}", program=PROGRAMS[block], exact=len(digits) == H_DIGITS,
                       typed=_typed(match, f"H{block}{digits}", len(digits) == H_DIGITS))
    for match in _C.finditer(text or ""):
        digits = re.sub(r"\D", "", match.group(1))
        return CaseRef(key=f"C{digits}", program="h2a", exact=len(digits) == C_DIGITS,
                       typed=_typed(match, f"C{digits}", len(digits) == C_DIGITS))
    return None


_found = functools.lru_cache(maxsize=64)(_find)  # a message is read for a case number twice (the load's
# lookup before the state is known, then the step's own question)
forget_case_numbers = _found.cache_clear  # called once a message is answered (bot/twilio/conversations.py)


def _typed(match, key, exact):
    """Return the case number to show back: DOL's writing when whole, else what was typed."""
    return display(key) if exact else re.sub(r"\s+", " ", match.group(0).strip()).upper()[:30]


def near_keys(ref, limit=400):
    """Return the keys one typing slip away from ref: a digit changed, swapped, missing or doubled."""
    prefix = ref.key[:4] if ref.key.startswith("H") else ref.key[:1]
    digits = ref.key[len(prefix):]
    want = H_DIGITS if prefix.startswith("H") else C_DIGITS
    out = []
    if len(digits) == want:
        for i in range(want):
            out += [digits[:i] + d + digits[i + 1:] for d in "0123456789" if d != digits[i]]
        out += [digits[:i] + digits[i + 1] + digits[i] + digits[i + 2:] for i in range(want - 1)
                if digits[i] != digits[i + 1]]
    elif len(digits) == want + 1:
        out += [digits[:i] + digits[i + 1:] for i in range(len(digits))]
    elif len(digits) == want - 1:
        out += [digits[:i] + d + digits[i:] for i in range(len(digits) + 1) for d in "0123456789"]
    other = {"H300": ["H400"], "H400": ["H300"]}.get(prefix, [])  # 300 typed for 400 or the reverse
    keys = [prefix + d for d in dict.fromkeys(out)]
    if len(digits) == want:
        keys += [p + digits for p in other]
    return [k for k in keys if k != ref.key][:limit]
