"""Twilio's inbound messages answered directly, in front of Flask's request machinery (issue 24).

Every texter's message is a POST of a small form to /twilio/messages. Flask would push a request and an
app context, run every page's hooks (CSRF, login, the proxy warning, the request's clock), route, parse
the form with werkzeug and build a response: a fifth of the work a message costs. Here such a request is
read once, its signature checked and its answer made by the same functions the blueprint uses
(bot/twilio/webhook.py: signature_refusal, message_replies, twiml_text), so the answers are the same. Anything else
(another path or method, another content type, a body that did not arrive whole, or a failure before the
answer) goes to Flask as it came, the body put back to be read again.
"""
import io
import logging
import time
from urllib.parse import unquote

from werkzeug.datastructures import ImmutableMultiDict

from bot import logs
from bot.twilio import webhook

PATH = "/twilio/messages"
FORM = "application/x-www-form-urlencoded"
QUOTED = "werkzeug.url_quote"  # werkzeug's error handler for escapes that are not UTF-8
log = logging.getLogger(__name__)


class DirectMessages:
    """WSGI middleware: answer POST /twilio/messages with a form body; pass everything else on."""

    def __init__(self, wsgi_app, app, max_body, before=None):
        """wsgi_app: the next WSGI app (Flask's); app: the Flask app (settings and services); max_body:
        larger bodies go to Flask (413); before: a check to run first on the environ (the proxy warning)."""
        self.wsgi_app, self.app, self.max_body, self.before = wsgi_app, app, max_body, before

    def __call__(self, environ, start_response):
        length = _mine(environ, self.max_body)
        if length is None:
            return self.wsgi_app(environ, start_response)
        body = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(body)  # Flask reads it again if it takes over
        if len(body) != length:
            return self.wsgi_app(environ, start_response)
        started = time.perf_counter()
        try:
            logs.new_request_id(environ.get("HTTP_I_TWILIO_IDEMPOTENCY_TOKEN"))
            if self.before is not None:
                self.before(environ)
            form = parse_form(body)
            response = webhook.signature_refusal(self.app, form, environ) or \
                webhook.message_replies(self.app, form, started)
            if isinstance(response, list):  # the replies: the TwiML as twiml()'s Response sends it
                answer = webhook.twiml_text(response).encode()
                response = None
        except Exception as exc:  # noqa: BLE001 - Flask answers as it would have (its error page)
            log.warning("webhook answered by Flask after an error: %s", type(exc).__name__)
            environ["wsgi.input"] = io.BytesIO(body)
            return self.wsgi_app(environ, start_response)
        if response is not None:
            return response(environ, start_response)
        start_response("200 OK", [("Content-Type", webhook.TWIML_TYPE), ("Content-Length", str(len(answer)))])
        return [answer]


def _mine(environ, max_body):
    """Return the body's length when the request is an inbound message this answers, else None."""
    if environ.get("REQUEST_METHOD") != "POST" or environ.get("PATH_INFO") != PATH or environ.get("SCRIPT_NAME"):
        return None
    if environ.get("CONTENT_TYPE", "").partition(";")[0].strip().lower() != FORM:
        return None
    if environ.get("HTTP_TRANSFER_ENCODING") or not (environ.get("RAW_URI") or environ.get("REQUEST_URI")):
        return None
    try:
        length = int(environ.get("CONTENT_LENGTH") or "")
    except ValueError:
        return None
    return length if 0 <= length <= max_body else None


def parse_form(body):
    """Return a form body as werkzeug parses it for request.form (nothing when it is not UTF-8).

    What parse_qsl(text, keep_blank_values=True, errors="werkzeug.url_quote") returns, without its
    layers around each field: a name or value is unquoted only when it holds "%" (tests/test_webhook_lean.py
    compares both on random bodies)."""
    try:
        items = []
        for pair in body.decode().split("&"):
            if not pair:
                continue
            name, _, value = pair.partition("=")
            if "+" in name:
                name = name.replace("+", " ")
            if "%" in name:
                name = unquote(name, errors=QUOTED)
            if "+" in value:
                value = value.replace("+", " ")
            if "%" in value:
                value = unquote(value, errors=QUOTED)
            items.append((name, value))
    except ValueError:  # werkzeug's parser is silent: a body it cannot read is an empty form
        items = []
    return ImmutableMultiDict(items)
