"""Development only: talk to the bot in a browser at /dev/chat, without Twilio.

A tester may attach a photo, a voice note or a PDF, as a texter would through Twilio: the app keeps the file
for the thread itself (bot/storage/files.py, as voice replies are kept), so the inbox shows and plays it
through its usual authenticated route, and it is deleted with the thread."""
import collections
import uuid

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for

from bot.conversation.engine import SMS, WHATSAPP, Inbound
from bot.conversation.sms import segments
from bot.storage.files import LOCAL
from bot.twilio.media import MAX_BYTES

bp = Blueprint("devchat", __name__, url_prefix="/dev")
ADDRESS = "+10000000001"  # not a real number: the local page's texter
_history = collections.deque(maxlen=60)


@bp.before_request
def local_only():
    """Serve only requests from this machine."""
    if request.remote_addr not in ("127.0.0.1", "::1"):
        abort(403)


@bp.get("/chat")
def page():
    """Show the local conversation and a box to write in."""
    conversations = current_app.extensions["conversations"]
    mine = {ADDRESS, f"whatsapp:{ADDRESS}"}
    outbox = [e for e in conversations.store.outbox() if conversations.keys.decrypt(e.get("to", "")) in mine]
    return render_template("devchat.html", history=list(_history), channels=(SMS, WHATSAPP), outbox=outbox)


@bp.post("/chat")
def send():
    """Send the typed text (and a file) to the bot as the local texter and show the replies.

    The app exempts this view from the CSRF check made before every view (bot/app.py), which reads the form
    within the app's small body limit: it is checked here, once the body may be as large as a file."""
    request.max_content_length = MAX_BYTES + 64 * 1024
    current_app.extensions["csrf"].protect()
    conversations = current_app.extensions["conversations"]
    channel = request.form.get("channel") if request.form.get("channel") in (SMS, WHATSAPP) else SMS
    address = f"whatsapp:{ADDRESS}" if channel == WHATSAPP else ADDRESS
    h = conversations.keys.pseudonym(address)
    if request.form.get("reset"):
        conversations.store.forget(h)
        _history.clear()
        return redirect(url_for(".page"))
    body = request.form.get("body", "")[:4096]
    sid = "MM" + uuid.uuid4().hex
    upload = request.files.get("file")
    attachments, file_id = (), None
    if upload is not None and upload.filename:
        kind = (upload.mimetype or "application/octet-stream").lower()[:100]
        data = upload.read(MAX_BYTES + 1)
        if kind.startswith(("image/", "audio/", "application/pdf")) and 0 < len(data) <= MAX_BYTES:
            file_id = conversations.store.keep_file(h, data, kind)
        attachments = ((LOCAL + (file_id or "none"), kind),)
    replies = conversations.handle(address, sid if attachments else "SM" + sid[2:],
                                   Inbound(body, channel, media=len(attachments), attachments=attachments))
    if file_id and not any(e.get("sid") == sid for e in conversations.store.thread(h)):
        conversations.store.drop_file(h, file_id)  # not a message for a volunteer: nothing is kept
    _history.append(("texter", body + (f" [{upload.filename}]" if attachments else ""), ""))
    for text in replies:
        encoding, count = segments(text)
        cost = f"SMS {encoding}, {count} segment(s)" if channel == SMS else f"WhatsApp, {len(text)} chars"
        _history.append(("bot", text, cost))
    if not replies:
        _history.append(("bot", "", "no reply"))
    return redirect(url_for(".page", channel=channel))
