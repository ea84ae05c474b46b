"""The values a conversation step works with: the saved State, an Inbound message, the Context of
the moment, and the Result (new state, replies, events). Plain data, JSON for the store."""
import dataclasses
import datetime
import json
from dataclasses import dataclass, field

SMS, WHATSAPP = "sms", "whatsapp"
OPT_OUT_WORDS = frozenset({"stop", "stopall", "unsubscribe", "end", "quit", "revoke", "optout", "cancel"})
OPT_IN_WORDS = frozenset({"start", "yes", "unstop"})
HELP_OPT_OUT_TYPE = "HELP"
ACK_INTERVAL = datetime.timedelta(minutes=30)
TRAIL_LENGTH = 4


@dataclass
class State:
    """What the bot remembers of one conversation (session part; language is kept longer)."""

    lang: str = None
    node: str = None
    page: int = 0
    more: bool = False
    misses: int = 0
    topic: str = None
    place: str = None
    trail: list = field(default_factory=list)
    handoff: bool = False
    ack_at: float = 0.0
    opted_out: bool = False
    confirm_delete: str = None  # the language a deletion was asked in, until confirmed or cancelled
    picks: list = field(default_factory=list)  # case keys an employer search offered: the next message only
    choice: list = None         # the nodes of two topics offered for a number, for one message
    urgent: bool = False        # danger was written: a handoff opened from here is urgent
    leave: bool = False         # MENU while waiting: asked whether to leave the line
    lead: str = None            # the line put before a paged reply, to cut its next page the same way
    where: str = None           # the place code the texter said they are in, kept for referrals
    where_name: str = None      # how they wrote it ("Carolina del Norte"), to say it back
    nationality: str = None     # the country the texter said they come from (MX, GT, HN, SV)
    alerts_ask: str = None      # asked which state alerts are for, in this language: the next message answers
    offered: bool = False       # alerts were offered (or taken) in this session

    def to_json(self):
        """Return the state as compact JSON, leaving out defaults."""
        data = {k: v for k in _STORED if (v := getattr(self, k)) != _DEFAULTS[k]}
        return json.dumps(data, separators=(",", ":"))

    @classmethod
    def from_json(cls, raw):
        """Return a State from to_json's output; unknown or broken data gives a fresh state."""
        try:
            data = json.loads(raw) if raw else {}
            return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})
        except (ValueError, TypeError):
            return cls()


# Defaults are left out of the stored JSON; the language and opted_out live in keys of their own.
_DEFAULTS = {f.name: f.default_factory() if f.default_factory is not dataclasses.MISSING else f.default
             for f in dataclasses.fields(State) if f.name not in ("opted_out", "lang")}
_STORED = tuple(_DEFAULTS)


@dataclass(frozen=True)
class Inbound:
    """One message from a texter, as the engine needs it."""

    text: str
    channel: str = SMS
    media: int = 0
    opt_out_type: str = None
    attachments: tuple = ()  # ((path at Twilio, content type), ...): kept with a message for a volunteer


@dataclass(frozen=True)
class Context:
    """Facts about the world the step needs: the time, session freshness and the handoff's status."""

    now: datetime.datetime
    new_session: bool = False
    handoff_status: str = None  # None, "waiting" or "claimed"
    lookup: object = None  # what DOL's job data says for this message (bot/conversation/jobreply.Lookup)
    alerts: tuple = None   # the texter's subscription to alerts: (given at, state code or "", last alert)
    offered: bool = False  # alerts were offered to this texter before (kept with the language)


@dataclass
class Result:
    """What a step produced. Events, (kind, data): language, topic, referral (the directory entries
    given and the place), handoff_open (urgent when danger led to it), handoff_message, urgent (danger
    written in an open handoff), handoff_cancel (the texter left the line), not_understood (the words no
    list knows, for staff reports), opt_out, opt_in, forget, alerts_subscribe (state, lang, channel),
    alerts_stop, alerts_offered. why: how the matcher read the message."""

    state: State
    replies: list
    events: list
    node: str = None
    why: list = field(default_factory=list)
    decided: tuple = None  # (kind, intents, topic): kind "option" for a menu number or word it handled
