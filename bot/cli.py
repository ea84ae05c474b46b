"""Flask CLI commands: the terminal chat simulator, and the script's commands (bot/script_cli.py)."""
import logging
import uuid

import click
from flask import current_app
from flask.cli import with_appcontext

from .engine import SMS, WHATSAPP, Inbound
from .script_cli import script_cli
from .sms import segments

CHAT_NUMBER = "+10000000000"  # not a real number: the simulator's texter


@click.command("chat")
@click.option("--channel", type=click.Choice([SMS, WHATSAPP]), default=SMS, show_default=True)
@click.option("--lang", type=click.Choice(["es", "quc", "en"]), default=None,
              help="Start in this language instead of at the greeting.")
@click.option("--keep", is_flag=True, help="Continue the previous simulated conversation.")
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
        conversations.store.forget(conversations.keys.pseudonym(address))
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


def register(app):
    """Add the commands to the app's CLI."""
    app.cli.add_command(script_cli)
    app.cli.add_command(chat_command)
