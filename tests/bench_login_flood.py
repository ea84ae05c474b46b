"""Benchmark: signed webhooks while clients send wrong passwords as fast as they are answered (issue 23).

Run from the repository root, in the project's virtualenv:  python tests/bench_login_flood.py
Starts a redis-server of its own and gunicorn with the Procfile's config (2 gevent workers, the real
Argon2id cost, TRUSTED_PROXIES=1 so each attempt can come from a new address in X-Forwarded-For, as from
many machines), then for 0, 20 and 60 flooding clients prints how long 40 signed webhooks take, one
after another, and how the logins were answered (401: a password checked and wrong; 429: refused
without checking, all of the worker's password slots taken).
"""
import os
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:0] = [ROOT, os.path.join(ROOT, "tests")]

from servers import RedisServer  # noqa: E402
from test_gunicorn import gunicorn  # noqa: E402
from test_login_flood import LoginFlood, p95, webhook_times  # noqa: E402


def describe(times):
    """Return median, p95, worst and missed of sorted webhook times."""
    def ms(t):
        return "missed" if t == float("inf") else f"{t * 1000:.0f} ms"
    return (f"median {ms(times[len(times) // 2])}, p95 {ms(p95(times))}, worst {ms(times[-1])}, "
            f"missed: {sum(t == float('inf') for t in times)}/{len(times)}")


def main():
    """Print the figures for each number of flooding clients."""
    server = RedisServer().start()
    try:
        with gunicorn(server.url, "bench:", 2, 1, spool=tempfile.mkdtemp(prefix="bench-login-"),
                      env_extra={"TRUSTED_PROXIES": "1"}) as base:
            for clients in (0, 20, 60):
                flood = LoginFlood(base, clients) if clients else None
                try:
                    time.sleep(2 if clients else 0)
                    started = time.monotonic()
                    times = webhook_times(base, 40)
                    took = time.monotonic() - started
                finally:
                    if flood:
                        flood.close()
                answered = dict(sorted(flood.statuses.items())) if flood else {}
                checked = answered.get(401, 0)
                print(f"{clients:>2} wrong-password clients: {describe(times)}; logins answered {answered}"
                      f" (about {checked / (took + 2):.1f} passwords checked a second)", flush=True)
    finally:
        server.close()


if __name__ == "__main__":
    main()
