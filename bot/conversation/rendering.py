"""A node's or a directory entry's text as the bot words it, outside a conversation: what a volunteer
reads in a thread, a ready answer, the checks' and the SMS cost's main menu. The engine's own wording
(bot/conversation/engine.py), with a fresh state in the language asked for.
"""
import datetime

from bot.conversation.engine import _Step
from bot.conversation.state import WHATSAPP, Context, Inbound, State


def render_node(script, node_id, lang):
    """Return the full text a node shows in lang, as one message (for a volunteer reading a thread)."""
    work = _Step(script, State(lang=lang, node=node_id), Inbound("", WHATSAPP), Context(
        now=datetime.datetime.now(datetime.timezone.utc)))
    node = script.nodes.get(node_id)
    return "\n\n".join(work.parts(node)) if node is not None else ""


def render_entry(script, entry, lang, country="US"):
    """Return a directory entry as the bot words it in lang (a volunteer's ready answer)."""
    work = _Step(script, State(lang=lang), Inbound("", WHATSAPP), Context(
        now=datetime.datetime.now(datetime.timezone.utc)))
    return work.directory_line(entry, country)
