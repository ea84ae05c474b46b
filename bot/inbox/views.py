"""What the inbox service hands the pages: refusals with a reason, summaries, thread lines and a
conversation's view; plus small helpers on handoff records (masking, the WhatsApp window)."""
import datetime
from dataclasses import dataclass, field

from bot.conversation.state import WHATSAPP
from bot.storage.privacy import bare_number

# What the inbox shows of a texter's media, and how: images inline, audio in a player, PDFs as a link;
# other types are named but never fetched (bot/inbox/pages.py's media route refuses them).
SHOWN = {"image/jpeg": "image", "image/png": "image", "image/gif": "image", "image/webp": "image",
         "audio/ogg": "audio", "audio/mpeg": "audio", "audio/mp4": "audio", "audio/aac": "audio",
         "audio/amr": "audio", "audio/webm": "audio", "audio/wav": "audio", "audio/x-wav": "audio",
         "application/pdf": "pdf"}
WINDOW = datetime.timedelta(hours=24)  # WhatsApp's customer-service window after the texter's last message
CLOSING_TEXT = "handoff.closing"


class Refused(Exception):
    """An inbox action cannot be done; reason is a stable code, params fill its sentence."""

    def __init__(self, reason, **params):
        super().__init__(reason)
        self.reason, self.params = reason, params


@dataclass
class Summary:
    """One handoff as the inbox lists it: never the number."""

    h: str
    name: str
    status: str
    lang: str
    topic: str
    channel: str
    created: datetime.datetime
    waited: datetime.timedelta
    window_open: bool = None  # WhatsApp only; None for SMS
    claimed_by: str = ""
    speaks: bool = False
    unread: int = 0          # texter messages since the volunteer's last reply (claimed ones only)
    last_in: datetime.datetime = None  # when the texter last wrote (claimed ones only)
    urgent: bool = False      # danger was written: shown first, with a badge
    claimed_at: int = 0       # when the volunteer now holding it claimed it (epoch seconds)
    transferred_by: str = ""  # the colleague who passed it to that volunteer (bot/inbox/colleagues.py)
    transferred_at: int = 0


@dataclass
class Line:
    """One entry of a thread as a volunteer reads it."""

    at: datetime.datetime
    dir: str
    text: str
    status: str = ""
    by: str = ""
    error: str = ""
    code: int = None
    media: int = 0
    cut: int = 0
    template: str = ""
    sid: str = ""
    to: str = ""              # a transfer's receiver
    asked: bool = False       # the texter's message that asked for a person
    attachments: list = field(default_factory=list)  # [(content type, kind: image/audio/pdf/None)]
    voice: str = ""           # a volunteer's voice reply: the id of the file the app keeps


def kind_of(content_type):
    """Return how the inbox shows a content type: image, audio, pdf, or None (not shown)."""
    return SHOWN.get((content_type or "").split(";")[0].strip().lower())


@dataclass
class View:
    """A conversation page: its summary, thread and the number masked."""

    summary: Summary
    lines: list = field(default_factory=list)
    masked: str = ""
    history: list = field(default_factory=list)  # earlier, closed conversations of the texter (read only)


def time_of(ts):
    """Return a UTC datetime for a Unix time (0 for missing)."""
    return datetime.datetime.fromtimestamp(int(float(ts or 0)), datetime.timezone.utc)


def mask(address):
    """Return a number with all but its last four digits hidden."""
    digits = bare_number(address or "").lstrip("+")
    return "•••• " + digits[-4:] if digits else "••••"


def window_open(record, now):
    """Return False when WhatsApp's 24-hour window since the texter's last message has closed.

    The handoff record's 'updated' is the time of the texter's last message (volunteers' replies do
    not change it); SMS has no window.
    """
    if record.get("channel") != WHATSAPP:
        return True
    return now - time_of(record.get("updated") or record.get("created")) < WINDOW


def closing_text_id(script):
    """Return the id of the text a texter gets when a volunteer closes the conversation."""
    for node in script.nodes.values():
        if node.type == "handoff" and node.texts.get("closing"):
            return node.texts["closing"]
    return CLOSING_TEXT
