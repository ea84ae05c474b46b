"""The staff's simulator: a pretend texter talking to any version of the script, off the record.

It runs the pure engine (bot/conversation/engine.py step) on a Script the caller chooses (the draft, the
published version or an older one) and keeps the whole conversation in a signed token that the page
carries from one message to the next: no Redis key, no real conversation, no Twilio. Like the real
conversation service it remembers the language apart from the session, and treats a request for a
person as waiting in the inbox until the page says a volunteer closed it.
"""
import dataclasses
from dataclasses import dataclass, field

from itsdangerous import BadSignature, URLSafeSerializer

from bot.conversation.engine import SMS, WHATSAPP, Context, Inbound, State, step
from bot.inbox.handoffs import closing_text_id
from bot.conversation.sms import segments, sms_safe
from bot.conversation.wording import N_

CHANNELS = (SMS, WHATSAPP)
MAX_INPUT = 4096          # the longest message WhatsApp delivers
MAX_LOG = 60              # transcript lines kept (the oldest go first)
MAX_TOKEN = 64 * 1024
NOTES = ("handoff", "kept", "closed", "deleted", "opted_out", "opted_in", "no_reply", "urgent", "left_queue",
         "alerts_on", "alerts_off")
# the transcript note each engine event leaves (events not named here leave none)
_EVENT_NOTES = {"forget": "deleted", "opt_out": "opted_out", "opt_in": "opted_in", "handoff_open": "handoff",
                "handoff_message": "kept", "urgent": "urgent", "handoff_cancel": "left_queue",
                "alerts_subscribe": "alerts_on", "alerts_stop": "alerts_off"}


class SimulatorError(ValueError):
    """The page's simulator token cannot be used (tampered, too old a format, or too large)."""


@dataclass
class Session:
    """One simulated conversation.

    log lines are [who, text, cost]: who is "texter", "bot", "note" (text is then a NOTES code) or "why"
    (how the matcher read the texter's message: words found, intent, score; one per line) or "decision"
    (text is [kind, intents, topic]: what the bot did with it; kind "option" for a menu number or word);
    cost is [encoding, segments, characters] for an SMS and [None, 0, characters] for WhatsApp.
    """

    which: str                  # "draft", "published" or a version number
    channel: str = SMS
    lang: str = None            # the remembered language (outlives the session, as in Redis)
    state: str = None           # the engine's State as JSON; None: the next message starts a session
    opted_out: bool = False
    handoff: str = None         # "waiting" once the texter asked for a person, until a volunteer closes
    log: list = field(default_factory=list)

    @property
    def node(self):
        """Return the node the texter is at, or None."""
        return State.from_json(self.state).node if self.state else None

    @property
    def sms_segments(self):
        """Return the SMS segments the bot has sent so far."""
        return sum(line[2][1] for line in self.log if line[0] == "bot" and line[2] and line[2][0])


def start(which, channel=SMS, lang=None):
    """Return a new Session: a texter who never wrote, or one whose language is remembered."""
    if channel not in CHANNELS:
        raise SimulatorError(f"unknown channel {channel!r}")
    return Session(which=str(which), channel=channel, lang=lang or None)


def cost(text, channel):
    """Return [encoding, segments, characters] of a reply as sent on channel."""
    if channel == WHATSAPP:
        return [None, 0, len(text)]
    encoding, count = segments(text)
    return [encoding, count, len(text)]


def send(script, session, text, now, jobs=None):
    """Return the Session after the texter sends text at now (an aware datetime).

    jobs (bot/jobs/service.JobChecker) answers case numbers and employer names from the loaded data.
    """
    session = dataclasses.replace(session, log=list(session.log))
    state = State.from_json(session.state) if session.state else State()
    if state.lang not in script.languages:
        state.lang = None
    if state.lang is None and session.lang in script.languages:
        state.lang = session.lang
    state.opted_out = session.opted_out
    text = str(text)[:MAX_INPUT]
    query = jobs.wanted(script, state, text, session.handoff) if jobs is not None else None
    result = step(script, state, Inbound(text, session.channel),
                  Context(now=now, new_session=session.state is None, handoff_status=session.handoff,
                          lookup=jobs.lookup(query) if query is not None else None))
    _add(session, "texter", text)
    why = [line for line in result.why if not line.startswith("decision:")]
    why += nearest_lines(script, text) if why else []
    if why:  # each line [template, details]: the page words it in its own language (why_lines)
        _add(session, "why", [[getattr(line, "template", str(line).replace("%", "%%")), getattr(line, "params", {})]
                              for line in why])
    if result.decided:
        kind, intents, topic = result.decided
        _add(session, "decision", [kind, list(intents), topic])
    for reply in result.replies:
        _add(session, "bot", reply, cost(reply, session.channel))
    session.state, session.opted_out = result.state.to_json(), result.state.opted_out
    session.lang = result.state.lang or session.lang
    for kind, _ in result.events:
        if kind == "forget":
            session.state, session.lang, session.opted_out, session.handoff = None, None, False, None
        elif kind == "handoff_open":
            session.handoff = "waiting"
        elif kind == "handoff_cancel":
            session.handoff = None
        if kind in _EVENT_NOTES:
            _add(session, "note", _EVENT_NOTES[kind])
    if not result.replies:
        _add(session, "note", "no_reply")
    return session


def close_handoff(script, session):
    """Return the Session after a volunteer closes the conversation (the texter gets the closing text)."""
    if session.handoff is None:
        return session
    session = dataclasses.replace(session, log=list(session.log), handoff=None)
    lang = session.lang if session.lang in script.languages else script.source_language
    text = script.text(closing_text_id(script), lang)
    if session.channel == SMS:
        text = sms_safe(text, script.sms.get("fold_accents", True))
    _add(session, "bot", text, cost(text, session.channel))
    _add(session, "note", "closed")
    return session


def _add(session, who, text, price=None):
    """Append a transcript line, keeping the last MAX_LOG."""
    session.log.append([who, text, price])
    del session.log[:-MAX_LOG]


def dump(session, secret):
    """Return the Session as a signed token for the page."""
    return _serializer(secret).dumps(dataclasses.asdict(session))


def load(token, secret):
    """Return the Session of a token the page sent back, or raise SimulatorError."""
    if not token or len(token) > MAX_TOKEN:
        raise SimulatorError("no simulator conversation, or one too large")
    try:
        data = _serializer(secret).loads(token)
    except BadSignature:
        raise SimulatorError("this simulator conversation was not made here") from None
    try:
        session = Session(**data)
    except TypeError:
        raise SimulatorError("this simulator conversation comes from an older version of the page") from None
    if session.channel not in CHANNELS or not isinstance(session.log, list):
        raise SimulatorError("this simulator conversation is not readable")
    return session


def _serializer(secret):
    """Return the signer of simulator tokens (its own salt: no other token of the app passes)."""
    return URLSafeSerializer(secret, salt="helpline-simulator")


def nearest_lines(script, text, most=3):
    """Return lines naming the training examples nearest a message (why the model read it so)."""
    model = script.understander
    found = model.nearest(text, most) if model is not None else []
    return [N_("  like: %(example)s (%(label)s, %(similarity)s)", example=repr(example), label=label,
               similarity=f"{similarity:.2f}") for example, label, similarity in found]
