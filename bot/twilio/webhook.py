"""Twilio's webhooks: inbound messages (SMS and WhatsApp) and delivery status callbacks."""
import base64
import hmac
import logging
import time
import traceback
from urllib.parse import quote, urlparse

import redis
from flask import Blueprint, Response, current_app, g, request
from twilio.request_validator import HMAC_SHA1, RequestValidator, add_port, get_signature_algorithm, remove_port
from werkzeug.wsgi import get_host

from bot import metrics
from bot.logs import Throttle
from bot.conversation.engine import SMS, WHATSAPP, Inbound
from bot.twilio import media as twilio_media
from bot.twilio import ids
from bot.twilio.intake import Unavailable
from bot.storage.privacy import short_name

bp = Blueprint("twilio", __name__, url_prefix="/twilio")
log = logging.getLogger(__name__)
# A client sending forged requests must not fill the log: one line a minute at most, with the count
# (every refusal is counted in helpline_webhook_bad_signatures_total).
BAD_SIGNATURE_LINES = Throttle(60.0)

# Statuses Twilio documents for status callbacks; anything else is acknowledged and ignored.
KNOWN_STATUSES = frozenset({"queued", "sending", "sent", "failed", "delivered", "undelivered", "receiving",
                            "received", "accepted", "scheduled", "read", "partially_delivered", "canceled"})


def _plain(text, status):
    """Return a short plain-text response."""
    return Response(text + "\n", status=status, mimetype="text/plain")


XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>'


TWIML_TYPE = "application/xml; charset=utf-8"  # what Response(..., mimetype="application/xml") sends


def twiml(messages):
    """Return a TwiML response with one <Message> per text (none for an empty list)."""
    return Response(twiml_text(messages), mimetype="application/xml")


def twiml_text(messages):
    """Return the TwiML of a reply with one <Message> per text (none for an empty list).

    Written directly (a <Response> of <Message>s), escaped as twilio's MessagingResponse escapes text,
    and byte for byte what it writes (tests/test_webhook_lean.py compares them)."""
    if not messages:
        return XML_DECLARATION + "<Response />"
    parts = [XML_DECLARATION, "<Response>"]
    for text in messages:
        parts.append(f"<Message>{_escaped(text)}</Message>" if text else "<Message />")
    parts.append("</Response>")
    return "".join(parts)


def _escaped(text):
    """Return text escaped for an XML element, as ElementTree escapes it (&, < and >)."""
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    return text


@bp.before_request
def check_signature():
    """Refuse any request that Twilio did not sign with our auth token."""
    return signature_refusal(current_app, request.form, request.environ)


def signature_refusal(app, form, environ):
    """Return the refusal (401, 403, or 503 without TWILIO_AUTH_TOKEN) of a request Twilio did not sign
    with our auth token, or None; form: the request's form (bot/twilio/direct.py calls this too)."""
    settings = app.config["SETTINGS"]
    if not settings.TWILIO_AUTH_TOKEN:
        return _plain("TWILIO_AUTH_TOKEN is not set: this webhook refuses every request until it is.", 503)
    signature = environ.get("HTTP_X_TWILIO_SIGNATURE")
    if not signature:
        _refused_signature(environ)
        return _plain("Missing X-Twilio-Signature.", 401)
    url = signed_url(settings.PUBLIC_BASE_URL, environ)
    algorithm = get_signature_algorithm(environ.get("HTTP_X_TWILIO_WEBHOOKS_SIGNATURE_SETTINGS"))
    if not signature_valid(settings.TWILIO_AUTH_TOKEN, url, form, signature, algorithm):
        _refused_signature(environ)
        return _plain("Invalid X-Twilio-Signature.", 403)
    return None


_VALIDATORS = {}  # auth token -> twilio's RequestValidator (one per process), for what it alone judges
_DIGESTS = {HMAC_SHA1: "sha1", "HMAC_SHA256": "sha256"}  # the algorithms twilio's validator knows


def signature_valid(token, url, form, signature, algorithm=HMAC_SHA1):
    """Return what twilio's RequestValidator.validate returns, computing one HMAC where it computes two.

    The validator accepts the signature of the URL with or without its port (Twilio signs the URL as it
    was configured) and computes both every time; here the URL as the request came is tried first, and
    the other form only when that fails. The signature is computed as the validator's compute_signature
    computes it (the URL, then each field's name and value, names sorted, a name's values sorted once
    each; HMAC of the token, base64), in one call to the C HMAC (tests/test_webhook_lean.py compares
    both); an algorithm it does not know is refused by the validator itself, with its warning."""
    digest = _DIGESTS.get((algorithm or HMAC_SHA1).upper())
    if digest is None:
        validator = _VALIDATORS.get(token)
        if validator is None:
            validator = _VALIDATORS[token] = RequestValidator(token)
        return validator.validate(url, form, signature, algorithm)  # refused, with twilio's own warning
    expected = signature.encode("utf-8", "surrogatepass")
    fields = "".join([name + value for name, values in sorted(form.lists()) for value in sorted(set(values))])
    key = token.encode("utf-8")
    if hmac.compare_digest(_signature(key, url + fields, digest), expected):
        return True
    parsed = urlparse(url)
    other = remove_port(parsed)
    other = other if other != url else add_port(parsed)
    return hmac.compare_digest(_signature(key, other + fields, digest), expected)


def _signature(key, payload, digest):
    """Return the base64 HMAC of a signed payload, as bytes (RequestValidator.compute_signature's value)."""
    keyed = _KEYED.get((key, digest))
    if keyed is None:  # the key's HMAC state made once (OpenSSL looks the digest up by name each time)
        keyed = _KEYED[(key, digest)] = hmac.new(key, digestmod=digest)
    mac = keyed.copy()
    mac.update(payload.encode("utf-8"))
    return base64.b64encode(mac.digest())


_KEYED = {}  # (token, digest name) -> an HMAC keyed with it, copied for each request


def _refused_signature(environ):
    """Count a refused signature; log it, with the count since the last line, at most once a minute."""
    metrics.BAD_SIGNATURES.inc()
    count = BAD_SIGNATURE_LINES.hit()
    if count:
        log.warning("webhook signatures rejected", extra={"path": _path(environ), "count": count})


def _path(environ):
    """Return the request's path, as Flask's request.path gives it."""
    return "/" + _wsgi_decoding_dance(environ.get("PATH_INFO") or "").lstrip("/")


def signed_url(public_base_url="", environ=None):
    """Return the URL Twilio signed: the path and query exactly as sent (never decoded and rebuilt),
    on PUBLIC_BASE_URL when set, else on the scheme and host the request (or a trusted proxy) gives.
    environ: the request's WSGI environ (the current request's by default)."""
    environ = request.environ if environ is None else environ
    root_path = _wsgi_decoding_dance(environ.get("SCRIPT_NAME") or "").rstrip("/")
    raw = environ.get("RAW_URI") or environ.get("REQUEST_URI")
    if raw and raw.startswith(("http://", "https://")):  # absolute-form request line: path and query only
        raw = "/" + raw.split("://", 1)[1].partition("/")[2]
    if not raw:  # a server that keeps no raw URI: the path re-quoted, the query string as it came
        raw = quote(root_path + _path(environ), safe="/!$&'()*+,;=:@~%")
        if environ.get("QUERY_STRING"):
            raw += "?" + environ["QUERY_STRING"]
    if root_path and not raw.startswith(root_path):
        raw = root_path + raw  # a proxy's X-Forwarded-Prefix, stripped before it reached us
    if public_base_url:
        return public_base_url.rstrip("/") + raw
    return f"{environ.get('wsgi.url_scheme', 'http')}://{get_host(environ)}{raw}"


def _wsgi_decoding_dance(value):
    """Return a WSGI string (latin-1 code points) as text, as werkzeug's request reads it."""
    return value.encode("latin1").decode(errors="replace")


def _sid(form):
    """Return the MessageSid of a request (SmsSid in older callbacks) if in Twilio's format, else None."""
    return ids.message_sid(form.get("MessageSid") or form.get("SmsSid"))


@bp.post("/messages")
def messages():
    """Answer an inbound SMS or WhatsApp message with TwiML."""
    return message_response(current_app, request.form, g.started)


def message_response(app, form, started):
    """Return the TwiML answer to an inbound message whose signature was checked; started:
    time.perf_counter() when the request came in."""
    answer = message_replies(app, form, started)
    return twiml(answer) if isinstance(answer, list) else answer


def message_replies(app, form, started):
    """Return the replies (a list) to an inbound message whose signature was checked, or the Response
    refusing a request that is not one (bot/twilio/direct.py answers with this too)."""
    sid, sender = _sid(form), ids.address(form.get("From"))
    if not sid:
        return _plain("Bad request: MessageSid is required, as Twilio writes it (SM or MM and 32 hex digits).",
                      400)
    if not sender:
        return _plain("Bad request: From is required: a phone number (+15551234567) or whatsapp:+15551234567.",
                      400)
    try:
        media = max(0, min(int(form.get("NumMedia") or 0), 10))
    except ValueError:
        media = 0
    channel = WHATSAPP if sender.lower().startswith("whatsapp:") else SMS
    # Only these fields are read: location fields (FromCity, FromZip...) and ProfileName never are.
    inbound = Inbound(text=form.get("Body") or "", channel=channel, media=media,
                      opt_out_type=(form.get("OptOutType") or None), attachments=twilio_media.attachments(form))
    conversations = app.extensions["conversations"]
    h = conversations.keys.pseudonym(sender)  # once a message: the intake and the conversation get it
    try:
        replies = app.extensions["intake"].receive(sender, sid, inbound, h=h)
    except Unavailable:
        metrics.REDIS_ERRORS.inc()
        replies = [unavailable_text(app.extensions["live_script"].current)]
    except Exception as exc:  # a bug still gets the texter the safe message, never a 500
        # The type and the stack only: an exception's message may quote a body.
        log.error("cannot answer: %s\n%s", type(exc).__name__, "".join(traceback.format_tb(exc.__traceback__)))
        replies = [unavailable_text(app.extensions["live_script"].current)]
    latency = time.perf_counter() - started
    metrics.labelled(metrics.LATENCY, "messages").observe(latency)
    # No texter on the line of a message that deleted them: it shares its request id with "texter data
    # deleted", and the short name would tie the two together.
    named = {} if getattr(replies, "forgotten", False) else {"texter": short_name(h)}
    log.info("message answered", extra={**named, "channel": channel, "count": len(replies),
                                        "node": getattr(replies, "node", None),
                                        "lang": getattr(replies, "lang", None),
                                        "latency_ms": round(latency * 1000, 2)})
    return replies


def unavailable_text(script):
    """Return the safe message, in every language, sent when the conversation cannot be reached."""
    text_id = script.engine_text("unavailable")
    texts = []
    for lang in script.languages:
        text = script.text(text_id, lang)
        if text not in texts:
            texts.append(text)
    return "\n\n".join(texts)


@bp.post("/status")
def status():
    """Record a delivery status for a message a volunteer sent; acknowledge everything else."""
    form = request.form
    sid = _sid(form)
    value = (form.get("MessageStatus") or form.get("SmsStatus") or "").strip().lower()
    if not sid or not value:
        return _plain("Bad request: MessageSid and MessageStatus are required.", 400)
    if value not in KNOWN_STATUSES:
        log.warning("unknown message status ignored", extra={"status": value[:32]})
        return Response(status=204)
    recipient = form.get("To") or ""
    if recipient and not ids.address(recipient):
        return _plain("Bad request: To must be a phone number or a whatsapp: number.", 400)
    if "alert" in request.args:  # an alert's message (issue 25): counted per alert, nothing about the texter
        return _alert_status(request.args["alert"], sid, value)
    intake = current_app.extensions["intake"]
    if recipient and not intake.down.is_set():
        conversations = intake.conversations
        try:
            conversations.store.record_status(conversations.keys.pseudonym(recipient), sid, value)
        except (redis.RedisError, OSError) as exc:  # a lost delivery status is not worth a retry storm
            log.warning("delivery status not recorded: %s", type(exc).__name__)
    metrics.LATENCY.labels("status").observe(time.perf_counter() - g.started)
    return Response(status=204)


def _alert_status(alert_id, sid, value):
    """Count a delivery status of an alert's message (the status callback names the alert in its URL)."""
    if len(alert_id) != 16 or any(c not in "0123456789abcdef" for c in alert_id):
        return _plain("Bad request: alert must be an alert's id (16 hexadecimal digits).", 400)
    if not current_app.extensions["intake"].down.is_set():
        try:
            current_app.extensions["conversations"].store.record_alert_status(alert_id, sid, value)
        except (redis.RedisError, OSError) as exc:
            log.warning("alert delivery status not recorded: %s", type(exc).__name__)
    metrics.LATENCY.labels("status").observe(time.perf_counter() - g.started)
    return Response(status=204)
