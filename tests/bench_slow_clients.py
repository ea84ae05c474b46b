"""Benchmark: signed webhooks while idle and slow clients hold connections open (issue 15).

Run from the repository root, in the project's virtualenv:  python tests/bench_slow_clients.py
Starts a redis-server of its own and gunicorn with the Procfile's config (2 workers), once with the
Procfile's worker class (gevent) and once with the earlier gthread worker (4 threads), and prints how
long 20 signed webhooks take, one after another, with no other clients and then with 64 connections
open and silent plus 16 sending a request a byte every half second. Twilio gives up after 15 s, and so does
the benchmark ("missed").
"""
import os
import sys
import tempfile
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
            print(f"{name}:\n  no other clients:          {describe(quiet)}\n"
                  f"  64 idle + 16 slow clients: {describe(busy)}", flush=True)
    finally:
        server.close()


if __name__ == "__main__":
    main()
