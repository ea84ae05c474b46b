"""Staff pages of the script's data: the referral directory (entries and their phone numbers) and the
office hours. Every change goes into the draft; the checks say at once what would block publishing."""
import re

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l

from bot.staff.change_words import DAY_NAMES  # noqa: F401 (the settings page imports it from here)
from bot.staff.directory_edits import DIAL_FROM, PHONE_KINDS
from bot.staff.edits import EditError
from bot.conversation import hours as office_hours
from bot.conversation.hours import DAYS, MAX_SPANS
from bot.web import prg
from bot.web.prg import taken
from bot.staff.pages import draft_status, init_pages, scripts, status_of, view_of, who
from bot.staff.service import DRAFT, PUBLISHED

bp = Blueprint("directory", __name__, url_prefix="/script")
init_pages(bp)
BLANK_PHONES = 2     # empty phone rows offered under an entry's numbers (no script needed to add one)
_LIST = re.compile(r"[,\s]+")


# -- the directory --------------------------------------------------------------------------------

def _entries():
    """Return the draft's directory entries (plain dicts, dates as text)."""
    return scripts().bundle(DRAFT).get("directory") or []


def _find(entry_id):
    """Return the draft's entry with entry_id, or 404."""
    entry = next((e for e in _entries() if e.get("id") == entry_id), None)
    if entry is None:
        abort(404)
    return entry


@bp.get("/directory")
def index():
    """List the referral directory with each entry's findings."""
    view = view_of(DRAFT)
    return render_template("admin/script/directory.html", entries=_entries(), view=view, status=draft_status())


def _entry_page(entry, new=False, error=None, code=200):
    """Render the form of one entry (a new one when new)."""
    view = view_of(DRAFT)
    topics = sorted({n.topic for n in view.script.nodes.values() if n.topic} | {"general"}
                    | set(entry.get("topics") or ()))
    phones = list(entry.get("phones") or ()) + [{"number": "", "kind": "call", "from": "US"}] * BLANK_PHONES
    return render_template("admin/script/entry.html", entry=entry, new=new, phones=phones, topics=topics,
                           kinds=PHONE_KINDS, dial_from=DIAL_FROM, view=view, error=error,
                           problems=[] if new else view.directory_problems(entry.get("id")),
                           places=sorted(view.script.places), status=draft_status()), code


@bp.get("/directory/new")
def new():
    """Show an empty entry form (after a refusal: what was typed, and every reason)."""
    status, kept = taken()
    if kept:
        entry_id = kept.get("id", "").strip()
        return _entry_page(_from_form(kept, {"id": entry_id}), new=True, error=kept.getlist("error"), code=status)
    return _entry_page({}, new=True)


@bp.get("/directory/<entry_id>")
def entry(entry_id):
    """Show one entry's form, with what the checks say about it (after a refusal: what was typed)."""
    status, kept = taken()
    if kept:
        return _entry_page(_from_form(kept, _find(entry_id)), error=kept.getlist("error"), code=status)
    return _entry_page(_find(entry_id))


def _split(value):
    """Return the items of a comma- or space-separated field."""
    return [v for v in _LIST.split(value or "") if v]


def _from_form(form, base):
    """Return a directory entry from the form, on top of base (fields the form lacks are kept)."""
    entry = dict(base)
    entry["name"] = form.get("name", "")
    entry["phones"] = [{"number": number, "kind": kind, "from": dial}
                       for number, kind, dial in zip(form.getlist("phone_number"), form.getlist("phone_kind"),
                                                     form.getlist("phone_from")) if number.strip()]
    entry["languages"] = _split(form.get("languages"))
    entry["topics"] = form.getlist("topics")
    entry["serves"] = [code.upper() for code in _split(form.get("serves"))]
    languages = scripts().script(DRAFT).languages
    entry["hours"] = {lang: form.get(f"hours_{lang}", "").strip() for lang in languages
                      if form.get(f"hours_{lang}", "").strip()}
    entry["names"] = {lang: form.get(f"names_{lang}", "").strip() for lang in languages
                      if form.get(f"names_{lang}", "").strip()}
    entry["web"] = form.get("web", "").strip()
    entry["checked"] = form.get("checked", "").strip() or None
    for field in ("source", "nationality"):
        value = form.get(field, "").strip()
        if value:
            entry[field] = value.upper() if field == "nationality" else value
        else:
            entry.pop(field, None)
    return entry


def _save(entry, new):
    """Save an entry into the draft and go to its page, or show the form again with the refusal."""
    try:
        scripts().set_directory_entry(entry, by=who())
    except EditError as exc:
        page = url_for(".new") if new else url_for(".entry", entry_id=entry["id"])
        return prg.refused(page, status_of(exc), [*request.form.items(multi=True), *(
            ("error", prg.said(part, stop=True)) for part in getattr(exc, "messages", None) or [exc])])
    view = view_of(DRAFT)
    errors = [p for p in view.directory_problems(entry["id"]) if p.level == "error"]
    if errors:
        flash(_l("Saved in the draft, but the checks found errors (below): the draft cannot be published "
                 "until they are fixed."), "error")
    else:
        flash(_l("Saved in the draft. Publish to put it in force."), "info")
    return redirect(url_for(".entry", entry_id=entry["id"]), code=303)


@bp.post("/directory/new")
def create():
    """Add an entry to the draft's directory."""
    entry_id = request.form.get("id", "").strip()
    entry = _from_form(request.form, {"id": entry_id})
    if any(e.get("id") == entry_id for e in _entries()):
        return prg.refused(url_for(".new"), 409, [*request.form.items(multi=True), (
            "error", prg.said(_l("An entry with this id exists already: choose another id."), stop=True))])
    return _save(entry, new=True)


@bp.post("/directory/<entry_id>")
def update(entry_id):
    """Change an entry of the draft's directory (its id stays)."""
    return _save(_from_form(request.form, _find(entry_id)), new=False)


@bp.post("/directory/<entry_id>/remove")
def remove(entry_id):
    """Remove an entry from the draft's directory."""
    _find(entry_id)
    scripts().remove_directory_entry(entry_id, by=who())
    flash(_l("Entry removed in the draft. Publish to put it in force."), "info")
    return redirect(url_for(".index"), code=303)


# -- office hours ---------------------------------------------------------------------------------

def _hours_page(office, error=None, code=200):
    """Render the office hours form (office: the hours to show in it)."""
    service = scripts()
    settings = current_app.extensions["staff_settings"]
    return render_template("admin/script/hours.html", office=office, days=DAYS, day_names=DAY_NAMES,
                           published=service.script(PUBLISHED).office_hours,
                           legacy=settings.legacy_office_hours(), error=error, status=draft_status()), code


@bp.get("/hours")
def hours():
    """Show the draft's office hours, and the published ones if they differ (after a refusal: what was typed)."""
    status, kept = taken()
    if kept:
        office = {"timezone": kept.get("timezone", ""),
                  "days": {day: kept.get(day, "") for day in DAYS if kept.get(day, "").strip()}}
        return _hours_page(office, error=kept.get("error"), code=status)
    return _hours_page(scripts().script(DRAFT).office_hours)


def hours_problem(days):
    """Return a sentence (a lazy message id) naming the day whose hours cannot be used, or None."""
    for day in DAYS:
        spans = []
        for part in (p.strip() for p in days.get(day, "").split(",") if p.strip()):
            try:
                start, end = (office_hours.time_of_day(t) for t in part.split("-"))
            except ValueError:
                return _l("%(day)s: “%(text)s” is not a time range like 09:00-17:00 (00:00-24:00 for the whole "
                         "day).", day=DAY_NAMES[day], text=part[:40])
            if end <= start:
                return _l("%(day)s: “%(text)s” ends before it starts.", day=DAY_NAMES[day], text=part)
            spans.append((start, end, part))
        if len(spans) > MAX_SPANS:
            return _l("%(day)s has %(count)d time ranges; at most %(max)d.", day=DAY_NAMES[day], count=len(spans),
                     max=MAX_SPANS)
        spans.sort()
        for first, second in zip(spans, spans[1:]):
            if second[0] < first[1]:
                return _l("%(day)s: %(first)s and %(second)s overlap. Write each time only once.",
                         day=DAY_NAMES[day], first=first[2], second=second[2])
    return None


@bp.post("/hours")
def save_hours():
    """Save the office hours into the draft (in force once published)."""
    office = {"timezone": request.form.get("timezone", ""),
              "days": {day: request.form.get(day, "") for day in DAYS if request.form.get(day, "").strip()}}
    problem = hours_problem(office["days"])
    if problem:
        return prg.refused(url_for(".hours"), 400, [*request.form.items(multi=True), ("error", prg.said(problem))])
    try:
        scripts().set_office_hours(office, by=who())
    except EditError as exc:
        return prg.refused(url_for(".hours"), status_of(exc), [*request.form.items(multi=True), ("error", prg.said(exc))])
    current_app.extensions["staff_settings"].forget_legacy_office_hours()
    flash(_l("Office hours saved in the draft. Publish to put them in force."), "info")
    return redirect(url_for(".hours"), code=303)
