"""Staff pages of the script: the menu tree with every message in every language, and editing one
text (in the draft) in any language: its words, its review by a native speaker, its staff comment."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l

from bot.staff import directory_pages as admin_directory
from bot.staff import example_pages as admin_examples
from bot.staff import simulator_pages as admin_simulator
from bot.staff import version_pages as admin_versions
from bot.staff.edits import MAX_TEXT, EditError, keyword_ids, review_languages
from bot.web import prg
from bot.web.prg import taken
from bot.staff.pages import (blocking_errors, draft_status, init_pages, say_new_errors, scripts, status_of,
                             view_of, who)
from bot.staff.service import DRAFT, PUBLISHED

bp = Blueprint("script", __name__, url_prefix="/script")
init_pages(bp)


def register(parent):
    """Register every script page under the admin blueprint (/admin/script/...)."""
    for blueprint in (bp, admin_directory.bp, admin_versions.bp, admin_simulator.bp, admin_examples.bp):
        parent.register_blueprint(blueprint)


@bp.get("/")
def index():
    """Show the script as a tree: each node's messages in every language, their SMS cost and findings."""
    view = view_of(DRAFT)
    return render_template("admin/script/index.html", view=view, status=draft_status())


def _text_page(tid, code=200, error=None, posted=None):
    """Render one text's page (the draft's texts, the published ones beside them)."""
    view = view_of(DRAFT)
    if not view.knows(tid):
        abort(404)
    published = scripts().script(PUBLISHED)
    entries = {lang: view.script.catalogs.get(lang, {}).get(tid) for lang in view.languages}
    before = {lang: (published.catalogs.get(lang, {}).get(tid) or None) for lang in view.languages}
    return render_template("admin/script/text.html", view=view, message=view.message(tid), tid=tid,
                           usage=view.usage(tid), entries=entries, published=before, error=error,
                           posted=posted or {}, max_text=MAX_TEXT, status=draft_status(),
                           review_langs=review_languages({"spec": view.script.spec}),
                           fold=view.script.sms.get("fold_accents", True)), code


@bp.get("/text/<tid>")
def text(tid):
    """Show one text in every language, with a form per language (after a refusal: it, and what was typed)."""
    status, kept = taken()
    if not kept:
        return _text_page(tid, code=status)
    posted = {kept["lang"]: kept["text"]} if kept.get("lang") and "text" in kept else None
    return _text_page(tid, code=status, error=kept.get("error"), posted=posted)


def _language(lang):
    """Return lang when it is one of the draft's languages, else 404."""
    if lang not in scripts().script(DRAFT).languages:
        abort(404)
    return lang


def _saved(tid, lang, message):
    """Say the change went into the draft and go back to the text."""
    flash(message, "info")
    return redirect(url_for(".text", tid=tid) + f"#lang-{lang}", code=303)


@bp.post("/text/<tid>/<lang>")
def save_text(tid, lang):
    """Save a text (or a keyword list) in one language into the draft."""
    lang, value, was = _language(lang), request.form.get("text"), request.form.get("was")
    if value is None:
        abort(400)
    service = scripts()
    before = blocking_errors()
    try:
        if tid in keyword_ids({"spec": service.script(DRAFT).spec}):
            service.set_keywords(tid, lang, value, by=who(), expected=was)
        else:
            service.set_text(tid, lang, value, by=who(), expected=was)
    except EditError as exc:
        return _refused_text(tid, exc, posted={lang: value})
    if say_new_errors(before):  # a keyword that clashes, a placeholder dropped: said now, not at publish
        return redirect(url_for(".text", tid=tid) + f"#lang-{lang}", code=303)
    return _saved(tid, lang, _l("Saved in the draft. Publish to put it in force."))


@bp.post("/text/<tid>/<lang>/review")
def review(tid, lang):
    """Mark a text reviewed by a native speaker (reviewed=1), or as needing review again (reviewed=0)."""
    lang, reviewed = _language(lang), request.form.get("reviewed")
    if reviewed not in ("0", "1"):
        abort(400)
    try:
        scripts().mark_reviewed(tid, lang, by=who(), reviewed=reviewed == "1")
    except EditError as exc:
        return _refused_text(tid, exc)
    message = _l("Marked reviewed in the draft.") if reviewed == "1" else _l("Marked as needing review in the draft.")
    return _saved(tid, lang, message)


@bp.post("/text/<tid>/<lang>/comment")
def comment(tid, lang):
    """Save the staff comment (and fact citation) of a text in one language."""
    lang, value = _language(lang), request.form.get("comment")
    if value is None:
        abort(400)
    try:
        scripts().set_comment(tid, lang, value, by=who())
    except EditError as exc:
        return _refused_text(tid, exc)
    return _saved(tid, lang, _l("Comment saved in the draft."))


def _refused_text(tid, exc, posted=None):
    """Send the browser to the text's page with the refusal in it and what was typed (post, redirect, get)."""
    if not view_of(DRAFT).knows(tid):
        abort(404)
    fields = {"error": prg.said(exc)}
    for lang, value in (posted or {}).items():
        fields.update(lang=lang, text=value)
    anchor = f"#lang-{next(iter(posted))}" if posted else ""
    return prg.refused(url_for(".text", tid=tid) + anchor, status_of(exc), fields)
