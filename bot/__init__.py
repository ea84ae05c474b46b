"""Helpline bot: Twilio webhooks for SMS and WhatsApp, conversations in Redis, three languages."""
import logging
import os
import time

import redis
from flask import Flask, g, jsonify, redirect, request, url_for
from werkzeug.middleware.proxy_fix import ProxyFix

from . import admin, admin_reports, cli, devchat, health, inbox, logs, metrics, webhook
from .auth import init_auth
from .bundle import fingerprint, read_bundle
from .checks import check_script
from .config import ConfigError, load_settings
from .conversation import Conversations
from .intake import Intake
from .livescript import LiveScript
from .privacy import Keys
from .handoffs import Inbox
from .notify import OnCall
from .outbound import make_sender
from .redis_conn import connect, embedded_url, revive_embedded
from .reports import Reports
from .script import build_script
from .spool import Spool
from .staff_settings import StaffSettings
from .store import Store, VersionStore
from .users import Accounts
from .versions import ScriptService
from .web import csrf, init_web

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
    conversations = Conversations(get_script, store, keys, spool=spool, on_waiting=on_call.someone_waiting,
                                  reports=reports)
    inbox_service = Inbox(store, keys, sender, get_script, lambda: conversations.clock(),
                          templates=staff_settings.templates, reports=reports)
    return {"conversations": conversations, "staff_settings": staff_settings, "sender": sender,
            "accounts": accounts, "on_call": on_call, "inbox": inbox_service, "reports": reports}


def create_app(test_config=None):
    """Create the app: settings, Redis, script, blueprints and CLI commands."""
    app = Flask(__name__, instance_relative_config=True)
    settings = load_settings(overrides=test_config, instance_path=app.instance_path)
    app.config.update(SECRET_KEY=settings.SECRET_KEY, MAX_CONTENT_LENGTH=settings.MAX_BODY_BYTES,
                      SETTINGS=settings)
    logs.configure(settings.LOG_LEVEL)

    shipped = read_bundle(settings.SCRIPT_DIR or DEFAULT_SCRIPT_DIR)
    script = build_script(shipped)
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
    store = Store(client, settings.REDIS_PREFIX, settings.ttl, settings.RATE_LIMIT)
    keys = Keys(settings.DATA_KEY)
    spool = Spool(settings.SPOOL_DIR or os.path.join(app.instance_path, "spool"), keys.cipher(b"spool"),
                  settings.SPOOL_MAX_BYTES, max_age=settings.DEDUPE_TTL)
    app.extensions.update(_services(app, settings, store, keys, live.get, spool))
    conversations = app.extensions["conversations"]
    revive = None if settings.REDIS_URL else (lambda: revive_embedded(app.instance_path))
    app.extensions["intake"] = Intake(conversations, spool, revive=revive)
    if settings.TRUSTED_PROXIES:
        hops = settings.TRUSTED_PROXIES
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops,
                                x_prefix=hops)

    init_web(app, settings)
    init_auth(app)
    csrf.exempt(webhook.bp)  # Twilio signs its requests instead
    app.register_blueprint(webhook.bp)
    app.register_blueprint(health.bp)
    app.register_blueprint(inbox.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(admin_reports.bp)
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

    @app.errorhandler(413)
    def too_large(_error):
        """Refuse an oversized request with a clear message."""
        return jsonify(error="request body too large"), 413

    return app
