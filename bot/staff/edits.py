"""Staff edits to a bundle: texts, review marks, comments, keywords, directory entries, office hours.

Each function changes the bundle it is given (a draft's copy) or raises EditError saying what is
wrong, in words staff understand. What the edit functions accept is only the shape; whether the
result makes a good script (reachable nodes, phone numbers that work...) is for the checks.
"""
import datetime
import re
import unicodedata

from bot.conversation import hours
from bot.conversation.bundle import entry_dict, jsonable
from bot.conversation.checks import text_ids
from bot.conversation.script import REVIEW_FLAG, ScriptError, build_script
from bot.conversation.textmatch import normalize

MAX_TEXT = 1600            # ten SMS segments: longer belongs in several texts
MAX_WORD = 60
PHONE_KINDS = ("call", "text", "whatsapp")
DIAL_FROM = ("US", "MX", "other")
_ENTRY_ID = re.compile(r"[a-z0-9][a-z0-9_\-]{0,63}")
# Characters no text may hold: control characters (a newline aside) go raw into SMS and PO files, and
# the bidirectional overrides and isolates can make a text read differently from what it holds.
_BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_FORBIDDEN = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f" + _BIDI + "]")
FUTURE_SLACK = datetime.timedelta(days=1)  # "last checked" may be tomorrow somewhere, never later


class EditError(ValueError):
    """An edit cannot be made; the message says why."""


def review_languages(bundle):
    """Return the languages whose texts need a native speaker's review (K'iche' unless the script says)."""
    return tuple(bundle["spec"].get("review_languages", ("quc",)))


def check_language(bundle, lang):
    """Raise EditError unless lang is one of the script's languages."""
    languages = bundle["spec"].get("languages") or ()
    if lang not in languages:
        raise EditError(f"unknown language {lang!r} (use {', '.join(languages)})")


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
    for section in ("intents", "small_talk"):  # the sentence matcher's words (bot/conversation/matcher.py)
        ids.update(c.get("words") for c in (understand.get(section) or {}).values() if isinstance(c, dict))
    ids.update(understand.get(k) for k in ("more", "no_words", "language_words") if isinstance(understand.get(k), str))
    ids.add((understand.get("danger") or {}).get("words") if isinstance(understand.get("danger"), dict) else None)
    return {i for i in ids if i}


def clean_text(text, limit=MAX_TEXT):
    """Return text with Windows line ends and surrounding blanks removed, or raise EditError."""
    if not isinstance(text, str):
        raise EditError("a text must be a string")
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ").strip()
    refuse_hidden(text)
    if len(text) > limit:
        raise EditError(f"text too long: {len(text)} characters (at most {limit})")
    return text


def refuse_hidden(text, field="the text"):
    """Raise EditError naming the first control character or bidi override in text, and where it is."""
    found = _FORBIDDEN.search(text)
    if found is None:
        return
    char = found.group()
    name = unicodedata.name(char, "") or {"\x00": "NULL", "\x07": "BELL", "\x1b": "ESCAPE"}.get(char, "control character")
    before = text[max(found.start() - 20, 0):found.start()].split("\n")[-1]
    where = f'after "{before}"' if before else "at the start of a line" if found.start() else "at the start"
    raise EditError(f"{field} holds an invisible character that is not allowed: U+{ord(char):04X} {name}, "
                    f"character {found.start() + 1} ({where}). Delete it and save again.")


def set_text(bundle, text_id, lang, text, reviewed=None):
    """Set text_id's text in lang; an empty text removes it (texters then get the fallback).

    A translation records the Spanish it was made from, so it is current again. A changed text in
    a review language (K'iche') needs review again, unless reviewed says otherwise.
    """
    check_language(bundle, lang)
    if text_id not in known_text_ids(bundle):
        raise EditError(f"unknown text id {text_id!r}")
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
        raise EditError(f"there is no {lang} text {text_id!r} to review")
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
        raise EditError(f"unknown text id {text_id!r}")
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


def set_keywords(bundle, text_id, lang, words):
    """Set the words that pick an option (or a global command) in lang: a list or "a, b, c"."""
    if text_id not in keyword_ids(bundle):
        raise EditError(f"{text_id!r} is not a keyword list")
    if isinstance(words, str):
        words = words.split(",")
    if not isinstance(words, (list, tuple)) or not all(isinstance(w, str) for w in words):
        raise EditError("keywords must be a list of words")
    kept, seen = [], set()
    for word in words:
        word = " ".join(word.split())
        if not word:
            continue
        if len(word) > MAX_WORD:
            raise EditError(f"keyword too long: {word[:20]!r}... (at most {MAX_WORD} characters)")
        if not normalize(word):
            raise EditError(f"keyword {word!r} has no letters or digits")
        if normalize(word) not in seen:
            seen.add(normalize(word))
            kept.append(word)
    set_text(bundle, text_id, lang, ", ".join(kept))


def set_office_hours(bundle, office_hours):
    """Replace the office hours: {"timezone": "America/New_York", "days": {"mon": "09:00-17:00", ...}}."""
    if not isinstance(office_hours, dict) or not isinstance(office_hours.get("timezone"), str):
        raise EditError("office hours need a timezone (like America/New_York) and days")
    days = office_hours.get("days") or {}
    if not isinstance(days, dict) or not all(isinstance(v, str) for v in days.values()):
        raise EditError("office hours: days must map mon..sun to times like 09:00-17:00")
    unknown = set(office_hours) - {"timezone", "days"}
    if unknown:
        raise EditError(f"office hours: unknown field {sorted(unknown)[0]!r}")
    cleaned = {"timezone": office_hours["timezone"].strip(),
               "days": {d: ", ".join(s.strip() for s in v.split(",") if s.strip()) for d, v in days.items()}}
    try:
        hours.parse_hours(cleaned)
    except ValueError as exc:
        raise EditError(str(exc)) from None
    bundle["spec"]["office_hours"] = cleaned


def set_directory_entry(bundle, entry):
    """Add a directory entry, or replace the one with the same id; return the entry as stored."""
    entry = clean_entry(bundle, entry)
    directory = bundle.setdefault("directory", [])
    for index, existing in enumerate(directory):
        if existing.get("id") == entry["id"]:
            directory[index] = entry
            return entry
    directory.append(entry)
    return entry


def remove_directory_entry(bundle, entry_id):
    """Remove the directory entry with entry_id."""
    directory = bundle.get("directory") or []
    kept = [e for e in directory if e.get("id") != entry_id]
    if len(kept) == len(directory):
        raise EditError(f"no directory entry {entry_id!r}")
    bundle["directory"] = kept


def clean_entry(bundle, entry):
    """Return a directory entry checked for shape, or raise EditError naming the field."""
    if not isinstance(entry, dict):
        raise EditError("a directory entry must be a mapping of fields")
    entry = dict(entry)
    if not isinstance(entry.get("id"), str) or not _ENTRY_ID.fullmatch(entry["id"]):
        raise EditError("id: use lower-case letters, digits, - and _ (like legal_aid_nc)")
    entry["name"] = _string(entry.get("name"), "name", 200)
    if not entry["name"]:
        raise EditError("name: an entry needs the organisation's name")
    phones = entry.get("phones") or []
    if not isinstance(phones, list):
        raise EditError("phones: a list of {number, kind, from}")
    entry["phones"] = [_phone(p, i) for i, p in enumerate(phones, start=1)]
    places = bundle.get("places") or {}
    codes = set(places) | {p.get("country") for p in places.values() if isinstance(p, dict)}
    for field in ("languages", "topics", "serves"):
        values = entry.get(field) or []
        if not isinstance(values, list) or not all(isinstance(v, str) and v.strip() for v in values):
            raise EditError(f"{field}: a list of short names")
        entry[field] = [v.strip() for v in values]
    topics = known_topics(bundle)
    strange = [t for t in entry["topics"] if t not in topics]
    if strange:
        raise EditError(f"topics: unknown topic {strange[0][:40]!r} (use {', '.join(sorted(topics))})")
    unknown = [c for c in entry["serves"] if c not in codes]
    if unknown:
        raise EditError(f"serves: unknown place {unknown[0]!r} (use codes from places, like US, US-NC, MX, GT)")
    hours_text = entry.get("hours") or {}
    if not isinstance(hours_text, dict) or not all(isinstance(v, str) for v in hours_text.values()):
        raise EditError("hours: a text per language, like {es: 'lunes a viernes, 9 a 5'}")
    for lang in hours_text:
        check_language(bundle, lang)
    entry["hours"] = {k: _string(v, f"hours.{k}", 200) for k, v in hours_text.items()}
    names = entry.pop("names", None) or {}
    if not isinstance(names, dict) or not all(isinstance(v, str) for v in names.values()):
        raise EditError("names: a name per language, like {es: 'División de Horas y Salarios'}")
    for lang in names:
        check_language(bundle, lang)
    names = {k: _string(v, f"names.{k}", 200) for k, v in names.items()}
    if any(names.values()):
        entry["names"] = {k: v for k, v in names.items() if v}
    web = _string(entry.pop("web", None), "web", 200)
    if web:
        entry["web"] = web
    checked = entry.get("checked")
    if isinstance(checked, (datetime.date, datetime.datetime)):
        checked = checked.isoformat()[:10]
    if checked not in (None, ""):
        try:
            day = datetime.date.fromisoformat(str(checked))
        except ValueError:
            raise EditError(f"checked: {str(checked)[:40]!r} is not a date like 2026-01-31") from None
        if day > datetime.date.today() + FUTURE_SLACK:
            raise EditError(f"checked: {day.isoformat()} is in the future: write the day the entry was checked")
        entry["checked"] = day.isoformat()
    else:
        entry.pop("checked", None)
    for field in ("source", "nationality"):
        if field in entry:
            entry[field] = _string(entry[field], field, 300)
    return jsonable(entry)


def known_topics(bundle):
    """Return the topics a directory entry may name: the menu's topics, and "general"."""
    nodes = (bundle["spec"].get("nodes") or {}).values()
    return {n.get("topic") for n in nodes if isinstance(n, dict) and n.get("topic")} | {"general"}


def _phone(phone, index):
    """Return one phone of an entry checked for shape."""
    where = f"phones[{index}]"
    if not isinstance(phone, dict):
        raise EditError(f"{where}: a mapping of number, kind and from")
    number = _string(phone.get("number"), f"{where}.number", 40)
    if not number:
        raise EditError(f"{where}.number: missing")
    kind, dial_from = phone.get("kind", "call"), phone.get("from", "US")
    if kind not in PHONE_KINDS:
        raise EditError(f"{where}.kind: {kind!r} (use {', '.join(PHONE_KINDS)})")
    if dial_from not in DIAL_FROM:
        raise EditError(f"{where}.from: {dial_from!r} (use {', '.join(DIAL_FROM)}: where the caller dials from)")
    return {"number": number, "kind": kind, "from": dial_from}


def _string(value, field, limit):
    """Return value as a stripped string within limit, or raise EditError."""
    if value is None:
        return ""
    if not isinstance(value, (str, int)):
        raise EditError(f"{field}: expected text")
    value = str(value).strip()
    refuse_hidden(value, field)
    if len(value) > limit:
        raise EditError(f"{field}: at most {limit} characters")
    return value
