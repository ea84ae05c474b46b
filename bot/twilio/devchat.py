"""Development only: talk to the bot in a browser at /dev/chat, without Twilio."""
import collections
import uuid

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for

from bot.conversation.engine import SMS, WHATSAPP, Inbound
from bot.conversation.sms import segments

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
    """Send the typed text to the bot as the local texter and show the replies."""
    conversations = current_app.extensions["conversations"]
    channel = request.form.get("channel") if request.form.get("channel") in (SMS, WHATSAPP) else SMS
    address = f"whatsapp:{ADDRESS}" if channel == WHATSAPP else ADDRESS
    if request.form.get("reset"):
        conversations.store.forget(conversations.keys.pseudonym(address))
        _history.clear()
        return redirect(url_for(".page"))
    body = request.form.get("body", "")[:4096]
    replies = conversations.handle(address, "SM" + uuid.uuid4().hex, Inbound(body, channel))
    _history.append(("texter", body, ""))
    for text in replies:
        encoding, count = segments(text)
        cost = f"SMS {encoding}, {count} segment(s)" if channel == SMS else f"WhatsApp, {len(text)} chars"
        _history.append(("bot", text, cost))
    if not replies:
        _history.append(("bot", "", "no reply"))
    return redirect(url_for(".page", channel=channel))
