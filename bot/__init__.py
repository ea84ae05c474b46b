"""Helpline bot: Twilio webhooks for SMS and WhatsApp, conversations in Redis, three languages."""
import logging
import os

import redis
from flask import Flask, jsonify
from werkzeug.middleware.proxy_fix import ProxyFix

from . import cli, devchat, health, webhook
from .bundle import fingerprint, read_bundle
from .checks import check_script
from .config import ConfigError, load_settings
from .conversation import Conversations
from .intake import Intake
from .livescript import LiveScript
from .privacy import Keys
from .redis_conn import connect, embedded_url, revive_embedded
from .script import build_script
from .spool import Spool
from .store import Store, VersionStore
from .versions import ScriptService

DEFAULT_SCRIPT_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "locales")


def create_app(test_config=None):
    """Create the app: settings, Redis, script, blueprints and CLI commands."""
    app = Flask(__name__, instance_relative_config=True)
    settings = load_settings(overrides=test_config, instance_path=app.instance_path)
    app.config.update(SECRET_KEY=settings.SECRET_KEY, MAX_CONTENT_LENGTH=settings.MAX_BODY_BYTES,
                      SETTINGS=settings)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")

    shipped = read_bundle(settings.SCRIPT_DIR or DEFAULT_SCRIPT_DIR)
    script = build_script(shipped)
    errors = [p for p in check_script(script) if p.level == "error"]
    if errors:
        raise ConfigError("the script has errors:\n" + "\n".join(str(p) for p in errors))

    url = settings.REDIS_URL or embedded_url(app.instance_path)
    client = connect(url, settings.REDIS_TIMEOUT, cluster=bool(settings.REDIS_CLUSTER))
    scripts = ScriptService(VersionStore(client, settings.REDIS_PREFIX), shipped)
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
    conversations = Conversations(live.get, store, keys, spool=spool)
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
