"""What a texter's message step reads from Redis (Loaded, from the load script's answer) and writes back
(Changes, besides the session state): the values bot/storage/store.py's two round trips carry."""
from dataclasses import dataclass

from bot.storage.keys import text as _text


@dataclass(frozen=True)
class Loaded:
    """What the first round trip found for a texter and a MessageSid."""

    duplicate: bool
    limited: int = 0         # past RATE_LIMIT: the message's number in the window; nothing was loaded
    replies: list = None
    state: str = None
    version: int = 0
    lang: str = None
    opted_out: bool = False
    handoff_status: str = None
    forgotten: bool = False  # a duplicate of the message that deleted the texter
    alerts: tuple = None     # the subscription to alerts: (given at, state code or "", last alert id)
    offered: bool = False    # alerts were offered to this texter once already


@dataclass
class Changes:
    """What the second round trip writes, besides the session state."""

    lang: str = None
    opt_out: str = ""        # "set", "del" or ""
    handoff: dict = None     # fields of the handoff record to set
    thread: list = None      # JSON-able entries to append to the thread
    forget: bool = False     # delete everything about the texter instead of saving
    report: tuple = None     # (day, {field: increment}): report counters, counted only if this commits
    words: tuple = None      # (day, {field: increment}): words not understood (bot/reports/unknown_words.py)
    alerts: dict = None      # the subscription: {"set": fields, "number": encrypted, "ttl": s} or {"del": 1,
                             # "stats": last alert id};
                             # {"offered": 1} marks the offer made (bot/storage/lua.py, _ALERTS)


def loaded(found, replies):
    """Return the Loaded of the load script's answer (replies: the ReplyPacker that packed them)."""
    if found[0] == 4:
        return Loaded(duplicate=True, replies=replies.unpack(found[1]), forgotten=True)
    if found[0] == 1:
        return Loaded(duplicate=True, replies=replies.unpack(found[1]))
    if found[0] == 2:  # answered long ago: the reply has expired, and nothing is done twice
        return Loaded(duplicate=True, replies=[])
    if found[0] == 3:
        return Loaded(duplicate=False, limited=int(found[1]), lang=_text(found[2]))
    _, raw, lang, opted, status, sub, offered = found
    version, _, state = (_text(raw) or "0|").partition("|")
    at, place, last = (_text(v) for v in sub)
    return Loaded(duplicate=False, state=state or None, version=int(version or 0), lang=_text(lang),
                  opted_out=bool(opted), handoff_status=_text(status),
                  alerts=(at, place or "", last) if at else None, offered=bool(offered))
