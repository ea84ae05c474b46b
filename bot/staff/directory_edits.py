"""Staff edits to a bundle's referral directory and office hours (what bot/staff/directory_pages.py edits).

Like bot/staff/edits.py: each function changes the bundle it is given (a draft's copy) or raises
EditError saying what is wrong; it accepts only the shape, and the checks judge the result (phone numbers
that work, entries checked within a year...).
"""
import datetime
import re

from bot.conversation import hours
from bot.conversation.bundle import jsonable
from bot.staff.edits import EditError, check_language, refuse_hidden

PHONE_KINDS = ("call", "text", "whatsapp")
DIAL_FROM = ("US", "MX", "other")
_ENTRY_ID = re.compile(r"[a-z0-9][a-z0-9_\-]{0,63}")
FUTURE_SLACK = datetime.timedelta(days=1)  # "last checked" may be tomorrow somewhere, never later


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
