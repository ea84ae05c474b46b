"""The engine's steps about alerts by consent (issue 25): subscribe, the state asked once, stop, the offer.

A mixin of the engine's step (bot/conversation/engine.py). ALERTAS / ALERTS / TZIJOL (global words of the
script, `action: alerts`) subscribes: with the state the subscription already has (a renewal), or the
U.S. state the texter said they are in earlier in the conversation, or else after asking it once. The
answer to that question is read like the place prompt's: a state subscribes to that state's alerts,
"Carolina" asks which, anything else subscribes to the alerts for every state (the texter consented;
the question is not asked again), and a global word (MENU...) leaves without subscribing. BAJA / STOP
ALERTS / MAJ TZIJOL (`action: alerts_stop`) ends the subscription; STOP ends everything (the conversation
service deletes the subscription with the opt-out, and BORRAR with the rest). Once, after a topic page
that has room for it in the same SMS, one line offers the alerts. The engine only says what happened
(events alerts_subscribe, alerts_stop, alerts_offered); the store keeps it. Pure: no Flask, Redis or Twilio.
"""
from bot.conversation import pager
from bot.conversation.place_steps import SIDES
from bot.conversation.quiet_hours import STATE_ZONES
from bot.conversation.state import WHATSAPP

DEFAULT_PER_MONTH = 2


def per_month(script):
    """Return how many alerts a subscriber gets in a month at most (the script's alerts.per_month)."""
    try:
        return max(1, int((script.spec.get("alerts") or {}).get("per_month", DEFAULT_PER_MONTH)))
    except (TypeError, ValueError):
        return DEFAULT_PER_MONTH


def state_name(script, code, lang):
    """Return how a texter reads a state's name: English's first name, else a Spanish one when places has it."""
    names = [str(n) for n in (script.places.get(code) or {}).get("names") or [code]]
    if lang != "en":
        for name in names[1:]:
            if len(name) > 2 and not name.isupper() and not name.startswith("Washington"):
                return name
    return names[0]


class AlertSteps:
    """Transitions about alerts (mixed into the engine's _Step)."""

    alerts_asked = None  # the language "which state?" was asked in by the last message (run() takes it)

    def alerts_step(self, option):
        """Return the replies when the message is about alerts (a word, or the answer to the state
        question), else None."""
        asked = self.alerts_asked
        if option is not None and option.action == "alerts":
            self.exact = "alerts"
            return self.subscribe(self._alerts_lang(option))
        if option is not None and option.action == "alerts_stop":
            self.exact = "alerts_stop"
            self.events.append(("alerts_stop", {}))
            lang = self._alerts_lang(option)
            return self.send([self.script.text(self.script.engine_text("alerts_stopped"), lang)])
        if asked and option is None and self.norm:
            return self.state_answer(asked)
        return None

    def _alerts_lang(self, option):
        """Return the language to answer about alerts in: the texter's, else the word's."""
        return (self.state.lang or self.script.language_of(option.words, self.norm)
                or self.script.source_language)

    def subscribe(self, lang):
        """Subscribe (or renew) with the state known, or ask for it once."""
        st, held = self.state, self.ctx.alerts
        if held is not None:  # a renewal keeps the state given before (or none, if none was given)
            return self.confirm_alerts(lang, held[1] or None)
        if st.where in STATE_ZONES:
            return self.confirm_alerts(lang, st.where)
        st.alerts_ask = lang
        return self.send([self.script.text(self.script.engine_text("alerts_ask"), lang)])

    def state_answer(self, lang):
        """Read the answer to "which state?": a state, "Carolina" (asked which), or anything else (every state)."""
        st, found = self.state, self.whereabouts()
        side = SIDES.get(self.norm.removeprefix("del ").removeprefix("carolina del "))
        code = side[0] if side else None
        if code is None and found.where is not None and found.where.code in STATE_ZONES:
            code = found.where.code
        if code is None and found.carolina:
            st.alerts_ask = lang
            return self.send([self.script.text(self.script.engine_text("which_carolina"), lang)])
        if code is not None:
            st.where, st.where_name = code, state_name(self.script, code, lang)
        return self.confirm_alerts(lang, code)

    def confirm_alerts(self, lang, state):
        """Record the subscription (an event) and confirm it in one message."""
        script = self.script
        self.events.append(("alerts_subscribe", {"state": state or "", "lang": lang,
                                                 "channel": self.inbound.channel}))
        self.state.offered = True
        if state:
            text = script.text(script.engine_text("alerts_confirm"), lang, place=state_name(script, state, lang),
                               per_month=per_month(script))
        else:
            text = script.text(script.engine_text("alerts_confirm_all"), lang, per_month=per_month(script))
        return self.send([text])

    def with_alerts_offer(self, node, parts, lead=None):
        """Return a topic page's parts with the alerts offer before its options, once, when it fits in one
        SMS page within the budget (WhatsApp: always); else the parts unchanged."""
        st, script = self.state, self.script
        topics = (script.spec.get("alerts") or {}).get("offer_after") or ()
        if (node.topic not in topics or node.type != "info" or not st.lang or st.offered or self.ctx.offered
                or self.ctx.alerts is not None or not parts or _danger_page(script, node.id)):
            return parts
        if st.where in STATE_ZONES:
            line = self.t(script.engine_text("alerts_offer_state"), place=state_name(script, st.where, st.lang))
        else:
            line = self.t(script.engine_text("alerts_offer"))
        at = len(parts) - 1 if node.options else len(parts)
        offered = parts[:at] + [line] + parts[at:]
        if self.inbound.channel != WHATSAPP:
            fold, budget = script.sms.get("fold_accents", True), int(script.sms.get("max_segments", 3))
            shown = ([f"{lead}\n{offered[0]}"] + offered[1:]) if lead else offered
            if len(pager.sms_pages(shown, budget, self.t(script.engine_text("more_hint")), fold)) > 1:
                return parts
        st.offered = True
        self.events.append(("alerts_offered", {}))
        return offered


def _danger_page(script, node_id):
    """Return True for a page that answers danger (an emergency page): never the place for an offer."""
    return node_id in set(script.danger_pages.values()) or any(g.goto == node_id for g in script.globals)
