"""Staff pages of the script's versions: publish the draft (checked, with its changes and a note),
throw the draft away, the history with each version's changes, restore, and the translators' files."""
from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l

from bot.staff.edits import EditError
from bot.staff.po import MAX_FILE
from bot.staff.pages import (audit, blocking_errors, draft_status, init_pages, refused, say_new_errors, scripts,
                             status_of, view_of, who)
from bot.staff.service import DRAFT, MAX_NOTE, PUBLISHED, CheckFailed, NotFound

bp = Blueprint("versions", __name__, url_prefix="/script")
init_pages(bp)
PER_PAGE = 10


@bp.url_value_preprocessor
def allow_po_files(endpoint, _values):
    """Let a translator's file be larger than a webhook's body (before CSRF reads the form)."""
    if endpoint == "admin.versions.upload":
        request.max_content_length = MAX_FILE + 64 * 1024


@bp.errorhandler(413)
def file_too_large(_error):
    """Refuse a file over the PO limit on the files page itself, with the limit in words."""
    context = {"languages": scripts().script(DRAFT).languages, "status": draft_status(), "report": None}
    error = _l("This file is too large: a PO file may have at most %(size)d MB.", size=MAX_FILE // (1024 * 1024))
    return render_template("admin/script/files.html", error=error, **context), 413


# -- publishing -----------------------------------------------------------------------------------

def _publish_page(error=None, problems=None, code=200, note=""):
    """Render the publish page: the draft's findings, its changes against the published version."""
    service = scripts()
    state = draft_status()
    view = view_of(DRAFT)
    problems = view.problems if problems is None else problems
    changes = service.diff() if state["draft"] else []
    behind = bool(state["draft"] and state["head"] and state["draft"].base != state["head"].number)
    return render_template("admin/script/publish.html", status=state, changes=changes, error=error,
                           errors=[p for p in problems if p.level == "error"],
                           warnings=[p for p in problems if p.level == "warning"], behind=behind,
                           note=note, max_note=MAX_NOTE), code


@bp.get("/publish")
def publish():
    """Show what publishing the draft would change, what the checks say, and the note to write."""
    return _publish_page()


@bp.post("/publish")
def do_publish():
    """Publish the draft: refused with what and where when the checks find errors."""
    note, expected = request.form.get("note", ""), request.form.get("expected_head") or None
    if expected is not None and not expected.isdigit():
        abort(400)
    try:
        info = scripts().publish(who(), note, expected_head=expected, force=request.form.get("force") == "1")
    except CheckFailed as exc:
        return _publish_page(error=_l("The checks found errors: fix them in the draft, then publish."),
                             problems=exc.problems, code=422, note=note)
    except EditError as exc:
        return _publish_page(error=exc, code=status_of(exc), note=note)
    audit("script_publish", version=info.number)
    flash(_l("Published version %(n)s: texters get it within seconds.", n=info.number), "info")
    return redirect(url_for(".history"), code=303)


@bp.post("/draft/discard")
def discard():
    """Throw the draft away (the published version stays as it is)."""
    if scripts().discard_draft():
        audit("script_discard")
        flash(_l("The draft was discarded."), "info")
    return redirect(url_for("admin.script.index"), code=303)


# -- history and restore --------------------------------------------------------------------------

def _history_page(page=1, error=None, code=200):
    """Render the versions, newest first, each with its changes against the version before it."""
    service = scripts()
    versions = service.history()
    shown = versions[(page - 1) * PER_PAGE:page * PER_PAGE]
    if page > 1 and not shown:
        abort(404)
    rows = [(info, _changes(service, info.number)) for info in shown]
    return render_template("admin/script/history.html", rows=rows, head=service.head(), page=page,
                           more=len(versions) > page * PER_PAGE, max_note=MAX_NOTE, error=error,
                           status=draft_status()), code


def _changes(service, number):
    """Return a version's changes against the one before it ([] for the first, None when that one is gone)."""
    if number == 1:
        return []
    try:
        return service.diff(number, number - 1)
    except NotFound:  # a backup restored without every version (import-all of a few files)
        return None


@bp.get("/history")
def history():
    """List the versions (PER_PAGE a page) with their changes and a restore button."""
    page = request.args.get("page", "1")
    if not page.isdigit() or int(page) < 1:
        abort(400)
    return _history_page(int(page))


@bp.post("/history/<int:number>/restore")
def restore(number):
    """Publish an earlier version again, as a new version."""
    service = scripts()
    try:
        info = service.restore(number, by=who(), note=request.form.get("note", ""))
    except NotFound:
        abort(404)
    except EditError as exc:
        return _history_page(error=exc, code=status_of(exc))
    audit("script_restore", version=info.number, restored=number)
    flash(_l("Version %(old)s is published again, as version %(n)s.", old=number, n=info.number), "info")
    draft = service.draft()
    if draft is not None:
        flash(_l("The draft was started from version %(n)s: discard it, or publish it knowing it would undo "
                 "this restore.", n=draft.base), "warn")
    return redirect(url_for(".history"), code=303)


# -- translators' files ---------------------------------------------------------------------------

@bp.get("/files")
def files():
    """Offer each language's PO file to download, and a form to upload one into the draft."""
    return render_template("admin/script/files.html", languages=scripts().script(DRAFT).languages,
                           status=draft_status(), report=None, error=None)


@bp.get("/files/<lang>.po")
def download(lang):
    """Send one language's PO file, of the draft (default) or the published version."""
    if lang not in scripts().script(DRAFT).languages:
        abort(404)
    which = PUBLISHED if request.args.get("version") == "published" else DRAFT
    data = scripts().export_po(lang, which)
    name = f"helpline-{lang}-{'published' if which == PUBLISHED else 'draft'}.po"
    return Response(data, mimetype="text/x-gettext-translation",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.post("/files")
def upload():
    """Apply a translator's PO file to the draft and say what it changed and what it skipped."""
    service = scripts()
    languages = service.script(DRAFT).languages
    lang, upload_file = request.form.get("lang"), request.files.get("file")
    context = {"languages": languages, "status": draft_status(), "report": None}
    if lang not in languages:
        return render_template("admin/script/files.html", error=_l("Choose the file's language."), **context), 400
    if upload_file is None or not upload_file.filename:
        return render_template("admin/script/files.html", error=_l("Choose a PO file to upload."), **context), 400
    before = blocking_errors()
    try:
        report = service.import_po(lang, upload_file.read(MAX_FILE + 1), by=who())
    except EditError as exc:
        return refused(exc, "admin/script/files.html", **context)
    say_new_errors(before)  # e.g. a translation that drops a placeholder: said now, not at publish
    audit("script_import", lang=lang, changes=len(report.changes))
    context.update(status=draft_status(), report=report)
    return render_template("admin/script/files.html", error=None, **context)
