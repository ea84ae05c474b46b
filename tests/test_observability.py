"""Metrics in Prometheus format and JSON log lines: useful figures, nothing about any one person."""
import io
import json
import logging
import re

from prometheus_client.parser import text_string_to_metric_families

from bot.logs import JsonFormatter
from conftest import PERSON, Texter


def _samples(text):
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def test_metrics_count_messages_nodes_and_handoffs(app):
    """After a conversation, /metrics shows its messages by channel and language, nodes and the handoff."""
    texter = Texter(app.test_client(), "+15055550161")
    before = _samples(app.test_client().get("/metrics").get_data(as_text=True))
    for body in ("hola", "1", PERSON):
        texter.send(body)
    response = app.test_client().get("/metrics")
    assert response.status_code == 200
    after = _samples(response.get_data(as_text=True))

    def delta(name, **labels):
        key = (name, tuple(sorted(labels.items())))
        return after.get(key, 0) - before.get(key, 0)

    assert delta("helpline_messages_in_total", channel="sms", lang="es") == 2
    assert delta("helpline_messages_in_total", channel="sms", lang="none") == 1
    assert delta("helpline_replies_total", node="person") == 1
    assert after[("helpline_handoffs_waiting", ())] >= 1
    assert delta("helpline_webhook_latency_seconds_count", endpoint="messages") == 3
    labels = {v for (_, pairs) in after for _, v in pairs}
    assert not any(re.search(r"\d{7,}|T-[A-Z0-9]{6}", v) for v in labels)


def test_metrics_access(app, settings):
    """Without METRICS_TOKEN only this machine may read /metrics; with it, only the bearer."""
    client = app.test_client()
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "203.0.113.9"}).status_code == 403
    from bot import create_app
    guarded = create_app({**settings, "METRICS_TOKEN": "m" * 40}).test_client()
    assert guarded.get("/metrics").status_code == 401
    assert guarded.get("/metrics", headers={"Authorization": "Bearer " + "m" * 40}).status_code == 200


def test_log_lines_are_json_with_request_id_pseudonym_node_and_latency(app):
    """Each webhook produces JSON lines sharing a request id, naming the texter by pseudonym only."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        texter = Texter(app.test_client(), "+15055550162")
        for body in ("hola", "1", "secreto 5055550162"):
            texter.send(body)
    finally:
        root.removeHandler(handler)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    answered = [l for l in lines if l["msg"] == "message answered"]
    assert len(answered) == 3
    assert all(l["texter"].startswith("T-") and l["request_id"] for l in answered)
    assert [l["node"] for l in answered] == ["language", "main", "main"]
    assert [l["lang"] for l in answered] == [None, "es", "es"]
    assert all(isinstance(l["latency_ms"], float) for l in answered)
    assert len({l["request_id"] for l in answered}) == 3
    assert "5055550162" not in stream.getvalue() and "secreto" not in stream.getvalue()
