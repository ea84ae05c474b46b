"""Staff sentences in the page's language: the checks' findings, the service's refusals, the job-data
reports.

Each is a Message (bot/conversation/wording.py): an English template with named details, written with
N_() where it is raised (recognised here by its template and params, so the web needs no import of it). say() looks the template up in the pages' catalog (bot/web/translations/,
extracted with `pybabel extract -k N_`) and fills in the details, translated too when they are
messages, field names or language codes, and the times, dates and numbers some details hold written for
the page's language (a time with its zone). A sentence that is not a Message (a library's words) is shown
as it is, never lost.
"""
import datetime
import re

from flask_babel import format_date, format_datetime, format_decimal, get_translations
from flask_babel import lazy_gettext as _l


# Names of the fields and languages that refusals name (the command line keeps the codes).
FIELDS = {"name": _l("Name"), "web": _l("Web address"), "hours": _l("Hours"), "names": _l("Names"),
          "phones": _l("Phones"), "topics": _l("Topics"), "serves": _l("Serves"), "languages": _l("Languages"),
          "checked": _l("Last checked"), "source": _l("Source"), "nationality": _l("Nationality"),
          "id": _l("Id")}
LANGUAGES = {"es": _l("Spanish"), "en": _l("English"), "quc": _l("K'iche'")}
_LANGUAGE_PARAMS = ("lang", "wanted")
# Details that hold a time (ISO 8601 with its offset, as the job data's status keeps it), a day (2025-02-10)
# or a number of seconds ("0.2"): the command line prints them as they are, the pages in their language.
_MOMENT_PARAMS, _DAY_PARAMS, _SECONDS_PARAMS = ("when",), ("date", "day"), ("seconds",)
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}$")
_ISO_MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$")
_DECIMAL = re.compile(r"\d+(\.\d+)?$")


def when(moment, pattern="short"):
    """Return a date and time in the office's zone, with the zone said (EST, or GMT-05:00)."""
    if moment is None:
        return ""
    zone = format_datetime(moment, "z")
    if not zone or zone[0] in "+-0123456789":
        zone = format_datetime(moment, "ZZZZ")
    return f"{format_datetime(moment, pattern)} {zone}"


def day(value):
    """Return a day written 2025-02-10 (a str or a date) in the page's language ("10 feb 2025"); anything
    else as it is."""
    if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
        return format_date(value, "medium")
    text = str(value or "")
    if not _ISO_DAY.match(text):
        return value
    try:
        return format_date(datetime.date.fromisoformat(text), "medium")
    except ValueError:
        return value


def say(message):
    """Return a finding's or refusal's sentence in the page's language, starting with a capital."""
    if isinstance(message, BaseException):
        parts = getattr(message, "messages", None) or list(message.args[:1]) or [str(message)]
        return " ".join(_sentence(say(part)) for part in parts)
    text = _translated(message) if _is_message(message) else str(message)
    return text[:1].upper() + text[1:]


def written(message):
    """Return a sentence in the page's language as it is written (no capital added: a report's line may start
    with a file's name); a plain string (a report stored before its lines were messages) as it is."""
    return _translated(message) if _is_message(message) else str(message).strip()


def sentences(message):
    """Return every sentence of a refusal (an edit refused for several reasons has several)."""
    if isinstance(message, (list, tuple)):
        parts = message
    else:
        parts = getattr(message, "messages", None) or [message]
    return [_sentence(say(part)) for part in parts]


def trace(lines):
    """Return an explanation's lines (Messages, or [template, details] pairs as a page's state keeps them)
    in the page's language, one a line, as written (no capital, no full stop: they are a trace)."""
    if isinstance(lines, str):
        return lines
    out = []
    for line in lines or ():
        if isinstance(line, (list, tuple)) and len(line) == 2 and isinstance(line[1], dict):
            out.append(_fill(str(line[0]), line[1]))
        else:
            out.append(_translated(line) if _is_message(line) else str(line))
    return "\n".join(out)


def _sentence(text):
    """Return text ending with a full stop."""
    return text if text.endswith((".", "!", "?", ")")) else text + "."


def _translated(message):
    """Return a Message in the page's language with its details filled in (translated where they can be)."""
    return _fill(message.template, message.params)


def _fill(template, params):
    """Return a template in the page's language with its details filled in."""
    template = get_translations().ugettext(template)
    params = {name: _detail(name, value) for name, value in params.items()}
    return template % params if params else template.replace("%%", "%")


def _detail(name, value):
    """Return one detail of a message as the page shows it (a list: its items, joined with ", ")."""
    if isinstance(value, (list, tuple)):
        return ", ".join(str(_detail(name, item)) for item in value)
    if _is_message(value):
        return _translated(value)
    if name in _MOMENT_PARAMS and _ISO_MOMENT.match(str(value)):
        return when(datetime.datetime.fromisoformat(str(value).replace("Z", "+00:00")))
    if name in _DAY_PARAMS:
        return day(value)
    if name in _SECONDS_PARAMS and _DECIMAL.match(str(value)):
        places = len(str(value).partition(".")[2])
        return format_decimal(float(value), "#,##0" + ("." + "0" * places if places else ""))
    if name in _LANGUAGE_PARAMS:
        code = str(value).strip("'\"")
        return str(LANGUAGES.get(code, code))
    if name == "field":
        head, dot, rest = str(value).partition(".")
        head = head.split("[")[0] if head.split("[")[0] in FIELDS else head
        if head in FIELDS:
            shown = str(FIELDS[head])
            if dot and rest in LANGUAGES:
                return f"{shown} ({LANGUAGES[rest]})"
            return shown + str(value)[len(head):] if not dot else f"{shown}.{rest}"
    return value


def _is_message(value):
    """Return True for a Message (a str with its template and details)."""
    return isinstance(value, str) and hasattr(value, "template") and hasattr(value, "params")
