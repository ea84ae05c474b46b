"""The web UI's common ground: cookies, CSRF, security headers, page language, error pages."""
import datetime
import logging
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import redis
from flask import current_app, g, has_request_context, jsonify, render_template, request, session, url_for
from flask.sessions import SecureCookieSessionInterface
from flask_babel import Babel, format_datetime, format_decimal, format_timedelta, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import AnonymousUserMixin, current_user
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.exceptions import HTTPException

from bot.web.accounts import UI_LANGUAGES
from bot.web.display import init_display

csrf = CSRFProtect()
babel = Babel()

# No inline script or style anywhere: everything comes from /static on this host (media may also be a
# blob: the volunteer's own recording, listened to before it is sent).
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; media-src 'self' blob:; "
       "connect-src 'self'; "
       "form-action 'self'; frame-ancestors 'none'; base-uri 'none'")


def select_locale():
    """Return the page language: the volunteer's choice, else the session's, else the browser's."""
    if not has_request_context():
        return "es"
    if current_user and current_user.is_authenticated:
        return current_user.ui_lang
    if session.get("lang") in UI_LANGUAGES:
        return session["lang"]
    return request.accept_languages.best_match(UI_LANGUAGES) or "es"


def select_timezone():
    """Return the office's time zone: times on the pages are the office's times."""
    live = current_app.extensions.get("live_script")
    name = (live.get().office_hours if live else {}).get("timezone") or "UTC"
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return "UTC"
    return name


class PagesSession(SecureCookieSessionInterface):
    """The signed cookie session, for pages only: Twilio's webhooks carry no cookie and get none (no
    session is opened, read or saved for them; a null session stands in)."""

    def open_session(self, app, request):
        """Return the cookie's session, or the null session for Twilio's webhooks."""
        if request.path.startswith(WEBHOOK_PATHS):
            return self.null_session_class()
        return super().open_session(app, request)


WEBHOOK_PATHS = ("/twilio/",)


def security_headers(response):
    """Add the headers every page carries: no sniffing, no framing, a strict CSP (Twilio's webhooks get
    none: their answers are TwiML or empty, read by Twilio, never shown by a browser)."""
    if request.blueprint == "twilio":
        return response
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if response.mimetype == "text/html":
        response.headers.setdefault("Content-Security-Policy", CSP)
    if request.endpoint and request.endpoint.split(".")[0] in ("inbox", "admin", "auth"):
        response.headers["Cache-Control"] = "no-store"  # pages about texters stay off shared caches
    settings = current_app.config.get("SETTINGS")
    if settings is not None and settings.production:
        # Production is served over HTTPS only (SESSION_COOKIE_SECURE): browsers must never try HTTP.
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    return response


def wants_json():
    """Return True for the pages' own background requests (polling)."""
    return request.headers.get("X-Requested-With") == "fetch"


def described(error, default):
    """Return the sentence an abort() gave, else default (werkzeug's own texts are English only)."""
    own = getattr(error, "description", None)
    return own if own and own != type(error).description else default


def wants_page():
    """Return True when a person's browser asked (not the pages' polling, Twilio or an API caller)."""
    if wants_json() or request.blueprint == "twilio":
        return False
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best != "application/json" or not request.accept_mimetypes  # no Accept header: a page


# The title of each error page, in the person's language (lazy: the strings are translated per request).
TITLES = {400: _l("The request was not understood"), 401: _l("Logged out"), 403: _l("Not for this account"),
          404: _l("Page not found"), 405: _l("Not possible here"), 409: _l("Someone was quicker"),
          413: _l("Too large"), 422: _l("Not accepted"), 429: _l("Too many attempts"),
          500: _l("Something went wrong"), 503: _l("Not available right now")}


def back_link():
    """Return (url, words) of the way back from an error: the page the person came from on this site,
    else the inbox (or the login page for someone logged out)."""
    referrer = request.referrer or ""
    if referrer.startswith(request.host_url) and referrer.rstrip("/") != request.url.rstrip("/"):
        return referrer, _("Back to the previous page")
    if current_user and current_user.is_authenticated:
        return url_for("inbox.index"), _("Back to the inbox")
    return url_for("auth.login"), _("Log in")


def error_page(status, message, back=None, kept_for=""):
    """Return an error as a page of the site in the person's language (with a way back), or as JSON to
    background requests and API callers. back: (url, words) instead of the usual way back; kept_for: the
    conversation whose unsent reply the page shows, if the browser kept one."""
    if not wants_page():
        return jsonify(error=str(message)), status
    title = TITLES.get(status, TITLES[400 if status < 500 else 500])
    try:
        inbox_back = (url_for("inbox.index"), _("Back to the inbox"))
        return render_template("error.html", status=status, title=title, message=message,
                               back=back or back_link(), inbox=inbox_back, kept_for=kept_for), status
    except Exception:  # noqa: BLE001 - the error page itself failed (e.g. Redis down): plain words then
        logging.getLogger(__name__).exception("the error page could not be drawn")
        return f"{status} {message}", status, {"Content-Type": "text/plain; charset=utf-8"}


def init_web(app, settings):
    """Set up cookies, CSRF, Babel, headers and error pages on app."""
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax", SESSION_COOKIE_SECURE=settings.production,
        REMEMBER_COOKIE_HTTPONLY=True, REMEMBER_COOKIE_SAMESITE="Lax", REMEMBER_COOKIE_SECURE=settings.production,
        PERMANENT_SESSION_LIFETIME=datetime.timedelta(hours=settings.LOGIN_HOURS),
        WTF_CSRF_TIME_LIMIT=settings.LOGIN_HOURS * 3600,
        BABEL_DEFAULT_LOCALE="es", BABEL_TRANSLATION_DIRECTORIES="web/translations")
    app.session_interface = PagesSession()
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    app.jinja_env.globals.update(get_locale=get_locale, format_datetime=format_datetime,
                                 format_timedelta=format_timedelta, format_decimal=format_decimal)
    app.after_request(security_headers)
    init_display(app)

    @app.errorhandler(CSRFError)
    def csrf_refused(_error):
        """Refuse a form without a valid CSRF token, saying what to do."""
        return error_page(400, _("This form has expired or did not come from this site. "
                                 "Go back, reload the page and try again."))

    @app.errorhandler(403)
    def forbidden(error):
        """Say the page is not for this account."""
        return error_page(403, described(error, _("Your account cannot open this page.")))

    @app.errorhandler(404)
    def not_found(error):
        """Say there is no such page."""
        return error_page(404, described(error, _("There is no such page.")))

    @app.errorhandler(400)
    def bad_request(error):
        """Say the request was not understood."""
        return error_page(400, described(error, _("This request was not understood. Reload the page and try again.")))

    @app.errorhandler(redis.RedisError)
    def database_down(_error):
        """Say the database is not answering (the webhook has its own safe answer for texters)."""
        g._login_user = AnonymousUserMixin()  # the account cannot be read either: show the page anonymously
        return error_page(503, _("The database is not answering. Try again in a moment."))

    @app.errorhandler(405)
    def wrong_method(_error):
        """Say the page does not take this kind of request."""
        return error_page(405, _("This page does not accept that request."))

    @app.errorhandler(409)
    def conflict(error):
        """Say what changed meanwhile (a claim lost to someone else names who has it)."""
        return error_page(409, described(error, _("This page changed meanwhile. Look at it again.")))

    @app.errorhandler(413)
    def too_large(_error):
        """Refuse an oversized request (a file or a form) with the limit in words."""
        limit = (current_app.config.get("MAX_CONTENT_LENGTH") or 0) / 1024 / 1024
        return error_page(413, _("This is too large to send: at most %(size)s MB. Send a smaller file.",
                                 size=f"{limit:.3g}"))

    @app.errorhandler(429)
    def too_many(error):
        """Say to wait."""
        return error_page(429, described(error, _("Too many attempts. Wait a few minutes and try again.")))

    @app.errorhandler(500)
    def broken(_error):
        """Say something went wrong, with a way back (the details are in the log, never on the page)."""
        return error_page(500, _("Something went wrong on our side. Go back and try again; if it "
                                 "happens again, tell staff the time it happened."))

    @app.errorhandler(503)
    def unavailable(error):
        """Say the service is not answering for now."""
        return error_page(503, described(error, _("The service is not answering right now. Try again in a moment.")))

    @app.errorhandler(HTTPException)
    def other_http_error(error):
        """Answer any other HTTP error as a page in the person's language (never werkzeug's own)."""
        if error.code is None or error.code < 400:
            return error
        return error_page(error.code, described(error, _("This cannot be done now.")))
