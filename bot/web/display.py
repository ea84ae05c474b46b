"""How the pages show what people wrote and when: bidi controls neutralised, times with their zone."""
import hashlib
import re

from urllib.parse import urlsplit

from flask import current_app, request, url_for
from flask_login import current_user

from bot.web.wording import day, say, sentences, trace, when, written

# Embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069) and the marks (U+200E, U+200F,
# U+061C): a texter's right-to-left override would show the volunteer reversed words. The page sets
# each message's direction from its own letters (dir="auto") instead.
BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")


def bidi_clean(text):
    """Return text without bidirectional controls (shown inside an element with dir="auto")."""
    return BIDI_CONTROLS.sub("", str(text or ""))


def session_mark():
    """Return a short mark of the account's current session token ('' when logged out).

    The browser keeps unsent replies under this mark: when staff end the sessions (a lost phone) the
    token changes, and the next page loaded after logging in again drops the drafts of the old one."""
    account = getattr(current_user, "account", None) if current_user and current_user.is_authenticated else None
    token = getattr(account, "sessions", "") or ""
    if not token:
        return ""
    secret = str(current_app.config.get("SECRET_KEY", ""))
    return hashlib.sha256(f"{secret}:drafts:{token}".encode()).hexdigest()[:16]


def page_address():
    """Return where the page-language menu comes back to: this page, or for a page answered to a POST
    (a refusal shown in place) the page the form was on, so changing the language never re-posts (405)."""
    if request.method == "GET":
        return request.full_path.rstrip("?")
    referrer = urlsplit(request.referrer or "")
    if referrer.netloc == request.host and referrer.path.startswith("/"):
        return referrer.path + (f"?{referrer.query}" if referrer.query else "")
    return url_for("inbox.index")


def init_display(app):
    """Give the templates the bidi_clean filter and the when(), day(), say() and sentences() globals."""
    app.jinja_env.filters["bidi_clean"] = bidi_clean
    app.jinja_env.globals.update(when=when, day=day, say=say, sentences=sentences, trace=trace, written=written,
                                 session_mark=session_mark, page_address=page_address)
