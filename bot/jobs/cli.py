"""`flask --app bot jobs import PATH | debarred PATH | status`: load DOL's public job data."""
import sys

import click
from flask import current_app
from flask.cli import AppGroup

from bot.jobs.importer import PROGRAM_NAMES, counted, import_cases, import_debarred
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
    click.echo("\n".join(report.lines()))
    return report


@jobs_cli.command("import")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--program", type=click.Choice(["h2a", "h2b"]), help="The program (default: from the file's "
              "name, else from its case numbers).")
@click.option("--date", "data_date", metavar="YYYY-MM-DD", help="The date the data is of (default: the "
              "latest decision date in the file).")
def import_command(path, program, data_date):
    """Import DOL's disclosure file (.xlsx as published, or CSV), replacing that program's data."""
    data = current_app.extensions["jobs"].data
    _run(lambda bar: import_cases(path, data, program=program, data_date=data_date, progress=bar, who="cli"),
         "Importing")


@jobs_cli.command("debarred")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--program", type=click.Choice(["h2a", "h2b"]), help="The program, when the list has no "
              "program column.")
def debarred_command(path, program):
    """Import a DOL debarment list (CSV or .xlsx), replacing the one loaded."""
    data = current_app.extensions["jobs"].data
    _run(lambda bar: import_debarred(path, data, program=program, progress=bar, who="cli"), "Importing")


@jobs_cli.command("status")
def status_command():
    """Print what is loaded: files, programs, rows and the date of the data."""
    for line in status_lines(current_app.extensions["jobs"].data.status()):
        click.echo(line)


def status_lines(status):
    """Return the status as lines of text."""
    if not status:
        return [N_("No job data loaded: texters who send a case number are told so. "
                   "Import DOL's files with 'flask --app bot jobs import PATH'.")]
    out = []
    for slot in ("h2a", "h2b", "debarred"):
        info = status.get(slot)
        name = PROGRAM_NAMES.get(slot) or N_("Debarment list")
        if not info:
            out.append(N_("%(name)s: not loaded", name=name))
            continue
        date = N_(", data of %(date)s", date=info["data_date"]) if info.get("data_date") else ""
        who = N_(" by %(who)s", who=info["who"]) if info.get("who") else ""
        out.append(N_("%(name)s: %(count)s from %(file)s%(date)s, imported %(when)s%(who)s", name=name,
                      count=counted(info.get("rows", 0), "entry" if slot == "debarred" else "case"),
                      file=info.get("file", "?"), date=date, when=info.get("imported", "?"), who=who))
        if info.get("missing"):
            out.append(N_("  no column for: %(fields)s", fields=", ".join(info["missing"])))
    return out
