"""Helpline bot: Twilio webhooks for SMS and WhatsApp, conversations in Redis, three languages."""
import logging
import os

from flask import Flask, jsonify, redirect, url_for
from werkzeug.middleware.proxy_fix import ProxyFix

from . import admin, cli, devchat, health, inbox, webhook
from .auth import init_auth
from .config import ConfigError, load_settings
from .conversation import Conversations
from .privacy import Keys
from .redis_conn import connect, embedded_url
from .checks import check_script
from .handoffs import Inbox
from .notify import OnCall
from .outbound import make_sender
from .script import load_script
from .staff_settings import StaffSettings
from .store import Store
from .users import Accounts
from .web import csrf, init_web

DEFAULT_SCRIPT_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "locales")


def _services(app, settings, store):
    """Return the app's services, wired to one another (the script is read through the app, so staff
    may replace it while the app runs)."""
    keys = Keys(settings.DATA_KEY)
    get_script = lambda: app.extensions["script"]  # noqa: E731
    staff_settings = StaffSettings(store, get_script)
    sender = make_sender(settings, store, keys)
    if sender.local and settings.production:
        logging.getLogger(__name__).warning("Twilio sending is not configured: volunteers' replies stay in "
                                            "the local outbox (set TWILIO_ACCOUNT_SID and TWILIO_FROM)")
    accounts = Accounts(store, keys)
    on_call = OnCall(app, accounts, sender, staff_settings, settings.PUBLIC_BASE_URL)
    conversations = Conversations(get_script, store, keys, office_hours=staff_settings.office_hours,
                                  on_waiting=on_call.someone_waiting)
    inbox_service = Inbox(store, keys, sender, get_script, lambda: conversations.clock(),
                          templates=staff_settings.templates)
    return {"conversations": conversations, "staff_settings": staff_settings, "sender": sender,
            "accounts": accounts, "on_call": on_call, "inbox": inbox_service}


def create_app(test_config=None):
    """Create the app: settings, Redis, script, blueprints and CLI commands."""
    app = Flask(__name__, instance_relative_config=True)
    settings = load_settings(overrides=test_config, instance_path=app.instance_path)
    app.config.update(SECRET_KEY=settings.SECRET_KEY, MAX_CONTENT_LENGTH=settings.MAX_BODY_BYTES,
                      SETTINGS=settings)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")

    script = load_script(settings.SCRIPT_DIR or DEFAULT_SCRIPT_DIR)
    errors = [p for p in check_script(script) if p.level == "error"]
    if errors:
        raise ConfigError("the script has errors:\n" + "\n".join(str(p) for p in errors))
    app.extensions["script"] = script

    url = settings.REDIS_URL or embedded_url(app.instance_path)
    store = Store(connect(url, settings.REDIS_TIMEOUT), settings.REDIS_PREFIX, settings.ttl)
    app.extensions.update(_services(app, settings, store))
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
    if not settings.production:
        app.register_blueprint(devchat.bp)
    cli.register(app)

    @app.get("/")
    def home():
        """Send visitors to the inbox (which sends them to /login first)."""
        return redirect(url_for("inbox.index"))

    @app.errorhandler(413)
    def too_large(_error):
        """Refuse an oversized request with a clear message."""
        return jsonify(error="request body too large"), 413

    return app
