"""Staff page /admin/jobs: what DOL data is loaded, and uploads of new files imported outside the request.

An upload is checked at once (its kind, name, size, and a workbook's zip directory: a zip bomb is refused in
the request), saved in a folder of its own and queued (bot/jobs/tasks.py); the page then shows the import's
progress, which it polls, and its report or refusal in words.
"""
import os
import shutil
import uuid

from flask import Blueprint, current_app, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from bot.web.auth import staff_required
from bot.web.common import csrf
from bot.web.wording import say, written

from bot.jobs import tasks
from bot.jobs.cli import status_lines
from bot.jobs.reader import MAX_BYTES, Refused, check_workbook
from bot.conversation.wording import N_

bp = Blueprint("jobs", __name__, url_prefix="/admin")
SUFFIXES = (".xlsx", ".csv", ".pdf")


def init_app(app):
    """Register the page and sweep upload folders left by a process that died mid-import."""
    app.register_blueprint(bp)
    tasks.sweep(app)


@bp.after_request
def no_store(response):
    """Keep staff pages off shared caches."""
    response.headers["Cache-Control"] = "no-store"
    return response


def _job(upload_id):
    """Return the RQ job of an upload id, or None."""
    from rq.exceptions import NoSuchJobError
    from rq.job import Job
    q = tasks.queue()
    if q is None or not tasks.UPLOAD_ID.match(upload_id or ""):
        return None
    try:
        return Job.fetch(tasks.job_id(upload_id), connection=q.connection)
    except NoSuchJobError:
        return None


def _page(status=200, **context):
    loaded = current_app.extensions["jobs"].data.status()
    lines = status_lines(loaded) if loaded else [N_("No job data loaded: texters who send a case number are told "
                                                    "so. Upload DOL's files with the form below.")]
    return render_template("admin/jobs.html", lines=lines, max_mb=MAX_BYTES // 2**20, upload_id=uuid.uuid4().hex,
                           **context), status


@bp.get("/jobs")
@staff_required
def index():
    """Show what is loaded, the upload form, and an import's progress or report (?import=<upload id>)."""
    upload_id = request.args.get("import", "")
    if not upload_id:
        return _page()
    job = _job(upload_id)
    if job is None:
        return _page(404, error=_("That import is not known any more: its report is kept for an hour."))
    state = tasks.state(job)
    running = state["state"] not in ("finished", "failed")
    error = _("The import stopped before it ended; nothing was changed. Try again, or use the command line.") \
        if state["state"] == "failed" else state.get("error")
    return _page(importing=upload_id if running else None, error=error or None, report=state.get("lines") or None,
                 waiting=running and state["state"] == "queued" and current_app.config["SETTINGS"].production
                 and not tasks.has_worker(tasks.queue()))


@bp.get("/jobs/imports/<upload_id>")
@staff_required
def progress(upload_id):
    """Return an import's state as JSON, for the page's polling."""
    job = _job(upload_id)
    if job is None:
        return jsonify(state="unknown", error=_("That import is not known any more: its report is kept for an "
                                                "hour.")), 404
    state = tasks.state(job)  # its report and refusal said in the page's language, like the page
    state.update(lines=[written(line) for line in state.get("lines") or ()],
                 error=say(state["error"]) if state.get("error") else "")
    return jsonify(state)


@bp.post("/jobs")
@csrf.exempt  # checked below, once the body may be as large as a file (CSRF reads the form)
@staff_required
def upload():
    """Check an uploaded disclosure file or debarment list and queue its import; show its progress."""
    request.max_content_length = MAX_BYTES + 2**20  # this form alone takes files; the app's limit is small
    csrf.protect()
    kind = request.form.get("kind")
    program = request.form.get("program") or None
    upload_id = request.form.get("upload_id", "")
    upload_id = upload_id if tasks.UPLOAD_ID.match(upload_id) else uuid.uuid4().hex
    q = tasks.queue()
    if q is None:
        return _page(503, error=_("Uploads need a single Redis server; on Redis Cluster, import with "
                                  "'flask --app bot jobs import'."))
    if _job(upload_id) is not None:  # the same form sent twice (a second click): one import
        return redirect(url_for("jobs.index", **{"import": upload_id}), 303)
    upload = request.files.get("file")
    if kind not in ("cases", "debarred") or program not in (None, "h2a", "h2b"):
        return _page(400, error=_("Choose what the file is: a disclosure file or a debarment list."))
    if upload is None or not upload.filename:
        return _page(400, error=_("Choose a file to upload."))
    suffix = os.path.splitext(upload.filename)[1].lower()
    if suffix not in SUFFIXES:
        return _page(400, error=_("The file must be an Excel .xlsx file, a CSV file or (for a debarment list) "
                                  "DOL's PDF, as DOL publishes it."))
    name = os.path.basename(upload.filename)[:120]
    folder = tasks.upload_folder()
    try:
        path = os.path.join(folder, name)
        upload.save(path)
        with open(path, "rb") as fh:
            if fh.read(2) == b"PK":
                check_workbook(path, name)  # a zip bomb is refused here, from the zip's directory
        job, new = tasks.enqueue(q, upload_id, folder, name, kind, program, getattr(current_user, "email", ""))
    except Refused as exc:
        shutil.rmtree(folder, ignore_errors=True)
        return _page(400, error=tasks.refusal_of(exc))
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    if not new:
        shutil.rmtree(folder, ignore_errors=True)
    elif not current_app.config["SETTINGS"].production and not tasks.has_worker(q):
        tasks.run_here(current_app._get_current_object(), q)
    return redirect(url_for("jobs.index", **{"import": upload_id}), 303)
