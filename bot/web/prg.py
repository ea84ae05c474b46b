"""Post, redirect, get: a page answered to a POST is a redirect, so that changing the page language or
reloading never re-sends a form. A refusal's status and what the person typed survive the redirect: the
status in the session cookie, the fields (which may be long) in Redis for 15 minutes under a random token.

The refusal's sentences are kept as message ids (a Message's or a lazy gettext string's template and
details, an exception's parts), said when the page is shown: changing the page language right after a
refusal shows the same page again, what was typed and the refusal, in the new language (again())."""
import secrets

from flask import current_app, redirect, request, session
from flask_babel import get_translations
from flask_babel.speaklater import LazyString
from werkzeug.datastructures import MultiDict

from bot.web.wording import say, sentences

KEPT_SECONDS = 900
NOT_KEPT = ("csrf_token", "password")


def said(value, stop=False):
    """Return a refusal's sentence as a kept field holds it until a page says it (with a full stop when stop)."""
    return {"~how": "sentence" if stop else "say", "~value": _pack(value)}


def refused(url, status, fields=None):
    """Return a 303 to url (a GET page) that will answer with status and show fields again."""
    kept = {"path": url.split("#")[0].split("?")[0], "status": int(status)}
    if fields is None:
        fields = request.form
    values = [(k, v if isinstance(v, str) or _is_said(v) else said(v))
              for k, v in MultiDict(fields).items(multi=True) if k not in NOT_KEPT]
    if values:
        token = secrets.token_urlsafe(16)
        current_app.extensions["accounts"].store.keep_form(token, values, KEPT_SECONDS)
        kept["form"] = token
    _forget(session.pop("shown", None))
    session["refused"] = kept
    return redirect(url, code=303)


def taken():
    """Return (status, MultiDict of the kept fields, a refusal's sentences said in the page's language) for
    this GET after a refusal, else (200, None). The refusal shown is remembered, for again()."""
    kept = session.get("refused")
    shown = session.pop("shown", None)
    if not kept or kept.get("path") != request.path:
        _forget(shown)
        return 200, None
    session.pop("refused", None)
    if shown and shown.get("form") != kept.get("form"):
        _forget(shown)
    session["shown"] = kept
    fields = MultiDict()
    if kept.get("form"):
        stored = current_app.extensions["accounts"].store.kept_form(kept["form"])
        fields = MultiDict([(k, _words(v)) for k, v in stored])
    return int(kept.get("status") or 200), fields


def again(path):
    """After the page language changed on path: show the refusal last shown there again (in the new language)."""
    shown = session.get("shown")
    if shown and shown.get("path") == path:
        session["refused"] = session.pop("shown")


def _forget(kept):
    """Delete a refusal's kept fields."""
    if kept and kept.get("form"):
        current_app.extensions["accounts"].store.forget_form(kept["form"])


def _is_said(value):
    return isinstance(value, dict) and "~how" in value


def _words(value):
    """Return a kept field's value: what was typed as it was, a refusal's sentence said in the page's language."""
    if not _is_said(value):
        return value
    found = _unpack(value["~value"])
    return sentences([found])[0] if value["~how"] == "sentence" else say(found)


class _Message(str):
    """A Message read back (bot/conversation/wording.py's, which the web does not import): template and details."""

    def __new__(cls, template, params):
        self = super().__new__(cls, template)
        self.template, self.params = template, params
        return self


class _Parts(Exception):
    """An exception read back: its sentences."""

    def __init__(self, parts):
        super().__init__(*parts[:1])
        self.messages = parts


def _pack(value):
    """Return a sentence as JSON keeps it: templates and details, never words in one language."""
    if isinstance(value, BaseException):
        parts = getattr(value, "messages", None) or list(value.args[:1]) or [str(value)]
        return {"~parts": [_pack(part) for part in parts]}
    if isinstance(value, str) and hasattr(value, "template") and hasattr(value, "params"):
        return {"~message": value.template, "~params": {k: _pack(v) for k, v in value.params.items()}}
    if isinstance(value, LazyString) and len(value._args) == 1:
        return {"~gettext": value._args[0], "~params": {k: _pack(v) for k, v in value._kwargs.items()}}
    if isinstance(value, (list, tuple)):
        return [_pack(v) for v in value]
    return value if isinstance(value, (str, int, float, bool)) or value is None else str(value)


def _unpack(value):
    """Return what _pack kept, ready to be said (lazy strings translated now, in the page's language)."""
    if isinstance(value, list):
        return [_unpack(v) for v in value]
    if not isinstance(value, dict):
        return value
    if "~parts" in value:
        return _Parts([_unpack(part) for part in value["~parts"]])
    params = {k: _unpack(v) for k, v in value.get("~params", {}).items()}
    if "~message" in value:
        return _Message(value["~message"], params)
    text = get_translations().ugettext(value.get("~gettext", ""))
    return text % params if params else text
