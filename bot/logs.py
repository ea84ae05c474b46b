"""Logs as one JSON object a line, with the request id; never a number or a message body."""
import contextvars
import datetime
import json
import logging
import uuid

REQUEST_ID = contextvars.ContextVar("request_id", default=None)
# LogRecord attributes that are not "extra" fields given by our code.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}
# Only these extra fields are written: a log call cannot leak a field nobody reviewed.
ALLOWED_EXTRA = frozenset({"texter", "node", "lang", "channel", "latency_ms", "attempts", "status", "path",
                           "method", "event", "count", "error"})


class JsonFormatter(logging.Formatter):
    """Format a record as one line of JSON."""

    def format(self, record):
        """Return the record as JSON with time, level, logger, message, request id and allowed extras."""
        data = {"ts": datetime.datetime.fromtimestamp(record.created, datetime.timezone.utc).isoformat(
                    timespec="milliseconds"),
                "level": record.levelname, "logger": record.name, "msg": record.getMessage()}
        request_id = REQUEST_ID.get()
        if request_id:
            data["request_id"] = request_id
        for key, value in vars(record).items():
            if key not in _STANDARD and key in ALLOWED_EXTRA:
                data[key] = value
        if record.exc_info:
            data["error"] = f"{record.exc_info[0].__name__}"  # the type only: messages may quote input
        return json.dumps(data, ensure_ascii=False, default=str)


def configure(level="INFO"):
    """Send the root logger's output to stderr as JSON lines (once per process)."""
    root = logging.getLogger()
    if any(isinstance(h.formatter, JsonFormatter) for h in root.handlers):
        return
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter())
    root.handlers[:] = [handler]
    root.setLevel(level)


def new_request_id(incoming=None):
    """Set and return the current request's id (Twilio's idempotency token when it is sane)."""
    value = incoming if incoming and len(incoming) <= 64 and incoming.isprintable() else uuid.uuid4().hex[:16]
    REQUEST_ID.set(value)
    return value
