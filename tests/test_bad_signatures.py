"""Issue 23: requests with a bad signature are all counted in a metric, but logged at most once a minute,
with the count since the last line."""
import logging

import pytest

from bot import metrics
from bot.logs import Throttle
from bot.twilio import webhook


class Clock:
    """A clock the test moves by hand."""

    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


@pytest.fixture
def clock(monkeypatch):
    """Give the webhook a fresh throttle on a hand-moved clock."""
    clock = Clock()
    monkeypatch.setattr(webhook, "BAD_SIGNATURE_LINES", Throttle(60.0, clock))
    return clock


def test_bad_signatures_are_counted_and_their_lines_throttled(texter, clock, caplog):
    """200 forged requests in a minute: one line; a minute later the next line says how many."""
    before = metrics.BAD_SIGNATURES._value.get()
    caplog.set_level(logging.WARNING, logger="bot.twilio.webhook")
    for i in range(200):
        clock.now += 0.25
        response = texter.post(texter.form("hola"), signature="forged" if i % 2 else "")
        assert response.status_code in (401, 403)
    lines = [r for r in caplog.records if r.getMessage() == "webhook signatures rejected"]
    assert [r.count for r in lines] == [1]
    assert metrics.BAD_SIGNATURES._value.get() - before == 200
    clock.now += 60
    texter.post(texter.form("hola"), signature="forged")
    lines = [r for r in caplog.records if r.getMessage() == "webhook signatures rejected"]
    assert [r.count for r in lines] == [1, 200]
    assert texter.send("hola")  # a signed request is answered as ever, and logs no refusal
    assert len([r for r in caplog.records if r.getMessage() == "webhook signatures rejected"]) == 2
