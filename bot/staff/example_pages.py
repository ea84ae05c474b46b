"""Staff pages of the understanding's examples: each label's count per language, editing one label's
examples in one language (into the draft; publishing retrains), and the volunteers' pending proposals
from the inbox (accept into the draft, edited, or reject)."""
import datetime
import re

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l

from bot.conversation.understanding.examples import MAX_TEXT, SECTIONS
from bot.staff import example_edits
from bot.staff.edits import EditError
from bot.staff.pages import audit, draft_status, init_pages, scripts, status_of, who
from bot.staff.service import DRAFT, PUBLISHED
from bot.storage.privacy import short_name
from bot.web import prg
from bot.web.wording import sentences
from bot.conversation.wording import N_

bp = Blueprint("examples", __name__, url_prefix="/script/examples")
init_pages(bp)
_PSEUDONYM = re.compile(r"^[A-Za-z0-9_-]{16}$")
_ID = re.compile(r"^[A-Za-z0-9_-]{1,16}$")


def _store():
    """Return the Store that keeps the proposals."""
    return current_app.extensions["conversations"].store


def _index_page(error=None, code=200, posted=None):
    """Render the labels with their counts per language, and the pending proposals."""
    bundle = scripts().bundle(DRAFT)
    languages = bundle["spec"].get("languages") or ()
    rows = example_edits.summary(bundle)
    proposals = _store().proposals()
    return render_template("admin/script/examples.html", rows=rows, languages=languages, few=example_edits.FEW,
                           labels=example_edits.labels(bundle), proposals=proposals, error=error,
                           posted=posted or {}, short_name=short_name, max_text=MAX_TEXT, stamp_of=_time,
                           status=draft_status()), code


def _time(at):
    """Return a stored epoch time as an aware datetime."""
    return datetime.datetime.fromtimestamp(int(at or 0), datetime.timezone.utc)


@bp.get("/")
def index():
    """Show every label's number of examples per language, and the proposals waiting for staff."""
    return _index_page()


def _place(lang, section, label):
    """Return (lang, section, label) when the draft may keep examples there, else 404."""
    try:
        example_edits.check_place(scripts().bundle(DRAFT), lang, section, label)
    except EditError:
        abort(404)
    return lang, section, label


def _label_page(lang, section, label, error=None, code=200, posted=None):
    """Render one label's examples in one language, as a textarea (one message a line)."""
    bundle = scripts().bundle(DRAFT)
    current = example_edits.examples_of(bundle, lang, section, label)
    try:
        published = example_edits.examples_of(scripts().bundle(PUBLISHED), lang, section, label)
    except EditError:
        published = []
    return render_template("admin/script/example.html", lang=lang, section=section, label=label,
                           examples=current, published=published, error=error,
                           text=posted if posted is not None else "\n".join(current),
                           max_text=MAX_TEXT, max_lines=example_edits.MAX_LINES, few=example_edits.FEW,
                           status=draft_status()), code


@bp.get("/<lang>/<section>/<label>")
def label(lang, section, label):
    """Show one label's examples in one language, to edit (after a refusal: it, and what was typed)."""
    status, kept = prg.taken()
    if kept and "examples" in kept:
        return _label_page(*_place(lang, section, label), error=kept.get("error"), code=status,
                           posted=kept["examples"])
    return _label_page(*_place(lang, section, label))


@bp.post("/<lang>/<section>/<label>")
def save(lang, section, label):
    """Save one label's examples in one language into the draft."""
    lang, section, label = _place(lang, section, label)
    value = request.form.get("examples")
    if value is None:
        abort(400)
    before = set(example_edits.examples_of(scripts().bundle(DRAFT), lang, section, label))
    try:
        scripts().set_examples(lang, section, label, value, by=who())
    except EditError as exc:
        return prg.refused(url_for(".label", lang=lang, section=section, label=label), status_of(exc),
                           [("examples", value), ("error", prg.said(exc))])
    after = set(example_edits.examples_of(scripts().bundle(DRAFT), lang, section, label))
    audit("script_examples", lang=lang, section=section, label=label, added=len(after - before),
          removed=len(before - after))
    flash(_l("Examples saved in the draft. Publishing retrains the model from them."), "info")
    return redirect(url_for(".label", lang=lang, section=section, label=label), code=303)


def _proposal(h, pid):
    """Return a pending proposal, or 404 (decided by someone else, expired, or deleted by the texter)."""
    if not (_PSEUDONYM.match(h) and _ID.match(pid)):
        abort(404)
    found = _store().proposal(h, pid)
    if found is None:
        abort(404, _l("This proposal no longer exists: someone decided it, or it expired with its conversation."))
    return found


@bp.post("/proposals/<h>/<pid>/accept")
def accept(h, pid):
    """Add a proposal's message, as staff edited it, to the draft's examples; delete the proposal."""
    found = _proposal(h, pid)
    text, lang, target = request.form.get("text"), request.form.get("lang"), request.form.get("label", "")
    section, _, name = target.partition(".")
    if text is None or lang is None:
        abort(400)
    try:
        if len(text) > MAX_TEXT:
            raise EditError(N_("line %(n)s: an example is too long: %(c)s characters (at most %(m)s)", n=1, c=len(text),
                               m=MAX_TEXT))
        if section not in SECTIONS:
            raise EditError(N_("unknown section %(x)s (use %(use)s)", x=repr(section), use=", ".join(SECTIONS)))
        scripts().add_example(lang, section, name, text, by=who())
    except EditError as exc:
        return _index_page(error=" ".join(sentences(exc)), code=status_of(exc), posted={"id": pid, "text": text})
    _store().delete_proposal(found["h"], pid)
    audit("proposal_accept", texter=short_name(h), lang=lang, label=f"{section}.{name}",
          proposed=found.get("label", ""))
    flash(_l("Added to the draft's examples. Publishing retrains the model."), "info")
    return redirect(url_for(".index") + "#proposals", code=303)


@bp.post("/proposals/<h>/<pid>/reject")
def reject(h, pid):
    """Delete a proposal without keeping its message."""
    found = _proposal(h, pid)
    _store().delete_proposal(found["h"], pid)
    audit("proposal_reject", texter=short_name(h), lang=found.get("lang", ""), proposed=found.get("label", ""))
    flash(_l("The proposal was rejected and deleted."), "info")
    return redirect(url_for(".index") + "#proposals", code=303)
