"""Benchmark: the spool's put, scan and drain at 1k, 10k and 50k entries (issue 15).

Run from the repository root, in the project's virtualenv:  python tests/bench_spool.py [--redis URL]
Uses the local Redis (REDIS_URL or redis://127.0.0.1:6379/0) on a key prefix of its own, deleted after.
For each size it fills a spool folder of its own (2 messages per texter; the filler skips fsync, the
timed puts do not), then prints:
  put    mean and worst time of 200 timed puts (each one a real fsync()ed write) at that size
  scan   mean time of the check every webhook makes (the spool's count and one texter's entries)
  drain  messages applied per second by the real drainer (Conversations.handle against Redis, then
         the applied entries' files deleted), over the whole spool, or its first DRAIN_CAP entries at
         the largest size (--full for all)
"""
import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
import uuid

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:0] = [ROOT, os.path.join(ROOT, "tests")]

import redis  # noqa: E402

from bot import create_app  # noqa: E402
from bot.storage.spoolfs import in_threads  # noqa: E402

SIZES = (1_000, 10_000, 50_000)
DRAIN_CAP = 20_000
KEYS = {"SECRET_KEY": "bench-secret-key-0123456789abcdefghijklmnop",
        "DATA_KEY": "bench-data-key-0123456789abcdefghijklmnopqrs", "TWILIO_AUTH_TOKEN": "bench-token"}


def fill(spool, count, texters):
    """Put count entries for texters pseudonyms quickly (no fsync): the state a long outage leaves."""
    import json
    now = time.time() - 60
    for i in range(count):
        h = texters[i % len(texters)]
        data = spool.cipher.encrypt(json.dumps(record(h, i), separators=(",", ":")).encode())
        name = f"{int((now + i * 1e-4) * 1e9):020d}.{os.getpid()}.f{i}.{len(data)}.msg"
        folder = os.path.join(spool.folder, "t", h)
        os.makedirs(folder, mode=0o700, exist_ok=True)
        with open(os.path.join(folder, name), "wb") as fh:
            fh.write(data)
    spool.recount()


def record(h, i):
    """Return a spooled message of texter number h: a short menu answer or a sentence."""
    body = ["hola", "1", "2", "Necesito ayuda con mi pago, no me pagaron las horas extra"][i % 4]
    return {"address": ADDRESSES[h], "sid": "SM" + uuid.uuid4().hex, "text": body, "channel": "sms",
            "media": 0, "opt_out_type": None}


ADDRESSES = {}


def main():
    """Print put, scan and drain figures for each size."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--redis", default=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))
    parser.add_argument("--full", action="store_true", help="drain the whole spool at every size")
    args = parser.parse_args()
    print(f"spool benchmark: python {sys.version.split()[0]}, {os.cpu_count()} CPUs, redis {args.redis}")
    print(f"{'entries':>8} {'put mean':>10} {'put max':>9} {'scan mean':>10} {'drain/s':>9} {'drained':>8}")
    for size in SIZES:
        folder = tempfile.mkdtemp(prefix="bench-spool-")
        prefix = f"bench:{uuid.uuid4().hex[:8]}:"
        app = create_app({**KEYS, "REDIS_URL": args.redis, "REDIS_PREFIX": prefix, "SPOOL_DIR": folder,
                          "SPOOL_MAX_BYTES": str(1024 ** 3), "RATE_LIMIT": "0", "LOG_LEVEL": "ERROR"})
        intake = app.extensions["intake"]
        intake.stop()  # the benchmark drives the drainer itself
        keys, spool = intake.conversations.keys, intake.spool
        texters = []
        for n in range(size // 2):
            address = f"+1202{n:07d}"
            h = keys.pseudonym(address)
            ADDRESSES[h] = address
            texters.append(h)
        fill(spool, size, texters)
        puts = []
        for i in range(200):
            h = texters[i * 7 % len(texters)]
            start = time.perf_counter()
            assert spool.put(h, record(h, i), time.time())
            puts.append(time.perf_counter() - start)
        scans = []
        for i in range(500):
            start = time.perf_counter()
            spool.scan(texters[i * 13 % len(texters)])
            scans.append(time.perf_counter() - start)
        total = spool.count()
        cap = total if args.full or size < SIZES[-1] else DRAIN_CAP
        start = time.perf_counter()
        drained = drain(intake, cap)
        spool.reap()  # deleting the applied entries' files is part of the drain's cost
        rate = drained / (time.perf_counter() - start)
        print(f"{size:>8} {statistics.mean(puts) * 1000:>8.2f}ms {max(puts) * 1000:>7.2f}ms "
              f"{statistics.mean(scans) * 1e6:>8.0f}us {rate:>9.0f} {drained:>8}", flush=True)
        client = redis.Redis.from_url(args.redis)
        for batch in _batches(client.scan_iter(match=f"{prefix}*", count=1000)):
            client.delete(*batch)
        in_threads(os.unlink, [os.path.join(d, n) for d, _, names in os.walk(folder) for n in names], 16)
        shutil.rmtree(folder, ignore_errors=True)


def drain(intake, cap):
    """Drain texter by texter like Intake.drain() until cap messages were applied; return how many."""
    spool, done = intake.spool, 0
    before = spool.count()
    with spool.drain_lock():
        for h in spool.texters():
            with spool.lock(h, timeout=5):
                intake._apply_spooled(h)
            done = before - spool.count()
            if done >= cap:
                break
    return done


def _batches(items, size=1000):
    """Yield lists of at most size items."""
    batch = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


if __name__ == "__main__":
    main()
