"""Gunicorn settings for the Procfile: gevent workers, so slow clients cost nothing; metrics shared.

Loaded by path (-c bot/gunicorn_conf.py), not as bot.gunicorn_conf: importing the bot package first
would create the metrics before their folder exists.
"""
import gc
import os
import shutil
import tempfile

import gevent
from prometheus_client import multiprocess

# Every worker writes its metrics here and /metrics sums them. Set (and emptied: counts of an earlier
# run would be summed in) when gunicorn reads this file, before any worker imports the app.
os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR",
                      os.path.join(tempfile.gettempdir(), f"helpline-metrics-{os.getpid()}"))
shutil.rmtree(os.environ["PROMETHEUS_MULTIPROC_DIR"], ignore_errors=True)
os.makedirs(os.environ["PROMETHEUS_MULTIPROC_DIR"], exist_ok=True)


# Every connection is a greenlet: a client that connects and sends nothing, or sends a byte a second,
# holds no thread, so it cannot starve Twilio's webhooks (gthread gives each new connection a thread
# until its request has arrived; 64 idle or 16 slow connections took every thread). The app's own
# thread (the spool drainer) becomes a greenlet too; Redis and Twilio calls yield while they wait.
worker_class = "gevent"
worker_connections = 1000  # per worker; past it new connections wait in the listen queue
keepalive = 5              # seconds an idle kept-alive connection is held open (Heroku's router reuses them)
timeout = 30               # a worker whose event loop is blocked this long is restarted


def post_worker_init(worker):
    """Keep what the app loaded (script, models, modules: some 90,000 objects) out of the garbage
    collector's full passes, which took about 90 ms of CPU each and came at random requests."""
    gc.freeze()


def post_request(worker, req, environ, resp):
    """Let the worker's other connections go first after each answer.

    A kept-alive connection whose next request has already arrived would otherwise be served again at
    once, without yielding: gevent runs a greenlet until it waits, so busy connections kept the event
    loop and the others waited (p99 of 0.4-0.8 s at 16 keep-alive connections; 60-70 ms with this, the
    same load; README: Speed, memory and SMS cost)."""
    gevent.sleep(0)


def child_exit(server, worker):
    """Drop a dead worker's live gauges."""
    multiprocess.mark_process_dead(worker.pid)
