"""Staff pages /admin/alerts (issue 25): write an alert, check it, see who it reaches and its cost,
send it now or at a time, watch its progress, read its report. Staff only; every form posts, redirects,
gets (bot/web/prg.py)."""
import datetime
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from bot.alerts import tasks
from bot.alerts.service import KINDS, LANGS, AlertError, is_alert_id, shown
from bot.conversation.alert_steps import per_month, state_name
from bot.conversation.quiet_hours import STATE_ZONES
from bot.web.auth import staff_required
from bot.web.prg import refused, said, taken

bp = Blueprint("alerts", __name__, url_prefix="/admin/alerts")
TEMPLATE_SID_LENGTH = 34


@bp.after_request
def no_store(response):
    """Keep staff pages off shared caches."""
    response.headers["Cache-Control"] = "no-store"
    return response


def service():
    """Return the app's AlertService."""
    return current_app.extensions["alerts"]


def state_names(script):
    """Return {state code: its name in the page's language} (the Spanish name where places.yaml has one)."""
    lang = get_locale().language if get_locale() else "en"
    return {code: state_name(script, code, lang) for code in STATE_ZONES}


def _zone():
    """Return the office's time zone (the script's office hours), in which staff write times."""
    name = (current_app.extensions["live_script"].get().office_hours or {}).get("timezone") or "America/New_York"
    return ZoneInfo(name)


def _form_values(form):
    """Return what clean() reads from a posted form (or kept fields)."""
    return {"title": form.get("title"), "kind": form.get("kind"), "langs": form.getlist("langs"),
            "states": form.getlist("states"), "quc_reviewed": form.get("quc_reviewed"),
            **{f"text_{lang}": form.get(f"text_{lang}") for lang in LANGS}}


def _refusal(url, exc):
    """Return the redirect of a refused form, each refusal kept under its field."""
    fields = [*request.form.items(multi=True)]
    fields += [(f"error:{field or 'form'}", said(message)) for field, message in exc.messages]
    return refused(url, 400, fields)


def _errors(kept):
    """Return {field: [sentences]} of refusals kept with a form."""
    out = {}
    for name in kept or ():
        if name.startswith("error:"):
            out[name[len("error:"):]] = kept.getlist(name)
    return out


def _page(template, status=200, **context):
    """Render an alerts page with what every one of them needs."""
    script = current_app.extensions["live_script"].get()
    names = state_names(script)
    return render_template(template, kinds=KINDS, langs=LANGS, states=sorted(STATE_ZONES, key=names.get),
                           shown=shown, fold=script.sms.get("fold_accents", True), state_names=names,
                           per_month=per_month(script), zone=str(_zone()), **context), status


@bp.get("/")
@staff_required
def index():
    """List the alerts, with the settings (alerts a month at most, WhatsApp templates)."""
    status, kept = taken()
    tasks.resume(current_app._get_current_object())
    templates = current_app.extensions["staff_settings"].all().get("alert_templates") or {}
    return _page("admin/alerts/index.html", status, alerts=service().alerts(), report=service().report(),
                 templates=templates, kept=kept or MultiDict(), errors=_errors(kept),
                 cluster=tasks.queue() is None)


@bp.get("/new")
@staff_required
def new():
    """Show an empty alert form (or what was typed, after a refusal)."""
    status, kept = taken()
    form = kept if kept else MultiDict([("langs", lang) for lang in LANGS] + [("kind", "heat")])
    return _page("admin/alerts/new.html", status, form=form, errors=_errors(kept))


@bp.post("/")
@staff_required
def create():
    """Save a new alert as a draft and show it with its checks and preview."""
    try:
        alert_id = service().create(_form_values(request.form), current_user.email)
    except AlertError as exc:
        return _refusal(url_for(".new"), exc)
    current_app.extensions["accounts"].store.audit(current_user.email, "alert_draft", alert=alert_id)
    return redirect(url_for(".show", alert_id=alert_id), 303)


def _alert(alert_id):
    """Return an alert or answer 404."""
    alert = service().store.alert(alert_id) if is_alert_id(alert_id) else None
    if alert is None:
        abort(404)
    return alert


@bp.get("/<alert_id>")
@staff_required
def show(alert_id):
    """Show an alert: a draft with its checks, reach, cost and the send form; else its progress and report."""
    alert = _alert(alert_id)
    status, kept = taken()
    if alert["status"] == "sending":
        tasks.resume(current_app._get_current_object())
    draft = alert["status"] == "draft"
    form = kept if kept else MultiDict(_spec_form(alert["spec"]))
    return _page("admin/alerts/alert.html", status, alert=alert, draft=draft, form=form, errors=_errors(kept),
                 findings=service().findings(alert["spec"]) if draft else None,
                 blocked=draft and service().blocked(alert["spec"]),
                 preview=service().preview(alert["spec"]) if draft else None,
                 progress=_progress(alert), when=_local(alert["spec"].get("send_at")),
                 next=_local(alert.get("next")))


def _spec_form(spec):
    """Return a draft's spec as form fields."""
    fields = [("title", spec["title"]), ("kind", spec["kind"])]
    fields += [("langs", lang) for lang in spec["langs"]] + [("states", s) for s in spec["states"]]
    fields += [(f"text_{lang}", text) for lang, text in spec["texts"].items()]
    return fields + ([("quc_reviewed", "1")] if spec.get("quc_reviewed") else [])


def _local(epoch):
    """Return an epoch as a datetime in the office's zone (None for none)."""
    if not epoch:
        return None
    return datetime.datetime.fromtimestamp(float(epoch), datetime.timezone.utc).astimezone(_zone())


def _progress(alert):
    """Return what the page and its polling show of a sending: status, percent and the counts as shown."""
    done = sum(alert[k] for k in ("sent", "failed", "unknown", "capped"))
    total = alert["total"]
    percent = 100 if alert["status"] == "done" else (min(99, round(100 * done / total)) if total else 0)
    counts = {k: shown(alert[k]) for k in ("total", "sent", "failed", "unknown", "capped", "delivered",
                                            "undelivered", "unsub", "waiting")}
    return {"status": alert["status"], "percent": percent, "counts": counts}


@bp.get("/<alert_id>/progress")
@staff_required
def progress(alert_id):
    """Return an alert's progress as JSON, for the page's polling."""
    alert = _alert(alert_id)
    app = current_app._get_current_object()
    if not app.config["SETTINGS"].production and tasks.queue() is not None:
        tasks.move_due(tasks.queue())  # development without a worker: the page's polling stands in
    if alert["status"] == "sending":
        tasks.resume(app)
    return jsonify(_progress(alert))


@bp.post("/<alert_id>/edit")
@staff_required
def edit(alert_id):
    """Change a draft's texts and audience."""
    _alert(alert_id)
    try:
        service().update(alert_id, _form_values(request.form), current_user.email)
    except AlertError as exc:
        return _refusal(url_for(".show", alert_id=alert_id), exc)
    flash(_l("Saved. The checks and the count below are for the new texts."), "info")
    return redirect(url_for(".show", alert_id=alert_id), 303)


@bp.post("/<alert_id>/send")
@staff_required
def send(alert_id):
    """Send a draft now, or schedule it at a time written in the office's zone."""
    _alert(alert_id)
    when = None
    if request.form.get("when"):
        try:
            moment = datetime.datetime.strptime(request.form["when"], "%Y-%m-%dT%H:%M").replace(tzinfo=_zone())
            when = moment.timestamp()
        except ValueError:
            flash(_l("Write the time like 2026-12-01 09:00."), "error")
            return refused(url_for(".show", alert_id=alert_id), 400, {})
    if tasks.queue() is None:
        flash(_l("Alerts need a single Redis server (RQ does not run on Redis Cluster)."), "error")
        return refused(url_for(".show", alert_id=alert_id), 503, {})
    try:
        at = service().schedule(alert_id, when, current_user.email)
    except AlertError as exc:
        return _refusal(url_for(".show", alert_id=alert_id), exc)
    tasks.start(current_app._get_current_object(), alert_id, when=at, tag=f"at-{at}")
    current_app.extensions["accounts"].store.audit(current_user.email, "alert_scheduled", alert=alert_id)
    return redirect(url_for(".show", alert_id=alert_id), 303)


@bp.post("/<alert_id>/cancel")
@staff_required
def cancel(alert_id):
    """Stop a scheduled or sending alert."""
    _alert(alert_id)
    try:
        service().cancel(alert_id)
    except AlertError as exc:
        return _refusal(url_for(".show", alert_id=alert_id), exc)
    current_app.extensions["accounts"].store.audit(current_user.email, "alert_cancelled", alert=alert_id)
    return redirect(url_for(".show", alert_id=alert_id), 303)


@bp.post("/settings")
@staff_required
def settings():
    """Save the alerts a month at most (into the script's draft) and the WhatsApp templates."""
    problems = []
    raw = (request.form.get("per_month") or "").strip()
    if not raw.isdigit() or not 1 <= int(raw) <= 31:
        problems.append(("error:per_month", said(_l("Write a whole number from 1 to 31."))))
    templates = {}
    for lang in LANGS:
        sid = (request.form.get(f"template_{lang}") or "").strip()
        if sid and not (len(sid) == TEMPLATE_SID_LENGTH and sid.startswith("HX")
                        and all(c in "0123456789abcdefABCDEF" for c in sid[2:])):
            problems.append((f"error:template_{lang}", said(_l("A Content SID is HX followed by 32 hexadecimal digits."))))
        elif sid:
            templates[lang] = sid
    if problems:
        return refused(url_for(".index") + "#settings", 400, [*request.form.items(multi=True), *problems])
    scripts = current_app.extensions["scripts"]
    if int(raw) != per_month(scripts.script()):
        scripts.set_alerts_per_month(int(raw), current_user.email)
        flash(_l("Saved in the script's draft: in force once the draft is published."), "info")
    current_app.extensions["staff_settings"].save(alert_templates=templates)
    current_app.extensions["accounts"].store.audit(current_user.email, "alert_settings")
    return redirect(url_for(".index"), 303)
