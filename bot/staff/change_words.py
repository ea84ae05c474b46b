"""How the publish and history pages name a change or a finding's place, its values and a version's author,
in the page's language (bot/staff/diff.py's Change and the checks keep their terms: text[main.intro].quc,
node[main].options[2], examples.es.intents.pay, office_hours...)."""
import re

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from bot.conversation.hours import DAYS
from bot.staff.view import place, shown_value
from bot.web.wording import FIELDS, LANGUAGES

DAY_NAMES = {"mon": _l("Monday"), "tue": _l("Tuesday"), "wed": _l("Wednesday"), "thu": _l("Thursday"),
             "fri": _l("Friday"), "sat": _l("Saturday"), "sun": _l("Sunday")}
WHAT = {"text": _l("text"), "translated from": _l("made from another Spanish text"), "review": _l("review"),
        "flags": _l("marks"), "comment": _l("staff comment"), "translator note": _l("translator's note"),
        "changed": _l("changed")}
# The menu's topics as the inbox names them (the same words as _macros.html's topic_name).
TOPICS = {"general": _l("general questions, help"), "recruitment": _l("recruitment fees, fraud"), "pay": _l("pay"),
          "injury": _l("injury, illness"), "housing": _l("housing, transport"),
          "discrimination": _l("discrimination, harassment"), "retaliation": _l("firing, changing employer"),
          "trafficking": _l("passport, threats"), "asylum": _l("asylum, safety")}
REVIEW = {"needs review": _l("needs review"), "reviewed": _l("reviewed")}
# Notes the app writes itself when it publishes the shipped files (bot/staff/publishing.py).
SYSTEM_NOTES = {"first version: the files shipped in locales/": _l("First version: the files shipped with the bot."),
                "the files shipped in locales/ changed": _l("The files shipped with the bot changed."),
                "the files shipped in locales/": _l("The files shipped with the bot.")}


_NUMBERED = re.compile(r"(options|phones)\[(\d+)\]$")
_EXAMPLES = re.compile(r"examples(?:\.|\[)(\w+)\.(\w+)\.(\w+)\]?$")
_UNDERSTAND = {"intents": _l("Understanding: where %(name)s leads"), "danger": _l("Understanding: where danger "
                                                                                  "%(name)s leads"),
               "languages": _l("Understanding: the language %(name)s sets"),
               "language_names": _l("Understanding: the name of the language %(name)s")}


def where_name(where):
    """Return what a change or finding is about, in words: "main.intro (K'iche')", "Directory: cdm, phone 2",
    "Menu: main, option 3", "Examples: pay (Spanish)", "Office hours"."""
    kind, key, rest = place(where)
    numbered = _NUMBERED.match(rest or "")
    if kind == "text" and key:
        return f"{key} ({LANGUAGES[rest]})" if rest in LANGUAGES else key
    if kind == "directory" and key:
        shown = _("Directory: %(id)s", id=key)
        return _("%(where)s, phone %(n)s", where=shown, n=numbered[2]) if numbered and numbered[1] == "phones" else shown
    if kind == "node" and key:
        shown = _("Menu: %(id)s", id=key)
        if numbered and numbered[1] == "options":
            return _("%(where)s, option %(n)s", where=shown, n=numbered[2])
        return f"{shown} ({LANGUAGES[rest]})" if rest in LANGUAGES else shown
    if kind == "places" and key:
        return _("Place: %(id)s", id=key)
    if kind == "office_hours":
        return _("Office hours")
    examples = _EXAMPLES.match(where or "")
    if examples:
        lang, _section, label = examples.groups()
        return _("Examples: %(label)s (%(lang)s)", label=label, lang=LANGUAGES.get(lang, lang))
    section, _dot, name = (where or "").partition(".")[2].partition(".")
    if kind == "understand" and section in _UNDERSTAND:
        return str(_UNDERSTAND[section]) % {"name": name}
    numbered = re.match(r"globals\[(\d+)\]$", where or "")
    if numbered:
        return _("Words that work everywhere, number %(n)s", n=numbered[1])
    if where == "alerts.per_month":
        return _("Alerts a month at most")
    if (where or "").startswith("script."):
        return _("Script setting: %(name)s", name=where[len("script."):])
    return _("The script") if where == "script" else where


def what_name(what):
    """Return which part of the thing changed, in words."""
    name = WHAT.get(what) or FIELDS.get(what)
    return str(name) if name is not None else what


def change_value(change, value):
    """Return a changed value as one line in the page's language."""
    if value is None:
        return "-"
    if change.what == "review":
        return str(REVIEW.get(value, value))
    if change.what == "topics" and isinstance(value, (list, tuple)):
        return "; ".join(str(TOPICS.get(t, t)) for t in value) or "-"
    if change.what == "languages" and isinstance(value, (list, tuple)):
        return "; ".join(str(LANGUAGES.get(code, code)) for code in value) or "-"
    if change.where == "office_hours" and isinstance(value, dict):
        days = value.get("days") or {}
        parts = [_("time zone %(tz)s", tz=value.get("timezone", "UTC"))]
        parts += [f"{DAY_NAMES[d]} {days[d]}" for d in DAYS if days.get(d)]
        return "; ".join(parts)
    return shown_value(value)


def version_by(by):
    """Return who published a version ("the bot itself" for the shipped files)."""
    return _("the bot itself") if by == "system" else by


def version_note(note):
    """Return a version's note (the app's own notes in the page's language)."""
    return str(SYSTEM_NOTES[note]) if note in SYSTEM_NOTES else note
