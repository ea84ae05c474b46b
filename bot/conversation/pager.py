"""Shape a reply for its channel: SMS pages within a segment budget, WhatsApp messages within 1,600."""
import functools
import re

from bot.conversation.sms import segments, sms_safe

WHATSAPP_MAX_CHARS = 1600  # Twilio's limit for one message body
_SENTENCE = re.compile(r"(?<=[.!?:;])\s+|\n+")


def _split(text, fits):
    """Split one text into pieces that each fit: at line breaks first, then sentence ends, then spaces."""
    if fits(text):
        return [text]
    pieces, current = [], ""
    units, joiner = [u for u in text.split("\n") if u], "\n"  # whole lines first: a directory entry stays whole
    if len(units) == 1:
        units, joiner = _SENTENCE.split(text), " "
    if len(units) == 1:
        units = text.split(" ")
        if len(units) == 1:  # one enormous word: cut it
            half = max(1, len(text) // 2)
            return _split(text[:half], fits) + _split(text[half:], fits)
    for unit in units:
        candidate = f"{current}{joiner}{unit}" if current else unit
        if fits(candidate):
            current = candidate
        elif current:
            pieces.append(current)
            current = unit if fits(unit) else ""
            if not current:
                pieces += _split(unit, fits)
        else:
            pieces += _split(unit, fits)
    if current:
        pieces.append(current)
    return pieces


def _pack(parts, fits):
    """Join parts with blank lines into as few pages as fit."""
    pages, current = [], ""
    for part in parts:
        for piece in _split(part, fits):
            candidate = f"{current}\n\n{piece}" if current else piece
            if fits(candidate):
                current = candidate
            else:
                pages.append(current)
                current = piece
    if current:
        pages.append(current)
    return pages


def sms_pages(parts, max_segments, hint, fold_accents=True):
    """Return the SMS pages of a reply; every page but the last leaves room for the "more" hint."""
    return _sms_pages(tuple(parts), max_segments, hint, fold_accents)


@functools.lru_cache(maxsize=4096)  # replies repeat: paging one is pure work worth doing once
def _sms_pages(parts, max_segments, hint, fold_accents):
    """Return sms_pages' result as a tuple (cached)."""
    parts = [sms_safe(p, fold_accents) for p in parts if p]
    whole = "\n\n".join(parts)
    if segments(whole)[1] <= max_segments:
        return (whole,)
    hint = sms_safe(hint, fold_accents)
    fits = lambda t: segments(f"{t}\n{hint}")[1] <= max_segments  # noqa: E731
    pages = tuple(_pack(parts, fits))
    first = _first_page_with_menu(parts, fits)
    if first is not None and 1 + len(_pack(first[1], fits)) <= len(pages):  # never more pages than before
        return (first[0],) + tuple(_pack(first[1], fits))
    return pages


_MENU_LINE = re.compile(r"^\d+\. ")


def _first_page_with_menu(parts, fits):
    """Return (first page, the parts left) with a node's options on the first page, or None.

    A reply paged over several SMS shows its options (the last part: a heading and numbered lines) on
    the first page, after as many whole texts as fit with them, so a texter sees every choice ("Check
    a job offer") without asking for more, and no page is a bare menu (issue 20). Used only when it
    costs no more pages than the options at the end."""
    menu = parts[-1] if len(parts) > 1 else ""
    lines = menu.split("\n")
    if len(lines) < 2 or not all(_MENU_LINE.match(line) for line in lines[1:]):
        return None
    texts, taken = parts[:-1], []
    for part in texts:
        if not fits("\n\n".join(taken + [part, menu])):
            break
        taken.append(part)
    if not taken:
        return None
    return "\n\n".join(taken + [menu]), texts[len(taken):]


def whatsapp_pages(parts):
    """Return the WhatsApp messages of a reply: the full text, split only past Twilio's body limit."""
    whole = "\n\n".join(p for p in parts if p)
    if len(whole) <= WHATSAPP_MAX_CHARS:
        return [whole] if whole else []
    return _pack([p for p in parts if p], lambda t: len(t) <= WHATSAPP_MAX_CHARS)


def with_hint(pages, index, hint, fold_accents=True):
    """Return SMS page index of pages, followed by the "more" hint when another page waits."""
    page = pages[index]
    if index < len(pages) - 1:
        page = f"{page}\n{sms_safe(hint, fold_accents)}"
    return page
