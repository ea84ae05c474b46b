"""The conversation step: a pure function from (script, state, inbound message) to replies and events.

No Flask, Redis or Twilio here. The transition order, in one place:
  1. carrier opt-out words (STOP...) and opt-in words (START...) while opted out
  2. danger now (the emergency word, or the danger model: violence, self-harm, medical, poison), in
     every state: its kind's page; in a handoff the message is kept and the handoff marked urgent
  3. deletion: BORRAR/DELETE asks to confirm; the same word or a yes confirms (a "forget" event),
     "no" is acknowledged, anything else cancels and is understood as usual below
  4. a conversation waiting for a person keeps every message for the volunteer and acknowledges it
     (MENU asks before leaving the line); once claimed, the bot is quiet
  4b. alerts: ALERTAS / BAJA and the answer to "which state?" (bot/conversation/alert_steps.py)
  5. no language yet: a language name or the language menu's number; a statement of one's language;
     a sentence whose language and topic can be told is answered in that language; else the greeting
  6. global words (MENU, AYUDA, IDIOMA, a language's name) from any node
  7. a number picking one of two topics offered (a sentence that named both)
  8. a new session (after silence, or after a handoff closed): a sentence is answered, else the main menu
  9. "more" continues a paged SMS reply
 10. the current node's options, by number or word
 11. the referral node reads a place, alone or inside a sentence (a place wins over a language word
     there; where the texter comes from is not where they are; "Carolina" asks which one); a place
     said earlier in the conversation is not asked for again (bot/conversation/place_steps.py)
 12. a sentence about a topic, a person, an organisation or one's language (bot/conversation/
     sentences.py), with a danger line first when danger is possible or past; "more" opens the
     topic's next page; small talk gets one line
 13. anything else is a miss; several in a row offer a person
"""

from bot.conversation import hours
from bot.conversation import pager
from bot.conversation.alert_steps import AlertSteps
from bot.conversation.state import (  # noqa: F401 (the engine's API: callers import these from here)
    ACK_INTERVAL, HELP_OPT_OUT_TYPE, OPT_IN_WORDS, OPT_OUT_WORDS, SMS, TRAIL_LENGTH, WHATSAPP, Context, Inbound,
    Result, State)
from bot.conversation.data_answers import DataAnswers
from bot.conversation.place_steps import PlaceSteps
from bot.conversation.sentences import SentenceSteps
from bot.conversation.texter_steps import TexterSteps
from bot.conversation.textmatch import normalize


class _Step(SentenceSteps, PlaceSteps, DataAnswers, TexterSteps, AlertSteps):
    """One step's working data; methods are the transitions."""

    def __init__(self, script, state, inbound, ctx):
        self.script, self.state, self.inbound, self.ctx = script, state, inbound, ctx
        self.norm = normalize(inbound.text)
        self.events = []
        self.why = []
        self.exact = None  # the option a menu number or word chose (the decision shown to staff)

    # -- replies ----------------------------------------------------------------------------------

    def t(self, text_id, **params):
        """Return a text in the texter's language."""
        return self.script.text(text_id, self.state.lang, **params)

    def options_text(self, node):
        """Return a node's numbered options, one a line."""
        return "\n".join(f"{i}. {self.t(o.label)}" for i, o in enumerate(node.options, start=1))

    def parts(self, node):
        """Return the logical messages a node shows when entered (or re-shown for paging)."""
        st = self.state
        if node.type == "referral" and st.place:
            body = self.referral_text(node)
        elif node.type == "handoff":
            body = [self.handoff_text(node)]
        else:
            body = [self.t(tid) for tid in node.text]
        if not node.options:
            return body
        if node.type in ("menu", "language") or (node.type == "referral" and not st.place):
            body[-1] = f"{body[-1]}\n{self.options_text(node)}"
        else:
            body.append(f"{self.t(self.script.engine_text('choose'))}\n{self.options_text(node)}")
        return body

    def handoff_text(self, node):
        """Return what happens next for a texter who asked for a person, with office hours."""
        office = self.script.office_hours
        if not office or hours.is_open(self.ctx.now, office):
            return self.t(node.text[0])
        opening = hours.next_opening(self.ctx.now, office)
        if opening is None:
            return self.t(node.text[0])
        when = f"{hours.format_when(opening, self.state.lang)} ({self.t('handoff.timezone')})"
        return self.t(node.texts.get("closed", node.text[0]), when=when)

    def send(self, parts, page=0, lead=None):
        """Return the channel-ready replies for parts, showing one SMS page or every WhatsApp message.

        lead: a line put before the first part ("Lugar: ...", the change-language line); it is kept
        while pages follow, so the next page is cut from the same text and no words are lost."""
        script, fold, st = self.script, self.script.sms.get("fold_accents", True), self.state
        if lead:
            parts = [f"{lead}\n{parts[0]}"] + parts[1:]
        hint = self.t(script.engine_text("more_hint"))
        if self.inbound.channel == WHATSAPP:
            st.page, st.more, st.lead = 0, False, None
            return pager.whatsapp_pages(parts)
        pages = pager.sms_pages(parts, int(script.sms.get("max_segments", 3)), hint, fold)
        page = min(page, len(pages) - 1)
        st.page, st.more = page, page < len(pages) - 1
        st.lead = lead if lead and st.more else None
        return [pager.with_hint(pages, page, hint, fold)]

    # -- transitions ------------------------------------------------------------------------------

    def enter(self, node_id, prefix=None):
        """Move to a node and return its replies (with an optional line before them)."""
        st, node = self.state, self.script.nodes[node_id]
        st.node, st.misses = node_id, 0
        st.trail = (st.trail + [node_id])[-TRAIL_LENGTH:]
        if node_id == self.script.main:
            st.topic = None
        if node.topic:
            if node.topic != st.topic:  # counted for staff reports once per visit, not per page
                self.events.append(("topic", node.topic))
            st.topic = node.topic
        if node.type == "referral":
            st.place = None
            known = self.referral_on_entry(node, prefix)  # a place said earlier is not asked again
            if known is not None:
                return known
        parts = self.parts(node)
        if node.type == "handoff":
            st.handoff, st.ack_at = True, self.ctx.now.timestamp()
            self.events.append(("handoff_open", {"topic": st.topic, "lang": st.lang, "urgent": st.urgent,
                                                 "channel": self.inbound.channel, "trail": list(st.trail)}))
            st.urgent = False
        return self.send(self.with_alerts_offer(node, parts, prefix), lead=prefix)

    def choose(self, option):
        """Follow an option or a global word."""
        if option.set_language:
            self.state.lang = option.set_language
            self.events.append(("language", option.set_language))
            return self.enter(option.goto or self.script.main)
        return self.enter(option.goto)

    def miss(self, reason_id):
        """Say the message was not understood and repeat the options; offer a person after several."""
        st, script = self.state, self.script
        st.misses += 1
        reason = self.t(script.engine_text(reason_id))
        if script.stuck and st.lang and st.misses >= script.misses_before_stuck and st.node != script.stuck:
            return self.enter(script.stuck, prefix=reason)
        node = script.nodes[st.node]
        misses = st.misses
        if node.type == "language":
            replies = self.enter(node.id, prefix=reason)
        elif node.options:
            replies = self.send([f"{reason} {self.t(script.engine_text('choose'))}\n{self.options_text(node)}"])
        else:
            replies = self.send([reason])
        st.misses = misses
        return replies

    def run(self):
        """Apply the transition order of the module docstring and return the replies."""
        st, script, inbound, norm = self.state, self.script, self.inbound, self.norm
        choice, st.choice = st.choice, None  # a choice of two topics holds for the next message only
        self.alerts_asked, st.alerts_ask = st.alerts_ask, None  # so does the question "which state?"
        opt_type = (inbound.opt_out_type or "").upper()
        if opt_type == "STOP" or (norm in OPT_OUT_WORDS and opt_type != "START"):
            if not st.opted_out:
                self.events.append(("opt_out", {}))
            st.opted_out, st.confirm_delete = True, None  # STOP also cancels a pending deletion
            return []
        if st.opted_out:
            if opt_type != "START" and norm not in OPT_IN_WORDS:
                return []
            st.opted_out = False
            self.events.append(("opt_in", {}))
            return self.enter(script.main if st.lang else script.start)

        self.note_whereabouts()
        option = self.place_over_language(script.match_global(norm) if norm else None)
        if self.is_danger(option):
            return self.danger()
        asked, st.confirm_delete = st.confirm_delete, None
        if option is not None and option.action == "delete":
            return self.forget(asked) if asked else self.ask_forget(option)
        if asked and script.is_yes(norm):
            return self.forget(asked)
        if asked and script.is_no(norm):
            return self.send([self.script.text(script.engine_text("delete_kept"), st.lang or asked)])

        if self.ctx.handoff_status:
            return self.keep_for_volunteer(option)
        if st.handoff:  # the handoff was closed since the last message: back to the bot
            st.handoff, st.node, st.leave = False, None, False
        alerts = self.alerts_step(option)
        if alerts is not None:
            return alerts

        if self.ctx.lookup is not None and option is None:  # a case number or employer name (issue 16)
            return self.job_answer(self.ctx.lookup)
        if opt_type == HELP_OPT_OUT_TYPE and option is None:
            option = next((g for g in script.globals if g.goto == "help"), None)
        if st.lang is None:
            return self.choose_language(option)
        if option is not None:
            self.exact = option.goto or option.set_language
            return self.choose(option)
        picked = self.pick_choice(choice) if choice else None
        if picked is not None:
            self.exact = self.state.node
            return picked
        if self.ctx.new_session or st.node not in script.nodes:
            answer = (self.sentence() or self.possible_danger()) if norm else None
            return answer if answer is not None else self.enter(script.main)

        node = script.nodes[st.node]
        if st.more and (script.is_more(st.lang, norm) or self.decision().kind == "more"):
            return self.send(self.parts(node), page=st.page + 1, lead=st.lead)
        number = script.match_option(node.id, st.lang, norm) if norm else None
        if number is not None:
            self.exact = node.options[number - 1].goto or node.options[number - 1].set_language
            return self.choose(node.options[number - 1])
        if node.type == "referral" and norm:
            answered = self.referral_reply(node)
            if answered is not None:
                return answered
        if norm:
            for answer in (self.sentence, lambda: self.next_page(node), self.small_talk,
                           lambda: self.place_at_topic(node), lambda: self.carolina_at_topic(node),
                           self.possible_danger):
                replies = answer()
                if replies is not None:
                    return replies
        if node.type == "referral" and norm:
            return self.miss("unknown_place")
        if not norm and inbound.media:
            return self.miss("media")
        self.events.append(("not_understood", {"words": self.understanding().unknown_words()}))
        return self.miss("not_understood")

    def next_page(self, node):
        """Return the replies for "more" where no page waits: the node's "more information" option, else
        a line saying there is no more; None when the message is not "more"."""
        if self.decision().kind != "more":
            return None
        more = next((o for o in node.options if o.label == self.script.more_label), None)
        if more is not None:
            return self.choose(more)
        return self.send([self.t(self.script.engine_text("no_more"))])

    def choose_language(self, option):
        """Handle a texter with no language yet: a language name or menu number, else the greeting."""
        st, script = self.state, self.script
        if option is not None and option.set_language:
            self.exact = option.set_language
            return self.choose(option)
        if st.node == script.start and not self.ctx.new_session:
            number = script.match_option(script.start, None, self.norm) if self.norm else None
            if number is not None:
                option = script.nodes[script.start].options[number - 1]
                self.exact = option.set_language or option.goto
                return self.choose(option)
            answered = self.first_words() if self.norm else None
            if answered is not None:
                return answered
            return self.enter(script.start, prefix=self.t(script.engine_text("not_understood")))
        answered = self.first_words() if self.norm else None
        return answered if answered is not None else self.enter(script.start)


def is_opt_command(inbound):
    """Return True for a carrier opt-out (STOP...) or one Twilio classified: never rate limited.

    Opt-in words are not exempt by themselves: "yes" is an everyday word, and a flood of it would cost
    replies; a STOP costs none.
    """
    return bool(inbound.opt_out_type) or normalize(inbound.text) in OPT_OUT_WORDS


def step(script, state, inbound, ctx):
    """Return the Result of one inbound message applied to a conversation state (not mutated)."""
    # An employer search's picks last one message, whatever it says (nothing looked up is kept).
    working = object.__new__(State)  # copy.copy's copy (dataclasses.replace's, without its __init__)
    working.__dict__.update(vars(state))
    working.trail, working.picks = list(state.trail), []
    work = _Step(script, working, inbound, ctx)
    replies = work.run()
    if work.exact:
        decided = ("option", (work.exact,), None)
    elif work._decision is not None:
        decided = (work._decision.kind, tuple(work._decision.intents), work._decision.topic)
    else:
        decided = None
    return Result(state=work.state, replies=[r for r in replies if r], events=work.events,
                  node=work.state.node, why=work.why, decided=decided)
