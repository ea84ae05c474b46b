"""Alerts sent outside the web request: an RQ queue over the app's Redis, worked by the Procfile's worker.

`flask --app bot jobs worker` works the alerts queue before the imports' (bot/jobs/cli.py), with RQ's
scheduler, which starts scheduled alerts and those that waited for quiet hours to end. A job sends one
slice of one alert (bot/alerts/sending.py) and queues what follows. A worker that starts looks for alerts
left "sending" by a worker that died and queues them again; nothing is sent twice (each recipient is
claimed before Twilio is asked). In development and tests without a worker, the web process works the
queue in a thread of its own, and a timer stands in for the scheduler.
"""
import datetime
import logging
import threading
import time
import uuid

from flask import current_app

from bot.alerts.sending import Sending
from bot.jobs.tasks import has_worker, run_here

log = logging.getLogger(__name__)
JOB_TIMEOUT = 15 * 60   # a slice sends for 10 minutes at most (bot/alerts/sending.py)
KEEP_RESULT = 3600


def queue(app=None):
    """Return the alerts queue (RQ), or None on Redis Cluster (RQ needs one plain Redis)."""
    from rq import Queue
    app = app or current_app
    store = app.extensions["conversations"].store
    if store.cluster:
        return None
    return Queue(f"{store.prefix}alerts", connection=store.redis, default_timeout=JOB_TIMEOUT)


def app_now(app):
    """Return the app's time (epoch): the conversation service's clock, which tests may set."""
    return app.extensions["conversations"].clock().timestamp()


def start(app, alert_id, when=None, tag="now", here=True):
    """Queue a slice of an alert now, or at when (epoch, on the app's clock: RQ is given the delay); one job
    per (alert, tag) at a time. here: without a worker (development), work it in this process."""
    from rq.exceptions import NoSuchJobError
    from rq.job import Job
    q = queue(app)
    if q is None:
        return None
    job_id = f"alert-{alert_id}-{tag}"
    try:
        job = Job.fetch(job_id, connection=q.connection)
        if job.get_status(refresh=True) in ("queued", "scheduled", "started", "deferred"):
            return job
    except NoSuchJobError:
        pass
    args = dict(job_id=job_id, result_ttl=KEEP_RESULT, failure_ttl=KEEP_RESULT)
    delay = (when - app_now(app)) if when is not None else 0
    if delay > 1:
        job = q.enqueue_in(datetime.timedelta(seconds=delay), "bot.alerts.tasks.send_alert", alert_id, **args)
        if here:
            _dev_timer(app, q, delay)
    else:
        job = q.enqueue("bot.alerts.tasks.send_alert", alert_id, **args)
        if here:
            _dev_run(app, q)
    return job


def _dev_run(app, q):
    """Work the queue in this process when no worker listens (development and tests)."""
    if not app.config["SETTINGS"].production and not has_worker(q):
        run_here(app, q)


def _dev_timer(app, q, delay):
    """Without a worker (development), move due scheduled jobs into the queue after delay, and work it."""
    if app.config["SETTINGS"].production or has_worker(q):
        return
    timer = threading.Timer(delay + 0.2, lambda: (move_due(q), _dev_run(app, q)))
    timer.daemon = True
    timer.start()


def move_due(q):
    """Queue the scheduled jobs whose time has come (what RQ's scheduler does in a worker); return how many."""
    from rq.job import Job
    registry = q.scheduled_job_registry
    ids = registry.get_jobs_to_schedule(int(time.time()))
    for job_id in ids:
        job = Job.fetch(job_id, connection=q.connection) if Job.exists(job_id, connection=q.connection) else None
        registry.remove(job_id)
        if job is not None:
            q.enqueue_job(job)
    return len(ids)


def resume(app, here=True, starting=False):
    """Queue again every alert left "sending" by a job that stopped (a worker killed mid-send); return the
    ids. A worker starting (starting=True) queues each at once: the job waits out the dead job's lease
    (ALERTS_LEASE). Staff looking at an alert queue it only when no job holds it any more. Nobody already
    claimed is sent to again."""
    store, found = app.extensions["conversations"].store, []
    for alert_id in store.alert_ids(200):
        alert = store.alert(alert_id)
        if alert is not None and alert["status"] == "sending" and (starting or store.lease_holder(alert_id) is None):
            start(app, alert_id, tag="resume", here=here)
            found.append(alert_id)
    if found:
        log.warning("alerts queued again after a stop", extra={"count": len(found)})
    return found


def store_lease(app):
    """Return ALERTS_LEASE, the seconds after which a silent job's alert is taken over."""
    return app.config["SETTINGS"].ALERTS_LEASE


def sending(app):
    """Return the Sending that the app's settings describe."""
    settings, script = app.config["SETTINGS"], app.extensions["live_script"].get()
    from bot.conversation.alert_steps import per_month
    base = settings.PUBLIC_BASE_URL if app.extensions["sender"].local is False else ""
    conversations = app.extensions["conversations"]
    return Sending(conversations.store, conversations.keys, app.extensions["sender"], per_month(script),
                   clock=conversations.clock, rate=settings.ALERTS_RATE,
                   lease=settings.ALERTS_LEASE, fold=script.sms.get("fold_accents", True), callback_base=base,
                   templates=app.extensions["staff_settings"].all().get("alert_templates") or {})


def send_alert(alert_id):
    """The RQ job: send a slice of an alert, then queue what follows (the rest, or after quiet hours)."""
    app = current_app._get_current_object()
    outcome = sending(app).run(alert_id, uuid.uuid4().hex)
    if outcome.state == "more":
        start(app, alert_id, tag=f"more-{int(time.time())}")
    elif outcome.state == "waiting" and outcome.next:
        tag = f"at-{int(outcome.next)}"
        if _current_job_id() == f"alert-{alert_id}-{tag}":  # came early: the same time, another job
            tag += f"-{int(time.time())}"
        start(app, alert_id, when=outcome.next, tag=tag)
    return outcome.state


def _current_job_id():
    """Return the id of the RQ job running now (None outside a job)."""
    from rq import get_current_job
    job = get_current_job()
    return job.id if job is not None else None
