"""Flask CLI commands: the terminal chat simulator, accounts, the script's (bot/staff/cli.py) and the
report (bot/reports/cli.py)."""
import logging
import sys
import uuid

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext

from bot.conversation.engine import SMS, WHATSAPP, Inbound
from bot.jobs.cli import jobs_cli
from bot.reports.cli import report_command
from bot.staff.cli import script_cli
from bot.conversation.sms import segments
from bot.web.accounts import ROLES, SPOKEN, UI_LANGUAGES, AccountError

users_cli = AppGroup("users", help="Volunteer and staff accounts.")
CHAT_NUMBER = "+10000000000"  # not a real number: the simulator's texter


@click.command("chat")
@click.option("--channel", type=click.Choice([SMS, WHATSAPP]), default=SMS, show_default=True)
@click.option("--lang", type=click.Choice(["es", "quc", "en"]), default=None,
              help="Start in this language instead of at the greeting.")
@click.option("--keep", is_flag=True, help="Continue the previous simulated conversation (without it, that "
              "conversation is deleted, with any request for a person it left in the inbox).")
@with_appcontext
def chat_command(channel, lang, keep):
    """Talk to the bot in the terminal: same engine and store, showing each reply's SMS cost."""
    quiet = logging.getLogger("bot")
    level = quiet.level
    quiet.setLevel(logging.WARNING)  # keep the transcript readable
    try:
        _chat(channel, lang, keep)
    finally:
        quiet.setLevel(level)


def _chat(channel, lang, keep):
    """Run the chat loop."""
    conversations = current_app.extensions["conversations"]
    address = f"whatsapp:{CHAT_NUMBER}" if channel == WHATSAPP else CHAT_NUMBER
    if not keep:
        h = conversations.keys.pseudonym(address)
        if conversations.store.forget(h):
            click.echo("The previous test conversation (and any request for a person it had in the inbox) "
                       "was deleted; --keep continues it.")
    click.echo(f"Simulated {channel} texter. Type a message; Ctrl-D or Ctrl-C to leave.")
    first = {"es": "español", "quc": "k'iche'", "en": "english"}.get(lang)
    while True:
        if first:
            body, first = first, None
            click.echo(f"> {body}")
        else:
            try:
                body = input("> ")
            except (EOFError, KeyboardInterrupt):
                click.echo()
                return
        replies = conversations.handle(address, "SM" + uuid.uuid4().hex, Inbound(body, channel))
        if not replies:
            click.echo("  (no reply)")
        for text in replies:
            encoding, count = segments(text)
            cost = f"SMS, {encoding}, {count} segment{'s' if count != 1 else ''}" if channel == SMS \
                else f"WhatsApp, {len(text)} characters"
            click.echo(f"--- bot [{cost}]\n{text}\n---")


def _read_password():
    """Return a password: asked twice at a terminal, else the first line of standard input."""
    if sys.stdin.isatty():
        return click.prompt("Password", hide_input=True, confirmation_prompt=True)
    line = sys.stdin.readline()
    if not line:
        raise click.ClickException("no password on standard input")
    return line.rstrip("\r\n")


@users_cli.command("add")
@click.argument("email")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--lang", "langs", type=click.Choice(SPOKEN), multiple=True,
              help="A language the person speaks with texters (repeat for several; default es).")
@click.option("--ui", "ui_lang", type=click.Choice(UI_LANGUAGES), default=None,
              help="Language of the web pages (default: the first --lang the pages have, else es).")
@click.option("--phone", default="", help="Phone number for on-call SMS, like +15055550123.")
@click.option("--on-call", is_flag=True, help="Send this person an SMS when someone is waiting.")
def users_add(email, role, langs, ui_lang, phone, on_call):
    """Create an account; the password is asked twice (or read from standard input)."""
    accounts = current_app.extensions["accounts"]
    try:
        account = accounts.add(email, role, _read_password(), langs=langs or ("es",), ui_lang=ui_lang,
                               phone=phone, on_call=on_call)
    except AccountError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"added {account.email} ({account.role}; speaks {', '.join(account.langs)})")


@users_cli.command("list")
def users_list():
    """List accounts: email, role, languages, on call, disabled."""
    accounts = current_app.extensions["accounts"].all()
    if not accounts:
        click.echo("no accounts yet: flask --app bot users add EMAIL --role staff")
    for a in accounts:
        flags = [f for f, on in (("on call", a.on_call), ("DISABLED", a.disabled)) if on]
        click.echo(f"{a.email:40} {a.role:9} {','.join(a.langs):10} {' '.join(flags)}".rstrip())


def _change_account(email, action, change):
    """Apply change(accounts, account) to EMAIL's account and audit it, or refuse with a clear message."""
    accounts = current_app.extensions["accounts"]
    account = accounts.get(email)
    if account is None:
        raise click.ClickException(f"no account for {email}")
    try:
        change(accounts, account)
    except AccountError as exc:
        raise click.ClickException(str(exc)) from None
    accounts.store.audit("cli", action, account=account.email)
    return account


@users_cli.command("disable")
@click.argument("email")
def users_disable(email):
    """Disable an account: it cannot log in, and its open sessions end."""
    account = _change_account(email, "disable", lambda accounts, a: accounts.update(a, disabled=True))
    click.echo(f"disabled {account.email}")


@users_cli.command("password")
@click.argument("email")
def users_password(email):
    """Set a new password (asked twice, or read from standard input); every session of the account ends."""
    # the password is read only once the account is known, so a mistyped email is not asked for one
    account = _change_account(email, "password", lambda accounts, a: accounts.set_password(a, _read_password()))
    click.echo(f"new password for {account.email}; its sessions have ended")


@users_cli.command("role")
@click.argument("email")
@click.argument("role", type=click.Choice(ROLES))
def users_role(email, role):
    """Change an account's role; every session of the account ends."""
    account = _change_account(email, "role", lambda accounts, a: accounts.set_role(a, role))
    click.echo(f"{account.email} is now {role}; its sessions have ended")


@users_cli.command("logout")
@click.argument("email")
def users_logout(email):
    """End every session of an account (it has to log in again)."""
    account = _change_account(email, "end_sessions", lambda accounts, a: accounts.end_sessions(a))
    click.echo(f"ended the sessions of {account.email}")


def register(app):
    """Add the commands to the app's CLI."""
    app.cli.add_command(script_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(chat_command)
    app.cli.add_command(report_command)
    app.cli.add_command(jobs_cli)
