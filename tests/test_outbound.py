"""The outbound sender: the real twilio client against a local fake Twilio API, and the local outbox."""
import pytest

from bot.twilio.outbound import OutboxSender, TwilioSender, make_sender, scrub
from conftest import TOKEN, TWILIO_FROM

NUMBER = "+15055550123"


@pytest.fixture
def sender(fake_twilio):
    """Return a Twilio sender pointed at the fake API, with no waiting between retries."""
    sleeps = []
    sender = TwilioSender(fake_twilio.account_sid, TOKEN, from_number=TWILIO_FROM,
                          status_callback="https://bot.example.org/twilio/status", api_url=fake_twilio.url,
                          timeout=1.0, backoff=(0.5, 1.0, 2.0), sleep=sleeps.append)
    sender.sleeps = sleeps
    return sender


def test_sends_exactly_the_message(sender, fake_twilio):
    """One POST with To, From, Body and the status callback; the MessageSid comes back."""
    sent = sender.send(NUMBER, body="Hola, soy Ana.")
    assert sent.ok and sent.sid.startswith("SM") and sent.status == "queued" and sent.attempts == 1
    [request] = fake_twilio.requests
    assert request["path"] == f"/2010-04-01/Accounts/{fake_twilio.account_sid}/Messages.json"
    assert request["form"] == {"To": NUMBER, "From": TWILIO_FROM, "Body": "Hola, soy Ana.",
                               "StatusCallback": "https://bot.example.org/twilio/status"}


def test_whatsapp_gets_a_whatsapp_sender(sender, fake_twilio):
    """A WhatsApp texter is written to from the whatsapp: form of TWILIO_FROM."""
    sender.send("whatsapp:" + NUMBER, body="Hola")
    assert fake_twilio.requests[0]["form"]["From"] == "whatsapp:" + TWILIO_FROM


def test_messaging_service_and_template(fake_twilio):
    """With a Messaging Service, Twilio picks the sender; a template goes as ContentSid."""
    sender = TwilioSender(fake_twilio.account_sid, TOKEN, service_sid="MG" + "2" * 32, api_url=fake_twilio.url)
    sent = sender.send("whatsapp:" + NUMBER, content_sid="HX" + "3" * 32, content_variables={"1": "x"})
    assert sent.ok
    form = fake_twilio.requests[0]["form"]
    assert form["MessagingServiceSid"] == "MG" + "2" * 32 and "From" not in form
    assert form["ContentSid"] == "HX" + "3" * 32 and form["ContentVariables"] == '{"1": "x"}'
    assert "Body" not in form and "StatusCallback" not in form


@pytest.mark.parametrize("status", [429, 500, 503])
def test_busy_answers_are_retried_with_backoff(sender, fake_twilio, status):
    """429 and 5xx are retried after growing pauses, and the message goes out once."""
    fake_twilio.plan(("error", status, 20429), ("error", status, 20429))
    sent = sender.send(NUMBER, body="hola")
    assert sent.ok and sent.attempts == 3
    assert len(fake_twilio.requests) == 3 and len(fake_twilio.messages) == 1
    assert len(sender.sleeps) == 2 and sender.sleeps[0] < sender.sleeps[1]


def test_at_most_three_retries(sender, fake_twilio):
    """Four busy answers in a row: four requests in all (three retries), then the error is reported."""
    fake_twilio.plan(*[("error", 503, 20503)] * 5)
    sent = sender.send(NUMBER, body="hola")
    assert not sent.ok and sent.error == "twilio" and sent.attempts == 4
    assert len(fake_twilio.requests) == 4 and fake_twilio.messages == []


@pytest.mark.parametrize("code, error", [(21610, "opted_out"), (63016, "window_closed"), (21211, "twilio")])
def test_refusals_are_reported_not_retried(sender, fake_twilio, code, error):
    """Twilio refusing a message (opted out, window closed, bad number) is reported once, no retry."""
    fake_twilio.plan(("error", 400, code))
    sent = sender.send(NUMBER, body="hola")
    assert not sent.ok and sent.error == error and sent.code == code and sent.attempts == 1
    assert len(fake_twilio.requests) == 1
    assert "5055550123" not in sent.detail  # Twilio's message may quote the number: it is masked


def test_a_timeout_is_never_sent_twice(sender, fake_twilio):
    """Twilio taking longer than the timeout: reported as unknown, and not sent again."""
    fake_twilio.plan(("stall", 2.0))
    sent = sender.send(NUMBER, body="hola")
    assert not sent.ok and sent.error == "timeout" and sent.status == "unknown"
    assert len(fake_twilio.requests) == 1 and sender.sleeps == []


def test_unreachable_twilio(fake_twilio):
    """Nothing listening at the API address: reported, not retried."""
    sender = TwilioSender(fake_twilio.account_sid, TOKEN, from_number=TWILIO_FROM, api_url="http://127.0.0.1:9",
                          timeout=1.0)
    sent = sender.send(NUMBER, body="hola")
    assert not sent.ok and sent.error == "unreachable" and sent.attempts == 1


def test_wrong_credentials_are_a_clear_error(fake_twilio):
    """A wrong auth token is refused by the API and reported with Twilio's code."""
    sender = TwilioSender(fake_twilio.account_sid, "wrong-token", from_number=TWILIO_FROM, api_url=fake_twilio.url)
    sent = sender.send(NUMBER, body="hola")
    assert not sent.ok and sent.code == 20003


def test_outbox_without_twilio_settings(app):
    """Without Twilio settings the sender is the local outbox; numbers in it are encrypted."""
    sender = app.extensions["sender"]
    assert isinstance(sender, OutboxSender) and sender.local
    sent = sender.send(NUMBER, body="hola")
    assert sent.ok and sent.status == "outbox"
    [entry] = sender.store.outbox()
    assert entry["body"] == "hola" and NUMBER not in str(entry)
    assert app.extensions["conversations"].keys.decrypt(entry["to"]) == NUMBER


def test_make_sender_uses_twilio_when_configured(twilio_app):
    """With account SID, token and a sender, make_sender gives Twilio with the public status URL."""
    sender = twilio_app.extensions["sender"]
    assert isinstance(sender, TwilioSender) and sender.status_callback == "http://localhost/twilio/status"
    settings = twilio_app.config["SETTINGS"]
    assert isinstance(make_sender(settings, None, None), TwilioSender)


def test_scrub_masks_numbers():
    """Anything like a phone number is masked in Twilio's messages shown to volunteers."""
    assert scrub("The 'To' number +1 (505) 555-0123 is not valid") == "The 'To' number ••• is not valid"
    assert scrub("error 21610") == "error 21610"
