"""Staff page /admin/jobs: what DOL data is loaded, and uploads of new files (the CLI's imports)."""
import os
import tempfile

from flask import Blueprint, current_app, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from bot.web.auth import staff_required
from bot.web.common import csrf

from bot.jobs.cli import status_lines
from bot.jobs.importer import import_cases, import_debarred
from bot.jobs.reader import MAX_BYTES, Refused

bp = Blueprint("jobs", __name__, url_prefix="/admin")
SUFFIXES = (".xlsx", ".csv")


@bp.after_request
def no_store(response):
    """Keep staff pages off shared caches."""
    response.headers["Cache-Control"] = "no-store"
    return response


def _page(status=200, **context):
    loaded = current_app.extensions["jobs"].data.status()
    return render_template("admin/jobs.html", lines=status_lines(loaded) if loaded else [], max_mb=MAX_BYTES // 2**20,
                           **context), status


@bp.get("/jobs")
@staff_required
def index():
    """Show what is loaded and the upload forms."""
    return _page()


@bp.post("/jobs")
@csrf.exempt  # checked below, once the body may be as large as a file (CSRF reads the form)
@staff_required
def upload():
    """Import an uploaded disclosure file or debarment list; say in words what happened."""
    request.max_content_length = MAX_BYTES + 2**20  # this form alone takes files; the app's limit is small
    csrf.protect()
    kind = request.form.get("kind")
    program = request.form.get("program") or None
    upload = request.files.get("file")
    if kind not in ("cases", "debarred") or program not in (None, "h2a", "h2b"):
        return _page(400, error=_("Choose what the file is: a disclosure file or a debarment list."))
    if upload is None or not upload.filename:
        return _page(400, error=_("Choose a file to upload."))
    suffix = os.path.splitext(upload.filename)[1].lower()
    if suffix not in SUFFIXES:
        return _page(400, error=_("The file must be an Excel .xlsx file or a CSV file, as DOL publishes it."))
    name = os.path.basename(upload.filename)[:120]
    folder = tempfile.mkdtemp(prefix="jobs-", dir=current_app.instance_path if os.path.isdir(
        current_app.instance_path) else None)
    path = os.path.join(folder, name)
    try:
        upload.save(path)
        data, who = current_app.extensions["jobs"].data, getattr(current_user, "email", "")
        if kind == "cases":
            report = import_cases(path, data, program=program, who=who)
        else:
            report = import_debarred(path, data, program=program, who=who)
    except Refused as exc:
        return _page(400, error=exc.args[0] if exc.args else str(exc))
    finally:
        if os.path.exists(path):
            os.unlink(path)
        os.rmdir(folder)
    current_app.extensions["conversations"].store.audit(who or "staff", "jobs_import", kind=kind,
                                                         rows=report.rows)
    return _page(report=report.lines())
