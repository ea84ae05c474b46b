"""Health check for load balancers and uptime monitors: ok, degraded (with the reason) or unavailable."""
import redis
from flask import Blueprint, current_app, jsonify

from bot.storage.connection import fault

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    """Answer whether Redis takes writes (a write probe, not a PING) and how many messages are spooled.

    200 "ok"; 200 "degraded" while spooled messages wait to be applied; 503 "degraded" when Redis
    answers but refuses writes (out of memory, a read-only replica); 503 "unavailable" when it does not
    answer. Texters get an answer in every case (the safe message while Redis cannot take writes).
    """
    intake = current_app.extensions["intake"]
    spooled = intake.spool.count()
    try:
        intake.conversations.store.probe()
    except (redis.RedisError, OSError) as exc:
        refused = isinstance(exc, redis.ResponseError)
        return jsonify(status="degraded" if refused else "unavailable", reason=fault(exc), redis=refused,
                       spooled=spooled), 503
    if spooled:
        return jsonify(status="degraded", reason=f"{spooled} spooled messages wait to be applied", redis=True,
                       spooled=spooled)
    return jsonify(status="ok", redis=True, spooled=0)
