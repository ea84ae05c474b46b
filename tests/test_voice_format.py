"""Voice recordings as Twilio can send them (issue 22): the format told from the bytes, and WebM/Opus
(Chromium's MediaRecorder) repackaged as Ogg/Opus with every packet, page CRC and granule position right."""
import struct

import pytest

from bot.inbox import audio

OPUS_FRAME = bytes([0xFC]) + b"\x11" * 40  # TOC: CELT fullband 20 ms, one frame (960 samples at 48 kHz)


# -- a WebM as MediaRecorder writes it (unknown sizes for the segment and clusters) ----------------------

def _element(element_id, payload, unknown=False):
    """Return one EBML element."""
    size = b"\x01\xff\xff\xff\xff\xff\xff\xff" if unknown else b"\x01" + struct.pack(">Q", len(payload))[1:]
    return element_id + size + payload


def webm(frames=50, private=True, codec=b"A_OPUS", laced=False, frame=OPUS_FRAME):
    """Return a WebM recording of `frames` Opus packets of 20 ms on track 1."""
    head = b"OpusHead" + struct.pack("<BBHIhB", 1, 1, 312, 48000, 0, 0)
    entry = (_element(b"\xd7", b"\x01") + _element(b"\x86", codec) + _element(b"\x83", b"\x02")
             + (_element(b"\x63\xa2", head) if private else _element(b"\x56\xaa", struct.pack(">I", 6500000)))
             + _element(b"\xe1", _element(b"\x9f", b"\x01")))
    blocks = b"".join(_element(b"\xa3", b"\x81" + struct.pack(">h", i * 20 % 30000) + (b"\x86" if laced else b"\x80")
                               + frame) for i in range(frames))
    cluster = _element(b"\x1f\x43\xb6\x75", _element(b"\xe7", b"\x00") + blocks, unknown=True)
    segment = _element(b"\x18\x53\x80\x67", _element(b"\x16\x54\xae\x6b", _element(b"\xae", entry)) + cluster,
                       unknown=True)
    return _element(b"\x1a\x45\xdf\xa3", _element(b"\x42\x82", b"webm")) + segment


def ogg_pages(data):
    """Return the pages of an Ogg file as (flags, granule, sequence, packets), checking every page's CRC."""
    pages, at = [], 0
    while at < len(data):
        assert data[at:at + 4] == b"OggS"
        flags, granule, _serial, sequence, crc, count = struct.unpack("<BqIIIB", data[at + 5:at + 27])
        lacing = data[at + 27:at + 27 + count]
        size = sum(lacing)
        page = bytearray(data[at:at + 27 + count + size])
        page[22:26] = b"\0\0\0\0"
        assert audio._crc(page) == crc
        packets, body, current = [], data[at + 27 + count:at + 27 + count + size], b""
        offset = 0
        for value in lacing:
            current += body[offset:offset + value]
            offset += value
            if value < 255:
                packets.append(current)
                current = b""
        pages.append((flags, granule, sequence, packets))
        at += 27 + count + size
    return pages


def test_a_webm_recording_becomes_ogg_opus_with_the_same_packets():
    """Every Opus packet comes through unchanged, pages carry valid CRCs, the first page begins the stream
    and the last ends it, and the last granule position is the pre-skip plus every sample."""
    out = audio.webm_to_ogg(webm(frames=120))
    pages = ogg_pages(out)
    assert pages[0][0] == 0x02 and pages[0][3][0].startswith(b"OpusHead") and pages[1][3][0].startswith(b"OpusTags")
    assert pages[-1][0] == 0x04 and [p[2] for p in pages] == list(range(len(pages)))
    frames = [packet for page in pages[2:] for packet in page[3]]
    assert frames == [OPUS_FRAME] * 120
    assert pages[-1][1] == 312 + 120 * 960
    assert audio.sendable(webm(frames=3)) == ("audio/ogg", audio.webm_to_ogg(webm(frames=3)))
    without_head = ogg_pages(audio.webm_to_ogg(webm(frames=5, private=False)))  # OpusHead built from CodecDelay
    assert struct.unpack("<H", without_head[0][3][0][10:12])[0] == 312  # 6.5 ms at 48 kHz


@pytest.mark.parametrize("data", [b"", b"hello, not audio", webm(codec=b"A_VORBIS"), webm(frames=0),
                                  webm(laced=True), webm()[:60], b"\x89PNG\r\n\x1a\n" + b"\0" * 300])
def test_what_is_not_a_recording_is_refused(data):
    """Not audio, another codec, no sound, laced blocks, a cut header: NotAudio (said to the volunteer)."""
    with pytest.raises(audio.NotAudio):
        audio.sendable(data)


def test_oggs_crc_is_the_bitwise_one():
    """The CRC computed with zlib equals Ogg's CRC-32 computed bit by bit (polynomial 0x04C11DB7, not reflected)."""
    import os

    def bitwise(data):
        crc = 0
        for byte in data:
            crc ^= byte << 24
            for _ in range(8):
                crc = ((crc << 1) ^ 0x04C11DB7) & 0xFFFFFFFF if crc & 0x80000000 else (crc << 1) & 0xFFFFFFFF
        return crc
    for data in (b"", b"\0", b"OggS", os.urandom(1000), bytes(range(256)) * 3):
        assert audio._crc(data) == bitwise(data)


def test_the_format_is_told_from_the_bytes():
    assert audio.sniff(b"OggS\0\2") == "audio/ogg" and audio.sniff(b"\0\0\0\x20ftypM4A ") == "audio/mp4"
    assert audio.sniff(b"ID3\4\0") == "audio/mpeg" and audio.sniff(b"#!AMR\n") == "audio/amr"
    assert audio.samples(bytes([0x08])) == 960 and audio.samples(bytes([0x09, 0])) == 1920 and audio.samples(bytes([0xFF, 0x03])) == 3 * 960
