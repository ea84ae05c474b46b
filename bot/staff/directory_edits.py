"""Staff edits to a bundle's referral directory and office hours (what bot/staff/directory_pages.py edits).

Like bot/staff/edits.py: each function changes the bundle it is given (a draft's copy) or raises
EditError saying what is wrong; it accepts only the shape, and the checks judge the result (phone numbers
that work, entries checked within a year...).
"""
import datetime
import re

from bot.conversation import hours
from bot.conversation.bundle import jsonable
from bot.conversation.wording import N_
from bot.staff.edits import EditError, check_language, refuse_hidden

PHONE_KINDS = ("call", "text", "whatsapp")
DIAL_FROM = ("US", "MX", "other")
_ENTRY_ID = re.compile(r"[a-z0-9][a-z0-9_\-]{0,63}")
FUTURE_SLACK = datetime.timedelta(days=1)  # "last checked" may be tomorrow somewhere, never later


def set_office_hours(bundle, office_hours):
    """Replace the office hours: {"timezone": "America/New_York", "days": {"mon": "09:00-17:00", ...}}."""
    if not isinstance(office_hours, dict) or not isinstance(office_hours.get("timezone"), str):
        raise EditError(N_("office hours need a timezone (like America/New_York) and days"))
    days = office_hours.get("days") or {}
    if not isinstance(days, dict) or not all(isinstance(v, str) for v in days.values()):
        raise EditError(N_("office hours: days must map mon..sun to times like 09:00-17:00"))
    unknown = set(office_hours) - {"timezone", "days"}
    if unknown:
        raise EditError(N_("office hours: unknown field %(field)s", field=repr(sorted(unknown)[0])))
    cleaned = {"timezone": office_hours["timezone"].strip(),
               "days": {d: ", ".join(s.strip() for s in v.split(",") if s.strip()) for d, v in days.items()}}
    try:
        hours.parse_hours(cleaned)
    except ValueError as exc:
        raise EditError(exc.args[0] if exc.args else str(exc)) from None
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
        raise EditError(N_("no directory entry %(id)s", id=repr(entry_id)))
    bundle["directory"] = kept


def clean_entry(bundle, entry):
    """Return a directory entry checked for shape, or raise EditError naming every field that is wrong."""
    if not isinstance(entry, dict):
        raise EditError(N_("a directory entry must be a mapping of fields"))
    entry, problems = dict(entry), []

    def field(name, clean):
        """Run clean() for one field; keep its refusal and go on with the others."""
        try:
            return clean()
        except EditError as exc:
            problems.extend(exc.messages)
            return entry.get(name)

    if not isinstance(entry.get("id"), str) or not _ENTRY_ID.fullmatch(entry["id"]):
        problems.append(N_("id: use lower-case letters, digits, - and _ (like legal_aid_nc)"))
    entry["name"] = field("name", lambda: _string(entry.get("name"), "name", 200))
    if not entry["name"]:
        problems.append(N_("name: an entry needs the organisation's name"))
    phones = entry.get("phones") or []
    if not isinstance(phones, list):
        problems.append(N_("phones: a list of {number, kind, from}"))
        phones = []
    entry["phones"] = [field("phones", lambda p=p, i=i: _phone(p, i)) for i, p in enumerate(phones, start=1)]
    places = bundle.get("places") or {}
    codes = set(places) | {p.get("country") for p in places.values() if isinstance(p, dict)}
    for name in ("languages", "topics", "serves"):
        values = entry.get(name) or []
        if not isinstance(values, list) or not all(isinstance(v, str) and v.strip() for v in values):
            problems.append(N_("%(field)s: a list of short names", field=name))
            values = []
        entry[name] = [v.strip() for v in values]
    topics = known_topics(bundle)
    strange = [t for t in entry["topics"] if t not in topics]
    if strange:
        problems.append(N_("topics: unknown topic %(topic)s: tick topics of the menu", topic=repr(strange[0][:40])))
    unknown = [c for c in entry["serves"] if c not in codes]
    if unknown:
        problems.append(N_("serves: unknown place %(place)s (use codes from places, like US, US-NC, MX, GT)",
                           place=repr(unknown[0])))
    entry["hours"] = field("hours", lambda: _per_language(bundle, entry.get("hours"), "hours", N_(
        "hours: a text per language, like {es: 'lunes a viernes, 9 a 5'}")))
    names = field("names", lambda: _per_language(bundle, entry.pop("names", None), "names", N_(
        "names: a name per language, like {es: 'División de Horas y Salarios'}"))) or {}
    entry.pop("names", None)
    if any(names.values()):
        entry["names"] = {k: v for k, v in names.items() if v}
    web = field("web", lambda: _string(entry.pop("web", None), "web", 200))
    entry.pop("web", None)
    if web:
        entry["web"] = web
    field("checked", lambda: _checked(entry))
    for name in ("source", "nationality"):
        if name in entry:
            entry[name] = field(name, lambda name=name: _string(entry[name], name, 300))
    if problems:
        raise EditError(*problems)
    return jsonable(entry)


def _per_language(bundle, values, name, shape):
    """Return {lang: text} checked (the script's languages, at most 200 characters each)."""
    values = values or {}
    if not isinstance(values, dict) or not all(isinstance(v, str) for v in values.values()):
        raise EditError(shape)
    for lang in values:
        check_language(bundle, lang)
    return {k: _string(v, f"{name}.{k}", 200) for k, v in values.items()}


def _checked(entry):
    """Set entry's "checked" to an ISO date (not in the future), or drop it when empty."""
    checked = entry.get("checked")
    if isinstance(checked, (datetime.date, datetime.datetime)):
        checked = checked.isoformat()[:10]
    if checked in (None, ""):
        entry.pop("checked", None)
        return
    try:
        day = datetime.date.fromisoformat(str(checked))
    except ValueError:
        raise EditError(N_("checked: %(x)s is not a date like 2026-01-31", x=repr(str(checked)[:40]))) from None
    if day > datetime.date.today() + FUTURE_SLACK:
        raise EditError(N_("checked: %(day)s is in the future: write the day the entry was checked",
                           day=day.isoformat()))
    entry["checked"] = day.isoformat()


def known_topics(bundle):
    """Return the topics a directory entry may name: the menu's topics, and "general"."""
    nodes = (bundle["spec"].get("nodes") or {}).values()
    return {n.get("topic") for n in nodes if isinstance(n, dict) and n.get("topic")} | {"general"}


def _phone(phone, index):
    """Return one phone of an entry checked for shape."""
    where = f"phones[{index}]"
    if not isinstance(phone, dict):
        raise EditError(N_("%(field)s: a mapping of number, kind and from", field=where))
    number = _string(phone.get("number"), f"{where}.number", 40)
    if not number:
        raise EditError(N_("%(field)s.number: missing", field=where))
    kind, dial_from = phone.get("kind", "call"), phone.get("from", "US")
    if kind not in PHONE_KINDS:
        raise EditError(N_("%(field)s.kind: %(kind)s (use %(use)s)", field=where, kind=repr(kind),
                           use=", ".join(PHONE_KINDS)))
    if dial_from not in DIAL_FROM:
        raise EditError(N_("%(field)s.from: %(dial)s (use %(use)s: where the caller dials from)", field=where,
                           dial=repr(dial_from), use=", ".join(DIAL_FROM)))
    return {"number": number, "kind": kind, "from": dial_from}


def _string(value, field, limit):
    """Return value as a stripped string within limit, or raise EditError."""
    if value is None:
        return ""
    if not isinstance(value, (str, int)):
        raise EditError(N_("%(field)s: expected text", field=field))
    value = str(value).strip()
    refuse_hidden(value, field)
    if len(value) > limit:
        raise EditError(N_("%(field)s: at most %(n)s characters", field=field, n=limit))
    return value
