"""Health check for load balancers and uptime monitors."""
import redis
from flask import Blueprint, current_app, jsonify

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    """Answer 200 when Redis answers, 503 when it does not; say how many messages wait in the spool."""
    intake = current_app.extensions["intake"]
    spooled = intake.spool.count()
    try:
        intake.conversations.store.ping()
    except (redis.RedisError, OSError):
        return jsonify(status="unavailable", redis=False, spooled=spooled), 503
    return jsonify(status="ok", redis=True, spooled=spooled)
