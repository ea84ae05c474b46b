"""Alerts staff write (issue 25): a draft per alert, its checks, who it reaches and what it costs, and
scheduling; the counts the reports show. No Flask here: the pages (bot/alerts/pages.py) call this.

An alert has a kind (heat, fraud, rules, other), a text per language of its audience (Spanish, K'iche',
English; K'iche' needs review until staff say a native speaker checked it), an audience (states, none
meaning every state; languages), and a time to send (now, or later; quiet hours are the sender's
business). Counts shown to staff are k-anonymous like the reports: under K_MIN, "fewer than K_MIN".
"""
import datetime
import os
import secrets
import time

from bot.conversation import alert_checks, quiet_hours
from bot.conversation.sms import segments
from bot.conversation.wording import N_
from bot.alerts.sending import matches, message

KINDS = ("heat", "fraud", "rules", "other")
LANGS = ("es", "quc", "en")
K_MIN = 5  # as the reports' words (bot/reports/unknown_words.MIN_TEXTERS): smaller counts are not shown
ID_CHARS = "0123456789abcdef"
STATUS_NAMES = {"draft": N_("draft"), "scheduled": N_("scheduled"), "sending": N_("sending"),
                "waiting": N_("waiting for daytime"), "done": N_("sent"), "cancelled": N_("cancelled")}
MAX_TITLE = 80


class AlertError(ValueError):
    """An alert cannot be saved, sent or cancelled; messages (N_) say why, each naming its field."""

    def __init__(self, messages):
        """Keep every refusal ([(field, message)]), not only the first."""
        super().__init__("; ".join(m for _, m in messages))
        self.messages = messages


def is_alert_id(value):
    """Return True for an alert id as made here (16 hexadecimal digits)."""
    return isinstance(value, str) and len(value) == 16 and all(c in ID_CHARS for c in value)


def shown(count):
    """Return a count as staff see it: 0, or K_MIN and more, or None for "fewer than K_MIN"."""
    return count if count == 0 or count >= K_MIN else None


def read_fact_rows(script_dir):
    """Return the V and V* rows of the fact sheets in <script_dir>/facts (locales/facts/)."""
    folder = os.path.join(script_dir, "facts")
    sheets = []
    for name in ("CONTENT-FACTS.md", "REFERRAL-FACTS.md"):
        try:
            with open(os.path.join(folder, name), encoding="utf-8") as fh:
                sheets.append(fh.read())
        except OSError:
            continue
    return alert_checks.verified_rows(sheets)


class AlertService:
    """Write, check, preview, schedule and cancel alerts; count subscribers."""

    def __init__(self, store, get_script, fact_rows, clock=time.time):
        """store: the Store; get_script returns the script in force; fact_rows: verified_rows() text."""
        self.store, self.get_script, self.fact_rows, self.clock = store, get_script, fact_rows, clock

    # -- writing ----------------------------------------------------------------------------------

    def clean(self, form):
        """Return an alert's spec from a form's values ({title, kind, states, langs, text_<lang>,
        quc_reviewed}), or raise AlertError with every refusal."""
        refusals = []
        title = " ".join(str(form.get("title") or "").split())[:MAX_TITLE]
        if not title:
            refusals.append(("title", N_("give the alert a short name staff will recognise")))
        kind = form.get("kind")
        if kind not in KINDS:
            refusals.append(("kind", N_("choose what the alert is about")))
        langs = [lang for lang in LANGS if lang in (form.get("langs") or ())]
        if not langs:
            refusals.append(("langs", N_("choose at least one language")))
        states = sorted(set(form.get("states") or ()))
        unknown = [s for s in states if s not in quiet_hours.STATE_ZONES]
        if unknown:
            refusals.append(("states", N_("%(state)s is not a U.S. state code like US-NC", state=repr(unknown[0]))))
        texts = {}
        for lang in LANGS:
            text = str(form.get(f"text_{lang}") or "").replace("\r\n", "\n").strip()
            if len(text) > alert_checks.MAX_CHARS:
                refusals.append((f"text_{lang}", N_("the text is %(n)s characters long; an alert has at most %(max)s",
                                                     n=len(text), max=alert_checks.MAX_CHARS)))
            elif text:
                texts[lang] = text
            elif lang in langs:
                refusals.append((f"text_{lang}", N_("write the %(lang)s text, or leave that language out", lang=lang)))
        if refusals:
            raise AlertError(refusals)
        return {"title": title, "kind": kind, "langs": langs, "states": states, "texts": texts,
                "quc_reviewed": bool(form.get("quc_reviewed"))}

    def create(self, form, by):
        """Save a new draft alert from a form; return its id (AlertError when the form is refused)."""
        spec = self.clean(form)
        alert_id = "".join(secrets.choice(ID_CHARS) for _ in range(16))
        spec.update(by=by, created=int(self.clock()))
        self.store.save_alert(alert_id, spec, "draft")
        return alert_id

    def update(self, alert_id, form, by):
        """Change a draft's texts and audience (AlertError once it is scheduled or sent)."""
        alert = self._draft(alert_id)
        spec = {**alert["spec"], **self.clean(form), "edited_by": by}
        self.store.save_alert(alert_id, spec, "draft")

    def _draft(self, alert_id):
        """Return an alert that is still a draft, or raise AlertError."""
        alert = self.store.alert(alert_id)
        if alert is None:
            raise AlertError([("", N_("no such alert"))])
        if alert["status"] != "draft":
            raise AlertError([("", N_("this alert is %(status)s: it can no longer be changed",
                                      status=STATUS_NAMES.get(alert["status"], alert["status"])))])
        return alert

    # -- checking and preview ---------------------------------------------------------------------

    def findings(self, spec):
        """Return {lang: [(level, message)]} for each language of the alert (errors block sending)."""
        script = self.get_script()
        fold = script.sms.get("fold_accents", True)
        out = {}
        for lang in spec["langs"]:
            found = alert_checks.check_alert_text(spec["texts"].get(lang), self.fact_rows, fold=fold)
            if lang == "quc" and not spec.get("quc_reviewed"):
                found.append(("warning", N_("not yet reviewed by a native speaker")))
            out[lang] = found
        return out

    def blocked(self, spec):
        """Return True when a finding is an error (the alert cannot be sent)."""
        return any(level == "error" for found in self.findings(spec).values() for level, _ in found)

    def preview(self, spec, at=None):
        """Return who the alert reaches and what it costs: {"count", "by_lang": {lang: n}, "segments":
        {lang: (encoding, n)}, "sms_segments", "whatsapp", "quiet"} (raw counts: show them through shown()).
        quiet: how many would wait for the morning if it were sent at `at` (epoch; default now)."""
        fold = self.get_script().sms.get("fold_accents", True)
        moment = datetime.datetime.fromtimestamp(at or self.clock(), datetime.timezone.utc)
        cost = {lang: segments(message(spec, lang, True, fold)) for lang in spec["langs"]}
        count, by_lang, sms, quiet = 0, dict.fromkeys(spec["langs"], 0), 0, 0
        for batch in self.store.subscribers():
            for _, sub in batch:
                if not matches(spec, sub):
                    continue
                count += 1
                by_lang[sub["l"]] += 1
                sms += cost[sub["l"]][1]
                quiet += quiet_hours.is_quiet(moment, sub.get("st"))
        return {"count": count, "by_lang": by_lang, "segments": cost, "sms_segments": sms, "quiet": quiet}

    # -- sending ----------------------------------------------------------------------------------

    def schedule(self, alert_id, when, by):
        """Schedule a draft for when (epoch, None: now); return the time (AlertError when it cannot go)."""
        alert = self._draft(alert_id)
        if self.blocked(alert["spec"]):
            raise AlertError([("", N_("the checks found errors: correct the texts first"))])
        now = self.clock()
        if when is not None and when < now - 60:
            raise AlertError([("when", N_("that time has passed; choose a later one, or send now"))])
        if when is not None and when > now + 366 * 86400:
            raise AlertError([("when", N_("choose a time within a year"))])
        spec = {**alert["spec"], "send_at": int(when or now), "scheduled_by": by}
        self.store.save_alert(alert_id, spec, "scheduled")
        return spec["send_at"]

    def cancel(self, alert_id):
        """Stop a scheduled, waiting or sending alert (what was sent stays sent); AlertError otherwise."""
        if not self.store.set_alert_status_if(alert_id, ("scheduled", "waiting", "sending"), "cancelled"):
            raise AlertError([("", N_("only a scheduled or sending alert can be cancelled"))])

    # -- counts -----------------------------------------------------------------------------------

    def subscriber_counts(self):
        """Return {(state or "", lang): count} of the subscriptions in force."""
        counts = {}
        for batch in self.store.subscribers():
            for _, sub in batch:
                key = (sub.get("st") or "", sub.get("l") or "")
                counts[key] = counts.get(key, 0) + 1
        return counts

    def alerts(self, limit=50):
        """Return the newest alerts (each the store's dict), newest first."""
        found = (self.store.alert(i) for i in self.store.alert_ids(limit))
        return [a for a in found if a is not None]

    def report(self):
        """Return what the reports show: subscribers by state and language (k-anonymous) and, per alert
        sent, sent, delivered, failed and unsubscribed after it."""
        counts = self.subscriber_counts()
        states = sorted({state for state, _ in counts}, key=lambda s: (s == "", s))
        rows = [(state, [shown(counts.get((state, lang), 0)) for lang in LANGS]) for state in states]
        cells = [c for _, row in rows for c in row]
        hidden = sum(1 for c in cells if c is None)
        total = sum(c for c in cells if c)
        sent = [a for a in self.alerts() if a["status"] not in ("draft",)]
        return {"rows": rows, "total": total + hidden, "exact": not hidden,
                "alerts": [{"id": a["id"], "title": a["spec"]["title"], "status": a["status"],
                            "when": a.get("started") or a["spec"].get("send_at"),
                            "failed": shown(a["failed"] + a["undelivered"]),
                            **{k: shown(a[k]) for k in ("sent", "delivered", "unsub")}}
                           for a in sent]}
