"""Staff sentences in the page's language: the checks' findings, the service's refusals, the job-data
reports.

Each is a Message (bot/conversation/wording.py): an English template with named details, written with
N_() where it is raised (recognised here by its template and params, so the web needs no import of it). say() looks the template up in the pages' catalog (bot/web/translations/,
extracted with `pybabel extract -k N_`) and fills in the details, translated too when they are
messages, field names or language codes. A sentence that is not a Message (a library's words) is shown
as it is, never lost.
"""
from flask_babel import get_translations
from flask_babel import lazy_gettext as _l


# Names of the fields and languages that refusals name (the command line keeps the codes).
FIELDS = {"name": _l("Name"), "web": _l("Web address"), "hours": _l("Hours"), "names": _l("Names"),
          "phones": _l("Phones"), "topics": _l("Topics"), "serves": _l("Serves"), "languages": _l("Languages"),
          "checked": _l("Last checked"), "source": _l("Source"), "nationality": _l("Nationality"),
          "id": _l("Id")}
LANGUAGES = {"es": _l("Spanish"), "en": _l("English"), "quc": _l("K'iche'")}
_LANGUAGE_PARAMS = ("lang", "wanted")


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
