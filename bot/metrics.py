"""Prometheus metrics: counts by channel, language and node; latency; handoffs waiting. No per-texter labels.

Under gunicorn, set PROMETHEUS_MULTIPROC_DIR (the Procfile's config does) so every worker's counts are
summed at /metrics.
"""
import ipaddress
import os
import time

from flask import Blueprint, Response, abort, current_app, request
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest, multiprocess
from prometheus_client import CONTENT_TYPE_LATEST
from prometheus_client.core import GaugeMetricFamily

bp = Blueprint("metrics", __name__)

MESSAGES_IN = Counter("helpline_messages_in_total", "Inbound messages handled", ["channel", "lang"])
MESSAGES_OUT = Counter("helpline_messages_out_total", "Reply messages sent in TwiML", ["channel", "lang"])
REPLIES = Counter("helpline_replies_total", "Replies by the node that answered", ["node"])
BAD_SIGNATURES = Counter("helpline_webhook_bad_signatures_total",
                         "Webhook requests refused for a missing or wrong X-Twilio-Signature")
REDIS_ERRORS = Counter("helpline_redis_errors_total", "Requests that could not reach Redis")
LATENCY = Histogram("helpline_webhook_latency_seconds", "Time to answer a webhook", ["endpoint"],
                    buckets=(0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5))


class HandoffCollector:
    """Read the handoff queue at scrape time: how many wait, and the oldest wait."""

    def __init__(self, store):
        self.store = store

    def collect(self):
        """Yield the handoff gauges (nothing when Redis does not answer)."""
        try:
            waiting = self.store.waiting_since()
        except Exception:  # a scrape must never fail because Redis is down
            return
        now = time.time()
        count = GaugeMetricFamily("helpline_handoffs_waiting", "Conversations waiting for a person")
        count.add_metric([], len(waiting))
        oldest = GaugeMetricFamily("helpline_handoff_oldest_wait_seconds", "Longest current wait")
        oldest.add_metric([], max((now - t for t in waiting), default=0))
        yield count
        yield oldest


_CHILDREN = {}  # (metric, label values) -> the labelled child: labels() locks and checks on every call


def labelled(metric, *values):
    """Return metric.labels(*values), looked up once per process (the values are few: channels,
    languages, the script's nodes, endpoints)."""
    key = (metric, values)
    child = _CHILDREN.get(key)
    if child is None:
        child = _CHILDREN[key] = metric.labels(*values)
    return child


def record_message(channel, lang, node, replies):
    """Count one inbound message and its replies."""
    labelled(MESSAGES_IN, channel, lang or "none").inc()
    if replies:
        labelled(MESSAGES_OUT, channel, lang or "none").inc(len(replies))
    labelled(REPLIES, node or "none").inc()


def _registry(store):
    """Return the registry to expose: the multiprocess one under gunicorn, else the default."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = CollectorRegistry()
        for collector in (MESSAGES_IN, MESSAGES_OUT, REPLIES, REDIS_ERRORS, LATENCY):
            registry.register(collector)
    registry.register(HandoffCollector(store))
    return registry


@bp.get("/metrics")
def metrics():
    """Expose the metrics: with METRICS_TOKEN as a bearer token, or without one to this machine only."""
    token = current_app.config["SETTINGS"].METRICS_TOKEN
    if token:
        if request.headers.get("Authorization", "") != f"Bearer {token}":
            abort(401)
    elif not ipaddress.ip_address(request.remote_addr or "0.0.0.0").is_loopback:
        abort(403)
    store = current_app.extensions["conversations"].store
    return Response(generate_latest(_registry(store)), mimetype=CONTENT_TYPE_LATEST)

