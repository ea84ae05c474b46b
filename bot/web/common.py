"""The web UI's common ground: cookies, CSRF, security headers, page language, error pages."""
import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import redis
from flask import current_app, g, has_request_context, jsonify, render_template, request, session
from flask_babel import Babel, format_datetime, format_timedelta, get_locale
from flask_babel import gettext as _
from flask_login import AnonymousUserMixin, current_user
from flask_wtf.csrf import CSRFError, CSRFProtect

from bot.web.accounts import UI_LANGUAGES

csrf = CSRFProtect()
babel = Babel()

# No inline script or style anywhere: everything comes from /static on this host.
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
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


def security_headers(response):
    """Add the headers every response carries: no sniffing, no framing, a strict CSP."""
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if response.mimetype == "text/html":
        response.headers.setdefault("Content-Security-Policy", CSP)
    if request.endpoint and request.endpoint.split(".")[0] in ("inbox", "admin", "auth"):
        response.headers["Cache-Control"] = "no-store"  # pages about texters stay off shared caches
    return response


def wants_json():
    """Return True for the pages' own background requests (polling)."""
    return request.headers.get("X-Requested-With") == "fetch"


def described(error, default):
    """Return the sentence an abort() gave, else default (werkzeug's own texts are English only)."""
    own = getattr(error, "description", None)
    return own if own and own != type(error).description else default


def error_page(status, message):
    """Return an error as a page in the volunteer's language, or as JSON to background requests."""
    if wants_json() or request.blueprint == "twilio":
        return jsonify(error=message), status
    return render_template("error.html", status=status, message=message), status


def init_web(app, settings):
    """Set up cookies, CSRF, Babel, headers and error pages on app."""
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax", SESSION_COOKIE_SECURE=settings.production,
        REMEMBER_COOKIE_HTTPONLY=True, REMEMBER_COOKIE_SAMESITE="Lax", REMEMBER_COOKIE_SECURE=settings.production,
        PERMANENT_SESSION_LIFETIME=datetime.timedelta(hours=settings.LOGIN_HOURS),
        WTF_CSRF_TIME_LIMIT=settings.LOGIN_HOURS * 3600,
        BABEL_DEFAULT_LOCALE="es", BABEL_TRANSLATION_DIRECTORIES="web/translations")
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    app.jinja_env.globals.update(get_locale=get_locale, format_datetime=format_datetime,
                                 format_timedelta=format_timedelta)
    app.after_request(security_headers)

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
