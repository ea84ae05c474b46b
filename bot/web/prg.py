"""Post, redirect, get: a page answered to a POST is a redirect, so that changing the page language or
reloading never re-sends a form. A refusal's status and what the person typed survive the redirect: the
status in the session cookie, the fields (which may be long) in Redis for 15 minutes under a random token."""
import secrets

from flask import current_app, redirect, request, session
from werkzeug.datastructures import MultiDict

KEPT_SECONDS = 900
NOT_KEPT = ("csrf_token", "password")


def refused(url, status, fields=None):
    """Return a 303 to url (a GET page) that will answer with status and show fields again."""
    kept = {"path": url.split("#")[0].split("?")[0], "status": int(status)}
    if fields is None:
        fields = request.form
    values = [(k, v) for k, v in MultiDict(fields).items(multi=True) if k not in NOT_KEPT]
    if values:
        token = secrets.token_urlsafe(16)
        current_app.extensions["accounts"].store.keep_form(token, values, KEPT_SECONDS)
        kept["form"] = token
    session["refused"] = kept
    return redirect(url, code=303)


def taken():
    """Return (status, MultiDict of the kept fields) for this GET after a refusal, else (200, None)."""
    kept = session.get("refused")
    if not kept or kept.get("path") != request.path:
        return 200, None
    session.pop("refused", None)
    fields = MultiDict()
    if kept.get("form"):
        fields = MultiDict(current_app.extensions["accounts"].store.take_form(kept["form"]))
    return int(kept.get("status") or 200), fields
