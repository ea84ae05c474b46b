"""Every log line of a full run, at every level and including errors, holds no number and no body."""
import json
import logging
import os

import pytest

from bot import create_app, logs
from conftest import OPEN_HOURS, PERSON, Texter
from servers import wait_until

NUMBERS = ["+15055550188", "+525512340099", "+50255517777"]
SECRETS = ["zanahoria-secreta", "ornitorrinco", "kiwi-durante-la-caida", "mango-sin-redis", "pepino-roto",
           "frijol-lleno"]


class Capture(logging.Handler):
    """Keep every record, formatted with its traceback and with all of its attributes."""

    def __init__(self):
        super().__init__(logging.DEBUG)
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))
        self.lines, self.levels = [], set()

    def emit(self, record):
        self.levels.add(record.levelname)
        self.lines.append(self.format(record) + " " + repr(record.__dict__))


@pytest.fixture
def capture():
    """Capture every logger at DEBUG for the length of the test."""
    handler, root, bot = Capture(), logging.getLogger(), logging.getLogger("bot")
    levels = root.level, bot.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    bot.setLevel(logging.DEBUG)
    yield handler
    root.removeHandler(handler)
    root.setLevel(levels[0])
    bot.setLevel(levels[1])


def _variants(number):
    digits = number.lstrip("+")
    return {number, digits, digits[-10:], digits[-7:]}


def test_a_full_run_logs_no_number_and_no_body(settings, own_redis, capture):
    """Conversations in three languages and two channels, a handoff, STOP, a deletion, a flood,
    bad requests, Redis killed and restarted, a full spool and a bug: then search every line."""
    app = create_app({**settings, "REDIS_URL": own_redis.url, "RATE_LIMIT": "12",
                      "SPOOL_MAX_BYTES": str(64 * 1024)})
    app.extensions["conversations"].clock = lambda: OPEN_HOURS
    es, quc, en = (Texter(app.test_client(), n, c) for n, c in zip(NUMBERS, ("sms", "whatsapp", "sms")))
    for body in ("hola", "1", "1", "2", "NC", SECRETS[1], "menu", PERSON, SECRETS[0]):
        es.send(body)
    for body in ("hola", "2", "3", "Guatemala", "menu"):
        quc.send(body)
    for body in ("hi", "3", "2", "more", "STOP", SECRETS[4], "START"):
        en.send(body)
    for _ in range(12):
        en.send("menu")                                              # past the rate limit
    assert en.post({"From": NUMBERS[2], "Body": SECRETS[4]}).status_code == 400
    assert en.post(en.form(SECRETS[4]), signature="Zm9yZ2Vk").status_code == 403
    assert en.post(en.form("x" * 70000)).status_code == 413
    status = {"MessageSid": "SM" + "4" * 32, "MessageStatus": "delivered", "To": NUMBERS[0]}
    assert es.post(status, path="/twilio/status").status_code == 204

    own_redis.kill()                                                 # errors: Redis gone
    es.send(SECRETS[2])
    quc.send("x" * 20000 + SECRETS[5])
    quc.send("y" * 20000 + SECRETS[5])
    quc.send("z" * 20000 + SECRETS[5])                              # the spool is full by now
    assert es.post(status, path="/twilio/status").status_code == 204
    assert app.test_client().get("/healthz").status_code == 503
    own_redis.restart()
    wait_until(lambda: app.test_client().get("/healthz").status_code == 200, what="recovery")
    wait_until(lambda: app.extensions["intake"].spool.count() == 0, what="the spool to drain")

    spool = app.extensions["intake"].spool                           # an entry DATA_KEY cannot read
    junk = NUMBERS[0].encode() + SECRETS[3].encode()
    os.makedirs(os.path.join(spool.folder, "t", "A" * 16))
    with open(os.path.join(spool.folder, "t", "A" * 16, f"{1:020d}.1.1.{len(junk)}.msg"), "wb") as fh:
        fh.write(junk)
    spool.recount()

    def drained():
        app.extensions["intake"].drain()  # returns at once while the background drainer holds the lock
        return spool.count() == 0
    wait_until(drained, what="the unreadable entry to be read and set aside")

    es.send("BORRAR")
    es.send("SI")

    def broken():
        raise RuntimeError(f"a bug that quotes {NUMBERS[1]} and {SECRETS[3]}")
    app.extensions["conversations"].get_script = broken              # a bug: the webhook still answers
    assert quc.send(SECRETS[3])
    app.extensions["intake"].stop()

    assert {"INFO", "WARNING", "ERROR"} <= capture.levels, capture.levels
    text = "\n".join(capture.lines)
    assert "RuntimeError" in text and "spool full" in text and "redis failed" in text
    assert "texter data deleted" in text and "unreadable spool entry" in text
    for number in NUMBERS:
        for variant in _variants(number):
            assert variant not in text, f"{variant} in the logs"
    for secret in SECRETS:
        assert secret not in text, f"{secret} in the logs"


def _formatted(formatter, message, **extra):
    record = logging.LogRecord("werkzeug", logging.INFO, __file__, 1, message, (), None)
    for key, value in extra.items():
        setattr(record, key, value)
    return formatter.format(record)


def test_development_lines_are_readable_and_production_lines_are_json_without_colour_codes():
    """The dev server's coloured banner becomes plain words in both formats; JSON holds no escape."""
    from bot.logs import JsonFormatter, TextFormatter
    banner = "\x1b[31m\x1b[1mWARNING: This is a development server.\x1b[0m\n * Running on http://127.0.0.1:5000"
    text = _formatted(TextFormatter(), banner, texter="T-ABC", password="never")
    assert "\x1b" not in text and "Running on http://127.0.0.1:5000" in text and "INFO" in text
    assert "texter=T-ABC" in text and "never" not in text      # only reviewed extra fields
    line = _formatted(JsonFormatter(), banner)
    assert "\\u001b" not in line and "\x1b" not in line
    assert json.loads(line)["msg"].startswith("WARNING: This is a development server.")


@pytest.mark.parametrize("env, fmt, expected", [
    ("development", "", "text"), ("production", "", "json"), ("development", "json", "json"),
    ("production", "text", "text")])
def test_the_log_format_follows_app_env_unless_set(env, fmt, expected):
    """JSON lines in production and readable lines in development, unless LOG_FORMAT says otherwise."""
    from bot.config import load_settings
    overrides = {"APP_ENV": env, "LOG_FORMAT": fmt, "SECRET_KEY": "k" * 20 + "abcdefghijklmn",
                 "DATA_KEY": "d" * 20 + "opqrstuvwxyz0123", "REDIS_URL": "redis://127.0.0.1:6379/0"}
    assert load_settings(overrides=overrides, environ={}).log_format == expected


def test_json_lines_are_what_json_dumps_writes():
    """The kept encoder writes what json.dumps(data, ensure_ascii=False, default=str) writes, for every
    kind of value a log line may carry."""
    import datetime
    values = ["", "ñ 🙏 \u202e \x00 \"quoted\" \\", 0, -7, 2 ** 70, 1.5, 0.1 + 0.2, float("nan"), float("inf"),
              -float("inf"), True, False, None, ValueError("x"), datetime.date(2026, 12, 7), ["a", 1], {"k": [None]}]
    for value in values:
        data = {"ts": "2026-12-07T00:00:00.000+00:00", "msg": "m", "field": value, "ñ": "é"}
        assert logs.as_json(data) == json.dumps(data, ensure_ascii=False, default=str), value
