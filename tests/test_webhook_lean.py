"""The webhook's lean path (issue 24): the same answers for less work.

TwiML written directly is what twilio's MessagingResponse writes; the signature is accepted and refused
exactly as twilio's RequestValidator decides, with one HMAC when it matches; no cookie session, login or
page headers for webhooks; the pseudonym computed once a message; no spool folder listed while the spool
is empty; the log line as before.
"""
import base64
import datetime
import hashlib
import hmac
import logging
import os

import pytest
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse
from werkzeug.datastructures import MultiDict

from bot import logs
from bot.storage.privacy import Keys
from bot.twilio import webhook
from conftest import TOKEN, Texter


@pytest.mark.parametrize("messages", [[], ["hola"], ["a & b <c> \"d\" 'e'\nx", "ñ é á 🙏 \u202e"], ["", "x"],
                                      ["]]> <![CDATA[ &amp; &#10;"], ["\x01 control \t tab"]])
def test_twiml_is_what_messaging_response_writes(messages):
    """Byte for byte the XML twilio's own TwiML builder writes, with its content type."""
    reference = MessagingResponse()
    for text in messages:
        reference.message(text)
    response = webhook.twiml(messages)
    assert response.get_data(as_text=True) == str(reference)
    assert response.mimetype == "application/xml"


def sign(url, params, token=TOKEN, digest=hashlib.sha1):
    """Return the signature of url and form params as Twilio computes it."""
    payload = url + "".join(f"{k}{v}" for k in sorted(params) for v in sorted(params.getlist(k)))
    return base64.b64encode(hmac.new(token.encode(), payload.encode(), digest).digest()).decode()


URLS = ["https://bot.example.org/twilio/messages", "https://bot.example.org:443/twilio/messages",
        "http://127.0.0.1:5000/twilio/messages", "http://127.0.0.1/twilio/messages?x=1&y=%20",
        "https://bot.example.org:8443/twilio/messages"]


@pytest.mark.parametrize("url", URLS)
@pytest.mark.parametrize("signed", URLS + ["https://evil.example.org/twilio/messages"])
@pytest.mark.parametrize("algorithm", [None, "HMAC_SHA1", "HMAC_SHA256", "hmac_sha256", "MD5"])
def test_signatures_are_judged_as_the_request_validator_judges(url, signed, algorithm):
    """For every URL a request may arrive on and every URL Twilio may have signed (with or without a
    port, another host), the answer is twilio's RequestValidator's; tampered forms and signatures fail."""
    form = MultiDict([("Body", "hola"), ("From", "+15551234567"), ("MessageSid", "SM" + "a" * 32),
                      ("MediaUrl0", "b"), ("MediaUrl0", "a")])
    digest = hashlib.sha256 if (algorithm or "").upper() == "HMAC_SHA256" else hashlib.sha1
    signature = sign(signed, form, digest=digest)
    validator = RequestValidator(TOKEN)
    for candidate, fields in ((signature, form), (signature[:-2] + "AA", form),
                              (signature, MultiDict([*form.items(multi=True), ("Body", "x")])), ("", form),
                              ("ñ" * 28, form)):
        assert webhook.signature_valid(TOKEN, url, fields, candidate, algorithm) == \
            validator.validate(url, fields, candidate, algorithm), (url, signed, algorithm)


def test_one_hmac_when_the_signature_matches(monkeypatch):
    """Twilio's usual request (the URL as configured) costs one HMAC, not two."""
    calls = []
    real = webhook._signature
    monkeypatch.setattr(webhook, "_signature", lambda *a: calls.append(a) or real(*a))
    form = MultiDict([("Body", "hola")])
    for url in ("https://bot.example.org/twilio/messages", "http://127.0.0.1:5000/twilio/messages"):
        calls.clear()
        assert webhook.signature_valid(TOKEN, url, form, sign(url, form))
        assert len(calls) == 1


def test_the_signature_is_the_one_the_request_validator_computes():
    """The HMAC computed for a form is RequestValidator.compute_signature's, on forms of every shape:
    repeated names and values, empty values, non-ASCII text, names that sort apart only by case."""
    import random
    rng = random.Random(24)
    names = ["Body", "body", "From", "MediaUrl0", "NumMedia", "Á", "a", "", "To", "SmsSid"]
    values = ["", "hola", "ñ 🙏", "a&b=c", "+15551234567", "  spaced  ", "x" * 300, "0"]
    url = "https://bot.example.org/twilio/messages?x=1"
    for algorithm in ("HMAC_SHA1", "HMAC_SHA256"):
        for _ in range(300):
            form = MultiDict([(rng.choice(names), rng.choice(values)) for _ in range(rng.randint(0, 12))])
            want = RequestValidator(TOKEN).compute_signature(url, form, algorithm)
            fields = "".join([n + v for n in sorted(form) for v in sorted(set(form.getlist(n)))])
            digest = {"HMAC_SHA1": "sha1", "HMAC_SHA256": "sha256"}[algorithm]
            assert webhook._signature(TOKEN.encode(), url + fields, digest).decode() == want
            assert webhook.signature_valid(TOKEN, url, form, want, algorithm)


def test_the_form_is_parsed_as_parse_qsl_parses_it():
    """The direct path's form is what urllib's parse_qsl gives (as werkzeug reads request.form), on
    bodies of every shape: escapes, "+", invalid UTF-8 escapes, empty pairs, names without "=", "=" in
    values, bytes that are not UTF-8."""
    import random
    from urllib.parse import parse_qsl
    from bot.twilio.direct import parse_form
    rng = random.Random(24)
    pieces = ["Body", "From", "=", "&", "&&", "+", "%2B", "%20", "%", "%4", "%zz", "%FF", "%C3%B1", "%e2%82%ac", "a",
              "ñ", "MediaUrl0", "%3D", "%26", " ", "0"]
    bodies = ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 25))).encode() for _ in range(3000)]
    bodies += [b"Body=%FF%FE&From=%2B1", "Body=ñ".encode(), b"\xff\xfe=1", b"", b"&", b"=", b"a=b=c&a=d"]
    for body in bodies:
        try:
            want = parse_qsl(body.decode(), keep_blank_values=True, errors="werkzeug.url_quote")
        except ValueError:
            want = []
        assert list(parse_form(body).lists()) == list(MultiDict(want).lists()), body


def test_a_webhook_opens_no_session_and_gets_no_page_headers(app):
    """No cookie is read or set for Twilio, and the page headers are left out; pages still get both."""
    client = app.test_client()
    texter = Texter(client)
    response = texter.post(texter.form("hola"))
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers and "Vary" not in response.headers
    assert "X-Frame-Options" not in response.headers
    page = client.get("/login")
    assert page.headers["X-Frame-Options"] == "DENY" and "session=" in page.headers.get("Set-Cookie", "")


def test_the_pseudonym_is_computed_once_a_message(app, monkeypatch):
    """HMAC of the number once per message (the webhook hands it to the intake and the conversation)."""
    calls = []
    real = Keys.pseudonym
    monkeypatch.setattr(Keys, "pseudonym", lambda self, address: calls.append(1) or real(self, address))
    texter = Texter(app.test_client())
    for body in ("hola", "1", "mi patron no me paga"):
        calls.clear()
        assert texter.send(body)
        assert len(calls) == 1, body


def test_no_message_text_is_kept_once_answered(app):
    """The texts folded and read for case numbers while a message is answered (each worked out once a
    message) are let go when it is answered: no body stays in the worker's memory."""
    from bot.conversation import textmatch
    from bot.jobs import casenum
    Texter(app.test_client()).send("hola, mi caso es H-300-25041-123456")
    assert textmatch._normalized.cache_info().currsize == 0
    assert casenum._found.cache_info().currsize == 0


def test_no_spool_folder_is_listed_while_the_spool_is_empty(app, monkeypatch):
    """The spool's counters say it is empty: no folder is listed on the webhook's path."""
    listed = []
    real = os.listdir
    monkeypatch.setattr(os, "listdir", lambda path=".": listed.append(path) or real(path))
    texter = Texter(app.test_client())
    texter.send("hola")
    assert not [p for p in listed if "spool" in str(p)], listed


def test_no_log_record_attribute_has_an_allowed_name():
    """The log line's fields are read by name among the record's attributes: none of a LogRecord's own
    may be mistaken for an allowed field."""
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "m", (), None)
    record.getMessage()
    assert not set(vars(record)) & logs.ALLOWED_EXTRA


@pytest.mark.parametrize("created", [1700000000.0, 1700000000.0005, 1700000000.9999996, 1764000000.123456, 0.25])
def test_the_log_time_is_iso_in_utc_to_the_millisecond(created):
    """The time on a log line is as datetime's isoformat writes it."""
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "m", (), None)
    record.created = created
    want = datetime.datetime.fromtimestamp(created, datetime.timezone.utc).isoformat(timespec="milliseconds")
    assert logs.fields(record)["ts"] == want


def _direct(app):
    """Return the app's DirectMessages middleware (inside the body deadline and the proxy fix)."""
    from bot.twilio.direct import DirectMessages
    layer = app.wsgi_app
    while not isinstance(layer, DirectMessages):
        layer = getattr(layer, "app", None) or getattr(layer, "wsgi_app")
    return layer


def _call(wsgi, environ):
    """Return (status, headers, body) of a WSGI call."""
    seen = {}

    def start_response(status, headers, exc_info=None):
        seen["status"], seen["headers"] = status, dict(headers)
    body = b"".join(wsgi(environ, start_response))
    return seen["status"], seen["headers"], body


@pytest.mark.parametrize("case", ["hola", "1", "menu", "mi patron no me paga", "", "whatsapp", "no sid", "bad sid",
                                  "no from", "bad signature", "no signature", "media", "not utf-8", "charset"])
def test_the_direct_path_answers_as_flask_would(app, case):
    """The same request through the direct path and through Flask (two texters in the same state) gets the
    same status, headers and body; and the direct path runs none of Flask's hooks."""
    from werkzeug.test import EnvironBuilder
    from conftest import twilio_signature
    direct = _direct(app)
    hooks = []
    app.before_request(lambda: hooks.append(1))
    answers = []
    for number, wsgi in (("+15055550201", direct), ("+15055550202", direct.wsgi_app)):
        texter = Texter(app.test_client(), number=number, channel="whatsapp" if case == "whatsapp" else "sms")
        texter.send("hola")
        fields = texter.form({"hola": "hola", "1": "1", "menu": "menu", "": ""}.get(case, "mi patron no me paga"))
        fields["MessageSid"] = "SM" + ("a" if wsgi is direct else "b") * 32
        if case == "no sid":
            del fields["MessageSid"]
        if case == "bad sid":
            fields["MessageSid"] = "XX123"
        if case == "no from":
            del fields["From"]
        if case == "media":
            fields.update(NumMedia="1", MediaUrl0="https://api.twilio.com/x", MediaContentType0="image/jpeg")
        url = "http://localhost/twilio/messages"
        signature = {"bad signature": "AAAA", "no signature": None}.get(case, twilio_signature(TOKEN, url, fields))
        data = "Body=%FF%FE&From=%2B15055550201" if case == "not utf-8" else fields
        builder = EnvironBuilder(path="/twilio/messages", method="POST", data=data,
                                 content_type="application/x-www-form-urlencoded" + (
                                     "; charset=UTF-8" if case == "charset" else ""),
                                 headers={"X-Twilio-Signature": signature} if signature else {})
        hooks.clear()
        status, headers, body = _call(wsgi, builder.get_environ())
        answers.append((status, headers, body.replace(b"+15055550202", b"+15055550201")))
        if "Content-Length" in headers:
            assert int(headers["Content-Length"]) == len(body), case
        assert bool(hooks) == (wsgi is not direct), case
    assert answers[0] == answers[1], case
