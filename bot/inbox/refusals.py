"""What the inbox tells a volunteer when an action is refused or a send fails, in the page's language."""
from flask_babel import lazy_gettext as _l

# What each refusal tells the volunteer, and its HTTP status.
REFUSALS = {
    "not_found": (404, _l("This conversation no longer exists: it was closed long ago or deleted.")),
    "not_yours": (403, _l("Another volunteer is handling this conversation.")),
    "taken": (409, _l("%(who)s has already claimed this conversation.")),
    "closed": (409, _l("This conversation is closed.")),
    "claim_first": (409, _l("Claim this conversation first.")),
    "changed": (409, _l("The conversation changed meanwhile. Look at it again.")),
    "duplicate": (409, _l("This message was already sent; it was not sent again.")),
    "empty": (400, _l("Write a message first.")),
    "too_long": (400, _l("The message has %(length)d characters; the most is %(max)d.")),
    "bad_token": (400, _l("This form is out of date. Reload the page.")),
    "window_closed": (409, _l("WhatsApp only delivers free text within 24 hours of the texter's last "
                              "message, and that window has closed. Send the template instead: it asks "
                              "them to write back.")),
    "no_template": (409, _l("No WhatsApp template is set up. Staff can add one on the admin page.")),
    "no_number": (409, _l("The texter's number cannot be read (has DATA_KEY changed?).")),
    "no_colleague": (400, _l("Choose a colleague who can take this conversation (active, speaking the "
                             "texter's language).")),
    "voice_no_mms": (409, _l("A voice note cannot be sent on this channel: the texter writes by SMS, and the "
                             "helpline's number cannot send voice notes by SMS (MMS). Write your reply instead.")),
    "voice_not_here": (409, _l("A voice note cannot be sent on this channel: the texter writes by SMS from a "
                               "number outside the US and Canada, where the helpline cannot send MMS. Write your "
                               "reply instead.")),
    "voice_empty": (400, _l("The recording is empty. Record the voice note again.")),
    "voice_not_audio": (400, _l("This is not a recording that can be sent (OGG, WebM, MP4 or M4A, MP3 or AMR "
                                "audio).")),
    "voice_too_large": (413, _l("The recording is %(size)s MB; the most is %(max)s MB. Record a shorter voice "
                                "note.")),
    "voice_full": (409, _l("This conversation keeps as many voice notes as it can. Write your reply "
                           "instead.")),
}
# What a failed send tells the volunteer (nothing is retried blindly).
SEND_ERRORS = {
    "opted_out": _l("Not sent: the texter has opted out (STOP) of messages from this number "
                    "(Twilio error 21610). They can write START to opt back in."),
    "window_closed": _l("Not sent: WhatsApp's 24-hour window has closed (Twilio error 63016). "
                        "Send the template instead."),
    "timeout": _l("Twilio did not answer in time. The message may or may not have gone out, so it was not "
                  "sent again: wait for its delivery status before sending it again."),
    "unreachable": _l("Twilio could not be reached; the message was not sent. Try again in a moment."),
    "twilio": _l("Twilio refused the message (error %(code)s: %(detail)s)."),
}


def refusal(exc):
    """Return (status, sentence) for a Refused."""
    status, message = REFUSALS.get(exc.reason, (409, _l("This cannot be done now.")))
    return status, str(message) % exc.params if exc.params else str(message)


def send_error(sent):
    """Return the sentence for a failed send."""
    message = SEND_ERRORS.get(sent.error, SEND_ERRORS["twilio"])
    return str(message) % {"code": sent.code or "?", "detail": sent.detail or "-"}
