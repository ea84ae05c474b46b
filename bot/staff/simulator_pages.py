"""Staff page of the simulator: a chat with the draft, the published version or an older one, in any
language and channel, showing what the texter would receive and what each message costs.

The conversation lives in a signed token in the page (bot/staff/simulator.py): nothing is stored, no real
conversation is touched, nothing is sent.
"""
from flask import Blueprint, abort, current_app, render_template, request

from bot.staff import simulator
from bot.staff.pages import draft_status, init_pages, scripts
from bot.staff.service import DRAFT, PUBLISHED

bp = Blueprint("simulator", __name__, url_prefix="/script/simulator")
init_pages(bp)
ACTIONS = ("start", "send", "close")


def _which(value):
    """Return a version choice (draft, published or a number), or 400 for anything else."""
    value = (value or DRAFT).strip()
    if value in (DRAFT, PUBLISHED) or (value.isdigit() and len(value) < 10):
        return value
    abort(400, description=f"unknown version {value[:20]!r}: choose the draft, the published version or a number")


def _page(session=None, code=200, error=None):
    """Render the simulator with a conversation (or none yet)."""
    service = scripts()
    script = service.script(session.which if session else DRAFT)
    token = simulator.dump(session, current_app.secret_key) if session else ""
    return render_template("admin/script/simulator.html", session=session, token=token, error=error,
                           languages=script.languages, channels=simulator.CHANNELS, fold=script.sms.get(
                               "fold_accents", True), versions=service.history(), status=draft_status(),
                           chosen=_which(request.values.get("version")) if session is None else None,
                           max_input=simulator.MAX_INPUT), code


@bp.get("/")
def page():
    """Show the simulator, ready to start a conversation (?version=N picks an older version)."""
    return _page()


@bp.post("/")
def act():
    """Start a conversation, send the texter's message, or close their handoff as a volunteer would."""
    action = request.form.get("action")
    if action not in ACTIONS:
        abort(400)
    service, secret = scripts(), current_app.secret_key
    if action == "start":
        which = _which(request.form.get("version"))
        service.script(which)  # 404 for a version that does not exist
        lang = request.form.get("lang") or None
        if lang is not None and lang not in service.script(which).languages:
            abort(400, description=f"unknown language {lang[:10]!r}")
        try:
            return _page(simulator.start(which, request.form.get("channel", simulator.SMS), lang))
        except simulator.SimulatorError as exc:
            abort(400, description=str(exc))
    try:
        session = simulator.load(request.form.get("token"), secret)
    except simulator.SimulatorError as exc:
        return _page(code=400, error=exc)
    script = service.script(session.which)
    clock = current_app.extensions["conversations"].clock
    if action == "close":
        return _page(simulator.close_handoff(script, session))
    body = request.form.get("body")
    if body is None:
        abort(400)
    return _page(simulator.send(script, session, body, clock(), current_app.extensions.get("jobs")))
