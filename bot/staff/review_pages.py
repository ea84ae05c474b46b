"""The native reviewer's pages: each K'iche' text beside the Spanish and English, with its comment and
gloss; approve it, correct it or comment on it. Changes go into the staff's draft; staff publish.

Reviewers (role "reviewer") and staff may open them; a reviewer sees nothing else (no inbox, no texter).
"""
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from bot.staff.edits import EditError, review_languages
from bot.staff.pages import scripts, status_of
from bot.staff.review import review_count, review_rows
from bot.staff.service import DRAFT
from bot.web import prg

bp = Blueprint("review", __name__, url_prefix="/review")
SHOWN = ("waiting", "reviewed", "all")


@bp.before_request
def reviewers_and_staff():
    """Let reviewers and staff through: others get 403, anonymous visitors go to /login."""
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()
    if current_user.role not in ("reviewer", "staff"):
        abort(403)
    return None


def _lang():
    """Return the language under review (K'iche')."""
    script = scripts().script(DRAFT)
    langs = [lang for lang in review_languages({"spec": script.spec}) if lang in script.languages]
    if not langs:
        abort(404)
    return langs[0]


@bp.get("/")
def index():
    """List the texts to review, the count reviewed, and a form for each."""
    shown = request.args.get("show", "waiting")
    if shown not in SHOWN:
        shown = "waiting"
    lang, script = _lang(), scripts().script(DRAFT)
    rows = review_rows(script, lang)
    done, total = review_count(script, lang)
    if shown != "all":
        rows = [r for r in rows if r.reviewed == (shown == "reviewed")]
    status, kept = prg.taken()  # after a refusal: its sentence and what was typed, at that text
    return render_template("review/index.html", rows=rows, done=done, total=total, shown=shown, lang=lang,
                           kept=kept or {}), status


def _back(tid, message):
    """Say what was done and go back to the list, at the next text."""
    flash(message, "info")
    return redirect(url_for(".index", show=request.form.get("show", "waiting")) + f"#t-{tid}", code=303)


def _refused(tid, exc, **typed):
    """Go back to the list at the text, with the refusal's sentence and what was typed (post, redirect, get)."""
    url = url_for(".index", show=request.form.get("show", "waiting")) + f"#t-{tid}"
    return prg.refused(url, status_of(exc), [("tid", tid), *typed.items(), ("error", prg.said(exc))])


@bp.post("/<tid>/approve")
def approve(tid):
    """Approve a K'iche' text as a native speaker: it loses needs-review in the draft."""
    try:
        scripts().mark_reviewed(tid, _lang(), by=current_user.email)
    except EditError as exc:
        return _refused(tid, exc)
    return _back(tid, _l("Approved in the draft. Staff publish it."))


@bp.post("/<tid>/edit")
def edit(tid):
    """Save a native speaker's correction of a K'iche' text: saved as reviewed."""
    value = request.form.get("text")
    if value is None:
        abort(400)
    try:
        if not value.strip():
            raise EditError(_l("Write the text first."))
        scripts().set_text(tid, _lang(), value, by=current_user.email, reviewed=True,
                           expected=request.form.get("was"))
    except EditError as exc:  # a conflict too: someone saved this text meanwhile
        return _refused(tid, exc, text=value)
    return _back(tid, _l("Corrected and approved in the draft. Staff publish it."))


@bp.post("/<tid>/comment")
def comment(tid):
    """Add the reviewer's comment to a K'iche' text (staff read it; the text stays as it is)."""
    try:
        scripts().add_note(tid, _lang(), request.form.get("note", ""), by=current_user.email)
    except EditError as exc:
        return _refused(tid, exc, note=request.form.get("note", ""))
    return _back(tid, _l("Comment saved in the draft."))
