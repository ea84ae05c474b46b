"""Benchmark (not a test): what script versions cost. Run: python tests/bench_script_versions.py

Prints the stored size of one version, the time to rebuild a Script after a publish, and what the
live script costs a request when no check is due and when one is (one GET to Redis).
Uses REDIS_URL (default redis://127.0.0.1:6379/0) under a throwaway prefix.
"""
import json
import os
import sys
import time
import timeit
import uuid

import redis

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bot.conversation.bundle import decode, encode, fingerprint, read_bundle  # noqa: E402
from bot.twilio.livescript import LiveScript  # noqa: E402
from bot.conversation.script import build_script  # noqa: E402
from bot.storage.versions import VersionStore  # noqa: E402
from bot.staff.service import ScriptService  # noqa: E402


def main():
    """Measure and print."""
    client = redis.Redis.from_url(os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))
    prefix = f"bench:{uuid.uuid4().hex[:8]}:"
    try:
        shipped = read_bundle(os.path.join(os.path.dirname(__file__), "..", "locales"))
        blob = encode(shipped)
        print(f"one version stored: {len(blob)} bytes compressed ({len(json.dumps(decode(blob)))} bytes of JSON)")
        rebuild = min(timeit.repeat(lambda: build_script(decode(blob)), number=5, repeat=3)) / 5
        print(f"rebuild a Script from a stored version: {rebuild * 1000:.1f} ms")
        service = ScriptService(VersionStore(client, prefix), shipped)
        service.start()
        live = LiveScript(service.store, build_script(shipped), fingerprint(shipped), interval=2.0)
        live.get()
        idle = min(timeit.repeat(live.get, number=100000, repeat=3)) / 100000
        print(f"live.get() with no check due: {idle * 1e9:.0f} ns")
        due = min(timeit.repeat(lambda: (live.expire(), live.get()), number=2000, repeat=3)) / 2000
        print(f"live.get() with a check due and nothing new (one GET): {due * 1e6:.0f} us")
        start = time.perf_counter()
        for i in range(20):
            service.set_text("main.intro", "en", f"Main menu {i}.", by="bench")
            service.publish("bench", f"bench {i}")
        print(f"edit + checked publish: {(time.perf_counter() - start) / 20 * 1000:.0f} ms each")
        used = sum(client.memory_usage(k) or 0 for k in client.scan_iter(match=f"{prefix}*"))
        print(f"Redis memory for {len(service.history())} versions: {used / 1024:.0f} KiB")
    finally:
        keys = list(client.scan_iter(match=f"{prefix}*"))
        if keys:
            client.delete(*keys)


if __name__ == "__main__":
    main()
