"""Benchmark: signed webhooks while idle and slow clients hold connections open (issue 15).

Run from the repository root, in the project's virtualenv:  python tests/bench_slow_clients.py
Starts a redis-server of its own and gunicorn with the Procfile's config (2 workers), once with the
Procfile's worker class (gevent) and once with the earlier gthread worker (4 threads), and prints how
long 20 signed webhooks take, one after another, with no other clients and then with 64 connections
open and silent plus 16 sending a request a byte every half second. Twilio gives up after 15 s, and so does
the benchmark ("missed"). Then, gevent only, with 2,500 connections that send their headers and then a
byte of body every 2 s (issue 23), and the same again with each opened anew as soon as the server closes it.
"""
import os
import selectors
import socket
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:0] = [ROOT, os.path.join(ROOT, "tests")]

from servers import RedisServer  # noqa: E402
from test_gunicorn import gunicorn  # noqa: E402
from test_serving import Pests, _post  # noqa: E402

SETUPS = (("gevent (the Procfile's)", ()), ("gthread, 4 threads (before)", ("-k", "gthread")))


def webhooks(base, count=20, timeout=15):
    """Send count signed webhooks one after another; return their times (timeout counts as missed)."""
    times = []
    for i in range(count):
        start = time.monotonic()
        try:
            _post(base, f"+1202555{i:04d}", "hola", timeout=timeout)
            times.append(time.monotonic() - start)
        except OSError:
            times.append(float("inf"))
    return sorted(times)


def describe(times):
    """Return median, 95th percentile, worst, how many took over 2 s and how many got no answer in 15 s."""
    def ms(t):
        return "missed" if t == float("inf") else f"{t * 1000:.0f} ms"
    p95 = times[int(len(times) * 0.95) - 1]
    return (f"median {ms(times[len(times) // 2])}, p95 {ms(p95)}, worst {ms(times[-1])}, "
            f"over 2 s: {sum(t > 2 for t in times)}/{len(times)}, "
            f"missed: {sum(t == float('inf') for t in times)}/{len(times)}")


class SlowBodies:
    """count connections that send a request's headers, then a byte of its body every `pause` seconds;
    with reopen, a connection the server closes is opened again at once. One thread, non-blocking sockets."""

    HEAD = (b"POST /twilio/messages HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
            b"Content-Length: 100000\r\n\r\n")

    def __init__(self, port, count, pause=2.0, reopen=True):
        self.port, self.count, self.pause, self.reopen = port, count, pause, reopen
        self.stop, self.cut = threading.Event(), 0
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _open(self, selector):
        sock = socket.socket()
        sock.setblocking(False)
        sock.connect_ex(("127.0.0.1", self.port))
        selector.register(sock, selectors.EVENT_WRITE | selectors.EVENT_READ, [False])
        return sock

    def _run(self):
        selector = selectors.DefaultSelector()
        socks = [self._open(selector) for _ in range(self.count)]
        last = time.monotonic()
        while not self.stop.is_set():
            for key, events in selector.select(timeout=0.2):
                sock, sent = key.fileobj, key.data
                closed = False
                if events & selectors.EVENT_READ:
                    try:
                        closed = not sock.recv(65536) or True  # an answer (408) or the end: start again
                    except OSError:
                        closed = True
                elif events & selectors.EVENT_WRITE and not sent[0]:
                    try:
                        sock.send(self.HEAD)
                        sent[0] = True
                        selector.modify(sock, selectors.EVENT_READ, sent)
                    except OSError:
                        closed = True
                if closed:
                    self.cut += 1
                    selector.unregister(sock)
                    sock.close()
                    socks.remove(sock)
                    if self.reopen:
                        socks.append(self._open(selector))
            if time.monotonic() - last >= self.pause:
                last = time.monotonic()
                for sock in socks:
                    try:
                        sock.send(b"x")
                    except OSError:
                        pass
        for sock in socks:
            sock.close()

    def close(self):
        self.stop.set()
        self.thread.join(10)


def main():
    """Print the figures for each worker class."""
    server = RedisServer().start()
    try:
        for name, args in SETUPS:
            spool = tempfile.mkdtemp(prefix="bench-slow-")
            with gunicorn(server.url, "bench:", 2, 4, *args, spool=spool) as base:
                quiet = webhooks(base)
                pests = Pests(int(base.rsplit(":", 1)[1]), idle=64, slow=16)
                try:
                    time.sleep(1)
                    busy = webhooks(base)
                finally:
                    pests.close()
                attacks = []
                if not args:  # gevent: the slow-body attack of issue 23, as found and then reopening
                    for reopen in (False, True):
                        bodies = SlowBodies(int(base.rsplit(":", 1)[1]), 2500, reopen=reopen)
                        try:
                            time.sleep(3)
                            attacks.append((reopen, webhooks(base), bodies))
                        finally:
                            bodies.close()
            print(f"{name}:\n  no other clients:          {describe(quiet)}\n"
                  f"  64 idle + 16 slow clients: {describe(busy)}", flush=True)
            for reopen, times, bodies in attacks:
                label = "2,500 slow bodies, reopened" if reopen else "2,500 slow bodies         "
                print(f"  {label}: {describe(times)} ({bodies.cut} cut by the server)", flush=True)
    finally:
        server.close()


if __name__ == "__main__":
    main()
