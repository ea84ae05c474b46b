"""`flask --app bot report`: a period's report counters as tables in the terminal (or as CSV)."""
import datetime

import click
from flask import current_app
from flask.cli import with_appcontext

from bot.reports.figures import PeriodError, bucket_range, check_period, parse_day

DEFAULT_DAYS = 30


def _day(ctx, param, value):
    """Parse a --from/--to date; a bad one is a usage error (exit status 2) saying what to write."""
    if value is None:
        return None
    try:
        return parse_day(value)
    except PeriodError as exc:
        raise click.BadParameter(str(exc), ctx=ctx, param=param) from None


@click.command("report")
@click.option("--from", "start", metavar="DATE", callback=_day,
              help=f"First day, YYYY-MM-DD (default: {DEFAULT_DAYS} days before --to).")
@click.option("--to", "end", metavar="DATE", callback=_day, help="Last day, YYYY-MM-DD (default: today).")
@click.option("--csv", "as_csv", is_flag=True, help="Print the CSV the reports page downloads instead.")
@with_appcontext
def report_command(start, end, as_csv):
    """Print the report of a period: conversations, topics, referrals, handoffs and waits."""
    reports = current_app.extensions["reports"]
    end = end or reports.today()
    start = start or end - datetime.timedelta(days=DEFAULT_DAYS - 1)
    try:
        check_period(start, end)
    except PeriodError as exc:
        raise click.UsageError(str(exc)) from None
    figures = reports.figures(start, end)
    click.echo(figures.csv().replace("\r\n", "\n") if as_csv else render(figures), nl=not as_csv)


def render(figures):
    """Return the figures as text tables."""
    out = [f"Helpline report, {figures.start} to {figures.end} (days in {figures.timezone})", ""]
    languages = [lang for lang in figures.languages if figures.conversations_by_language().get(lang)]
    rows = []
    for first, last, counts in figures.conversations_over_time():
        label = str(first) if first == last else f"{first}..{last}"
        rows.append([label, *(counts.get(lang, 0) for lang in languages), sum(counts.values())])
    by_language = figures.conversations_by_language()
    rows.append(["total", *(by_language.get(lang, 0) for lang in languages), figures.conversations])
    out += _table(["Conversations started", *languages, "total"], rows)
    channels = ", ".join(f"{k} {v}" for k, v in sorted(figures.conversations_by_channel().items()))
    out += [f"by channel: {channels or 'none'}", ""]
    out += _table(["Topics chosen", "count"], figures.topics() or [["(none)", 0]]) + [""]
    out += _table(["Referrals given", "count"], figures.referrals() or [["(none)", 0]]) + [""]
    handoffs = figures.handoffs()
    out += _table(["Handoffs", "asked", "claimed", "closed", "answered", "average wait"],
                  [[lang, row["asked"], row["claimed"], row["closed"], row["answered"],
                    _duration(row["wait_sum"] / row["answered"] if row["answered"] else None)]
                   for lang, row in handoffs.items()]) + [""]
    asked = [("(main menu)" if topic == "none" else topic, n) for topic, n in figures.asked_topics()]
    out += _table(["Asked for a person while reading", "count"], asked or [["(none)", 0]])
    out += [""]
    out += _table(["Time to first volunteer reply (s)", "count"],
                  [[bucket_range(bucket), count] for bucket, count in figures.waits()])
    out += [f"average: {_duration(figures.mean_wait)} over {figures.answered} first replies", ""]
    out += _table(["Other", "count"], [["deletions", figures.deleted], ["opt-outs", figures.opted_out]])
    lookups = figures.job_lookups()
    if lookups:
        langs = sorted({lang for row in lookups.values() for lang in row})
        out += [""] + _table(["Job offers checked", *langs], [[outcome.replace("_", " "), *(row.get(l, 0) for l in langs)]
                                                             for outcome, row in sorted(lookups.items())])
    return "\n".join(out)


def _table(headers, rows):
    """Return lines of a table: the first column left-aligned, the others right-aligned."""
    cells = [[str(c) for c in row] for row in [headers, *rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = []
    for row in cells:
        parts = [row[0].ljust(widths[0])] + [c.rjust(w) for c, w in zip(row[1:], widths[1:])]
        lines.append("  ".join(parts).rstrip())
    return lines


def _duration(seconds):
    """Return seconds as "45s", "2m 05s" or "3h 10m"; "-" for None."""
    if seconds is None:
        return "-"
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m {seconds % 60:02d}s"
    return f"{seconds // 3600}h {seconds % 3600 // 60:02d}m"
