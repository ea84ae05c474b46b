"""Issue 23: a client that sends its headers and then its body a byte at a time is cut off (408, the
connection closed) within the deadline, while signed webhooks keep being answered."""
import socket
import time

import pytest

from bot.web import body_deadline
from test_gunicorn import gunicorn
from test_serving import _post



def _slow_body(port, length=30, pause=1.0, path="/twilio/messages"):
    """Open a connection, send the headers (a signature too, so the app reads the body to check it) and
    then a byte every pause seconds; return (seconds until the server answered or closed, what it
    answered)."""
    sock = socket.create_connection(("127.0.0.1", port))
    sock.sendall((f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                  f"X-Twilio-Signature: forged\r\nContent-Length: {length}\r\n\r\n").encode())
    start, answer = time.monotonic(), b""
    sock.settimeout(pause)
    try:
        for _ in range(length):
            try:
                data = sock.recv(4096)
                answer += data
                if not data:
                    break
                while data:  # read the answer to the end: the server closes after it
                    data = sock.recv(4096)
                    answer += data
                break
            except socket.timeout:
                sock.sendall(b"x")
            except OSError:
                break
    finally:
        sock.close()
    return time.monotonic() - start, answer.decode("latin-1")


@pytest.mark.slow
def test_a_slow_body_is_cut_off_and_webhooks_go_on(redis_url, prefix, tmp_path):
    """A byte a second: 408 and closed within the deadline (the body would take 30 s); meanwhile a
    webhook is answered at once."""
    with gunicorn(redis_url, prefix, 1, 1, spool=str(tmp_path / "spool")) as base:
        port = int(base.rsplit(":", 1)[1])
        took, answer = _slow_body(port)
        assert answer.startswith("HTTP/1.1 408"), answer
        assert body_deadline.SECONDS - 0.5 < took < body_deadline.SECONDS + 2, took
        status, replies, seconds = _post(base, "+15055550999", "hola", timeout=10)
        assert status == 200 and replies and seconds < 2
        # A login form sent slowly gets the same; a whole body sent at once is unaffected.
        took, answer = _slow_body(port, path="/login")
        assert answer.startswith("HTTP/1.1 408") and took < body_deadline.SECONDS + 2


def _paced_stream(pieces, pause):
    """Return a DeadlineStream over a gevent socket pair whose other end sends pieces, pause apart."""
    import gevent
    import gevent.socket

    reader, writer = gevent.socket.socketpair()

    def send():
        try:
            for piece in pieces:
                writer.sendall(piece)
                gevent.sleep(pause)
        except OSError:  # the reader gave up: what the test expects of a slow sender
            pass
        writer.close()
    gevent.spawn(send)
    return body_deadline.DeadlineStream(reader.makefile("rb"))


def test_the_deadline_follows_the_pace_not_the_size(monkeypatch):
    """With a 1 s deadline per 16 KiB: 96 KiB at 32 KiB/s is read whole (3 s in all); a byte every
    0.2 s is cut off after 1 s, whatever size the reader asks for."""
    monkeypatch.setattr(body_deadline, "SECONDS", 1.0)
    monkeypatch.setattr(body_deadline, "CHUNK", 16 * 1024)
    stream = _paced_stream([b"x" * 16 * 1024] * 6, 0.5)
    assert len(stream.read()) == 96 * 1024
    for size in (1, 8192):
        stream = _paced_stream([b"x"] * 100, 0.2)
        start, got = time.monotonic(), b""
        with pytest.raises(body_deadline.TooSlow):
            while True:
                got += stream.read(size)
        assert 0.9 < time.monotonic() - start < 1.5 and len(got) < 10
