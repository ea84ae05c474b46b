"""The engine's answers about the texter's own conversation: a deletion asked for and confirmed, and the
messages kept for a volunteer while waiting for a person (a mixin of the engine's step,
bot/conversation/engine.py). Pure: no Flask, Redis or Twilio."""
from bot.conversation import hours
from bot.conversation.state import State


class TexterSteps:
    """Deletion and waiting for a person (mixed into the engine's _Step)."""

    def ask_forget(self, option):
        """Ask the texter to confirm that everything about them should be deleted."""
        st = self.state
        st.confirm_delete = (st.lang or self.script.language_of(option.words, self.norm)
                             or self.script.source_language)
        return self.send([self.script.text(self.script.engine_text("delete_confirm"), st.confirm_delete)])

    def forget(self, lang=None):
        """Confirm the deletion: a "forget" event; the texter starts again as someone new."""
        lang = self.state.lang or lang
        self.events.append(("forget", {}))
        self.state = State()
        return self.send([self.script.text(self.script.engine_text("delete_done"), lang)])

    def keep_for_volunteer(self, option=None):
        """Keep the message for the volunteer; while nobody has claimed it, acknowledge every message."""
        st = self.state
        self.events.append(("handoff_message", {"text": self.inbound.text, "media": self.inbound.media}))
        st.handoff = True
        if self.ctx.handoff_status != "waiting":
            return []
        st.ack_at = self.ctx.now.timestamp()
        return self.waiting_reply(option)

    def waiting_reply(self, option):
        """Answer a message while waiting for a person: one segment, or a kind check before leaving the line."""
        st, script = self.state, self.script
        if option is not None and option.goto == script.main and not option.set_language:
            if st.leave:
                st.leave, st.handoff, st.node = False, False, None
                self.events.append(("handoff_cancel", {}))
                return self.enter(script.main, prefix=self.t(script.engine_text("left_queue")))
            st.leave = True
            return self.send([self.t(script.engine_text("leave_queue"))])
        st.leave = False
        office = script.office_hours
        opening = None if not office or hours.is_open(self.ctx.now, office) else hours.next_opening(self.ctx.now, office)
        if opening is None:
            return self.send([self.t(script.engine_text("waiting_ack"))])
        when = f"{hours.format_when(opening, st.lang)} ({self.t('handoff.timezone')})"
        return self.send([self.t(script.engine_text("waiting_ack_closed"), when=when)])
