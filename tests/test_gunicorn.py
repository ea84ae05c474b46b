"""Twenty messages from one texter at once, against a real gunicorn with several workers."""
import concurrent.futures
import json
import os
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

from bot.privacy import Keys
from conftest import DATA_KEY, SECRET_KEY, TOKEN, messages_of, twilio_signature

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _gunicorn(redis_url, prefix, spool):
    """Start gunicorn (3 workers, 2 threads) on a Redis, a prefix and a spool; return (process, URL)."""
    port = _free_port()
    env = {**os.environ, "REDIS_URL": redis_url, "REDIS_PREFIX": prefix, "TWILIO_AUTH_TOKEN": TOKEN,
           "DATA_KEY": DATA_KEY, "SECRET_KEY": SECRET_KEY, "APP_ENV": "production", "RATE_LIMIT": "100",
           "SPOOL_DIR": spool}
    proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "--workers", "3", "--threads", "2",
                             "--bind", f"127.0.0.1:{port}", "bot:create_app()"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(base + "/healthz", timeout=1)
            return proc, base
        except (urllib.error.URLError, OSError):
            assert proc.poll() is None and time.monotonic() < deadline, "gunicorn did not start"
            time.sleep(0.2)


@pytest.fixture
def server(redis_url, prefix, tmp_path):
    """Start gunicorn on the test Redis and prefix; yield its base URL."""
    proc, base = _gunicorn(redis_url, prefix, str(tmp_path / "spool"))
    yield base
    proc.terminate()
    proc.wait(15)


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
    assert "Gracias" in _send(server, number, "4")[1][0]
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


def test_workers_share_the_spool_through_a_freeze(own_redis, prefix, tmp_path):
    """Three workers, Redis frozen: every answer under 2 s; after SIGCONT each texter's messages are
    in their thread once each and in the order sent, whichever worker spooled them."""
    proc, base = _gunicorn(own_redis.url, prefix, str(tmp_path / "spool"))
    try:
        numbers = ["+15055550701", "+15055550702"]
        for number in numbers:
            for body in ("hola", "1", "4"):
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
    finally:
        own_redis.thaw()
        proc.terminate()
        proc.wait(15)
