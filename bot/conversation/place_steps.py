"""The engine's steps about places: where the texter is, where they come from, and "which Carolina?".

A mixin of the engine's step (bot/conversation/engine.py). Every message is read once for places
(bot/conversation/whereabouts.py): a place the texter says they are in, written exactly, is kept for
the conversation (State.where), so a state named in the first message is not asked for again when a
referral comes; a nationality ("soy de Guatemala", "I am from Honduras", "soy chapín") is kept too
(State.nationality) and chooses the consular line a referral gives. Both live in the session state,
which expires and which BORRAR deletes. Pure: no Flask, Redis or Twilio.
"""
from bot.conversation.places import Place

# "Which Carolina?" answered with a side alone: (code, how to say it in Spanish and K'iche', in English).
SIDES = {"norte": ("US-NC", "Carolina del Norte", "North Carolina"), "north": ("US-NC", "Carolina del Norte",
                                                                                "North Carolina"),
         "sur": ("US-SC", "Carolina del Sur", "South Carolina"), "south": ("US-SC", "Carolina del Sur",
                                                                           "South Carolina")}


class PlaceSteps:
    """Transitions about places (mixed into the engine's _Step)."""

    _whereabouts = None
    _exact = None

    def whereabouts(self):
        """Return the Whereabouts of this message, small typos forgiven (read once per step)."""
        if self._whereabouts is None:
            self._whereabouts = self.script.whereabouts(self.inbound.text)
        return self._whereabouts

    def exact_whereabouts(self):
        """Return the Whereabouts of this message from names written exactly (every message is read so)."""
        if self._exact is None:
            self._exact = self.script.whereabouts(self.inbound.text, fuzzy=False)
        return self._exact

    def note_whereabouts(self):
        """Keep a place the message says the texter is in (written exactly) and a nationality it gives."""
        st = self.state
        if not self.norm:
            return
        found = self.exact_whereabouts()
        if found.nationality:
            st.nationality = found.nationality
        if found.where is not None and not found.where.typo and not found.where.weak:
            st.where, st.where_name = found.where.code, found.where.shown

    def remembered_place(self):
        """Return the Place kept from earlier in the conversation, unless this message names one itself."""
        st = self.state
        code = st.where
        if not code or code not in self.script.places or (self.norm and self.whereabouts().where is not None):
            return None
        names = (self.script.places.get(code) or {}).get("names") or [code]
        return Place(code, str(names[0]), st.where_name or str(names[0]))

    def place_over_language(self, option):
        """Return None for a language word that names a place at the place prompt ("Quiché" is a
        department of Guatemala there, not the K'iche' language); else the option unchanged."""
        st, script = self.state, self.script
        if option is None or not option.set_language or not st.lang:
            return option
        node = script.nodes.get(st.node)
        if node is None or node.type != "referral" or self.exact_whereabouts().where is None:
            return option
        return None

    def referral_reply(self, node):
        """Answer a message at the place prompt: the organisations for the place named, "which
        Carolina?", or where they are now when only where they come from was said; None otherwise."""
        found = self.whereabouts()
        side = SIDES.get(self.norm.removeprefix("del ").removeprefix("carolina del "))
        if side is not None:
            code, spanish, english = side
            shown = english if self.state.lang == "en" else spanish
            self.state.where, self.state.where_name = code, shown
            return self.give_referral(node, Place(code, shown, shown))
        if found.where is not None:
            self.state.where, self.state.where_name = found.where.code, found.where.shown
            return self.give_referral(node, found.where)
        if found.carolina:
            return self.ask_carolina()
        if found.nationality:
            return self.send([self.t(self.script.engine_text("where_now"))])
        return None

    def ask_carolina(self, prefix=None):
        """Ask whether "Carolina" is North or South Carolina (the next message is read at the place prompt)."""
        return self.send([self.t(self.script.engine_text("which_carolina"))], lead=prefix)

    def carolina_at_topic(self, node):
        """Answer "estoy en carolina" on a topic's page: go to its referral and ask which Carolina."""
        script = self.script
        if not node.topic or not self.exact_whereabouts().carolina:
            return None
        referral = next((o.goto for o in node.options
                         if o.goto in script.nodes and script.nodes[o.goto].type == "referral"), None)
        if referral is None:
            return None
        st = self.state
        st.node, st.misses, st.place = referral, 0, None
        return self.ask_carolina()

    def referral_on_entry(self, node, prefix=None):
        """Return the replies for entering a referral node when the place is already known (said
        earlier, or "Carolina" now); None when the place prompt should be shown."""
        if self.norm and self.exact_whereabouts().carolina:
            return self.ask_carolina(prefix)
        known = self.remembered_place()
        if known is None:
            return None
        return self.give_referral(node, known, prefix)
