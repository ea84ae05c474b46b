"""Voice replies: a volunteer's recording is kept for the thread (bot/storage/files.py), handed to Twilio at
an unguessable address that expires (bot/inbox/voice_link.py) and sent as media: on WhatsApp always (inside
its 24-hour window); by SMS only as MMS, when the helpline's number can send MMS (TWILIO_MMS=1) and the
texter's number is a US or Canadian one (Twilio's MMS reaches those). No Flask here.
"""
import phonenumbers

from bot.conversation.engine import WHATSAPP
from bot.inbox import audio
from bot.inbox.views import Refused, window_open
from bot.storage.files import LOCAL
from bot.storage.privacy import bare_number

MAX_BYTES = 5 * 1024 * 1024   # Twilio's limit for an MMS (WhatsApp takes 16 MB); minutes of speech
MIN_BYTES = 200               # less is a recording of nothing (a click on Stop at once)
MMS_REGIONS = ("US", "CA")    # where Twilio delivers MMS from a US or Canadian number


def problem(inbox, h, mms):
    """Return why no voice note can go to texter h on their channel ('voice_no_mms', 'voice_not_here'),
    or None when one can (WhatsApp's closed window is said by the page as for written replies)."""
    record = inbox.store.handoff(h)
    if record.get("channel") == WHATSAPP:
        return None
    if not mms:
        return "voice_no_mms"
    try:
        number = phonenumbers.parse(bare_number(inbox._address(record)) or "+", None)
    except phonenumbers.NumberParseException:
        return "voice_not_here"
    return None if phonenumbers.region_code_for_number(number) in MMS_REGIONS else "voice_not_here"


def _off_the_loop(work, *args):
    """Run work(*args) in a native thread under gevent (repackaging a recording takes some CPU, about
    0.1 s a minute of sound: the worker's event loop, where Twilio's webhooks are answered, keeps turning
    meanwhile); elsewhere in the caller's thread."""
    try:
        from gevent import get_hub, monkey
    except ImportError:  # pragma: no cover - gevent is a runtime requirement
        return work(*args)
    if not monkey.is_module_patched("threading"):
        return work(*args)
    return get_hub().threadpool.apply(work, args)


def send(inbox, h, user, data, token, link, mms):
    """Send a volunteer's recording to the texter; return the Sent (kept in the thread either way).

    data: the uploaded bytes; link(h, file id) returns the address Twilio fetches the file from."""
    record = inbox._mine(h, user)
    if not window_open(record, inbox.clock()):
        raise Refused("window_closed")
    reason = problem(inbox, h, mms)
    if reason:
        raise Refused(reason)
    if len(data) > MAX_BYTES:
        raise Refused("voice_too_large", size=f"{len(data) / 2**20:.1f}", max=MAX_BYTES // 2**20)
    if len(data) < MIN_BYTES:
        raise Refused("voice_empty")
    try:
        kind, sendable = _off_the_loop(audio.sendable, data)
    except audio.NotAudio:
        raise Refused("voice_not_audio") from None
    if len(sendable) > MAX_BYTES:
        raise Refused("voice_too_large", size=f"{len(sendable) / 2**20:.1f}", max=MAX_BYTES // 2**20)
    file_id = inbox.store.keep_file(h, sendable, kind)
    if file_id is None:
        raise Refused("voice_full")
    try:
        sent = inbox._send(h, user, record, token, "voice", media_url=link(h, file_id),
                           entry={"voice": file_id, "voice_type": kind})
    except Refused:
        inbox.store.drop_file(h, file_id)  # a second click of the same form, or no number: nothing kept
        raise
    due = inbox.clock().timestamp() + inbox.store.ttl["handoff"]
    at_twilio = [inbox.sender.media_path(sent.sid)] if sent.ok and sent.sid and inbox.sender.media_path(sent.sid) else []
    inbox.store.schedule_media(h, [LOCAL + file_id] + at_twilio, due)  # deleted when the thread goes
    return sent


def kept(inbox, h, user, file_id):
    """Return (content type, bytes) of a voice reply in a thread the user may read, or refuse."""
    inbox.view(h, user)
    if not any(e.get("voice") == file_id for e in inbox.store.thread(h)):
        raise Refused("not_found")
    found = inbox.store.kept_file(h, file_id)
    if found is None:
        raise Refused("not_found")
    return found
