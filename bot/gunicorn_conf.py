"""Gunicorn settings for the Procfile: metrics shared across workers.

Loaded by path (-c bot/gunicorn_conf.py), not as bot.gunicorn_conf: importing the bot package first
would create the metrics before their folder exists.
"""
import os
import shutil
import tempfile

from prometheus_client import multiprocess

# Every worker writes its metrics here and /metrics sums them. Set (and emptied: counts of an earlier
# run would be summed in) when gunicorn reads this file, before any worker imports the app.
os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR",
                      os.path.join(tempfile.gettempdir(), f"helpline-metrics-{os.getpid()}"))
shutil.rmtree(os.environ["PROMETHEUS_MULTIPROC_DIR"], ignore_errors=True)
os.makedirs(os.environ["PROMETHEUS_MULTIPROC_DIR"], exist_ok=True)


def child_exit(server, worker):
    """Drop a dead worker's live gauges."""
    multiprocess.mark_process_dead(worker.pid)
