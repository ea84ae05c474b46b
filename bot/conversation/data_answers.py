"""The engine's answers from data: the directory's organisations for a place and topic, DOL's job data.

A mixin of the engine's step (bot/conversation/engine.py), beside the answers to sentences
(bot/conversation/sentences.py). Pure: no Flask, Redis or Twilio (a job lookup arrives in the Context).
"""
from bot.conversation import jobreply
from bot.conversation.state import SMS


class DataAnswers:
    """Replies built from the directory and from DOL's job data (mixed into the engine's _Step)."""

    def referral_text(self, node):
        """Return the referral answer for the remembered place and topic."""
        entries = self.script.referrals(self.state.topic, self.state.place, self.state.nationality)
        if not entries:
            return [self.t(node.texts.get("none", "referral.none"))]
        country = (self.script.places.get(self.state.place) or {}).get("country", self.state.place)
        lines = [self.t(node.texts.get("found", "referral.found"))]
        for entry in entries:
            lines.append(self.directory_line(entry, country))
        if node.texts.get("end") and self.ends_with_person(node, entries):
            lines.append(self.t(node.texts["end"]))
        return ["\n".join(lines)]

    def ends_with_person(self, node, entries):
        """Return True when a referral should end by offering a person: on topics where no line gives
        free legal help (asylum, immigration agents), or when a consular line has no verified number."""
        if self.state.topic in (node.texts.get("end_topics") or ()):
            return True
        return any(e.get("nationality") and not (e.get("phones") or e.get("web")) for e in entries)

    def directory_line(self, entry, country):
        """Return one directory entry as a line a phone can dial from (or an address to open)."""
        dial_from = country if country in ("US", "MX") else "other"
        phones = [p for p in entry.get("phones") or () if p.get("from", "US") == dial_from]
        shown = phones or entry.get("phones") or ()
        reach = []
        for phone in shown:
            where = "" if phones else f" ({self.t('dir.from_' + phone.get('from', 'US'))})"
            reach.append(f"{self.t('dir.' + phone.get('kind', 'call'))} {phone['number']}{where}")
        if entry.get("web"):
            reach.append(entry["web"])
        name = (entry.get("names") or {}).get(self.state.lang) or entry["name"]
        if entry.get("nationality") and not self.state.nationality:  # who it is for (referrals.py)
            name = f"{name} ({self.t('dir.for_' + entry['nationality'])})"
        hours_text = (entry.get("hours") or {}).get(self.state.lang) or (entry.get("hours") or {}).get("es")
        line = f"- {name}: {', '.join(reach)}" if reach else f"- {name}"  # a consulate with no verified number
        if not hours_text:
            return f"{line}."
        return f"{line}. {hours_text}" + ("" if hours_text.endswith((".", "!", "?")) else ".")

    def job_answer(self, lookup):
        """Answer from DOL's job data; stay where a name or number can follow (the script's jobs node)."""
        st, script = self.state, self.script
        lang = st.lang or lookup.lang or self.understanding().lang or script.source_language
        if st.lang is None:  # a first message that is a case number or a name: its language stays
            st.lang = lang
            self.events.append(("language", lang))
        text, st.picks = jobreply.answer(script, lang, self.inbound.channel == SMS, lookup)
        node = (script.spec.get("jobs") or {}).get("node")
        if node in script.nodes:
            st.node, st.misses = node, 0
        self.events.append(("job_lookup", {"outcome": lookup.outcome, "lang": lang}))
        return self.send([text])
