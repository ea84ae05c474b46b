"""`flask --app bot script ...`: check, translators' files, versions and backups of the script."""
import getpass
import sys

import click
from flask import current_app
from flask.cli import AppGroup

from bot.conversation.checks import check_script, sms_report
from bot.staff.edits import EditError
from bot.conversation.script import ScriptError, load_script
from bot.staff.service import DRAFT, PUBLISHED, CheckFailed

script_cli = AppGroup("script", help="Check the helpline script, exchange PO files, publish and restore.")


def _user():
    """Return the name of who runs the command, for the version's record."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):  # a container user with no name
        return "cli"


BY = click.option("--by", default=_user, show_default="cli:<user>",
                  help="Who makes the change (recorded with the version).")


def _service():
    """Return the app's ScriptService."""
    return current_app.extensions["scripts"]


def _fail(message):
    """Print an error and exit with status 1."""
    click.echo(f"error: {message}", err=True)
    sys.exit(1)


def _which(draft, version):
    """Return which bundle a command works on."""
    if version is not None:
        return version
    return DRAFT if draft else PUBLISHED


@script_cli.command("check")
@click.option("--dir", "directory", default=None, help="Check a script folder (like locales/) instead.")
@click.option("--draft", is_flag=True, help="Check the staff's draft instead of the published version.")
@click.option("--version", type=int, default=None, help="Check this version instead.")
@click.option("--quiet", is_flag=True, help="Print problems only, not the segment table.")
def check_command(directory, draft, version, quiet):
    """Validate the script (by default the published one) and print the SMS cost of every message.

    Exits 1 when there are errors.
    """
    try:
        script = load_script(directory) if directory else _service().script(_which(draft, version))
    except (ScriptError, EditError) as exc:
        _fail(str(exc))
    if not quiet:
        click.echo(f"{'text':32} {'lang':4} {'encoding':8} segments")
        for tid, lang, encoding, count, odd in sms_report(script):
            flag = f"  outside GSM-7: {odd}" if odd else ""
            click.echo(f"{tid:32} {lang:4} {encoding:8} {count}{flag}")
    problems = check_script(script)
    errors = [p for p in problems if p.level == "error"]
    review = sum(1 for p in problems if "not yet reviewed" in p.message)
    for problem in problems:
        if "not yet reviewed" not in problem.message:
            click.echo(str(problem))
    click.echo(f"K'iche' texts awaiting review by a native speaker: {review}")
    click.echo(f"{len(errors)} errors, {len(problems) - len(errors)} warnings")
    sys.exit(1 if errors else 0)


@script_cli.command("export")
@click.argument("lang")
@click.argument("path", type=click.Path(dir_okay=False, writable=True))
@click.option("--published", is_flag=True, help="Export the published version, not the draft.")
@click.option("--version", type=int, default=None, help="Export this version.")
def export_command(lang, path, published, version):
    """Write the PO catalog of LANG (es, quc, en) for translators: the draft if there is one."""
    try:
        data = _service().export_po(lang, _which(not published, version))
    except EditError as exc:
        _fail(str(exc))
    with open(path, "wb") as fh:
        fh.write(data)
    click.echo(f"wrote {path}")


@script_cli.command("import")
@click.argument("lang")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@BY
def import_command(lang, path, by):
    """Read a translator's PO catalog of LANG into the draft and say what changed."""
    with open(path, "rb") as fh:
        data = fh.read()
    try:
        report = _service().import_po(lang, data, by)
    except EditError as exc:
        _fail(str(exc))
    for change in report.changes:
        click.echo(f"changed {change}")
    for reason in report.skipped:
        click.echo(f"skipped {reason}")
    click.echo(f"{len(report.changes)} change(s) in the draft, {len(report.skipped)} message(s) skipped")


@script_cli.command("history")
def history_command():
    """List the published versions, newest first."""
    for info in _service().history():
        origin = f" (restores v{info.restored_from})" if info.restored_from else ""
        click.echo(f"v{info.number}  {info.published_at}  {info.by}  [{info.source}{origin}]  {info.note}")


@script_cli.command("diff")
@click.option("--version", type=int, default=None, help="Compare this version (not the draft).")
def diff_command(version):
    """Show what the draft (or a version) changes against the published version."""
    try:
        changes = _service().diff(_which(True, version))
    except EditError as exc:
        _fail(str(exc))
    for change in changes:
        click.echo(str(change))
    click.echo(f"{len(changes)} change(s)")


@script_cli.command("publish")
@click.option("--note", required=True, help="What changed and why.")
@click.option("--force", is_flag=True, help="Publish a draft started from an older version anyway.")
@BY
def publish_command(note, force, by):
    """Publish the draft if the checks find no error."""
    _publish(lambda service: service.publish(by, note, force=force))


@script_cli.command("restore")
@click.argument("version", type=int)
@click.option("--note", default="", help="Why (default: 'restored version N').")
@BY
def restore_command(version, note, by):
    """Publish an earlier VERSION again, as a new version."""
    _publish(lambda service: service.restore(version, by, note))


@script_cli.command("publish-files")
@click.option("--note", default="", help="What changed and why.")
@BY
def publish_files_command(note, by):
    """Publish the files in locales/ (SCRIPT_DIR) as a new version."""
    _publish(lambda service: service.publish_files(by, note))


def _publish(action):
    """Run a publishing action and print the outcome, or the problems that block it."""
    try:
        info = action(_service())
    except CheckFailed as exc:
        for problem in exc.problems:
            if problem.level == "error":
                click.echo(str(problem), err=True)
        _fail(str(exc).split(":")[0])
    except EditError as exc:
        _fail(str(exc))
    click.echo(f"published version {info.number} ({info.warnings} warning(s))")


@script_cli.command("discard-draft")
def discard_command():
    """Throw the staff's draft away."""
    click.echo("draft discarded" if _service().discard_draft() else "there was no draft")


@script_cli.command("export-all")
@click.argument("directory", type=click.Path(file_okay=False))
def export_all_command(directory):
    """Back up every version (and the draft) as JSON files in DIRECTORY."""
    count = _service().export_all(directory)
    click.echo(f"wrote {count} version(s) to {directory}")


@script_cli.command("import-all")
@click.argument("directory", type=click.Path(exists=True, file_okay=False))
@click.option("--replace", is_flag=True, help="Discard the versions Redis holds now.")
def import_all_command(directory, replace):
    """Restore the versions (and draft) backed up by export-all."""
    try:
        count = _service().import_all(directory, replace=replace)
    except EditError as exc:
        _fail(str(exc))
    click.echo(f"restored {count} version(s); version {_service().head().number} is published")
