"""A deadline on reading request bodies, so a client that sends its body a byte at a time lets go.

Gunicorn's gevent worker closes a connection whose headers have not arrived within `keepalive` (5 s),
but once the headers are in, reading the body has no deadline: a client sending a byte every 2 s holds
its connection (and a place among the worker's `worker_connections`) for as long as it likes, and some
thousands of them leave no room for Twilio's webhooks. Here the body must arrive at least as fast as
one CHUNK every SECONDS: the first CHUNK (every webhook, login and form) within SECONDS, larger uploads
at 12 KB/s or more, whatever sizes the app reads in. A client that is slower gets 408 and its connection
is closed.

Bodies up to `preload` bytes (MAX_BODY_BYTES: every webhook and form) are read here, before the app
sees the request; larger ones are refused by the app (413) before they are read, or, for the uploads
that may be larger, read through a stream that keeps the same deadline and raises RequestTimeout (408).
Only under gevent (the Procfile's worker): elsewhere a blocked read cannot be interrupted this way, and
the development server is not exposed.
"""
import io
import socket
import time

from werkzeug.exceptions import RequestTimeout

SECONDS = 5.0           # as gunicorn's keepalive, the deadline for a request's headers
CHUNK = 64 * 1024       # bytes that must arrive within each SECONDS
PRELOAD = 64 * 1024     # bodies up to this size (MAX_BODY_BYTES) are read before the app runs


class TooSlow(RequestTimeout):
    """The request body did not arrive in time."""

    description = "The request body arrived too slowly."


class DeadlineStream:
    """wsgi.input with a deadline: byte n must have arrived SECONDS * (1 + n // CHUNK) after the start."""

    def __init__(self, stream, started=None):
        self.stream, self.started, self.read_bytes = stream, started or time.monotonic(), 0

    def _call(self, method, *args):
        import gevent
        left = self.started + SECONDS * (1 + self.read_bytes // CHUNK) - time.monotonic()
        if left <= 0:
            raise TooSlow()
        try:
            with gevent.Timeout(left, TooSlow):
                data = method(*args)
        except TooSlow:
            raise TooSlow() from None
        self.read_bytes += len(data)
        return data

    def read(self, size=-1):
        """Read up to size bytes (all when size is negative), within the deadline."""
        if size is None or size < 0:
            chunks = []
            while True:
                chunk = self._call(self.stream.read, CHUNK)
                if not chunk:
                    return b"".join(chunks)
                chunks.append(chunk)
        return self._call(self.stream.read, min(size, CHUNK))

    def readline(self, size=-1):
        """Read one line (at most CHUNK bytes at a time), within the deadline."""
        return self._call(self.stream.readline, CHUNK if size is None or size < 0 else min(size, CHUNK))

    def __iter__(self):
        while True:
            line = self.readline()
            if not line:
                return
            yield line


def _gevent_loop():
    """Return True when this process runs on gevent's event loop."""
    try:
        from gevent import monkey
    except ImportError:  # pragma: no cover - gevent is a runtime requirement
        return False
    return monkey.is_module_patched("socket")


class _ThenClose(list):
    """A response body after which the connection is shut (gunicorn would wait for the rest first)."""

    def __init__(self, body, sock):
        super().__init__(body)
        self.sock = sock

    def close(self):
        """Shut the client's connection once the answer is written."""
        if self.sock is not None:
            try:
                self.sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def _timed_out(environ, start_response):
    """Answer 408 and close the connection."""
    body = b"Request Timeout: the request body arrived too slowly.\n"
    start_response("408 Request Timeout", [("Content-Type", "text/plain; charset=utf-8"),
                                           ("Content-Length", str(len(body))), ("Connection", "close")])
    return _ThenClose([body], environ.get("gunicorn.socket"))


class BodyDeadline:
    """WSGI middleware: read request bodies under a deadline (see the module's docstring)."""

    def __init__(self, app, preload=PRELOAD, enabled=None):
        self.app, self.preload = app, preload
        self.enabled = _gevent_loop() if enabled is None else enabled

    def __call__(self, environ, start_response):
        if not self.enabled:
            return self.app(environ, start_response)
        stream = DeadlineStream(environ["wsgi.input"])
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if 0 < length <= self.preload:
            body, missing = [], length
            try:
                while missing > 0:
                    chunk = stream.read(missing)
                    if not chunk:
                        break  # the client closed early: the app sees a short body, as before
                    body.append(chunk)
                    missing -= len(chunk)
            except TooSlow:
                return _timed_out(environ, start_response)
            environ["wsgi.input"] = io.BytesIO(b"".join(body))
        elif length or environ.get("HTTP_TRANSFER_ENCODING", "").lower() == "chunked":
            environ["wsgi.input"] = stream
        return self.app(environ, start_response)
