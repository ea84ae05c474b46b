"""The engine's answers to sentences: danger, a topic, a choice of two, a language, small talk, the first
message.

A mixin of the engine's step (bot/conversation/engine.py): it reads the message once with the script's
trained models (bot/conversation/understanding/), decides (bot/conversation/decision.py) and acts as if
the texter had chosen the option the decision names. Pure: no Flask, Redis or Twilio.
"""
import re
from collections.abc import Sequence

from bot.conversation.decision import Decision, decide
from bot.conversation.textmatch import read_number
from bot.conversation.understanding.reader import LANGUAGE_MIN_LETTERS

EMERGENCY_NUMBER = "911"
# A DOL case number and nothing else ("H-300-25041-123456", "h300 25041 123456", "#C-11060-28222.")
CASE_NUMBER_ONLY = re.compile(r"[\W_]*[hcp]?[\W_]*(?:[0-9o]+[\W_]*)+")


class SentenceSteps:
    """Transitions for messages in the texter's own words (mixed into the engine's _Step)."""

    _understood = None
    _decision = None

    def understanding(self):
        """Return the Understanding of the message (read once per step)."""
        if self._understood is None:
            self._understood = self.script.understand(self.inbound.text)
        return self._understood

    def decision(self):
        """Return the Decision for the message (danger, go, choice, language, more, small or none)."""
        if self._decision is None:
            script = self.script
            # The exact rules first: a number, "more", a menu's word, a place or a case number alone never
            # pays for the models (nor is ever read as danger).
            if not self.norm or read_number(self.norm, {}) is not None:
                self._decision = Decision()  # a menu number is never a sentence
            elif script.is_more_sentence(self.norm) or script.is_more(self.state.lang, self.norm):
                self._decision = Decision("more", ("more",))
            elif self.is_menu_word():
                self._decision = Decision()  # an option's own word: the menus answer it exactly
            elif script._whole_message_place(self.norm) is not None:
                self._decision = Decision()  # a place alone ("Arizona") is where the texter is, never danger
            elif self.ctx.lookup is not None and CASE_NUMBER_ONLY.fullmatch(self.norm):
                self._decision = Decision()  # a case number alone: the job data answers it
            elif EMERGENCY_NUMBER in (u := self.understanding()).words and not u.danger and script.danger_pages:
                # 911 written in a sentence ("911 help", "llamen al 911") is an exact rule, as alone
                kind = u.near_danger if u.near_danger in script.danger_pages else next(iter(script.danger_pages))
                self._decision = Decision("danger", (kind,))
            else:
                accept = script.understander.accept if script.understander is not None else 1.0
                self._decision = decide(u, script.leads, accept, script.language_intents, script.small_talk,
                                        named=script.named_language(self.norm),
                                        urgent=script.is_urgent(self.norm))
            read = self._understood  # None when an exact rule decided without the models
            self.why = _Why(read, self._decision)
        return self._decision

    def is_danger(self, option):
        """Return True when the message is about danger now: the emergency word, or the danger model
        (never for a word the menus know exactly: a global word, an option, "more", yes or no)."""
        if option is not None and option.goto and option.goto == self.script.danger_goto:
            return True
        if not self.norm or option is not None:
            return False
        return self.decision().kind == "danger"

    def is_menu_word(self):
        """Return True when the whole message is a word the menus answer exactly where the texter is."""
        script, st, norm = self.script, self.state, self.norm
        if st.node in script.nodes and script.match_option(st.node, st.lang, norm) is not None:
            return True
        return bool(st.confirm_delete) and (script.is_yes(norm) or script.is_no(norm))

    def danger(self):
        """Answer danger in any state: its kind's page; a handoff (open or opened from it) is urgent."""
        st, script = self.state, self.script
        st.confirm_delete, st.leave = None, False
        decision = self.decision()
        kind = decision.intents[0] if decision.kind == "danger" else None
        goto = script.danger_pages.get(kind) or script.danger_goto
        prefix = None
        if st.lang is None:
            u = self.understanding()  # answered in the likeliest language, even when not sure
            st.lang = u.lang or (u.lang_guess if u.lang_guess in script.languages else script.source_language)
            self.events.append(("language", st.lang))
            prefix = self.t(script.engine_text("change_language"))
        node = script.nodes[goto]
        if self.ctx.handoff_status:
            self.events.append(("handoff_message", {"text": self.inbound.text, "media": self.inbound.media}))
            self.events.append(("urgent", {}))
            st.handoff = True
            return self.send([self.t(tid) for tid in node.text])
        st.urgent = True
        return self.enter(node.id, prefix=prefix)

    def danger_line(self):
        """Return the one line put first when danger is possible but not sure, or in the past; else None."""
        line = self.decision().line
        tid = self.script.danger_lines.get(line) if line else None
        if tid:
            self.events.append(("danger_line", {"kind": line}))
        return self.t(tid) if tid else None

    def sentence(self, prefix=None):
        """Act on a sentence about a topic, a person or an organisation; return None when it is none."""
        script, st = self.script, self.state
        decision = self.decision()
        if decision.kind == "language":
            return self.choose_spoken(decision.intents[0])
        if decision.kind not in ("go", "choice"):
            return None
        line = self.danger_line()
        prefix = "\n".join(p for p in (line, prefix) if p) or None
        if decision.kind == "choice":
            return self.offer_choice(decision.intents, prefix)
        intent = decision.intents[0]
        goto = script.leads[intent]
        if decision.speak in script.languages and decision.speak != st.lang:
            st.lang = decision.speak  # "can someone call me in Spanish": the person answers in it
            self.events.append(("language", st.lang))
        if decision.topic and script.nodes[goto].type in ("referral", "handoff"):
            topic_node = script.nodes.get(script.leads.get(decision.topic))
            if topic_node is not None and topic_node.topic:
                st.topic = topic_node.topic
                self.events.append(("topic", topic_node.topic))
        replies = self.enter(goto, prefix=prefix)
        node = script.nodes[goto]
        if node.type == "referral":
            place = script.find_place(self.inbound.text, self.norm)
            if place is not None:
                return self.give_referral(node, place, prefix)
        return replies

    def possible_danger(self, prefix=None):
        """Answer a message nothing else understood in which danger is possible: its danger line, then the
        main menu; None when there is no such line."""
        decision = self.decision()
        if decision.kind is not None or decision.line in (None, "past") or not self.state.lang:
            return None  # danger in the past gets its line only beside the topic it is about
        line = self.danger_line()
        return self.enter(self.script.main, prefix="\n".join(p for p in (line, prefix) if p) or None)

    def choose_spoken(self, lang):
        """Set the language a texter said they speak ("hablo mejor español") and show the main menu."""
        st = self.state
        if lang not in self.script.languages:
            return None
        st.lang = lang
        self.events.append(("language", lang))
        return self.enter(self.script.main)

    def offer_choice(self, intents, prefix=None):
        """Offer a short numbered choice of two topics (one SMS segment); the next message picks one."""
        script, st = self.script, self.state
        gotos = [script.leads[i] for i in intents]
        st.choice = gotos
        lines = [self.t(script.engine_text("choose_topic"))]
        lines += [f"{n}. {self.t(script.label_of(goto))}" for n, goto in enumerate(gotos, start=1)]
        text = "\n".join(lines)
        return self.send([f"{prefix}\n{text}" if prefix else text])

    def pick_choice(self, choice):
        """Return the replies for a number picking one of the topics offered, or None."""
        number = read_number(self.norm, self.script.number_words.get(self.state.lang, {})) if self.norm else None
        if number is not None and 1 <= number <= len(choice) and choice[number - 1] in self.script.nodes:
            return self.enter(choice[number - 1])
        return None

    def small_talk(self):
        """Answer thanks, hello, ok or bye with one friendly line; None when the message is none of these."""
        decision = self.decision()
        if decision.kind != "small":
            return None
        return self.send([self.t(self.script.small_talk[decision.intents[0]])])

    def first_words(self):
        """Answer a first message in the texter's own words in its language, or return None (the greeting)."""
        script, st = self.script, self.state
        decision = self.decision()
        if decision.kind == "language":
            return self.choose_spoken(decision.intents[0])
        if decision.kind not in ("go", "choice") and not decision.line:
            return None
        u = self.understanding()
        lang = decision.speak or u.lang
        if lang is None and sum(len(w) for w in u.words) >= LANGUAGE_MIN_LETTERS:
            lang = u.lang_guess  # the topic is clear: answered in the likeliest language (it can change)
        if lang not in script.languages:
            return None
        st.lang = lang
        self.events.append(("language", lang))
        change = self.t(script.engine_text("change_language"))
        return self.sentence(prefix=change) or self.possible_danger(prefix=change)

    def place_at_topic(self, node):
        """Answer a place named on a topic's page ("estoy en carolina del norte") with that topic's
        organisations there, as if the texter had asked for one; None when no place or no referral."""
        script, st = self.script, self.state
        referral = next((script.nodes[o.goto] for o in node.options
                         if o.goto in script.nodes and script.nodes[o.goto].type == "referral"), None)
        place = script.find_place(self.inbound.text, self.norm) if node.topic and referral else None
        if place is None:
            return None
        st.topic = node.topic
        self.enter(referral.id)
        return self.give_referral(referral, place)

    def give_referral(self, node, place, prefix=None):
        """Show the organisations for the remembered topic and the place understood, naming the place."""
        st, script = self.state, self.script
        st.place, st.misses = place.code, 0
        entries = [e.get("id", "") for e in script.referrals(st.topic, place.code, st.nationality)]
        self.events.append(("referral", {"topic": st.topic, "entries": entries, "place": place.code}))
        parts = self.parts(node)
        said = self.t(script.engine_text("place"), place=place.shown)
        said = f"{prefix}\n{said}" if prefix else said
        return self.send(parts, lead=said)


class _Why(Sequence):
    """The step's lines for staff (Result.why): the models' explanation, then the decision; written when
    first read (the simulator reads them; a texter's reply never does)."""

    def __init__(self, read, decision):
        """read: the Understanding (None when an exact rule decided); decision: the Decision."""
        self._read, self._decision, self._lines = read, decision, None

    def _all(self):
        if self._lines is None:
            self._lines = (self._read.explain() if self._read is not None else []) + [_say(self._decision)]
        return self._lines

    def __getitem__(self, index):
        return self._all()[index]

    def __len__(self):
        return len(self._all())

    def __eq__(self, other):
        return list(self._all()) == (list(other) if isinstance(other, (list, tuple, Sequence)) else other)

    def __repr__(self):
        return repr(self._all())


def _say(decision):
    """Return a decision as one line for staff (the simulator shows it)."""
    line = f"; the {decision.line} line first" if decision.line else ""
    if decision.kind is None:
        return f"decision: not understood{line}"
    extra = f" (topic {decision.topic})" if decision.topic else ""
    extra += f" (in {decision.speak})" if decision.speak else ""
    return f"decision: {decision.kind} {' + '.join(decision.intents)}{extra}{line}"
