"""Files in a conversation: a texter's photos, voice notes and PDFs (fetched from Twilio, or kept by the app
without Twilio), and volunteers' voice replies (recorded in the browser, sent through Twilio as media)."""
import re

from flask import Blueprint, abort, current_app, flash, make_response, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from bot.inbox import voice
from bot.inbox.pages import act, back, checked, inbox, no_reviewers
from bot.inbox.refusals import refusal, send_error
from bot.inbox.views import Refused
from bot.storage.files import LOCAL
from bot.inbox import voice_link
from bot.web.common import csrf, error_page
from bot.web.prg import refused

bp = Blueprint("inbox_media", __name__, url_prefix="/inbox")
bp.before_request(no_reviewers)
_FILE_ID = re.compile(r"^[0-9a-f]{32}$")


def _file(data, kind, name):
    """Return a file as the inbox serves it: its own type, never cached."""
    response = make_response(data)
    response.headers["Content-Type"] = kind.split(";")[0]  # one of the types the inbox shows
    disposition = "attachment" if kind.startswith("application/") else "inline"
    response.headers["Content-Disposition"] = f'{disposition}; filename="{name}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/c/<h>/media/<sid>/<int:n>")
@login_required
def media(h, sid, n):
    """Send a texter's photo, voice note or PDF, fetched from Twilio with the account's credentials (the
    page never holds Twilio's address), or kept by the app (no Twilio: /dev/chat); only the types the
    inbox shows, at most 16 MB."""
    try:
        path, kind = inbox().attachment(checked(h), current_user.account, sid[:64], n)
    except Refused as exc:
        abort(refusal(exc)[0], refusal(exc)[1])
    if path.startswith(LOCAL):
        kept = inbox().store.kept_file(h, path[len(LOCAL):])
        if kept is None:
            abort(404, _("This file is no longer kept."))
        return _file(kept[1], kind, f"{sid[:34]}-{n}")
    client = current_app.extensions.get("media")
    if client is None:
        abort(404, _("Files are kept at Twilio, and Twilio is not set up here."))
    try:
        _sent_type, data = client.fetch(path)
    except Exception:  # noqa: BLE001 - too large, gone, or Twilio unreachable: said in words
        return error_page(502, _("Twilio did not give the file (it may be too large, deleted, or Twilio is "
                                 "not answering). Try again in a moment."), kept_for=h)
    return _file(data, kind, f"{sid[:34]}-{n}")


@bp.get("/c/<h>/voice/<file_id>")
@login_required
def voice_file(h, file_id):
    """Play a volunteer's voice reply in the thread (for whoever may read it)."""
    if not _FILE_ID.match(file_id or ""):
        abort(404)
    try:
        kind, data = voice.kept(inbox(), checked(h), current_user.account, file_id)
    except Refused as exc:
        abort(refusal(exc)[0], refusal(exc)[1])
    return _file(data, kind, f"voice-{file_id[:8]}")


@bp.post("/c/<h>/voice")
@csrf.exempt  # checked in act() once the body may be as large as a recording (CSRF reads the form)
@login_required
def voice_reply(h):
    """Send the volunteer's recorded voice note to the texter."""
    limit = voice.MAX_BYTES + 64 * 1024  # the recording and the form's few fields
    if (request.content_length or 0) > limit:  # said before a byte of it is read
        flash(refusal(Refused("voice_too_large", size=f"{request.content_length / 2**20:.1f}",
                              max=voice.MAX_BYTES // 2**20))[1], "error")
        return refused(url_for("inbox.conversation", h=checked(h)), 413, fields={})
    request.max_content_length = limit

    def run(h):
        upload = request.files.get("voice")
        data = upload.read(voice.MAX_BYTES + 1) if upload is not None else b""
        settings = current_app.config["SETTINGS"]
        link = voice_link.link(settings.PUBLIC_BASE_URL or request.host_url)
        sent = voice.send(inbox(), h, current_user.account, data, request.form.get("token", ""), link,
                          mms=bool(settings.TWILIO_MMS))
        return back(h, send_error(sent), "error") if not sent.ok else back(h, _l("Voice note sent."))
    return act(h, run)
