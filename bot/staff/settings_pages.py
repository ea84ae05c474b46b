"""Staff pages: WhatsApp templates, on-call SMS, accounts and the audit log (the script's pages,
office hours included, are bot/staff/script_pages.py's)."""
import datetime

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, StringField, TextAreaField
from wtforms.validators import AnyOf, InputRequired, Length, NumberRange, Optional

from bot.staff import script_pages as admin_script
from bot.staff.directory_pages import DAY_NAMES
from bot.web.auth import staff_required
from bot.web.prg import refused, said, taken
from bot.conversation.hours import DAYS
from bot.staff.settings import SettingsError, check_template

bp = Blueprint("admin", __name__, url_prefix="/admin")
admin_script.register(bp)


class SettingsForm(FlaskForm):
    """WhatsApp templates and on-call SMS."""

    template_es = StringField(_l("Template for Spanish"), validators=[Length(max=64)])
    template_quc = StringField(_l("Template for K'iche'"), validators=[Length(max=64)])
    template_en = StringField(_l("Template for English"), validators=[Length(max=64)])
    text_es = TextAreaField(_l("Its words in Spanish"), validators=[Length(max=1024)])
    text_quc = TextAreaField(_l("Its words in K'iche'"), validators=[Length(max=1024)])
    text_en = TextAreaField(_l("Its words in English"), validators=[Length(max=1024)])
    notify_minutes = IntegerField(_l("Minutes between on-call SMS (0: none)"),
                                  validators=[Optional(), NumberRange(min=0, max=24 * 60)])


class AccountForm(FlaskForm):
    """An action on one account."""

    email = HiddenField(validators=[InputRequired(), Length(max=254)])
    action = StringField(validators=[AnyOf(("disable", "enable", "on_call", "off_call", "end_sessions"))])


def _settings_form():
    """Return the settings form filled with what is in force."""
    staff_settings = current_app.extensions["staff_settings"]
    templates = staff_settings.templates()
    data = {"notify_minutes": staff_settings.notify_minutes()}
    data.update({f"template_{lang}": templates.get(lang, "") for lang in ("es", "quc", "en")})
    texts = staff_settings.template_texts()
    data.update({f"text_{lang}": texts.get(lang, "") for lang in ("es", "quc", "en")})
    return SettingsForm(data=data)


def _render(form, status=200):
    """Render the staff page."""
    store = current_app.extensions["accounts"].store
    audit = store.audit_log(200)
    for entry in audit:
        entry["when"] = datetime.datetime.fromtimestamp(int(entry.get("at") or 0), datetime.timezone.utc)
    return render_template("admin.html", form=form, days=DAYS, day_names=DAY_NAMES,
                           office=current_app.extensions["live_script"].get().office_hours,
                           accounts=current_app.extensions["accounts"].all(), audit=audit,
                           account_form=AccountForm()), status


@bp.get("/")
@staff_required
def index():
    """Show the settings, the accounts and the audit log (after a refusal: it, and what was typed)."""
    status, kept = taken()
    if not kept:
        return _render(_settings_form(), status)
    form = SettingsForm(formdata=kept, meta={"csrf": False})
    if kept:
        form.validate()
        for name in [k for k in kept if k.startswith("error:")]:  # the service's refusals, per field
            field = getattr(form, name[len("error:"):], None)
            if field is not None:
                field.errors = [*field.errors, *kept.getlist(name)]
    return _render(form, status)


@bp.post("/settings")
@staff_required
def settings():
    """Save the templates and the on-call interval."""
    form = SettingsForm()
    valid = form.validate()  # the form's own findings are said again on the page, with the ones below
    problems = []
    templates = {}
    for lang in ("es", "quc", "en"):  # every refusal at once, not the first alone
        try:
            templates[lang] = check_template(getattr(form, f"template_{lang}").data)
        except SettingsError:
            problems.append((f"error:template_{lang}", said(_l(
                "“%(sid)s” is not a Content SID: it is HX followed by 32 hexadecimal digits.",
                sid=getattr(form, f"template_{lang}").data.strip()))))
    if problems or not valid:
        return refused(url_for(".index") + "#settings", 400, [*request.form.items(multi=True), *problems])
    texts = {lang: (getattr(form, f"text_{lang}").data or "").strip() for lang in ("es", "quc", "en")}
    current_app.extensions["staff_settings"].save(
        templates={k: v for k, v in templates.items() if v}, notify_minutes=form.notify_minutes.data or 0,
        template_texts={k: v for k, v in texts.items() if v})
    current_app.extensions["accounts"].store.audit(current_user.email, "settings")
    flash(_l("Settings saved."), "info")
    return redirect(url_for(".index"), code=303)


@bp.post("/accounts")
@staff_required
def account():
    """Disable or enable an account, or put a volunteer with a phone on or off call."""
    form = AccountForm()
    accounts = current_app.extensions["accounts"]
    target = accounts.get(form.email.data or "") if form.validate() else None
    if target is None:
        flash(_l("No such account."), "error")
        return refused(url_for(".index") + "#accounts", 400, {})
    if form.action.data == "end_sessions":
        if target.email == current_user.email:
            flash(_l("Log out to end your own sessions."), "error")
            return refused(url_for(".index") + "#accounts", 400, {})
        accounts.end_sessions(target)
    elif form.action.data in ("disable", "enable"):
        if target.email == current_user.email:
            flash(_l("You cannot disable your own account."), "error")
            return refused(url_for(".index") + "#accounts", 400, {})
        accounts.update(target, disabled=form.action.data == "disable")
    elif not target.phone:
        flash(_l("This account has no phone number for on-call SMS."), "error")
        return refused(url_for(".index") + "#accounts", 400, {})
    else:
        accounts.update(target, on_call=form.action.data == "on_call")
    accounts.store.audit(current_user.email, form.action.data, account=target.email)
    flash(_l("Sessions ended: this person has to log in again.") if form.action.data == "end_sessions"
          else _l("Account updated."), "info")
    return redirect(url_for(".index"), code=303)
