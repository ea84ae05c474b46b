"""What Twilio's webhooks may carry as ids and addresses: anything else is refused before any work.

Twilio's signature joins each field's name and value with no separator, so a field whose value could
absorb a following field's name and value (MessageSid=SM...NumMedia0 with NumMedia dropped) signs the
same. Values we key on therefore must match Twilio's documented formats exactly: a MessageSid is "SM"
(or "MM" for a message with media) and 32 hexadecimal digits; a sender is an E.164 number, bare or with
the "whatsapp:" channel prefix.
"""
import re

_MESSAGE_SID = re.compile(r"(?:SM|MM)[0-9a-fA-F]{32}")
_ACCOUNT_SID = re.compile(r"AC[0-9a-fA-F]{32}")
_E164 = r"\+[1-9][0-9]{6,14}"
_ADDRESS = re.compile(rf"(?:(?i:whatsapp):)?{_E164}")


def message_sid(value):
    """Return value when it is a MessageSid in Twilio's format, else None."""
    return value if value and _MESSAGE_SID.fullmatch(value) else None


def account_sid(value):
    """Return value when it is an AccountSid in Twilio's format, else None."""
    return value if value and _ACCOUNT_SID.fullmatch(value) else None


def address(value):
    """Return value when it is a phone number or a whatsapp: number as Twilio writes them, else None."""
    return value if value and _ADDRESS.fullmatch(value) else None
