"""Proposals from a conversation's thread: "this message meant: <intent>", for staff to review.

Beside each message the texter wrote, the thread shows how the model read it (collapsed) and a small
form to propose what it meant. The proposal is kept beside the texter's thread in Redis
(bot/storage/proposals.py), expires with it, is deleted by BORRAR, and waits for staff on the script's
examples page (bot/staff/example_pages.py). The forms in the polled thread carry no CSRF token of their
own (a fresh token every poll would redraw the thread): their buttons belong to one form outside it.
"""
import hashlib
import re
from collections import OrderedDict
from dataclasses import dataclass

from flask import Blueprint, abort, current_app, flash, redirect, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm

from bot.inbox.handoffs import Refused
from bot.inbox.pages import inbox, refusal

bp = Blueprint("proposals", __name__, url_prefix="/inbox")
NEAREST = 3
_READINGS = OrderedDict()           # (model, text) -> Reading: the thread is drawn again every few seconds
_KEPT = 512
_PSEUDONYM = re.compile(r"^[A-Za-z0-9_-]{16}$")


@dataclass(frozen=True)
class Reading:
    """How the model read one message, for the thread."""

    intent: str
    score: float
    danger: str
    why: tuple
    nearest: tuple


def digest(text):
    """Return the short digest that ties a proposal's form to the message it was drawn beside."""
    return hashlib.sha256((text or "").encode("utf-8")).hexdigest()[:16]


def reading(text):
    """Return how the script in force reads a message (None when it has no model)."""
    script = current_app.extensions["live_script"].get()
    model = script.understander
    if model is None or not text:
        return None
    key = (id(model), text)
    if key not in _READINGS:
        understood = model.read(text)
        _READINGS[key] = Reading(intent=understood.intent, score=understood.score(understood.intent),
                                 danger=understood.danger or understood.near_danger,
                                 why=tuple(understood.explain()), nearest=tuple(model.nearest(text, NEAREST)))
        while len(_READINGS) > _KEPT:
            _READINGS.popitem(last=False)
    _READINGS.move_to_end(key)
    return _READINGS[key]


def choices():
    """Return [(section, [labels])] a volunteer may propose, from the script in force."""
    script = current_app.extensions["live_script"].get()
    return [("intents", sorted(script.intent_labels)), ("danger", sorted(script.danger_pages))]


@bp.app_context_processor
def helpers():
    """Give the thread's templates the model's reading and the labels to propose."""
    return {"model_reading": reading, "proposal_choices": choices, "proposal_digest": digest}


class ProposeForm(FlaskForm):
    """The one form the thread's Propose buttons belong to: only the CSRF token."""


@bp.post("/c/<h>/propose")
@login_required
def propose(h):
    """Store a volunteer's proposal of what one of the texter's messages meant."""
    if not _PSEUDONYM.match(h or ""):
        abort(404)
    if not ProposeForm().validate_on_submit():
        abort(400)
    line = request.form.get("line", "")
    if not line.isdigit() or len(line) > 4:
        abort(400, _l("Choose a message of the texter to propose for."))
    target = request.form.get(f"label-{line}", "")
    section, _, label = target.partition(".")
    allowed = dict(choices())
    if section not in allowed or label not in allowed[section]:
        abort(400, _l("Choose what the message meant from the list."))
    try:
        view = inbox().view(h, current_user.account)
    except Refused as exc:
        status, message = refusal(exc)
        abort(status, message)
    index = int(line)
    if index >= len(view.lines) or view.lines[index].dir != "in" or not view.lines[index].text \
            or request.form.get(f"digest-{line}") != digest(view.lines[index].text):
        abort(409, _l("The conversation changed meanwhile. Look at it again."))
    script = current_app.extensions["live_script"].get()
    lang = view.summary.lang if view.summary.lang in script.languages else script.source_language
    by = current_user.email.split("@")[0]
    stored = current_app.extensions["conversations"].store.propose(
        h, view.lines[index].text, lang, target, by)
    if stored is None:
        abort(404, _l("This conversation no longer exists: it was closed long ago or deleted."))
    if stored == "full":
        abort(409, _l("This conversation already has many proposals waiting for staff."))
    current_app.extensions["accounts"].store.audit(current_user.email, "proposal", view.summary.name,
                                                   label=target)
    flash(_l("Proposed: staff will review it on the script's examples page."), "info")
    return redirect(url_for("inbox.conversation", h=h) + f"#msg-{index}", code=303)
