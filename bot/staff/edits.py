"""Staff edits to a bundle's texts: texts, review marks, comments, keywords; and what every edit shares.

Each function changes the bundle it is given (a draft's copy) or raises EditError saying what is
wrong, in words staff understand. What the edit functions accept is only the shape; whether the
result makes a good script (reachable nodes, phone numbers that work...) is for the checks. Directory
entries and office hours are edited in bot/staff/directory_edits.py.
"""
import re
import unicodedata

from bot.conversation.bundle import entry_dict
from bot.conversation.checks import text_ids
from bot.conversation.script import REVIEW_FLAG, ScriptError, build_script
from bot.conversation.textmatch import normalize
from bot.conversation.wording import N_

MAX_TEXT = 1600            # ten SMS segments: longer belongs in several texts
MAX_WORD = 60
# Characters no text may hold: control characters (a newline aside) go raw into SMS and PO files, and
# the bidirectional overrides and isolates can make a text read differently from what it holds.
_BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_FORBIDDEN = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f" + _BIDI + "]")


class EditError(ValueError):
    """An edit cannot be made; the message says why (messages: every reason, when there are several)."""

    def __init__(self, message, *more):
        super().__init__(message)
        self.messages = [message, *more]

    def __str__(self):
        return "; ".join(str(m) for m in self.messages)


def review_languages(bundle):
    """Return the languages whose texts need a native speaker's review (K'iche' unless the script says)."""
    return tuple(bundle["spec"].get("review_languages", ("quc",)))


def check_language(bundle, lang):
    """Raise EditError unless lang is one of the script's languages."""
    languages = bundle["spec"].get("languages") or ()
    if lang not in languages:
        raise EditError(N_("unknown language %(lang)s (use %(use)s)", lang=repr(lang), use=", ".join(languages)))


def known_text_ids(bundle):
    """Return the text ids a staff member may edit: those the script uses and those in a catalog."""
    ids = {tid for entries in bundle["catalogs"].values() for tid in entries}
    try:  # the structure alone names the ids: building it without the catalogs is ten times cheaper
        ids.update(text_ids(build_script({"spec": bundle["spec"], "catalogs": {}})))
    except ScriptError:
        pass  # a broken structure still lets staff fix its texts
    return ids


def keyword_ids(bundle):
    """Return the text ids that hold keywords (comma-separated words) rather than a message."""
    spec = bundle["spec"]
    ids = {g.get("words") for g in spec.get("globals") or () if isinstance(g, dict)}
    for node in (spec.get("nodes") or {}).values():
        for option in (node or {}).get("options") or ():
            if isinstance(option, dict):
                ids.add(option.get("words"))
    ids.update((spec.get("texts") or {}).get(role) for role in ("more_words", "yes_words"))
    understand = spec.get("understand") if isinstance(spec.get("understand"), dict) else {}
    # Whole-message words that stay exact rules beside the understanding models: more, no.
    ids.update(understand.get(k) for k in ("more", "no_words") if isinstance(understand.get(k), str))
    return {i for i in ids if i}


def clean_text(text, limit=MAX_TEXT):
    """Return text with Windows line ends and surrounding blanks removed, or raise EditError."""
    if not isinstance(text, str):
        raise EditError(N_("a text must be a string"))
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ").strip()
    refuse_hidden(text)
    if len(text) > limit:
        raise EditError(N_("text too long: %(n)s characters (at most %(max)s)", n=len(text), max=limit))
    return text


def refuse_hidden(text, field=None):
    """Raise EditError naming the first control character or bidi override in text, and where it is."""
    found = _FORBIDDEN.search(text)
    if found is None:
        return
    char = found.group()
    name = unicodedata.name(char, "") or {"\x00": "NULL", "\x07": "BELL", "\x1b": "ESCAPE"}.get(char, "control character")
    before = text[max(found.start() - 20, 0):found.start()].split("\n")[-1]
    where = (N_('after "%(before)s"', before=before) if before else N_("at the start of a line") if found.start()
             else N_("at the start"))
    raise EditError(N_("%(field)s holds an invisible character that is not allowed: %(char)s, character %(n)s "
                       "(%(where)s). Delete it and save again.", field=field or N_("the text"),
                       char=f"U+{ord(char):04X} {name}", n=found.start() + 1, where=where))


def set_text(bundle, text_id, lang, text, reviewed=None):
    """Set text_id's text in lang; an empty text removes it (texters then get the fallback).

    A translation records the Spanish it was made from, so it is current again. A changed text in
    a review language (K'iche') needs review again, unless reviewed says otherwise.
    """
    check_language(bundle, lang)
    if text_id not in known_text_ids(bundle):
        raise EditError(N_("unknown text id %(tid)s", tid=repr(text_id)))
    text = clean_text(text)
    source_lang = bundle["spec"]["source_language"]
    catalog = bundle["catalogs"].setdefault(lang, {})
    old = catalog.get(text_id) or {}
    if not text:
        if old.get("comments") or old.get("notes"):
            catalog[text_id] = entry_dict("", "", (), old.get("comments", ()), old.get("notes", ()))
        else:
            catalog.pop(text_id, None)
        return
    if lang == source_lang:
        source = text
    else:
        source = (bundle["catalogs"].get(source_lang, {}).get(text_id) or {}).get("text", "")
    flags = set(old.get("flags", ()))
    if lang != source_lang and lang in review_languages(bundle) and old.get("text") != text:
        flags.add(REVIEW_FLAG)
    if reviewed is True:
        flags.discard(REVIEW_FLAG)
    elif reviewed is False:
        flags.add(REVIEW_FLAG)
    catalog[text_id] = entry_dict(text, source, flags, old.get("comments", ()), old.get("notes", ()))


def mark_reviewed(bundle, text_id, lang, reviewed=True):
    """Mark lang's text of text_id as reviewed by a native speaker (or as needing review again)."""
    check_language(bundle, lang)
    entry = bundle["catalogs"].get(lang, {}).get(text_id)
    if not entry or not entry.get("text"):
        raise EditError(N_("there is no %(lang)s text %(tid)s to review", lang=lang, tid=repr(text_id)))
    flags = set(entry.get("flags", ()))
    if reviewed:
        flags.discard(REVIEW_FLAG)
    else:
        flags.add(REVIEW_FLAG)
    entry["flags"] = sorted(flags)
    if not entry["flags"]:
        del entry["flags"]


def set_comment(bundle, text_id, lang, comment):
    """Set the staff comment (and fact citation) shown with lang's text of text_id; one line a line."""
    check_language(bundle, lang)
    if text_id not in known_text_ids(bundle):
        raise EditError(N_("unknown text id %(tid)s", tid=repr(text_id)))
    lines = [line.strip() for line in clean_text(comment, 2000).split("\n") if line.strip()]
    catalog = bundle["catalogs"].setdefault(lang, {})
    entry = catalog.get(text_id)
    if entry is None:
        if not lines:
            return
        entry = catalog[text_id] = entry_dict("", "")
    if lines:
        entry["comments"] = lines
    else:
        entry.pop("comments", None)


def add_note(bundle, text_id, lang, note, by):
    """Add a reviewer's or translator's comment (a # comment in the PO file) to lang's text of text_id."""
    check_language(bundle, lang)
    entry = bundle["catalogs"].get(lang, {}).get(text_id)
    if not entry or not entry.get("text"):
        raise EditError(N_("there is no %(lang)s text %(id)s to comment on", lang=lang, id=repr(text_id)))
    note = " ".join(clean_text(note, 1000).split())
    if not note:
        raise EditError(N_("write a comment first"))
    entry["notes"] = list(entry.get("notes", ())) + [f"{by}: {note}"]


def set_keywords(bundle, text_id, lang, words):
    """Set the words that pick an option (or a global command) in lang: a list or "a, b, c"."""
    if text_id not in keyword_ids(bundle):
        raise EditError(N_("%(tid)s is not a keyword list", tid=repr(text_id)))
    if isinstance(words, str):
        words = words.split(",")
    if not isinstance(words, (list, tuple)) or not all(isinstance(w, str) for w in words):
        raise EditError(N_("keywords must be a list of words"))
    kept, seen = [], set()
    for word in words:
        word = " ".join(word.split())
        if not word:
            continue
        if len(word) > MAX_WORD:
            raise EditError(N_("keyword too long: %(word)s... (at most %(max)s characters)", word=repr(word[:20]), max=MAX_WORD))
        if not normalize(word):
            raise EditError(N_("keyword %(word)s has no letters or digits", word=repr(word)))
        if normalize(word) not in seen:
            seen.add(normalize(word))
            kept.append(word)
    set_text(bundle, text_id, lang, ", ".join(kept))
