"""The benchmark's floor: a bare Flask app answering the webhook URL with a fixed TwiML reply."""
from flask import Flask, Response

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
