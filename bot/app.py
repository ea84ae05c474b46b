"""Wiring: create_app builds settings, Redis, the script, services, blueprints and CLI commands."""
import logging
import os
import time

import redis
from flask import Flask, g, redirect, request, url_for
from werkzeug.datastructures import EnvironHeaders
from werkzeug.middleware.proxy_fix import ProxyFix

from bot.staff import settings_pages as admin
from bot.staff import review_pages as review
from bot.reports import pages as admin_reports
from bot import cli
from bot.twilio import devchat
from bot.twilio.direct import DirectMessages
from bot.web import health
from bot.inbox import pages as inbox
from bot.inbox import media_pages as inbox_media
from bot.inbox import proposals as inbox_proposals
from bot import logs
from bot import metrics
from bot.twilio import webhook
from bot.inbox import voice_link
from bot.web.auth import init_auth
from bot.conversation.bundle import fingerprint, read_bundle
from bot.conversation.checks import check_script
from bot.config import ConfigError, load_settings
from bot.twilio.conversations import Conversations, reply_packer
from bot.twilio.intake import Intake
from bot.twilio.livescript import LiveScript
from bot.storage.privacy import Keys
from bot.inbox.handoffs import Inbox
from bot.inbox.notify import OnCall
from bot.twilio.media import MediaClient, Sweeper
from bot.twilio.outbound import make_sender
from bot.storage.connection import connect, embedded_url, revive_embedded
from bot.reports.figures import Reports
from bot.conversation.understanding import cache as model_cache
from bot.conversation.script import build_script
from bot.storage.spool import Spool
from bot.staff.settings import StaffSettings
from bot.storage.store import Store
from bot.storage.versions import VersionStore
from bot.web.accounts import Accounts
from bot.staff.service import ScriptService
from bot.web.body_deadline import BodyDeadline
from bot.web.common import csrf, init_web
from bot.jobs import pages as jobs_pages
from bot.alerts import pages as alerts_pages
from bot.alerts import tasks as alert_tasks
from bot.alerts.service import AlertService, read_fact_rows
from bot.jobs.service import JobChecker
from bot.storage.jobs import JobsData

DEFAULT_SCRIPT_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "locales")


def _services(app, settings, store, keys, get_script, spool):
    """Return the app's services, wired to one another."""
    staff_settings = StaffSettings(store)
    sender = make_sender(settings, store, keys)
    if sender.local and settings.production:
        logging.getLogger(__name__).warning("Twilio sending is not configured: volunteers' replies stay in "
                                            "the local outbox (set TWILIO_ACCOUNT_SID and TWILIO_FROM)")
    accounts = Accounts(store, keys)
    on_call = OnCall(app, accounts, sender, staff_settings, settings.PUBLIC_BASE_URL)
    reports = Reports(store, lambda: (get_script().office_hours or {}).get("timezone"),
                      clock=lambda: conversations.clock())
    jobs = JobChecker(JobsData(store.redis, store.prefix))
    conversations = Conversations(get_script, store, keys, spool=spool, on_waiting=on_call.someone_waiting,
                                  reports=reports, jobs=jobs)
    inbox_service = Inbox(store, keys, sender, get_script, lambda: conversations.clock(),
                          templates=staff_settings.templates, reports=reports,
                          template_texts=staff_settings.template_texts)
    media = None
    if settings.twilio_sending:  # without Twilio there is no media at Twilio to fetch or delete
        media = MediaClient(settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN, settings.TWILIO_API_URL,
                            timeout=settings.TWILIO_TIMEOUT)
    sweeper = Sweeper(store, media)  # held here: the process's sweeping thread holds it weakly; it also
    sweeper.start()                  # deletes the files the app keeps (voice replies) with their threads
    alerts = AlertService(store, get_script, read_fact_rows(settings.SCRIPT_DIR or DEFAULT_SCRIPT_DIR),
                          clock=lambda: conversations.clock().timestamp())
    return {"media": media, "media_sweeper": sweeper, "conversations": conversations, "staff_settings": staff_settings, "sender": sender,
            "accounts": accounts, "on_call": on_call, "inbox": inbox_service, "reports": reports, "jobs": jobs,
            "alerts": alerts, "worker_queues": [alert_tasks.queue],
            "worker_start": [lambda worker_app: alert_tasks.resume(worker_app, here=False, starting=True)]}


FORWARDED = ("X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Host", "Forwarded")


def _warn_of_untrusted_proxy():
    """Return a before-request hook that warns once when forwarded headers arrive with TRUSTED_PROXIES=0.

    Behind Heroku's router or nginx, the public URL (and so every webhook signature) and the client's
    address come from those headers; believing them from anyone would let a client claim to be the
    machine itself, so they are ignored until TRUSTED_PROXIES says how many proxies are in front.
    """
    warned = []

    def check(environ=None):
        headers = request.headers if environ is None else EnvironHeaders(environ)
        if not warned and any(name in headers for name in FORWARDED):
            warned.append(True)
            logging.getLogger(__name__).warning(
                "requests carry X-Forwarded-* headers but TRUSTED_PROXIES=0: they are ignored; behind "
                "a proxy set TRUSTED_PROXIES to the number of proxies in front (1 on Heroku)")
    return check


def create_app(test_config=None):
    """Create the app: settings, Redis, script, blueprints and CLI commands."""
    app = Flask("bot", instance_relative_config=True, template_folder="web/templates",
                static_folder="web/static")
    settings = load_settings(overrides=test_config, instance_path=app.instance_path)
    app.config.update(SECRET_KEY=settings.SECRET_KEY, MAX_CONTENT_LENGTH=settings.MAX_BODY_BYTES,
                      SETTINGS=settings)
    logs.configure(settings.LOG_LEVEL, settings.log_format)

    model_cache.set_folder(settings.MODEL_CACHE or os.path.join(app.instance_path, "models"))
    shipped = read_bundle(settings.SCRIPT_DIR or DEFAULT_SCRIPT_DIR)
    script = build_script(shipped)
    script.understander  # trained (or loaded from the cache) now, not on a texter's first message
    problems = check_script(script)
    errors = [p for p in problems if p.level == "error"]
    if errors:
        raise ConfigError("the script has errors:\n" + "\n".join(str(p) for p in errors))

    url = settings.REDIS_URL or embedded_url(app.instance_path)
    client = connect(url, settings.REDIS_TIMEOUT, cluster=bool(settings.REDIS_CLUSTER))
    scripts = ScriptService(VersionStore(client, settings.REDIS_PREFIX), shipped)
    scripts.seed(shipped, script, problems)
    live = LiveScript(scripts.store, script, fingerprint(shipped), settings.SCRIPT_CHECK_SECONDS,
                      on_missing=scripts.start)
    scripts.on_change.append(live.expire)
    try:
        scripts.start()
    except (redis.RedisError, OSError) as exc:
        logging.getLogger(__name__).warning("Redis does not answer (%s): answering with the shipped "
                                            "script until it does", type(exc).__name__)
    live.refresh()
    app.extensions["scripts"], app.extensions["live_script"] = scripts, live
    store = Store(client, settings.REDIS_PREFIX, settings.ttl, settings.RATE_LIMIT, replies=reply_packer(script))
    keys = Keys(settings.DATA_KEY)
    spool = Spool(settings.SPOOL_DIR or os.path.join(app.instance_path, "spool"), keys.cipher(b"spool"),
                  settings.SPOOL_MAX_BYTES, max_age=settings.DEDUPE_TTL)
    app.extensions.update(_services(app, settings, store, keys, live.get, spool))
    conversations = app.extensions["conversations"]
    revive = None if settings.REDIS_URL else (lambda: revive_embedded(app.instance_path))
    app.extensions["intake"] = Intake(conversations, spool, revive=revive)
    app.extensions["intake"].start()  # messages spooled before a restart are applied without waiting
    warn = _warn_of_untrusted_proxy() if settings.production and not settings.TRUSTED_PROXIES else None
    # Inside the proxy fix (the URL is rebuilt first) and the body deadline: Twilio's messages skip Flask.
    app.wsgi_app = DirectMessages(app.wsgi_app, app, settings.MAX_BODY_BYTES, before=warn)
    if settings.TRUSTED_PROXIES:
        hops = settings.TRUSTED_PROXIES
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops,
                                x_prefix=hops)
    elif warn is not None:
        app.before_request(warn)
    app.wsgi_app = BodyDeadline(app.wsgi_app, settings.MAX_BODY_BYTES)  # outermost: bodies in time, or 408

    init_web(app, settings)
    init_auth(app)
    csrf.exempt(webhook.bp)  # Twilio signs its requests instead
    csrf.exempt(devchat.send)  # checked in the view, once the body may be as large as a file
    app.register_blueprint(webhook.bp)
    app.register_blueprint(health.bp)
    app.register_blueprint(inbox.bp)
    app.register_blueprint(inbox_media.bp)
    app.register_blueprint(voice_link.bp)  # the one address without a login: Twilio fetches voice replies
    app.register_blueprint(inbox_proposals.bp)
    app.register_blueprint(review.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(admin_reports.bp)
    jobs_pages.init_app(app)  # also sweeps upload folders a dead import left
    app.register_blueprint(alerts_pages.bp)
    app.register_blueprint(metrics.bp)
    if not settings.production:
        app.register_blueprint(devchat.bp)
    cli.register(app)

    @app.get("/")
    def home():
        """Send visitors to the inbox (which sends them to /login first)."""
        return redirect(url_for("inbox.index"))

    @app.before_request
    def start_request():
        """Give the request an id for the log lines and start its clock."""
        g.started = time.perf_counter()
        logs.new_request_id(request.headers.get("I-Twilio-Idempotency-Token"))

    return app
