"""Sending outside a webhook reply: Twilio's REST API, or a local outbox when Twilio is not set up.

One interface, send(to, body=None, content_sid=None, media_url=None) -> Sent, for volunteers' replies and
voice notes (media_url: a file Twilio fetches), closing messages and on-call notifications. Twilio's answers 429 and 5xx are retried with backoff, at most
RETRIES times; a timeout is never retried, because Twilio may have sent the message already.
"""
import json
import logging
import random
import re
import time
import uuid
from dataclasses import dataclass

import requests
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

log = logging.getLogger(__name__)
# The twilio client logs every request's URL and headers at INFO: useful when debugging, noise otherwise.
_http_log = logging.getLogger(__name__ + ".http")
_http_log.setLevel(logging.WARNING)
RETRIES = 3
BACKOFF = (0.5, 1.0, 2.0)
OPTED_OUT, WINDOW_CLOSED = 21610, 63016
_ERROR_KINDS = {OPTED_OUT: "opted_out", WINDOW_CLOSED: "window_closed"}
_LONG_DIGITS = re.compile(r"\+?\d[\d\s().-]{5,}\d")


@dataclass(frozen=True)
class Sent:
    """The outcome of one send: a MessageSid and status, or an error the volunteer can act on.

    error is None when Twilio (or the outbox) took the message; otherwise opted_out, window_closed,
    timeout (Twilio may or may not have sent it: never sent again automatically), unreachable or
    twilio (any other refusal, with Twilio's code and message).
    """

    sid: str = None
    status: str = None
    error: str = None
    code: int = None
    detail: str = ""
    attempts: int = 1

    @property
    def ok(self):
        """Return True when the message was accepted for sending."""
        return self.error is None


def scrub(text):
    """Return text with anything like a phone number masked (Twilio's messages may quote the number)."""
    return _LONG_DIGITS.sub("•••", text or "")[:300]


class TwilioSender:
    """Send through Twilio's REST API with the twilio client."""

    local = False

    def __init__(self, account_sid, auth_token, from_number="", service_sid="", status_callback="",
                 api_url="", timeout=10.0, backoff=BACKOFF, sleep=time.sleep):
        """Build the client; api_url replaces Twilio's API address (tests, compatible proxies)."""
        if not (from_number or service_sid):
            raise ValueError("TwilioSender needs TWILIO_FROM or TWILIO_MESSAGING_SERVICE_SID")
        self.client = Client(account_sid, auth_token, http_client=TwilioHttpClient(timeout=timeout, logger=_http_log))
        if api_url:
            self.client.api.base_url = api_url.rstrip("/")
        self.from_number, self.service_sid = from_number, service_sid
        self.status_callback, self.backoff, self.sleep = status_callback, tuple(backoff), sleep

    def media_path(self, sid):
        """Return where Twilio keeps the media of a message it sent (deleted with the thread), or None."""
        return f"/2010-04-01/Accounts/{self.client.account_sid}/Messages/{sid}/Media" if sid else None

    def _params(self, to, body, content_sid, content_variables, status_callback, media_url=None):
        """Return the arguments of messages.create for one message."""
        params = {"to": to}
        if self.service_sid:
            params["messaging_service_sid"] = self.service_sid
        else:
            sender = self.from_number
            if to.startswith("whatsapp:") and not sender.startswith("whatsapp:"):
                sender = "whatsapp:" + sender
            params["from_"] = sender
        if content_sid:
            params["content_sid"] = content_sid
            if content_variables:
                params["content_variables"] = json.dumps(content_variables)
        else:
            if body or not media_url:
                params["body"] = body
            if media_url:
                params["media_url"] = [media_url]
        callback = status_callback or self.status_callback
        if callback:
            params["status_callback"] = callback
        return params

    def send(self, to, body=None, content_sid=None, content_variables=None, status_callback=None, media_url=None):
        """Send one message to a Twilio address ('+1…' or 'whatsapp:+1…'); return a Sent."""
        params = self._params(to, body, content_sid, content_variables, status_callback, media_url)
        for attempt in range(RETRIES + 1):
            try:
                message = self.client.messages.create(**params)
            except TwilioRestException as exc:
                if (exc.status == 429 or exc.status >= 500) and attempt < RETRIES:
                    log.warning("twilio busy, retrying", extra={"http_status": exc.status, "attempt": attempt + 1})
                    self.sleep(self.backoff[min(attempt, len(self.backoff) - 1)] * random.uniform(1, 1.25))
                    continue
                log.warning("twilio refused a message", extra={"http_status": exc.status, "code": exc.code})
                return Sent(status="failed", error=_ERROR_KINDS.get(exc.code, "twilio"), code=exc.code,
                            detail=scrub(str(exc.msg)), attempts=attempt + 1)
            except requests.Timeout:
                # Twilio may have queued it: sending again could reach the texter twice.
                log.warning("twilio timed out; not retried", extra={"attempt": attempt + 1})
                return Sent(status="unknown", error="timeout", attempts=attempt + 1)
            except requests.RequestException as exc:
                log.warning("twilio unreachable: %s", type(exc).__name__)
                return Sent(status="failed", error="unreachable", attempts=attempt + 1)
            log.info("message sent", extra={"sid": message.sid, "attempts": attempt + 1})
            return Sent(sid=message.sid, status=message.status or "queued", attempts=attempt + 1)
        raise AssertionError("unreachable")  # the loop always returns


class OutboxSender:
    """Keep messages in a local outbox in Redis instead of sending them (no Twilio settings)."""

    local = True

    def __init__(self, store, keys):
        """Keep messages with the store; numbers are kept encrypted with keys."""
        self.store, self.keys = store, keys

    def media_path(self, sid):
        """Return None: the outbox keeps no media of its own (a voice note stays in the app's files)."""
        return None

    def send(self, to, body=None, content_sid=None, content_variables=None, status_callback=None, media_url=None):
        """Put one message in the outbox; return a Sent whose status is 'outbox'."""
        sid = "OB" + uuid.uuid4().hex
        self.store.outbox_add({"sid": sid, "at": int(time.time()), "to": self.keys.encrypt(to),
                               "h": self.keys.pseudonym(to),  # so that deleting the texter removes it
                               "body": body, "content_sid": content_sid, "media_url": media_url})
        log.info("message kept in the local outbox", extra={"sid": sid})
        return Sent(sid=sid, status="outbox")


def make_sender(settings, store, keys):
    """Return the sender the settings call for: Twilio when configured, else the local outbox."""
    if not settings.twilio_sending:
        return OutboxSender(store, keys)
    callback = settings.PUBLIC_BASE_URL.rstrip("/") + "/twilio/status" if settings.PUBLIC_BASE_URL else ""
    return TwilioSender(settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN,
                        from_number=settings.TWILIO_FROM, service_sid=settings.TWILIO_MESSAGING_SERVICE_SID,
                        status_callback=callback, api_url=settings.TWILIO_API_URL,
                        timeout=settings.TWILIO_TIMEOUT)
