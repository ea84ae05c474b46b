"""Helpline bot: Twilio webhooks for SMS and WhatsApp, conversations in Redis, three languages."""
import logging
import os

from flask import Flask, jsonify
from werkzeug.middleware.proxy_fix import ProxyFix

from . import cli, devchat, health, webhook
from .config import ConfigError, load_settings
from .conversation import Conversations
from .intake import Intake
from .privacy import Keys
from .redis_conn import connect, embedded_url, revive_embedded
from .checks import check_script
from .script import load_script
from .spool import Spool
from .store import Store

DEFAULT_SCRIPT_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "locales")


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
    store = Store(connect(url, settings.REDIS_TIMEOUT, cluster=bool(settings.REDIS_CLUSTER)),
                  settings.REDIS_PREFIX, settings.ttl, settings.RATE_LIMIT)
    keys = Keys(settings.DATA_KEY)
    spool = Spool(settings.SPOOL_DIR or os.path.join(app.instance_path, "spool"), keys.cipher(b"spool"),
                  settings.SPOOL_MAX_BYTES, max_age=settings.DEDUPE_TTL)
    conversations = Conversations(lambda: app.extensions["script"], store, keys, spool=spool)
    app.extensions["conversations"] = conversations
    revive = None if settings.REDIS_URL else (lambda: revive_embedded(app.instance_path))
    app.extensions["intake"] = Intake(conversations, spool, revive=revive)
    if settings.TRUSTED_PROXIES:
        hops = settings.TRUSTED_PROXIES
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops,
                                x_prefix=hops)

    app.register_blueprint(webhook.bp)
    app.register_blueprint(health.bp)
    if not settings.production:
        app.register_blueprint(devchat.bp)
    cli.register(app)

    @app.errorhandler(413)
    def too_large(_error):
        """Refuse an oversized request with a clear message."""
        return jsonify(error="request body too large"), 413

    return app
