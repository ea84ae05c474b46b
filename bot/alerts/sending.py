"""Sending one alert to its subscribers, a slice at a time, never twice (issue 25).

Run by the RQ job (bot/alerts/tasks.py). One job holds an alert at a time (a lease in Redis, renewed as it
goes). Each recipient is claimed in Redis before Twilio is asked (bot/storage/alerts.py): a worker that
dies between the claim and Twilio's answer leaves that one recipient "unknown", never sent again; the
next job skips everyone already claimed. Recipients whose state is in its quiet hours (21:00-08:00) wait:
the job schedules itself for the first moment one of them may be reached. The month's cap is checked in
the same claim. The pace is ALERTS_RATE messages a second.
"""
import datetime
import logging
import time
from dataclasses import dataclass

from bot.conversation import quiet_hours
from bot.conversation.sms import sms_safe

log = logging.getLogger(__name__)
SLICE_SECONDS = 600  # a job sends for at most this long, then queues the rest (imports get their turn)


@dataclass
class Outcome:
    """What one slice did: "done", "waiting" (until next, UTC epoch), "more" (queue the rest), "held"
    (a live job holds the alert and sends the rest), or "skipped" (a draft, cancelled or done alert)."""

    state: str
    next: float = None


def matches(spec, sub):
    """Return True when a subscription ({l, st, k}) is in an alert's audience."""
    if sub.get("l") not in spec.get("langs", ()):
        return False
    if spec.get("kind") not in (sub.get("k") or "").split(","):
        return False
    states = spec.get("states") or ()
    return not states or sub.get("st") in states


def message(spec, lang, channel_sms, fold=True):
    """Return the text a subscriber of lang gets (SMS: as every SMS reply is rewritten)."""
    text = (spec.get("texts") or {}).get(lang) or ""
    return sms_safe(text, fold) if channel_sms else text


class Sending:
    """One slice of sending an alert: walk the subscriptions, claim, send, record."""

    def __init__(self, store, keys, sender, cap, rate=1.0, lease=60, fold=True, callback_base="",
                 templates=None, clock=None, sleep=time.sleep, slice_seconds=SLICE_SECONDS):
        """store: the Store; keys decrypt numbers; sender: Twilio or the outbox; cap: alerts a month."""
        self.store, self.keys, self.sender, self.cap = store, keys, sender, int(cap)
        self.rate, self.lease, self.fold = float(rate or 0), int(lease), fold
        self.callback_base, self.templates = callback_base.rstrip("/"), dict(templates or {})
        self.clock = clock or (lambda: datetime.datetime.now(datetime.timezone.utc))
        self.sleep, self.slice_seconds = sleep, slice_seconds
        self._next_slot = 0.0

    def run(self, alert_id, token):
        """Send what may be sent of an alert now; return an Outcome."""
        store = self.store
        alert = store.alert(alert_id)
        if alert is None or alert["status"] not in ("scheduled", "sending", "waiting"):
            return Outcome("skipped")
        due = {"scheduled": float(alert["spec"].get("send_at") or 0),
               "waiting": float(alert.get("next") or 0)}.get(alert["status"], 0)
        if due > self.clock().timestamp() + 1:
            return Outcome("waiting", due)  # came early (a stray or moved job): its time is later
        if not self._acquire(alert_id, token):
            return Outcome("held")
        try:
            return self._slice(alert, token)
        finally:
            store.drop_lease(alert_id, token)

    def _acquire(self, alert_id, token):
        """Take the alert's lease, waiting out a dead job's (at most ALERTS_LEASE); False while a live job
        renews it (that job sends the rest)."""
        deadline = time.monotonic() + self.lease + 1
        while not self.store.take_lease(alert_id, token, self.lease):
            if time.monotonic() > deadline:
                return False
            time.sleep(0.5)
        return True

    def _slice(self, alert, token):
        """Walk the subscriptions once; send to those that may get it now."""
        store, spec, alert_id = self.store, alert["spec"], alert["id"]
        started, now = time.monotonic(), self.clock()
        store.set_alert(alert_id, status="sending", beat=int(time.time()),
                        **({} if alert.get("started") else {"started": int(now.timestamp())}))
        total, waiting, opening = 0, 0, None
        month = now.strftime("%Y-%m")
        for batch in store.subscribers():
            if not store.take_lease(alert_id, token, self.lease):
                log.warning("alert lease lost; another job goes on", extra={"alert": alert_id})
                return Outcome("held")
            current = store.alert(alert_id)
            if current is None or current["status"] == "cancelled":
                return Outcome("skipped")
            store.set_alert(alert_id, beat=int(time.time()))
            for h, sub in batch:
                if not matches(spec, sub):
                    continue
                total += 1
                now = self.clock()
                if quiet_hours.is_quiet(now, sub.get("st")):
                    waiting += 1
                    at = quiet_hours.next_opening(now, sub.get("st")).timestamp()
                    opening = at if opening is None else min(opening, at)
                    continue
                self._one(alert_id, spec, h, sub, month)
                if time.monotonic() - started > self.slice_seconds:
                    store.set_alert_counts(alert_id, total=max(total, alert.get("total", 0)))
                    return Outcome("more")
        store.set_alert_counts(alert_id, total=total, waiting=waiting)
        if waiting:
            store.set_alert(alert_id, status="waiting", next=int(opening))
            return Outcome("waiting", opening)
        store.set_alert(alert_id, status="done", finished=int(self.clock().timestamp()))
        log.info("alert sent", extra={"alert": alert_id, "count": total})
        return Outcome("done")

    def _one(self, alert_id, spec, h, sub, month):
        """Claim one recipient and send them the alert (at the configured pace)."""
        store = self.store
        claimed, token = store.claim_recipient(h, alert_id, month, self.cap)
        if claimed != "send":
            return
        address = self.keys.decrypt(token or "")
        if not address:  # DATA_KEY changed since they subscribed: the number cannot be read
            store.recipient_done(h, alert_id, "f")
            return
        whatsapp = address.startswith("whatsapp:")
        text = message(spec, sub["l"], not whatsapp, self.fold)
        callback = f"{self.callback_base}/twilio/status?alert={alert_id}" if self.callback_base else None
        self._pace()
        template = self.templates.get(sub["l"]) if whatsapp else None
        if template:
            sent = self.sender.send(address, content_sid=template, content_variables={"1": text},
                                    status_callback=callback)
        else:
            sent = self.sender.send(address, body=text, status_callback=callback)
        outcome = "s" if sent.ok else ("u" if sent.error == "timeout" else "f")
        store.recipient_done(h, alert_id, outcome, sent.sid if sent.ok else None)

    def _pace(self):
        """Wait for the next sending slot (ALERTS_RATE a second; 0: no wait)."""
        if not self.rate:
            return
        now = time.monotonic()
        self._next_slot = max(self._next_slot, now)
        if self._next_slot > now:
            self.sleep(self._next_slot - now)
        self._next_slot += 1.0 / self.rate
