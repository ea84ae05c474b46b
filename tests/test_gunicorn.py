"""Against a real gunicorn with several workers: concurrent messages, and a publish reaching every worker."""
import concurrent.futures
import contextlib
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

import pytest
import redis

from bot import create_app
from bot.storage.privacy import Keys
from conftest import DATA_KEY, PERSON, SECRET_KEY, TOKEN, messages_of, twilio_signature

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def gunicorn(redis_url, prefix, workers, threads, *args, spool, wrap=(), log=None, env_extra=None):
    """Start gunicorn with the Procfile's config on a Redis, a prefix and a spool folder; yield its base
    URL; stop it afterwards. wrap: a command gunicorn runs under (e.g. unshare); log: a file for its
    stderr (the app's log lines); threads only matter with a threaded worker class."""
    port = _free_port()
    env = {**os.environ, "REDIS_URL": redis_url, "REDIS_PREFIX": prefix, "TWILIO_AUTH_TOKEN": TOKEN,
           "DATA_KEY": DATA_KEY, "SECRET_KEY": SECRET_KEY, "APP_ENV": "production", "RATE_LIMIT": "100",
           "SPOOL_DIR": spool, "PROMETHEUS_MULTIPROC_DIR": spool + "-metrics", "LOG_FORMAT": "json",
           **(env_extra or {})}
    errors = open(log, "ab") if log else subprocess.DEVNULL
    proc = subprocess.Popen([*wrap, sys.executable, "-m", "gunicorn", "-c", "bot/gunicorn_conf.py", "--workers",
                             str(workers), "--threads", str(threads), "--bind", f"127.0.0.1:{port}", *args,
                             "bot:create_app()"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=errors)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    try:
        while True:
            try:
                urllib.request.urlopen(base + "/healthz", timeout=1)
                break
            except (urllib.error.URLError, OSError):
                assert proc.poll() is None and time.monotonic() < deadline, "gunicorn did not start"
                time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        proc.wait(15)
        if log:
            errors.close()


@pytest.fixture
def server(redis_url, prefix, tmp_path):
    """Start gunicorn (3 workers, 2 threads) on the test Redis and prefix; yield its base URL."""
    with gunicorn(redis_url, prefix, 3, 2, spool=str(tmp_path / "spool")) as base:
        yield base


def _send(base, number, body):
    """POST one signed message to the live server; return (status, replies)."""
    fields = {"MessageSid": "SM" + uuid.uuid4().hex, "From": number, "To": "+15005550006", "Body": body}
    url = base + "/twilio/messages"
    request = urllib.request.Request(url, data=urllib.parse.urlencode(fields).encode(), headers={
        "X-Twilio-Signature": twilio_signature(TOKEN, url, fields)})
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.status, messages_of(response.read().decode())


def test_twenty_concurrent_messages_from_one_texter(server, redis_url, prefix):
    """Every one is answered and applied exactly once: the thread holds all twenty, once each."""
    number = "+15055550777"
    _send(server, number, "hola")
    _send(server, number, "1")
    assert "Gracias" in _send(server, number, PERSON)[1][0]
    bodies = [f"mensaje {i}" for i in range(20)]
    with concurrent.futures.ThreadPoolExecutor(20) as pool:
        results = list(pool.map(lambda b: _send(server, number, b), bodies))
    assert [status for status, _ in results] == [200] * 20
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    h = Keys(DATA_KEY).pseudonym(number)
    thread = [json.loads(e) for e in client.lrange(f"{prefix}t:{{{h}}}", 0, -1)]
    received = [e["text"] for e in thread if e["dir"] == "in"]
    assert sorted(received) == sorted(bodies)
    version = int(client.get(f"{prefix}s:{{{h}}}").split("|", 1)[0])
    assert version == 23  # three steps before, then twenty: no step lost or applied twice
    metrics = urllib.request.urlopen(server + "/metrics", timeout=5).read().decode()
    counted = sum(float(line.rsplit(" ", 1)[1]) for line in metrics.splitlines()
                  if line.startswith("helpline_messages_in_total{"))
    assert counted == 23  # summed over the three workers


def test_published_change_reaches_every_worker(redis_url, prefix, settings, tmp_path):
    """Staff publish a new greeting; within seconds every worker's next reply uses it, no restart."""
    access = tmp_path / "access.log"
    with gunicorn(redis_url, prefix, 2, 1, "--access-logfile", str(access), "--access-logformat",
                  "%(p)s %(U)s %(s)s", spool=str(tmp_path / "spool")) as base:
        scripts = create_app(settings).extensions["scripts"]  # staff, in another process
        assert [v.number for v in scripts.history()] == [1]   # two workers started: one first version
        spec = scripts.bundle("published")["spec"]
        greeting = spec["nodes"][spec["start"]]["text"][0]
        numbers = iter(range(1000, 9999))

        def greet_many(count):
            """Send count new texters' first messages at once; return (replies, pids that answered)."""
            before = len(access.read_text().splitlines()) if access.exists() else 0
            with concurrent.futures.ThreadPoolExecutor(count) as pool:
                replies = list(pool.map(lambda _: _send(base, f"+1505555{next(numbers)}", "hola")[1][0],
                                        range(count)))
            lines = access.read_text().splitlines()[before:]
            return replies, {int(m.group(1)) for m in map(re.compile(r"<(\d+)>").search, lines) if m}

        replies, _ = greet_many(10)
        assert not any("Saludo publicado" in r for r in replies)
        scripts.set_text(greeting, "es", "Saludo publicado por el equipo.", by="ana")
        published = time.monotonic()
        assert scripts.publish("ana", "new greeting").number == 2
        while True:
            replies, _ = greet_many(6)
            if all(r.startswith("Saludo publicado por el equipo.") for r in replies):
                break
            assert time.monotonic() - published < 10, "the new version did not reach every worker"
            time.sleep(0.2)
        replies, pids = greet_many(20)
        assert all(r.startswith("Saludo publicado por el equipo.") for r in replies)
        assert len(pids) == 2, f"expected both workers to answer, got {pids}"
        print(f"published version reached every worker in {time.monotonic() - published:.1f} s")


def test_workers_share_the_spool_through_a_freeze(own_redis, prefix, tmp_path):
    """Three workers, Redis frozen: every answer under 2 s; after SIGCONT each texter's messages are
    in their thread once each and in the order sent, whichever worker spooled them."""
    with gunicorn(own_redis.url, prefix, 3, 2, spool=str(tmp_path / "spool")) as base:
        numbers = ["+15055550701", "+15055550702"]
        for number in numbers:
            for body in ("hola", "1", PERSON):
                _send(base, number, body)
        own_redis.freeze()
        for i in range(6):
            for number in numbers:
                start = time.monotonic()
                status, replies = _send(base, number, f"{number[-3:]}-{i}")
                assert status == 200 and "911" in replies[0] and time.monotonic() - start < 2
        own_redis.thaw()
        client = redis.Redis.from_url(own_redis.url, decode_responses=True)
        def inbound(number):
            h = Keys(DATA_KEY).pseudonym(number)
            return [json.loads(e)["text"] for e in client.lrange(f"{prefix}t:{{{h}}}", 0, -1)
                    if json.loads(e)["dir"] == "in"]

        deadline = time.monotonic() + 20
        while any(len(inbound(n)) < 6 for n in numbers) and time.monotonic() < deadline:
            time.sleep(0.2)
        for number in numbers:
            assert inbound(number) == [f"{number[-3:]}-{i}" for i in range(6)]
