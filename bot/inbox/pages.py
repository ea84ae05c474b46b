"""The volunteer inbox pages: who is waiting, one conversation, and the actions on it."""
import hashlib
import re
import uuid

from flask import (Blueprint, abort, current_app, flash, get_flashed_messages, make_response, redirect,
                   render_template, request, session, url_for)
from flask_babel import gettext as _
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import HiddenField, TextAreaField
from wtforms.validators import Length

from bot.conversation import hours
from bot.inbox import answers, colleagues, voice
from bot.inbox.handoffs import MAX_REPLY, Refused
from bot.web.common import error_page
from bot.inbox.refusals import refusal, send_error  # noqa: F401 (bot/inbox/proposals.py imports refusal from here)
from bot.web.prg import refused, taken

bp = Blueprint("inbox", __name__, url_prefix="/inbox")


@bp.before_request
def no_reviewers():
    """Keep texters' conversations from reviewers of the script's texts (they review words, not people)."""
    if current_user.is_authenticated and current_user.role == "reviewer":
        abort(403)
    return None

_PSEUDONYM = re.compile(r"^[A-Za-z0-9_-]{16}$")

class ActionForm(FlaskForm):
    """A button: only the CSRF token."""


class ReplyForm(FlaskForm):
    """A volunteer's reply, with a token that makes sending it twice impossible."""

    body = TextAreaField(_l("Reply"), validators=[Length(max=MAX_REPLY * 2)])
    token = HiddenField()


def inbox():
    """Return the app's Inbox service."""
    return current_app.extensions["inbox"]


def checked(h):
    """Return h when it looks like a pseudonym, else 404."""
    if not _PSEUDONYM.match(h or ""):
        abort(404)
    return h


def office_status():
    """Return (open now, next opening or None) from the office hours in force."""
    office = current_app.extensions["live_script"].get().office_hours
    now = inbox().clock()
    if not office:
        return True, None
    return hours.is_open(now, office), hours.next_opening(now, office)


def fragment(template, **context):
    """Return a polled fragment with an ETag, or 304 when the page already shows it."""
    html = render_template(template, **context)
    response = make_response(html)
    response.set_etag(hashlib.sha256(html.encode("utf-8")).hexdigest()[:32])
    return response.make_conditional(request)


@bp.get("/")
@login_required
def index():
    """List waiting conversations (the volunteer's languages first), theirs, and others'."""
    waiting, mine, others = inbox().lists(current_user.account)
    is_open, opening = office_status()
    return render_template("inbox.html", waiting=waiting, mine=mine, others=others, office_open=is_open,
                           opening=opening, local_outbox=current_app.extensions["sender"].local,
                           action=ActionForm())


@bp.get("/lists")
@login_required
def lists():
    """Return the lists alone, for the page to refresh itself."""
    waiting, mine, others = inbox().lists(current_user.account)
    return fragment("_lists.html", waiting=waiting, mine=mine, others=others, action=ActionForm())


def _page(h, status=200, revealed=None):
    """Render a conversation page (after a refused action: its status, the sentence flashed)."""
    try:
        view = inbox().view(h, current_user.account)
    except Refused as exc:
        code, message = refusal(exc)
        if status != 200:  # e.g. a claim lost to someone else: say that, not "not yours"
            flashed = get_flashed_messages(category_filter=["error"])
            code, message = status, (flashed[0] if flashed else message)
        return error_page(code, message, back=(url_for(".index"), _("Back to the inbox")), kept_for=h)
    reply = ReplyForm(formdata=None, token=uuid.uuid4().hex)
    summary = view.summary
    template_ready = bool(inbox().template_for(summary.lang)) if summary.channel == "whatsapp" else False
    query = (request.args.get("q") or "").strip()[:100]
    found = None
    if query and summary.claimed_by == current_user.email:
        found = answers.search(current_app.extensions["live_script"].get(), query, str(get_locale()), summary.lang)
    can_pass = summary.status == "claimed" and (summary.claimed_by == current_user.email or current_user.is_staff)
    others = colleagues.colleagues_for(inbox(), current_app.extensions["accounts"], h, current_user.account) \
        if can_pass else []
    mine = summary.claimed_by == current_user.email
    no_voice = None  # why no voice note can go on the texter's channel, in words
    if mine and summary.status == "claimed":
        reason = voice.problem(inbox(), h, bool(current_app.config["SETTINGS"].TWILIO_MMS))
        no_voice = refusal(Refused(reason))[1] if reason else None
    return render_template("conversation.html", view=view, s=summary, reply=reply, action=ActionForm(),
                           query=query, answers=found, colleagues=others, max_note=colleagues.MAX_NOTE,
                           mine=mine, revealed=revealed, no_voice=no_voice, voice_token=uuid.uuid4().hex,
                           max_voice=voice.MAX_BYTES, template_ready=template_ready,
                           local_outbox=current_app.extensions["sender"].local, max_reply=MAX_REPLY), status


@bp.get("/c/<h>")
@login_required
def conversation(h):
    """Show one conversation: its thread, and what the volunteer can do (the number once, after Reveal)."""
    h = checked(h)
    status, _fields = taken()
    revealed = None
    if session.pop("revealed", None) == h:
        try:
            revealed = inbox().number(h, current_user.account)
        except Refused:
            revealed = None
    return _page(h, status=status, revealed=revealed)


@bp.get("/c/<h>/thread")
@login_required
def thread(h):
    """Return the thread alone, for the page to show new messages without a reload."""
    try:
        view = inbox().view(checked(h), current_user.account)
    except Refused as exc:
        code, message = refusal(exc)
        abort(code, message)
    return fragment("_thread.html", view=view, s=view.summary)


def act(h, action):
    """Run an action from a posted button; on refusal show the page with the reason and a 4xx."""
    h = checked(h)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        return action(h)
    except Refused as exc:
        status, message = refusal(exc)
        if exc.reason == "not_found":
            abort(404, message)
        flash(message, "error")
        return refused(url_for("inbox.conversation", h=h), status, fields={})


def back(h, message=None, category="info"):
    """Redirect to the conversation (after a POST), with a message."""
    if message:
        flash(message, category)
    return redirect(url_for("inbox.conversation", h=h), code=303)


@bp.post("/c/<h>/claim")
@login_required
def claim(h):
    """Claim a waiting conversation."""
    def run(h):
        inbox().claim(h, current_user.account)
        return back(h, _l("You are handling this conversation now."))
    return act(h, run)


@bp.post("/c/<h>/release")
@login_required
def release(h):
    """Hand a conversation back to the queue."""
    def run(h):
        inbox().release(h, current_user.account)
        flash(_l("The conversation is back in the queue."), "info")
        return redirect(url_for(".index"), code=303)
    return act(h, run)


@bp.post("/c/<h>/reveal")
@login_required
def reveal(h):
    """Show the texter's full number once (recorded in the audit log)."""
    def run(h):
        inbox().reveal(h, current_user.account)  # audited here, once; the page after the redirect shows it
        session["revealed"] = h
        return redirect(url_for("inbox.conversation", h=h) + "#number", code=303)
    return act(h, run)


@bp.post("/c/<h>/reply")
@login_required
def reply(h):
    """Send the volunteer's reply to the texter."""
    def run(h):
        form = ReplyForm()
        if not form.validate():
            raise Refused("too_long", max=MAX_REPLY, length=len(form.body.data or ""))
        sent = inbox().reply(h, current_user.account, form.body.data, form.token.data)
        return back(h, send_error(sent), "error") if not sent.ok else back(h)
    return act(h, run)


@bp.post("/c/<h>/template")
@login_required
def template(h):
    """Send the WhatsApp template (outside the 24-hour window)."""
    def run(h):
        sent = inbox().send_template(h, current_user.account, request.form.get("token", ""))
        return back(h, send_error(sent), "error") if not sent.ok else back(h, _l("Template sent."))
    return act(h, run)


@bp.post("/c/<h>/close")
@login_required
def close(h):
    """Close the conversation: the texter gets the closing message and the bot again."""
    def run(h):
        sent = inbox().close(h, current_user.account)
        if sent is not None and not sent.ok:
            flash(send_error(sent), "error")
        flash(_l("Conversation closed. The texter is back with the bot."), "info")
        return redirect(url_for(".index"), code=303)
    return act(h, run)


@bp.post("/c/<h>/note")
@login_required
def note(h):
    """Add a note for colleagues (never sent to the texter)."""
    def run(h):
        colleagues.add_note(inbox(), h, current_user.account, request.form.get("note", ""))
        return redirect(url_for("inbox.conversation", h=h) + "#thread", code=303)
    return act(h, run)


@bp.post("/c/<h>/transfer")
@login_required
def transfer(h):
    """Pass the conversation to a named colleague (audited)."""
    def run(h):
        target = colleagues.transfer(inbox(), current_app.extensions["accounts"], h, current_user.account,
                                     request.form.get("to", ""), alert=current_app.extensions["on_call"].transferred)
        flash(_("The conversation is now %(who)s's.", who=target.email), "info")
        return redirect(url_for(".index"), code=303)
    return act(h, run)
