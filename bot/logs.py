"""Logs: one JSON object a line in production, readable lines in development; never a number or a body.

Both formats carry the time, level, logger, message, request id and the allowed extra fields, with
terminal colour codes (werkzeug colours its development-server banner) taken out."""
import contextvars
import datetime
import json
import logging
import os
import re
import threading
import time

REQUEST_ID = contextvars.ContextVar("request_id", default=None)
# Only these extra fields are written: a log call cannot leak a field nobody reviewed.
ALLOWED_EXTRA = frozenset({"texter", "node", "lang", "channel", "latency_ms", "attempts", "status", "path",
                           "method", "event", "count", "error", "alert"})


_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
FORMATS = ("json", "text")


def fields(record):
    """Return a record's fields: time, level, logger, message, request id, allowed extras, error type."""
    message = record.getMessage()
    data = {"ts": _utc(record.created), "level": record.levelname, "logger": record.name,
            "msg": _ANSI.sub("", message) if "\x1b" in message else message}
    request_id = REQUEST_ID.get()
    if request_id:
        data["request_id"] = request_id
    for key, value in vars(record).items():
        if key in ALLOWED_EXTRA:  # no attribute of a LogRecord has an allowed name (tests/test_logs.py)
            data[key] = value
    if record.exc_info:
        data["error"] = f"{record.exc_info[0].__name__}"  # the type only: messages may quote input
    return data


_SECOND = [None, ""]  # the last second written, and how (lines come many a second)


def _utc(created):
    """Return epoch seconds as ISO 8601 in UTC to the millisecond ("2026-11-24T15:00:00.123+00:00")."""
    seconds = int(created)
    micros = round((created - seconds) * 1e6)  # as datetime rounds it, then cut to milliseconds
    if micros >= 1_000_000:
        seconds, micros = seconds + 1, 0
    last, written = _SECOND
    if last != seconds:
        written = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds))
        _SECOND[:] = [seconds, written]
    return f"{written}.{micros // 1000:03d}+00:00"


_JSON = json.JSONEncoder(ensure_ascii=False, default=str)
# json.dumps(data, ensure_ascii=False, default=str) makes a C encoder for each call; one is kept (no
# check for circular data, which a log line's fields never are: tests/test_logs.py compares both).
_C_ENCODER = getattr(json.encoder, "c_make_encoder", None)
_ENCODE = _C_ENCODER(None, _JSON.default, json.encoder.encode_basestring, None, _JSON.key_separator,
                     _JSON.item_separator, False, False, True) if _C_ENCODER else None


def as_json(data):
    """Return a log line's fields as json.dumps(data, ensure_ascii=False, default=str) writes them."""
    return "".join(_ENCODE(data, 0)) if _ENCODE is not None else _JSON.encode(data)


class JsonFormatter(logging.Formatter):
    """Format a record as one line of JSON (production)."""

    def format(self, record):
        """Return the record's fields as JSON."""
        return as_json(fields(record))


class TextFormatter(logging.Formatter):
    """Format a record as one readable line (development): local time, level, message, then fields."""

    def format(self, record):
        """Return "12:00:01 INFO    message  [logger] key=value ..."."""
        data = fields(record)
        when = datetime.datetime.fromtimestamp(record.created).strftime("%H:%M:%S")
        rest = " ".join(f"{k}={v}" for k, v in data.items() if k not in ("ts", "level", "logger", "msg"))
        return f"{when} {data['level']:<7} {data['msg']}  [{data['logger']}]" + (f" {rest}" if rest else "")


_CALLER = logging._srcfile  # the file logging skips when it looks for a record's caller


def configure(level="INFO", fmt="json"):
    """Send the root logger's output to stderr in fmt ("json" or "text"): one handler of ours per process."""
    root = logging.getLogger()
    ours = [h for h in root.handlers if getattr(h, "helpline", False)]
    wanted = JsonFormatter if fmt == "json" else TextFormatter
    root.setLevel(level)
    # JSON lines (production) name no caller, thread or process: logging need not look them up for each
    # record (the logging HOWTO's "Optimization"); readable lines keep them (pytest shows a caller).
    production = fmt == "json"
    logging._srcfile = None if production else _CALLER
    logging.logThreads = logging.logMultiprocessing = not production
    if ours and all(type(h.formatter) is wanted for h in ours):
        return
    handler = logging.StreamHandler()
    handler.helpline = True
    handler.setFormatter(wanted())
    root.handlers[:] = [h for h in root.handlers if not getattr(h, "helpline", False)] + [handler]


def new_request_id(incoming=None):
    """Set and return the current request's id (Twilio's idempotency token when it is sane)."""
    value = incoming if incoming and len(incoming) <= 64 and incoming.isprintable() else os.urandom(8).hex()
    REQUEST_ID.set(value)
    return value


class Throttle:
    """At most one log line per interval for a repeated event, carrying how many happened since the last.

    hit() counts one event and returns the count to log now (the events since the last line, this one
    included), or 0 while the interval since the last line has not passed. One per process.
    """

    def __init__(self, interval=60.0, clock=time.monotonic):
        self.interval, self.clock = interval, clock
        self._last, self._count = None, 0
        self._lock = threading.Lock()

    def hit(self):
        """Count one event; return how many to report now, or 0 to stay quiet."""
        with self._lock:
            self._count += 1
            now = self.clock()
            if self._last is not None and now - self._last < self.interval:
                return 0
            count, self._count, self._last = self._count, 0, now
            return count
