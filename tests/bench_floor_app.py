"""The benchmark's floors: bare Flask apps answering the webhook URL with a fixed TwiML reply.

create_app: no work at all (no form, no signature, no Redis, no engine).
create_signed_app: what any webhook must do at least: parse the form and check Twilio's signature with
twilio's own RequestValidator (403 when it fails), then the fixed reply. The bot is measured against it.
"""
import os

from flask import Flask, Response, request
from twilio.request_validator import RequestValidator

REPLY = ('<?xml version="1.0" encoding="UTF-8"?><Response><Message>Menu principal. Responda con un '
         'numero:\n1. Pago\n2. Pasaporte</Message></Response>')


def create_app():
    """Return the bare app: no signature check, no Redis, no engine."""
    app = Flask(__name__)

    @app.post("/twilio/messages")
    def messages():
        """Answer every message with the same reply."""
        return Response(REPLY, mimetype="application/xml")

    return app


def create_signed_app():
    """Return the floor of a webhook: the form parsed and the signature checked, then the same reply."""
    app = Flask(__name__)
    validator = RequestValidator(os.environ["TWILIO_AUTH_TOKEN"])

    @app.post("/twilio/messages")
    def messages():
        """Answer a message Twilio signed with the same reply; refuse any other."""
        if not validator.validate(request.url, request.form, request.headers.get("X-Twilio-Signature", "")):
            return Response("Invalid X-Twilio-Signature.\n", status=403, mimetype="text/plain")
        return Response(REPLY, mimetype="application/xml")

    return app
