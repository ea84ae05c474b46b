"""`flask --app bot jobs import PATH | debarred PATH | status`: load DOL's public job data."""
import sys

import click
from flask import current_app
from flask.cli import AppGroup

from bot.jobs import columns
from bot.jobs.debarment import LISTS, import_debarred
from bot.jobs.importer import PROGRAM_NAMES, counted, import_cases
from bot.jobs.reader import Refused
from bot.conversation.wording import N_

jobs_cli = AppGroup("jobs", help="DOL's H-2A/H-2B disclosure data and debarment lists, for 'check a job offer'.")


class _Bar:
    """A click progress bar fed with (done, total); without a total (an .xlsx that does not say how many
    rows it has), a counter of rows on one line."""

    def __init__(self, label):
        self.label, self.bar, self.last, self.counting = label, None, 0, False

    def __call__(self, done, total):
        if total and self.bar is None and not self.counting:
            self.bar = click.progressbar(length=total, label=self.label, file=sys.stderr)
            self.bar.__enter__()
        if self.bar is not None:
            self.bar.update(max(0, min(done, total or done) - self.last))
            self.last = min(done, total or done)
        else:
            self.counting = True
            click.echo(f"\r{self.label}: {done} rows read", nl=False, err=True)

    def close(self):
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
        elif self.counting:
            click.echo(err=True)


def _run(work, label):
    bar = _Bar(label)
    try:
        report = work(bar)
    except Refused as exc:
        bar.close()
        raise click.ClickException(str(exc)) from None
    bar.close()
    lines = report.lines()
    click.echo("\n".join(lines[:1] + [f"  {line}" for line in lines[1:]]))
    return report


@jobs_cli.command("import")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--program", type=click.Choice(["h2a", "h2b"]), help="The program (default: from the file's "
              "name, else from its case numbers).")
@click.option("--date", "data_date", metavar="YYYY-MM-DD", help="The date the data is of (default: the "
              "latest decision date in the file).")
@click.option("--fiscal-year", type=click.IntRange(2000, 2100), help="The fiscal year the file is of (default: "
              "from its name, FY2025, else from its latest decision date).")
def import_command(path, program, data_date, fiscal_year):
    """Import DOL's disclosure file (.xlsx as published, or CSV), replacing that program's data of the same
    fiscal year (the newest two years are kept)."""
    data = current_app.extensions["jobs"].data
    _run(lambda bar: import_cases(path, data, program=program, data_date=data_date, progress=bar, who="cli",
                                  fiscal_year=fiscal_year), "Importing")


@jobs_cli.command("debarred")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--program", type=click.Choice(["h2a", "h2b"]), help="The program of entries whose program "
              "neither a column, the CFR citation nor a section heading says.")
def debarred_command(path, program):
    """Import a DOL debarment list (OFLC's PDF as published, or CSV/.xlsx), replacing that list's last import
    (the current and the expired lists are kept apart)."""
    data = current_app.extensions["jobs"].data
    _run(lambda bar: import_debarred(path, data, program=program, progress=bar, who="cli"), "Importing")


@jobs_cli.command("worker")
@click.option("--burst", is_flag=True, help="Stop once the queue is empty (tests, one-off runs).")
def worker_command(burst):
    """Run the imports staff upload on /admin/jobs and the other queues the app adds (the alerts', issue 25,
    first), one job at a time, with RQ's scheduler (the Procfile's worker: line)."""
    from rq import Worker

    from bot.jobs.tasks import queue
    q = queue()
    if q is None:
        raise click.ClickException("Page uploads need a single Redis server (RQ does not run on Redis Cluster); "
                                   "import with 'flask --app bot jobs import' instead.")
    app = current_app._get_current_object()
    extra = [make(app) for make in app.extensions.get("worker_queues", ())]
    for on_start in app.extensions.get("worker_start", ()):
        on_start(app)  # e.g. alerts left half-sent by a worker that died are queued again
    # maintenance every minute: a scheduler lock left by a worker that was killed is taken over soon
    Worker([x for x in extra if x is not None] + [q], connection=q.connection, maintenance_interval=60).work(
        burst=burst, logging_level="INFO", with_scheduler=True)


@jobs_cli.command("status")
def status_command():
    """Print what is loaded: files, programs, rows and the date of the data."""
    for line in status_lines(current_app.extensions["jobs"].data.status()):
        click.echo(line)


def status_lines(status):
    """Return the status as lines (message ids: English here, the page's language on the staff page): each
    program's fiscal years, then the debarment lists."""
    if not status:
        return [N_("No job data loaded: texters who send a case number are told so. "
                   "Import DOL's files with 'flask --app bot jobs import PATH'.")]
    out = []
    for program in ("h2a", "h2b"):
        slots = [s for s in (f"{program}.1", f"{program}.2") if status.get(s)]
        if not slots:
            out.append(N_("%(name)s: not loaded", name=PROGRAM_NAMES[program]))
        for slot in slots:
            info = status[slot]
            out.append(N_("%(name)s%(year)s: %(count)s from %(file)s%(date)s, imported %(when)s%(who)s",
                          name=PROGRAM_NAMES[program], count=counted(info.get("rows", 0), "case"),
                          year=N_(" fiscal year %(year)s", year=info["fiscal_year"]) if info.get("fiscal_year") else "",
                          file=info.get("file", "?"), when=info.get("imported", "?"),
                          date=N_(", data of %(date)s", date=info["data_date"]) if info.get("data_date") else "",
                          who=N_(" by %(who)s", who=info["who"]) if info.get("who") else ""))
            if info.get("missing"):
                out.append(N_("  no column for: %(fields)s", fields=[columns.word(f) for f in info["missing"]]))
    info = status.get("debarred")
    if not info:
        out.append(N_("Debarment lists: not loaded"))
        return out
    lists = info.get("lists") or {"current": info}
    for name, item in lists.items():
        out.append(N_("Debarment list (%(which)s): %(count)s from %(file)s, imported %(when)s%(who)s",
                      which=LISTS.get(name, name), count=counted(item.get("rows", 0), "entry"),
                      file=item.get("file", "?"), when=item.get("imported", "?"),
                      who=N_(" by %(who)s", who=item["who"]) if item.get("who") else ""))
    return out
