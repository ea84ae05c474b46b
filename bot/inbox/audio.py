"""Voice recordings as Twilio can send them: the format told from the bytes (never from the browser's word),
and Chromium's WebM/Opus recordings repackaged as Ogg/Opus, the container WhatsApp plays (the sound itself is
not touched: the same Opus packets in another box). Pure: no Flask, no Redis.

Formats (RFC 7845 for Ogg/Opus, RFC 3533 for Ogg pages, Matroska's EBML for WebM):
  audio/ogg   "OggS" first (Firefox's MediaRecorder; phone recorders)
  audio/webm  EBML's magic 1A45DFA3 (Chromium's MediaRecorder): repackaged as audio/ogg
  audio/mp4   "ftyp" at byte 4 (Safari's MediaRecorder, .m4a files)
  audio/mpeg  "ID3" or an MPEG frame header (.mp3 files)
  audio/amr   "#!AMR" (old phones)
"""
import struct
import zlib

OPUS_RATE = 48000  # Opus granule positions count 48 kHz samples, whatever the input rate
_IDS = {"ebml": 0x1A45DFA3, "segment": 0x18538067, "tracks": 0x1654AE6B, "entry": 0xAE, "number": 0xD7,
        "codec": 0x86, "private": 0x63A2, "delay": 0x56AA, "audio": 0xE1, "channels": 0x9F,
        "cluster": 0x1F43B675, "simple": 0xA3, "group": 0xA0, "block": 0xA1}
_ENTERED = {_IDS[k] for k in ("segment", "tracks", "entry", "audio", "cluster", "group")}


class NotAudio(ValueError):
    """The bytes are not a recording this module can read."""


def sniff(data):
    """Return the content type the bytes are (audio/ogg, audio/webm, audio/mp4, audio/mpeg, audio/amr), or None."""
    head = bytes(data[:12])
    if head.startswith(b"OggS"):
        return "audio/ogg"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "audio/webm"
    if head[4:8] == b"ftyp":
        return "audio/mp4"
    if head.startswith(b"#!AMR"):
        return "audio/amr"
    if head.startswith(b"ID3") or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0):
        return "audio/mpeg"
    return None


def sendable(data):
    """Return (content type, bytes) as they can be sent: WebM/Opus repackaged as Ogg/Opus; raise NotAudio."""
    kind = sniff(data)
    if kind is None:
        raise NotAudio("not a recording")
    if kind == "audio/webm":
        return "audio/ogg", webm_to_ogg(data)
    return kind, bytes(data)


# -- WebM (EBML) -------------------------------------------------------------------------------------

def _vint(data, at, keep_marker):
    """Return (value, length) of the EBML variable-size integer at data[at]; None value for 'unknown size'."""
    if at >= len(data):
        raise NotAudio("cut short")
    length = 9 - data[at].bit_length()  # the first set bit says how many bytes follow
    if length > 8 or at + length > len(data):
        raise NotAudio("bad EBML number")
    value = int.from_bytes(data[at:at + length], "big")
    if keep_marker:
        return value, length
    value &= (1 << (7 * length)) - 1
    return (None if value == (1 << (7 * length)) - 1 else value), length


def _uint(raw):
    """Return a big-endian unsigned integer."""
    return int.from_bytes(raw, "big") if raw else 0


def _opus_track(data):
    """Return (track number, OpusHead bytes or None, codec delay in ns, channels, packets) of a WebM's Opus track."""
    at, end = 0, len(data)
    tracks, current, packets = {}, None, []
    while at < end:
        element, n = _vint(data, at, keep_marker=True)
        size, m = _vint(data, at + n, keep_marker=False)
        at += n + m
        if element in _ENTERED:
            if element == _IDS["entry"]:
                current = {}
                tracks[len(tracks)] = current
            continue  # a container: read what it holds, whether its size is known or not
        if size is None or at + size > end:
            if element in (_IDS["simple"], _IDS["block"]) and size is not None:
                break  # the recording was cut in the middle of its last block: keep what came before
            raise NotAudio("element of unknown size")
        raw = data[at:at + size]
        at += size
        if current is not None and element in (_IDS["number"], _IDS["delay"], _IDS["channels"]):
            current[element] = _uint(raw)
        elif current is not None and element in (_IDS["codec"], _IDS["private"]):
            current[element] = bytes(raw)
        elif element in (_IDS["simple"], _IDS["block"]):
            packets.append(raw)
    opus = next((t for t in tracks.values() if t.get(_IDS["codec"], b"").rstrip(b"\0") == b"A_OPUS"), None)
    if opus is None:
        raise NotAudio("no Opus track")
    number = opus.get(_IDS["number"], 1)
    frames = []
    for raw in packets:
        track, n = _vint(raw, 0, keep_marker=False)
        if track != number or len(raw) < n + 3:
            continue
        if raw[n + 2] & 0x06:
            raise NotAudio("laced blocks")  # MediaRecorder never laces; other writers may
        frames.append(bytes(raw[n + 3:]))
    return opus.get(_IDS["private"]), opus.get(_IDS["delay"], 0), opus.get(_IDS["channels"], 1), frames


# -- Ogg/Opus ----------------------------------------------------------------------------------------

_REVERSED = bytes(int(f"{i:08b}"[::-1], 2) for i in range(256))  # each byte's bits in reverse order


def _crc(data):
    """Return Ogg's CRC-32 (polynomial 0x04C11DB7, not reflected, starting at 0, no final XOR).

    zlib's CRC-32 is the same polynomial reflected, starting and ending inverted: fed the bytes bit-reversed,
    with its inversions undone, its result bit-reversed is Ogg's (tests compare it with a bitwise one)."""
    reflected = zlib.crc32(bytes(data).translate(_REVERSED), 0xFFFFFFFF) ^ 0xFFFFFFFF
    return int(f"{reflected:032b}"[::-1], 2)


def _page(packets, granule, serial, sequence, flags):
    """Return one Ogg page holding whole packets."""
    lacing = bytearray()
    for packet in packets:
        lacing += b"\xff" * (len(packet) // 255) + bytes([len(packet) % 255])
    header = struct.pack("<4sBBqIIIB", b"OggS", 0, flags, granule, serial, sequence, 0, len(lacing)) + bytes(lacing)
    page = bytearray(header + b"".join(packets))
    page[22:26] = struct.pack("<I", _crc(page))
    return bytes(page)


def samples(packet):
    """Return the 48 kHz samples an Opus packet decodes to (RFC 6716, 3.1: its TOC byte and frame count)."""
    if not packet:
        return 0
    config = packet[0] >> 3
    if config < 12:
        tenths = (100, 200, 400, 600)[config % 4]       # SILK: 10, 20, 40, 60 ms
    elif config < 16:
        tenths = (100, 200)[config % 2]                 # hybrid: 10, 20 ms
    else:
        tenths = (25, 50, 100, 200)[config % 4]         # CELT: 2.5, 5, 10, 20 ms
    code = packet[0] & 0x03
    count = 1 if code == 0 else 2 if code in (1, 2) else (packet[1] & 0x3F if len(packet) > 1 else 0)
    return count * tenths * OPUS_RATE // 10000


def webm_to_ogg(data, serial=None):
    """Return a WebM recording's Opus packets as an Ogg/Opus file; raise NotAudio when there are none."""
    head, delay_ns, channels, frames = _opus_track(memoryview(bytes(data)))
    if not frames:
        raise NotAudio("no sound")
    if not (head and head.startswith(b"OpusHead") and len(head) >= 19):
        pre_skip = int(delay_ns * OPUS_RATE // 1_000_000_000) or 312
        head = b"OpusHead" + struct.pack("<BBHIhB", 1, min(max(channels, 1), 2), pre_skip, OPUS_RATE, 0, 0)
    pre_skip = struct.unpack("<H", head[10:12])[0]
    vendor = b"helpline"
    tags = b"OpusTags" + struct.pack("<I", len(vendor)) + vendor + struct.pack("<I", 0)
    serial = zlib.crc32(head + frames[0]) if serial is None else serial
    pages = [_page([head], 0, serial, 0, 0x02), _page([tags], 0, serial, 1, 0)]
    granule, batch, segments = pre_skip, [], 0
    for i, frame in enumerate(frames):
        need = len(frame) // 255 + 1
        if batch and (segments + need > 255 or len(batch) >= 50):
            pages.append(_page(batch, granule, serial, len(pages), 0))
            batch, segments = [], 0
        batch.append(frame)
        segments += need
        granule += samples(frame)
    pages.append(_page(batch, granule, serial, len(pages), 0x04))
    return b"".join(pages)
