"""Staff reports page: a period's counters as SVG charts drawn on the server, and the same as CSV."""
import datetime

from flask import Blueprint, Response, abort, current_app, render_template, request
from flask_babel import format_date, format_timedelta, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from bot.conversation.alert_steps import state_name
from bot.conversation.quiet_hours import STATE_ZONES
from bot.reports import charts, unknown_words
from bot.web.auth import staff_required
from bot.reports.figures import BUCKETS, PeriodError, check_period, parse_day

bp = Blueprint("reports", __name__, url_prefix="/admin")
DEFAULT_DAYS = 30
LABEL_MAX = 38  # longer names are cut in a chart on a phone (the full name is the bar's title)

LANGUAGE_NAMES = {"es": _l("Spanish"), "quc": _l("K'iche'"), "en": _l("English"), "none": _l("unknown language")}
CHANNEL_NAMES = {"sms": "SMS", "whatsapp": "WhatsApp"}
TOPIC_NAMES = {"general": _l("general questions, help"), "recruitment": _l("recruitment fees, fraud"),
               "pay": _l("pay"), "injury": _l("injury, illness"), "housing": _l("housing, transport"),
               "discrimination": _l("discrimination, harassment"),
               "retaliation": _l("firing, changing employer"), "trafficking": _l("passport, threats"),
               "asylum": _l("asylum, safety"), "none": _l("main menu")}
BUCKET_NAMES = dict(zip(BUCKETS, (_l("up to 1 minute"), _l("1 to 5 minutes"), _l("5 to 15 minutes"),
                                  _l("15 to 30 minutes"), _l("30 minutes to 1 hour"), _l("1 to 4 hours"),
                                  _l("4 to 24 hours"), _l("more than a day"))))


@bp.after_request
def no_store(response):
    """Keep report pages and files off shared caches, like every staff page."""
    response.headers["Cache-Control"] = "no-store"
    return response


def reports():
    """Return the app's Reports service."""
    return current_app.extensions["reports"]


def _period():
    """Return (start, end) from the query (default: the last DEFAULT_DAYS days), or raise PeriodError."""
    today = reports().today()
    start_text, end_text = request.args.get("from", ""), request.args.get("to", "")
    end = parse_day(end_text) if end_text else today
    start = parse_day(start_text) if start_text else end - datetime.timedelta(days=DEFAULT_DAYS - 1)
    check_period(start, end)
    return start, end


def period_error(exc):
    """Return the sentence for a PeriodError, in the page's language."""
    if exc.reason == "date":
        return _("“%(value)s” is not a date. Write it like 2026-11-24 (year-month-day).", **exc.params)
    if exc.reason == "order":
        return _("The period ends before it starts.")
    return _("The period is %(days)d days long; the longest is %(max)d days.", **exc.params)


def _name(names, key):
    """Return the display name of a key (the key itself when it has none)."""
    return str(names.get(key, key))


def _short(text):
    """Return text cut to LABEL_MAX characters."""
    return text if len(text) <= LABEL_MAX else text[:LABEL_MAX - 1].rstrip() + "…"


def _organisations():
    """Return {directory entry id: name} of the script in use."""
    script = current_app.extensions["live_script"].get()
    names = {entry.get("id"): entry.get("name", entry.get("id")) for entry in script.directory}
    names["none"] = _("no organisation for that place")
    return names


def _over_time(figures, languages):
    """Return the column chart of conversations by language, a column a day (or a week)."""
    periods, titles = [], []
    for first, last, counts in figures.conversations_over_time():
        label = format_date(first, "d MMM")
        if last != first:
            label = _("week of %(day)s", day=label)
        parts = ", ".join(f"{_name(LANGUAGE_NAMES, lang)} {counts[lang]}" for lang in languages if counts.get(lang))
        titles.append(f"{label}: {sum(counts.values())}" + (f" ({parts})" if parts else ""))
        periods.append((label, counts))
    return charts.column_chart(periods, languages, titles)


def _bars(items, names, cut=False, notes=None):
    """Return the bar chart of [(key, value)] named with names."""
    rows = [(key, _short(_name(names, key)) if cut else _name(names, key), value) for key, value in items]
    return charts.bar_chart(rows, notes, {key: _name(names, key) for key, value in items})


def _wait(seconds):
    """Return a wait in seconds as words ("3 minutes"), or a dash."""
    if seconds is None:
        return "–"
    return format_timedelta(datetime.timedelta(seconds=round(seconds)), threshold=1.0)


@bp.get("/reports")
@staff_required
def index():
    """Show the charts of a period: conversations by language over time, topics, waiting times."""
    today = reports().today()
    try:
        start, end = _period()
    except PeriodError as exc:
        return render_template("admin/reports/index.html", error=period_error(exc), figures=None,
                               start=request.args.get("from", ""), end=request.args.get("to", ""),
                               today=today, shortcuts=_shortcuts(today)), 400
    figures = reports().figures(start, end)
    by_language = figures.conversations_by_language()
    languages = [lang for lang in figures.languages if by_language.get(lang)]
    handoffs = figures.handoffs()
    answered = figures.answered
    shares = {key: f"{round(100 * value / answered)}%" for key, value in figures.waits() if answered and value}
    return render_template(
        "admin/reports/index.html", error=None, figures=figures, start=start.isoformat(), end=end.isoformat(),
        today=today, shortcuts=_shortcuts(today), languages=languages, report_languages=LANGUAGE_NAMES,
        over_time=_over_time(figures, languages),
        by_language=_bars([(lang, by_language[lang]) for lang in languages], LANGUAGE_NAMES),
        by_channel=_bars(sorted(figures.conversations_by_channel().items()), CHANNEL_NAMES),
        topics=_bars(figures.topics(), TOPIC_NAMES),
        asked_topics=_bars(figures.asked_topics(), TOPIC_NAMES),
        waits=_bars(figures.waits() if answered else [], BUCKET_NAMES, notes=shares),
        referrals=_bars(figures.referrals(), _organisations(), cut=True),
        handoffs=handoffs, mean_wait=_wait(figures.mean_wait), min_texters=unknown_words.MIN_TEXTERS,
        report=current_app.extensions["alerts"].report(), state_names=_state_names(),
        lang_wait={lang: _wait(row["wait_sum"] / row["answered"] if row["answered"] else None)
                   for lang, row in handoffs.items()})


def _state_names():
    """Return {U.S. state code: its name in the page's language} for the alerts' subscribers table."""
    script, lang = current_app.extensions["live_script"].get(), get_locale().language
    return {code: state_name(script, code, lang) for code in STATE_ZONES}


def _shortcuts(today):
    """Return [(label, from, to)] of the usual periods."""
    return [(_("Last 7 days"), today - datetime.timedelta(days=6), today),
            (_("Last 30 days"), today - datetime.timedelta(days=29), today),
            (_("Last 12 months"), today - datetime.timedelta(days=364), today)]


@bp.get("/reports.csv")
@staff_required
def download():
    """Return the period's counters as CSV: a row per day and counter."""
    try:
        start, end = _period()
    except PeriodError as exc:
        abort(400, period_error(exc))
    figures = reports().figures(start, end)
    name = f"helpline-report-{start.isoformat()}-{end.isoformat()}.csv"
    return Response(figures.csv(), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})

