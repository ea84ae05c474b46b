"""Logging in and out: Flask-Login sessions, Argon2id passwords, failed attempts rate-limited."""
import functools
from urllib.parse import urlsplit

from flask import (Blueprint, abort, current_app, flash, redirect, render_template, request, session,
                   url_for)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import LoginManager, UserMixin, current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, PasswordField, StringField
from wtforms.validators import AnyOf, DataRequired, Length

from bot.web.accounts import MAX_PASSWORD, UI_LANGUAGES
from bot.web import prg
from bot.web.common import error_page, wants_json
from bot.web.verifying import Busy, PasswordSlots

bp = Blueprint("auth", __name__)
login_manager = LoginManager()
# Failed logins allowed per window for one account from one address, and for one address whatever the
# account; then 429 until the window ends. Counting an account alone would let anyone who knows a
# volunteer's e-mail lock them out from wherever they log in.
WINDOW = 15 * 60
PER_ACCOUNT_AND_ADDRESS, PER_ADDRESS = 5, 20
LANGUAGE_NAMES = {"es": "Español", "en": "English"}


class User(UserMixin):
    """The logged-in person, as Flask-Login sees them."""

    def __init__(self, account):
        self.account = account

    def __getattr__(self, name):
        return getattr(self.account, name)

    def get_id(self):
        return current_app.extensions["accounts"].session_id(self.account)

    @property
    def is_active(self):
        return not self.account.disabled


class LoginForm(FlaskForm):
    """Email and password."""

    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=MAX_PASSWORD)])
    next = HiddenField()


class LanguageForm(FlaskForm):
    """The page language."""

    lang = StringField(_l("Language"), validators=[AnyOf(UI_LANGUAGES)])
    next = HiddenField()


class LogoutForm(FlaskForm):
    """Only the CSRF token: logging out is a POST."""


def accounts():
    """Return the app's Accounts."""
    return current_app.extensions["accounts"]


@login_manager.user_loader
def load_user(session_id):
    """Return the User of a session, or None once the account is gone, disabled, or its sessions ended
    (logout, a new password or role, staff ending them)."""
    account = accounts().by_session(session_id)
    return User(account) if account is not None else None


@login_manager.unauthorized_handler
def unauthorized():
    """Send a page request to /login; answer a background request with 401."""
    if wants_json():
        return error_page(401, _("You are logged out. Reload the page to log in again."))
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


def staff_required(view):
    """Let only staff through: others get 403, anonymous visitors go to /login."""
    @functools.wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not current_user.is_staff:
            abort(403)
        return view(*args, **kwargs)
    return wrapped


def home(account):
    """Return where a person lands after logging in: the inbox, or the review page for a reviewer."""
    return url_for("review.index") if account.role == "reviewer" else url_for("inbox.index")


def safe_next(target, default):
    """Return target when it is a path on this site, else default (no open redirects)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else default


def _pair(email, address):
    """Return the identity counted for one account from one address (the key is a digest of it)."""
    return f"{email}\n{address}"


def _attempt(email, address):
    """Count a login attempt before its password is checked; return the minutes to wait when this
    account failed too often from this address, or this address whatever the account, else 0."""
    left = accounts().store.login_attempt(_pair(email, address), address, PER_ACCOUNT_AND_ADDRESS,
                                          PER_ADDRESS, WINDOW)
    return -(-left // 60) if left else 0


def _failed(email):
    """Record a failed login in the audit log: the account (only when it exists, so a password typed
    into the e-mail field is never kept) and the time, never the password."""
    known = accounts().get(email) is not None
    accounts().store.audit("-", "login_failed", account=email if known else "unknown account")


def password_slots():
    """Return this worker's PasswordSlots (bot/web/verifying.py)."""
    return current_app.extensions["password_slots"]


def _refused(form, message, status, retry_after):
    """Return the login page again with a message and a Retry-After."""
    flash(message, "error")
    form.password.data = ""
    response = current_app.make_response((render_template("login.html", form=form, language=LanguageForm()),
                                          status))
    response.headers["Retry-After"] = str(retry_after)
    return response


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Show the login form; log a volunteer or staff member in."""
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    if current_user.is_authenticated and request.method == "GET":
        return redirect(safe_next(form.next.data, home(current_user)))
    status = 200
    if form.validate_on_submit():
        email, address = form.email.data.strip().lower(), request.remote_addr or "unknown"
        try:
            with password_slots().slot():
                wait = _attempt(email, address)
                if wait:
                    return _refused(form, _("Too many failed attempts. Try again in %(minutes)d minutes.",
                                            minutes=wait), 429, wait * 60)
                account = accounts().verify(email, form.password.data, run=password_slots().run)
        except Busy:
            return _refused(form, _("Many people are logging in right now. Try again in a few seconds."), 429, 5)
        if account is None:
            _failed(email)
            flash(_("Wrong email or password, or the account is disabled."), "error")
            status = 401
        else:
            accounts().store.login_succeeded(_pair(email, address), address)
            session.clear()
            login_user(User(account))
            session.permanent = True
            accounts().store.audit(account.email, "login")
            return redirect(safe_next(form.next.data, home(account)))
    elif request.method == "POST":
        status = 400
    form.password.data = ""
    return render_template("login.html", form=form, language=LanguageForm()), status


@bp.post("/logout")
def logout():
    """Log out (a POST with a CSRF token, so no other site can log a volunteer out)."""
    form = LogoutForm()
    if not form.validate_on_submit():
        abort(400)
    if current_user.is_authenticated:
        account = current_user.account
        accounts().end_sessions(account)  # a copied cookie dies too, not only this browser's
        accounts().store.audit(account.email, "logout")
    logout_user()
    session.clear()
    return redirect(url_for("auth.login"))


@bp.post("/language")
def language():
    """Change the page language: kept in the account when logged in, else in the session."""
    form = LanguageForm()
    if not form.validate_on_submit():
        abort(400)
    if current_user.is_authenticated:
        accounts().update(current_user.account, ui_lang=form.lang.data)
    else:
        session["lang"] = form.lang.data
    target = safe_next(form.next.data, url_for("auth.login"))
    prg.again(urlsplit(target).path)  # a refusal shown there comes back, in the new language
    return redirect(target)


def init_auth(app):
    """Set up Flask-Login on app."""
    login_manager.init_app(app)
    app.extensions["password_slots"] = PasswordSlots(app.config["SETTINGS"].LOGIN_SLOTS)
    login_manager.session_protection = "basic"  # "strong" would log out phones that change networks
    app.register_blueprint(bp)

    @app.context_processor
    def forms():
        """Give every page the small forms of its header (language, logout)."""
        # formdata=None: drawing the header never reads the posted form (it may be too large, see 413)
        return {"language_form": LanguageForm(formdata=None), "logout_form": LogoutForm(formdata=None),
                "language_names": LANGUAGE_NAMES}
