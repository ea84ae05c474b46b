"""On-call volunteers get an SMS when someone starts waiting, at most one every N minutes, and when a
colleague passes them a conversation."""
import logging
import threading

from flask_babel import force_locale, gettext

log = logging.getLogger(__name__)


class OnCall:
    """Send the on-call SMS in the background, so the texter's webhook reply never waits for Twilio."""

    def __init__(self, app, accounts, sender, staff_settings, public_url=""):
        """Use the app (for translations), accounts, the outbound sender and the staff settings."""
        self.app, self.accounts, self.sender = app, accounts, sender
        self.staff_settings, self.public_url = staff_settings, public_url.rstrip("/")
        self.threads = []  # kept so tests (and shutdown) can wait for sends in flight

    def someone_waiting(self, _h=None, urgent=False):
        """Notify on-call volunteers unless one went out in the last N minutes; return True if sent.

        urgent (danger was written): sent at once, whatever the interval, and says so.
        """
        minutes = self.staff_settings.notify_minutes()
        if minutes <= 0:
            return False
        people = [a for a in self.accounts.all() if a.on_call and a.phone and not a.disabled]
        if not people:
            return False
        due = self.accounts.store.notify_due(minutes * 60)  # an urgent one still starts the interval
        if not (due or urgent):
            return False
        messages = [(self.accounts.phone_of(a), self._text(a.ui_lang, urgent)) for a in people]
        worker = threading.Thread(target=self._send_all, args=(messages,), daemon=True)
        self.threads = [t for t in self.threads if t.is_alive()] + [worker]
        worker.start()
        return True

    def transferred(self, account):
        """Tell a volunteer on call (with a phone) by SMS that a colleague passed them a conversation, when
        the staff's on-call SMS is on; return True if it was sent (in the background)."""
        if self.staff_settings.notify_minutes() <= 0 or not (account.on_call and account.phone) or account.disabled:
            return False
        with self.app.app_context(), force_locale(account.ui_lang):
            text = gettext("Helpline: a colleague passed you a conversation. See the inbox now.")
        text = f"{text} {self.public_url}/inbox" if self.public_url else text
        worker = threading.Thread(target=self._send_all, args=([(self.accounts.phone_of(account), text)],),
                                  daemon=True)
        self.threads = [t for t in self.threads if t.is_alive()] + [worker]
        worker.start()
        return True

    def _text(self, lang, urgent=False):
        """Return the notification in a volunteer's page language (it names nobody)."""
        with self.app.app_context(), force_locale(lang):
            text = gettext("Helpline: URGENT, someone wrote about danger. See the inbox now.") if urgent \
                else gettext("Helpline: someone is waiting for a person in the inbox.")
        return f"{text} {self.public_url}/inbox" if self.public_url else text

    def _send_all(self, messages):
        """Send each notification; failures are logged without the number."""
        for number, text in messages:
            if not number:
                continue
            sent = self.sender.send(number, body=text)
            if not sent.ok:
                log.warning("on-call SMS not sent", extra={"error": sent.error, "code": sent.code})
