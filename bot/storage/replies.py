"""The replies kept for Twilio's retries, packed small: deflated with the script's own texts as a dictionary.

A reply is mostly the script's texts, so deflate given those texts (zlib's preset dictionary, one per
language) keeps a 500-byte menu in about a hundred bytes; a texter's keys stay under 1 KiB while their
last replies are kept (README: Speed, memory and SMS cost). The dictionary is made once per process
from the texts the app starts with (the shipped script); a value names its dictionary by a checksum, so
a value packed with another one (a retry that crosses a deploy) reads as "no replies kept" and nothing
is sent twice. Values: JSON (a list), or a marker byte and the packed JSON.
"""
import functools
import json
import zlib

PLAIN = b"\x00"      # deflated without a dictionary
WITH_TEXTS = b"\x01"  # deflated with a language's dictionary, named by its 4-byte Adler-32
SMALL = 120          # shorter JSON is kept as it is
WINDOW = 32 * 1024   # deflate reads the last 32 KiB of a dictionary
RECENT = 128         # packed replies kept per process (pages many texters get)


class ReplyPacker:
    """Pack and unpack replies; texts: {language: [the texts replies are made of]} (none: plain deflate)."""

    def __init__(self, texts=None):
        self._by_lang, self._by_name = {}, {}
        for lang, items in (texts or {}).items():
            data = "\n".join(dict.fromkeys(t for t in items if t)).encode()[-WINDOW:]
            if data:
                name = zlib.adler32(data).to_bytes(4, "big")
                # A primed compressor is copied for each value: priming reads the whole dictionary.
                primed = zlib.compressobj(6, zlib.DEFLATED, -15, 2, zlib.Z_DEFAULT_STRATEGY, data)
                self._by_lang[lang] = (name, primed)
                self._by_name[name] = data
        self._default = next(iter(self._by_lang.values()), None)
        # Most replies are the script's pages, the same for every texter on them: the last ones packed
        # are kept (deflating with a dictionary copies 130 KB of compressor state and takes some 40 µs).
        self._recent = functools.lru_cache(maxsize=RECENT)(self._pack)

    def pack(self, replies, lang=None):
        """Return the bytes that keep replies (written in lang, when known)."""
        return self._recent(tuple(replies), lang)

    def _pack(self, replies, lang):
        """Return the bytes that keep replies (a tuple of texts)."""
        raw = json.dumps(replies, ensure_ascii=False, separators=(",", ":")).encode()
        if len(raw) < SMALL:
            return raw
        chosen = self._by_lang.get(lang, self._default)
        if chosen is not None:
            deflate = chosen[1].copy()
            small = WITH_TEXTS + chosen[0] + deflate.compress(raw) + deflate.flush()
        else:
            deflate = zlib.compressobj(6, zlib.DEFLATED, -15, 8)
            small = PLAIN + deflate.compress(raw) + deflate.flush()
        return small if len(small) < len(raw) else raw

    def unpack(self, value):
        """Return the replies pack() kept; [] when they were packed with texts this process lacks."""
        value = value.encode() if isinstance(value, str) else value
        marker = value[:1]
        if marker == PLAIN:
            value = zlib.decompress(value[1:], -15)
        elif marker == WITH_TEXTS:
            data = self._by_name.get(value[1:5])
            if data is None:
                return []
            inflate = zlib.decompressobj(-15, zdict=data)
            value = inflate.decompress(value[5:]) + inflate.flush()
        return json.loads(value)
