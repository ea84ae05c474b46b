"""Working with colleagues on a conversation: notes the texter never sees, and transfer to a named
colleague who speaks the texter's language (audited; the thread says who passed it to whom). No Flask."""
import logging

from bot.inbox.views import Refused
from bot.storage.privacy import short_name

log = logging.getLogger(__name__)
MAX_NOTE = 1000
INBOX_ROLES = ("volunteer", "staff")  # a reviewer (K'iche' texts only) never opens the inbox


def add_note(inbox, h, user, text):
    """Add a note to the thread (staff and volunteers who can read it see it; it is never sent)."""
    inbox.view(h, user)  # who may read the thread may write a note in it
    text = (text or "").replace("\r\n", "\n").strip()
    if not text:
        raise Refused("empty")
    if len(text) > MAX_NOTE:
        raise Refused("too_long", length=len(text), max=MAX_NOTE)
    entry = {"at": int(inbox.clock().timestamp()), "dir": "note", "by": user.email, "text": text}
    if not inbox.store.append_thread(h, entry):
        raise Refused("not_found")


def colleagues_for(inbox, accounts, h, user):
    """Return the accounts a conversation can be passed to: volunteers and staff (never a reviewer, who has no
    inbox), active, not the holder, speaking its language."""
    record = inbox.store.handoff(h)
    lang, holder = record.get("lang") or "", record.get("claimed_by") or ""
    return [a for a in accounts.all() if not a.disabled and a.role in INBOX_ROLES
            and a.email not in (holder, user.email) and (not lang or lang in a.langs)]


def transfer(inbox, accounts, h, user, email, alert=None):
    """Pass a conversation the user holds (or any, for staff) to a named colleague; return their account.

    The colleague sees it marked as passed to them in their inbox (with a sound and a notification when
    their alerts are on); alert(account), the on-call SMS (bot/inbox/notify.py), tells them by SMS too
    when it returns True, and the audit log says so."""
    record = inbox._mine(h, user, staff_may=True)
    if record["status"] != "claimed":
        raise Refused("claim_first")
    target = next((a for a in colleagues_for(inbox, accounts, h, user) if a.email == email), None)
    if target is None:
        raise Refused("no_colleague")
    if not inbox.store.release(h, record.get("claimed_by", ""), force=True):
        raise Refused("changed")
    outcome, detail = inbox.store.claim(h, target.email, inbox.clock().timestamp())
    if outcome != "claimed":
        raise Refused("taken", who=detail) if outcome == "taken" else Refused("changed")
    inbox.store.append_thread(h, {"at": int(inbox.clock().timestamp()), "dir": "event", "event": "transferred",
                                  "by": user.email, "to": target.email})
    inbox.store.audit(user.email, "transfer", short_name(h), account=target.email)
    log.info("handoff transferred", extra={"texter": short_name(h)})
    if alert is not None and alert(target):
        inbox.store.audit(user.email, "transfer_sms", short_name(h), account=target.email)
    return target


def transfer_mark(summary, entries):
    """Fill in who passed a conversation to the volunteer now holding it, and when (from the thread's last
    transfer to them since their claim), so their inbox can mark it and alert them."""
    if summary.status != "claimed":
        return
    for entry in reversed(entries):
        if entry.get("dir") == "event" and entry.get("event") == "transferred":
            if entry.get("to") == summary.claimed_by and int(entry.get("at") or 0) >= summary.claimed_at - 1:
                summary.transferred_by, summary.transferred_at = entry.get("by", ""), int(entry.get("at") or 0)
            return
