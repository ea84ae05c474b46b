"""Property-based tests (Hypothesis): the engine under any sequence of inputs, and the webhook's form."""
import datetime
import xml.etree.ElementTree as ET

from hypothesis import HealthCheck, event, given, settings, strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from bot.conversation.engine import SMS, WHATSAPP, Context, Inbound, State, step
from bot.conversation.pager import WHATSAPP_MAX_CHARS
from bot.conversation.sms import segments
from conftest import OPEN_HOURS, TOKEN, twilio_signature
from test_engine import SCRIPT

MAX_SEGMENTS = int(SCRIPT.sms["max_segments"])


def _words(text_id):
    """Return every keyword of text_id in every language, as written."""
    return [w for lang in SCRIPT.languages for w in SCRIPT.words(text_id, lang)]


KEYWORDS = sorted({w for lang in SCRIPT.languages for tid, entry in SCRIPT.catalogs[lang].items()
                   if tid.startswith("kw.") for w in entry.text.split(",") if w.strip()})
LABELS = sorted({SCRIPT.text(o.label, lang) for n in SCRIPT.nodes.values() for o in n.options
                 for lang in SCRIPT.languages})
NUMBERS = ["1", "2", " 3.", "#4", "5", "9", "０", "２", "2\ufe0f\u20e3", "uno", "two", "keb'", "oxib", "tercero"]
PLACES = ["NC", "North Carolina", "Carolina del Norte", "Guatemala", "Mexico", "Salinas", "99999"]
OPT = ["STOP", "stop", "Cancel", "START", "unstop", "yes"]
TEXTS = st.one_of(
    st.sampled_from(KEYWORDS + LABELS + NUMBERS + PLACES + OPT),
    st.sampled_from(KEYWORDS).map(lambda w: w.upper() + "!"),
    st.text(max_size=40),
    st.text(st.characters(codec="utf-8"), min_size=300, max_size=2000),
    st.just(""),
)
GLOBALS = {"menu": "main", "ayuda": "help", "help": "help", "idioma": "language", "language": "language",
           "english": "main", "español": "main", "k'iche'": "main"}


def _check_replies(replies, channel):
    """Every reply is a non-empty string within the channel's budget."""
    for reply in replies:
        assert isinstance(reply, str) and reply.strip()
        if channel == SMS:
            assert segments(reply)[1] <= MAX_SEGMENTS, (segments(reply), reply)
        else:
            assert len(reply) <= WHATSAPP_MAX_CHARS


class EngineMachine(RuleBasedStateMachine):
    """A texter and the world around the pure engine: time passing, volunteers claiming and closing."""

    def __init__(self):
        super().__init__()
        self.state, self.now, self.new_session, self.handoff = State(), OPEN_HOURS, True, None

    def _step(self, text, channel, media=0):
        """Apply one message the way the conversation service would; return the Result."""
        before = self.state
        result = step(SCRIPT, before, Inbound(text, channel, media), Context(
            now=self.now, new_session=self.new_session, handoff_status=self.handoff))
        _check_replies(result.replies, channel)
        kinds = [kind for kind, _ in result.events]
        bot_drives = not result.state.opted_out and not before.opted_out and self.handoff is None
        if bot_drives or "forget" in kinds or result.state.confirm_delete:
            assert result.replies, (text, before, result)
        if before.opted_out and result.state.opted_out:
            assert result.replies == []
        assert State.from_json(result.state.to_json()) == State(  # language and STOP are kept apart
            **{**result.state.__dict__, "opted_out": False, "lang": None})
        self.state, self.new_session = result.state, False
        if "handoff_open" in kinds:
            self.handoff = "waiting"
        if "forget" in kinds:  # the service deletes everything: the next message is a new person's
            assert result.state == State()
            self.state, self.new_session, self.handoff = State(), True, None
        return result

    @rule(text=TEXTS, channel=st.sampled_from([SMS, WHATSAPP]), media=st.integers(0, 2))
    def texter_writes(self, text, channel, media):
        self._step(text, channel, media)

    @precondition(lambda self: not self.state.opted_out and self.handoff is None)
    @rule(word=st.sampled_from(sorted(GLOBALS)), channel=st.sampled_from([SMS, WHATSAPP]))
    def global_word(self, word, channel):
        """A global word works from anywhere the bot drives the conversation."""
        result = self._step(word, channel)
        if result.state.lang is None:
            assert result.node == SCRIPT.start
        else:
            assert result.node == GLOBALS[word], (word, result.node)

    @precondition(lambda self: not self.state.opted_out)
    @rule(word=st.sampled_from(_words("kw.delete")), confirm=st.sampled_from(_words("kw.yes") + ["same"]))
    def delete_and_confirm(self, word, confirm):
        """BORRAR/DELETE/SACHAJ then a yes (or the same word) always forgets, even in a handoff."""
        pending = self.state.confirm_delete
        asked = self._step(word, SMS)
        if pending:  # a deletion was already asked for: this word confirms it
            assert ("forget", {}) in asked.events
            return
        assert asked.state.confirm_delete and asked.events == []
        done = self._step(word if confirm == "same" else confirm, SMS)
        assert ("forget", {}) in done.events

    @precondition(lambda self: self.handoff == "waiting")
    @rule()
    def volunteer_claims(self):
        self.handoff = "claimed"

    @precondition(lambda self: self.handoff is not None)
    @rule()
    def volunteer_closes(self):
        self.handoff = None

    @rule(minutes=st.integers(1, 24 * 60))
    def time_passes(self, minutes):
        """Time passes; after SESSION_TTL the service finds no session, only the language and STOP."""
        self.now += datetime.timedelta(minutes=minutes)
        if minutes >= 60:
            self.state = State(lang=self.state.lang, opted_out=self.state.opted_out)
            self.new_session = True

    @invariant()
    def language_is_known(self):
        assert self.state.lang in (None,) + SCRIPT.languages


TestEngineMachine = EngineMachine.TestCase
TestEngineMachine.settings = settings(max_examples=150, stateful_step_count=30, deadline=None)


SIDS = st.one_of(st.text("0123456789abcdef", min_size=32, max_size=32).map(lambda x: "SM" + x),
                 st.just(None), st.text(max_size=70))
SENDERS = st.one_of(st.from_regex(r"\+[1-9][0-9]{6,14}", fullmatch=True),
                    st.from_regex(r"whatsapp:\+[1-9][0-9]{6,14}", fullmatch=True), st.just(None), st.text(max_size=30))
FIELD_TEXT = st.text(st.characters(codec="utf-8"), max_size=200)
FORMS = st.fixed_dictionaries(
    {"MessageSid": SIDS, "From": SENDERS},
    optional={"Body": st.one_of(FIELD_TEXT, st.sampled_from(KEYWORDS + NUMBERS + OPT)),
              "NumMedia": st.one_of(st.integers(-3, 20).map(str), FIELD_TEXT),
              "OptOutType": st.sampled_from(["STOP", "START", "HELP", "", "whatever"]),
              "To": st.just("+15005550006"), "SmsSid": SIDS,
              "MediaUrl0": FIELD_TEXT, "ProfileName": FIELD_TEXT, "Extra": FIELD_TEXT})


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(form=FORMS)
def test_webhook_never_fails_and_always_answers_twiml(app, form):
    """Whatever a signed form holds: 200 with valid TwiML, or a clear 400; never a 5xx."""
    fields = {k: v for k, v in form.items() if v is not None}
    url = "http://localhost/twilio/messages"
    response = app.test_client().post("/twilio/messages", data=fields,
                                      headers={"X-Twilio-Signature": twilio_signature(TOKEN, url, fields)})
    assert response.status_code in (200, 400), response.get_data(as_text=True)
    event(f"status {response.status_code}")
    if response.status_code == 200:
        assert response.mimetype == "application/xml"
        root = ET.fromstring(response.get_data())
        assert root.tag == "Response" and all(child.tag == "Message" for child in root)
        assert all((child.text or "").strip() for child in root)
