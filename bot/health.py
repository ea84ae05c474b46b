"""Health check for load balancers and uptime monitors."""
import redis
from flask import Blueprint, current_app, jsonify

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    """Answer 200 when Redis answers, 503 when it does not."""
    store = current_app.extensions["conversations"].store
    try:
        store.ping()
    except (redis.RedisError, OSError):
        return jsonify(status="unavailable", redis=False), 503
    return jsonify(status="ok", redis=True)
