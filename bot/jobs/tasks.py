"""Staff uploads imported outside the web request: an RQ queue over the app's Redis (issue 23, item 3).

The page saves the upload in its own folder (instance/jobs-*), enqueues import_upload() under a job id made
from the form's one-time upload id (a second click finds the same job and imports nothing twice), and polls
the job's progress. In production the Procfile's `worker:` line runs `flask --app bot jobs worker`; in
development and tests (no worker registered) the web process runs the queue in a thread of its own, so the
embedded Redis needs nothing more. Whatever happens, the job removes its folder; leftovers of a killed
process are swept when the app starts (sweep()).
"""
import logging
import os
import re
import shutil
import threading
import time

from flask import current_app

from bot.conversation.wording import N_

log = logging.getLogger(__name__)
JOB_TIMEOUT = 15 * 60        # seconds an import may run (the CLI has no limit)
KEEP_RESULT = 3600           # the page can show an import's report for an hour
SWEEP_AGE = JOB_TIMEOUT + 300  # a jobs-* folder older than any import could be is a leftover
UPLOAD_ID = re.compile(r"^[0-9a-f]{32}$")
_runners, _runners_lock = {}, threading.Lock()  # queue name -> lock held while a thread works that queue


def queue(app=None):
    """Return the app's import queue (RQ), or None on Redis Cluster (RQ needs one plain Redis)."""
    from rq import Queue
    app = app or current_app
    data = app.extensions["jobs"].data
    if data.cluster:
        return None
    return Queue(f"{data.prefix}jobs-import", connection=data.redis, default_timeout=JOB_TIMEOUT)


def job_id(upload_id):
    """Return the RQ job id of an upload (the form's one-time id)."""
    return f"jobs-import-{upload_id}"


def upload_folder(app=None):
    """Return a new private folder for one upload: <instance>/jobs-XXXX."""
    import tempfile
    app = app or current_app
    parent = app.config.get("JOBS_UPLOAD_DIR") or app.instance_path
    os.makedirs(parent, mode=0o700, exist_ok=True)
    return tempfile.mkdtemp(prefix="jobs-", dir=parent)


def sweep(app, now=None):
    """Remove jobs-* folders left by a process that died mid-import (older than SWEEP_AGE); return how many."""
    parent = app.config.get("JOBS_UPLOAD_DIR") or app.instance_path
    now, removed = now or time.time(), 0
    try:
        names = [n for n in os.listdir(parent) if n.startswith("jobs-")]
    except OSError:
        return 0
    for name in names:
        path = os.path.join(parent, name)
        try:
            if os.path.isdir(path) and now - os.path.getmtime(path) > SWEEP_AGE:
                shutil.rmtree(path, ignore_errors=True)
                removed += 1
        except OSError:
            continue
    if removed:
        log.warning("removed %d upload folders left by an import that did not finish", removed)
    return removed


def enqueue(q, upload_id, folder, name, kind, program, who):
    """Queue an import (or find the one queued for this upload id); return (job, new)."""
    from rq.exceptions import NoSuchJobError
    from rq.job import Job
    try:
        return Job.fetch(job_id(upload_id), connection=q.connection), False
    except NoSuchJobError:
        pass
    job = q.enqueue("bot.jobs.tasks.import_upload", folder, name, kind, program, who, job_id=job_id(upload_id),
                    result_ttl=KEEP_RESULT, failure_ttl=KEEP_RESULT, ttl=KEEP_RESULT)
    return job, True


def run_here(app, q):
    """Work the queue in a thread of this process until it is empty (development and tests: no worker)."""
    with _runners_lock:
        lock = _runners.setdefault(q.name, threading.Lock())
    if not lock.acquire(blocking=False):
        return  # a thread already works this queue; it takes the new job too
    from rq import SimpleWorker
    from rq.timeouts import TimerDeathPenalty

    class ThreadWorker(SimpleWorker):
        death_penalty_class = TimerDeathPenalty  # no signals outside the main thread

        def _install_signal_handlers(self):
            pass

    def work():
        while True:
            try:
                with app.app_context():
                    while len(q):
                        ThreadWorker([q], connection=q.connection).work(burst=True, logging_level="WARNING")
            except Exception:  # noqa: BLE001  never kill the web process; the job shows as failed
                log.exception("import thread failed")
            finally:
                lock.release()
            # a job queued while this thread was finishing found the lock taken: take it back for that job
            try:
                waiting = len(q)
            except Exception:  # noqa: BLE001  Redis away: the next upload starts a thread again
                return
            if not waiting or not lock.acquire(blocking=False):
                return
    threading.Thread(target=work, name="jobs-import", daemon=True).start()


def has_worker(q):
    """Return True when an RQ worker (the Procfile's worker: line) listens to the queue."""
    from rq import Worker
    try:
        return bool(Worker.all(queue=q))
    except Exception:  # noqa: BLE001
        return False


def import_upload(folder, name, kind, program, who):
    """The RQ job: import the upload in folder and return {"lines": report} or {"error": sentence}, both
    message ids with their details (never words of one language); the folder is removed whatever happens."""
    from rq import get_current_job

    from bot.jobs.debarment import import_debarred
    from bot.jobs.importer import import_cases
    from bot.jobs.reader import Refused
    job, last = get_current_job(), [0.0]

    def progress(done, total):
        if job is not None and time.monotonic() - last[0] > 0.5:
            last[0] = time.monotonic()
            job.meta.update(done=done, total=total or 0)
            job.save_meta()
    path = os.path.join(folder, name)
    try:
        data = current_app.extensions["jobs"].data
        if kind == "cases":
            report = import_cases(path, data, program=program, who=who, progress=progress)
        else:
            report = import_debarred(path, data, program=program, who=who, progress=progress)
    except Refused as exc:
        return {"error": refusal_of(exc)}  # a message id and its details: the page says it in its language
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    current_app.extensions["conversations"].store.audit(who or "staff", "jobs_import", kind=kind, rows=report.rows,
                                                        program=report.program)
    return {"lines": report.lines()}  # message ids with their details (pickled): said in the page's language


def refusal_of(exc):
    """Return the sentence a Refused carries: its Message (a message id with details, kept through RQ's
    pickling, so the page says it in its own language), else its text."""
    first = exc.args[0] if exc.args else ""
    return first if hasattr(first, "template") else str(exc)


def state(job):
    """Return what the page shows of a job: {"state", "done", "total", "lines", "error"}."""
    status = job.get_status(refresh=True)
    status = getattr(status, "value", status) or "queued"
    out = {"state": status, "done": job.meta.get("done", 0), "total": job.meta.get("total", 0)}
    if status == "finished":
        result = job.return_value() or {}
        out.update(lines=result.get("lines") or [], error=result.get("error") or "")
    elif status in ("failed", "stopped", "canceled"):
        out.update(state="failed", error=N_("The import stopped before it ended (it took too long or the worker "
                                            "was stopped); nothing was changed. Try again, or import the file "
                                            "with 'flask --app bot jobs import'."))
    return out
