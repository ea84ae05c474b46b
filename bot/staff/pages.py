"""Common ground of the staff's script pages: who may open them, the service, errors as statuses."""
import datetime
import re

from flask import abort, current_app, flash, render_template, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from bot.conversation.checks import describe_chars
from bot.staff.edits import EditError
from bot.staff.review import review_count
from bot.staff import change_words
from bot.web.wording import say, sentences
from bot.staff.view import ScriptView, finding_kind, place, shown_value
from bot.staff.service import DRAFT, CheckFailed, Conflict, NotFound
from bot.web.common import error_page

# The service's errors, as the page's status: each carries a sentence saying what to do.
STATUSES = ((CheckFailed, 422), (Conflict, 409), (NotFound, 404), (EditError, 400))


def staff_only():
    """Let only staff through: others get 403, anonymous visitors go to /login."""
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()
    if not current_user.is_staff:
        abort(403)
    return None


def scripts():
    """Return the app's ScriptService."""
    return current_app.extensions["scripts"]


def who():
    """Return the name recorded with a change: the staff member's email."""
    return current_user.email


def status_of(exc):
    """Return the HTTP status for one of the service's errors."""
    return next(status for kind, status in STATUSES if isinstance(exc, kind))


def view_of(which=DRAFT):
    """Return the ScriptView of the draft (or another bundle), with its checks' findings."""
    service = scripts()
    return ScriptView(service.script(which), service.check(which))


def blocking_errors():
    """Return the draft's error findings as a set of sentences (to compare before and after a save)."""
    return {str(p) for p in scripts().check(DRAFT) if p.level == "error"}


def say_new_errors(before):
    """Flash the error findings a save added (the words the publish page uses), so they are seen now."""
    added = [p for p in scripts().check(DRAFT) if p.level == "error" and str(p) not in before]
    if not added:
        return False
    flash(_l("Saved in the draft, but the checks found errors: the draft cannot be published until they are "
             "fixed."), "error")
    for problem in added:
        flash(f"{change_words.where_name(problem.where)}: {say(problem.message)}", "error")
    return True


def audit(action, **detail):
    """Record a script action in the audit log (who and what; never a texter's data)."""
    current_app.extensions["accounts"].store.audit(who(), action, **detail)


def refused(exc, template, **context):
    """Return a page again with the service's refusal in it, and its status."""
    return render_template(template, error=exc, **context), status_of(exc)


def script_link(where):
    """Return the page where a finding or change can be fixed (a text, node, directory entry), or None."""
    examples = re.match(r"examples(?:\.|\[)(\w+)\.(\w+)\.(\w+)\]?$", where)  # a change, or a finding
    if examples:
        lang, section, label = examples.groups()
        return url_for("admin.examples.label", lang=lang, section=section, label=label)
    kind, key, _ = place(where)
    if kind == "text" and key:
        return url_for("admin.script.text", tid=key)
    if kind == "node" and key:
        return url_for("admin.script.index") + f"#node-{key}"
    if kind == "directory" and key:
        return url_for("admin.directory.entry", entry_id=key)
    if kind == "office_hours":
        return url_for("admin.directory.hours")
    return None


def stamp(text):
    """Return a stored time (2026-11-24T15:00:00Z) as an aware datetime for format_datetime."""
    try:
        return datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc)
    except (TypeError, ValueError):
        return None


def draft_status():
    """Return what the pages say at the top: the published version, the draft and its changes."""
    service = scripts()
    draft = service.draft()
    reviewed = review_count(service.script(DRAFT))
    return {"head": service.head(), "draft": draft, "changes": len(service.diff()) if draft else 0,
            "reviewed": reviewed}


def unexpected_refusal(exc):
    """Answer a refusal no page expected with its sentence and status (never a 500)."""
    return error_page(status_of(exc), say(exc))


def init_pages(bp):
    """Guard a script blueprint for staff, answer the service's refusals, give templates the helpers."""
    bp.before_request(staff_only)
    bp.register_error_handler(EditError, unexpected_refusal)
    bp.context_processor(lambda: {"script_link": script_link, "shown_value": shown_value, "stamp": stamp,
                                  "finding_kind": finding_kind, "describe_chars": describe_chars,
                                  "say": say, "sentences": sentences, "where_name": change_words.where_name,
                                  "what_name": change_words.what_name, "change_value": change_words.change_value,
                                  "version_by": change_words.version_by, "version_note": change_words.version_note})
