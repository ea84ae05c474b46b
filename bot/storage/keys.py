"""Small helpers shared by the stores: MessageSid digests, glob escaping, Redis replies as text."""
import base64
import functools
import hashlib


@functools.lru_cache(maxsize=256)  # a message's MessageSid is digested for several keys and arguments
def seen(sid):
    """Return the short digest a MessageSid is remembered by (in the texter's m hash)."""
    return base64.urlsafe_b64encode(hashlib.blake2b(sid.encode(), digest_size=8).digest())[:11].decode()


def glob_escape(text):
    """Return text with Redis glob characters escaped, for a SCAN pattern."""
    return "".join("\\" + ch if ch in "*?[]\\" else ch for ch in text)


def text(value):
    """Return a Redis reply as str (or None)."""
    if value is None:
        return None
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
