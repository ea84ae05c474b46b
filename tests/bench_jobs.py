"""Benchmark (not a test): a fiscal year of job data. Run: python tests/bench_jobs.py [ROWS]

Generates an .xlsx of ROWS H-2A cases (default 25,000, about a year of H-2A and H-2B cases) with DOL's
column names, imports it as `flask jobs import` does, and prints the import time, the Redis memory the
data takes (target: under 50 MB) and what a lookup by case number costs: the client's round trip and the
script's time inside Redis (target: under 1 ms), plus an employer name search.
Uses REDIS_URL (default redis://127.0.0.1:6379/0) under a throwaway prefix.
"""
import gc
import os
import statistics
import sys
import tempfile
import time
import uuid

import redis

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)

import jobfiles  # noqa: E402
from bot.jobs import casenum  # noqa: E402
from bot.jobs.importer import import_cases  # noqa: E402
from bot.jobs.service import JobChecker, Query  # noqa: E402
from bot.storage.jobs import JobsData  # noqa: E402


def main(rows):
    """Measure and print."""
    client = redis.Redis.from_url(os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))
    prefix = f"bench:{uuid.uuid4().hex[:8]}:"
    folder = tempfile.mkdtemp(prefix="bench-jobs-")
    path = os.path.join(folder, "H-2A_Disclosure_Data_FY2025_Q4.xlsx")
    try:
        started = time.perf_counter()
        jobfiles.write_xlsx(path, jobfiles.H2A_HEADERS, jobfiles.generated(rows))
        print(f"generated {rows} rows: {os.path.getsize(path) / 2**20:.1f} MB .xlsx in "
              f"{time.perf_counter() - started:.1f} s")
        data = JobsData(client, prefix)
        started = time.perf_counter()
        report = import_cases(path, data)
        print(f"import: {report.rows} cases in {time.perf_counter() - started:.1f} s")
        used = sum(client.memory_usage(k, samples=0) or 0 for k in client.scan_iter(match=f"{prefix}*"))
        print(f"Redis memory: {used / 2**20:.1f} MB ({used / report.rows:.0f} bytes a case)")
        checker = JobChecker(data)
        keys = [casenum.find(f"H-300-25{(i // 1000) % 365 + 1:03d}-{100000 + i:06d}").key
                for i in range(0, rows, max(1, rows // 2000))]
        checker.lookup(Query("case", keys=(keys[0],)))  # warm the caches once, as a running app has them
        client.config_resetstat()
        times = []
        for key in keys:
            t = time.perf_counter()
            found = checker.lookup(Query("case", keys=(key,)))
            times.append(time.perf_counter() - t)
            assert found.cases, key
        stats = client.info("commandstats")
        script = stats.get("cmdstat_evalsha") or {}
        print(f"lookup by case number, {len(times)} lookups: median {statistics.median(times) * 1e3:.2f} ms, "
              f"p99 {sorted(times)[int(len(times) * 0.99)] * 1e3:.2f} ms (client, one round trip)")
        print(f"  inside Redis: {script.get('usec_per_call', float('nan')):.1f} us per lookup script "
              f"({script.get('calls', 0)} calls)")
        missed = casenum.find("H-300-25001-999999")
        times = []
        for _ in range(50):
            t = time.perf_counter()
            checker.lookup(Query("case", keys=(missed.key,), vary=missed.key))
            times.append(time.perf_counter() - t)
        print(f"a number not found, its {len(casenum.near_keys(missed))} one-slip neighbours made and tried in "
              f"Redis: median {statistics.median(times) * 1e3:.2f} ms, worst {max(times) * 1e3:.2f} ms")
        checker.lookup(Query("employer", name="rancho"))  # loads the employer index once
        gc.freeze()  # as a gunicorn worker does once the app is loaded (bot/gunicorn_conf.py)
        times = []
        for i in range(200):
            name = ("rancho 00%02d llc", "orchads 00%02d", "growers 12%02d inc", "nursery 09%02d")[i % 4] % (i % 100)
            t = time.perf_counter()
            checker.lookup(Query("employer", name=name))
            times.append(time.perf_counter() - t)
        times.sort()
        print(f"employer name search, {len(times)} searches: median {statistics.median(times) * 1e3:.1f} ms, "
              f"p99 {times[int(len(times) * 0.99)] * 1e3:.1f} ms")
    finally:
        keys = list(client.scan_iter(match=f"{prefix}*"))
        if keys:
            client.delete(*keys)
        if os.path.exists(path):
            os.unlink(path)
        os.rmdir(folder)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 25000)
