"""Issue 15: Redis that answers PING but refuses writes, the spool's costs and shares, restarts, full disks.

Faults are made on the tests' own Redis servers and gunicorn (tests/servers.py), never the shared Redis.
"""
import logging
import os
import time

import pytest
import redis

from bot import create_app
from bot.storage import spool as spool_module
from bot.storage.spool import Spool
from conftest import OPEN_HOURS, PERSON, Texter
from servers import wait_until
from test_faults import app, assert_safe, inbound_texts, recovered  # noqa: F401 (app: the fixture)

SAFE = "911"


def _commands(server):
    """Return the commands a Redis server has processed so far."""
    return redis.Redis(port=server.port).info("stats")["total_commands_processed"]


def _refuse_writes(server, how):
    """Make the server refuse writes while still answering PING: out of memory, or a read-only replica."""
    client = redis.Redis(port=server.port)
    if how == "oom":
        client.config_set("maxmemory-policy", "noeviction")
        client.config_set("maxmemory", 1)
    else:
        client.execute_command("REPLICAOF", "127.0.0.1", "1")  # a master that never answers


def _take_writes(server, how):
    """Undo _refuse_writes."""
    client = redis.Redis(port=server.port)
    if how == "oom":
        client.config_set("maxmemory", 0)
    else:
        client.execute_command("REPLICAOF", "NO", "ONE")


@pytest.mark.parametrize("how", ["oom", "readonly"])
def test_redis_that_refuses_writes_is_probed_with_backoff_and_said_degraded(app, own_redis, texter, how, caplog):
    """PING answers, writes are refused: few commands and few log lines while it lasts, /healthz says
    degraded and why, and once writes are taken the spooled messages are applied once, in order."""
    for body in ("hola", "1", PERSON):
        texter.send(body)
    _refuse_writes(own_redis, how)
    with caplog.at_level(logging.INFO):
        assert_safe(texter.send("uno"))
        assert_safe(texter.send("dos"))
        before = _commands(own_redis)
        lines = len(caplog.records)
        time.sleep(4)
        commands = _commands(own_redis) - before
        logged = len(caplog.records) - lines
    health = app.test_client().get("/healthz")
    body = health.get_json()
    print(f"{how}: {commands} commands and {logged} log lines in 4 s; healthz {health.status_code} {body}")
    assert commands < 40, commands       # a probe every few seconds, not thousands a second
    assert logged <= 2, [r.getMessage() for r in caplog.records[lines:]]
    assert health.status_code == 503 and body["status"] == "degraded"
    assert ("OOM" if how == "oom" else "READONLY") in body["reason"] and body["spooled"] == 2
    _take_writes(own_redis, how)
    wait_until(lambda: recovered(app), timeout=15, what="recovery once writes are taken")
    assert inbound_texts(app, texter) == ["uno", "dos"]


def test_backoff_has_jitter_and_a_ceiling():
    """Pauses double from the first, never pass the ceiling, and are spread (jitter)."""
    from bot.twilio.intake import PROBE_CEILING, backoff
    pauses = [backoff(n) for n in range(1, 40)]
    assert max(pauses) <= PROBE_CEILING
    late = [backoff(30) for _ in range(50)]
    assert len(set(late)) > 40 and min(late) >= PROBE_CEILING / 2


def test_spooled_messages_are_drained_after_a_restart_without_traffic(settings, own_redis):
    """Messages spooled before a restart are applied when the app starts, with no new message."""
    first = create_app({**settings, "REDIS_URL": own_redis.url})
    first.extensions["conversations"].clock = lambda: OPEN_HOURS
    texter = Texter(first.test_client(), "+15055550811")
    for body in ("hola", "1", PERSON):
        texter.send(body)
    own_redis.kill()
    for body in ("uno", "dos", "tres"):
        assert_safe(texter.send(body))
    first.extensions["intake"].stop()  # the process dies with messages in the spool
    own_redis.restart()
    second = create_app({**settings, "REDIS_URL": own_redis.url})
    try:
        wait_until(lambda: second.extensions["intake"].spool.count() == 0, timeout=10,
                   what="the spool to drain after a restart, with no traffic")
        assert inbound_texts(second, texter) == ["uno", "dos", "tres"]
    finally:
        second.extensions["intake"].stop()


def test_one_texter_cannot_crowd_out_another(settings, own_redis):
    """During an outage one texter floods; another's call for help is still kept and applied."""
    app = create_app({**settings, "REDIS_URL": own_redis.url, "SPOOL_MAX_BYTES": str(1024 * 1024)})
    app.extensions["conversations"].clock = lambda: OPEN_HOURS
    flooder, other = Texter(app.test_client(), "+15055550821"), Texter(app.test_client(), "+15055550822")
    for body in ("hola", "1", PERSON):
        other.send(body)
    own_redis.kill()
    for i in range(400):
        assert_safe(flooder.send(f"{i:03d} " + "x" * 2000))
    for _ in range(100):  # short ones, so that no room is left even for a short call for help
        assert_safe(flooder.send("ok"))
    assert_safe(other.send("AYUDA me están amenazando"))
    spool = app.extensions["intake"].spool
    h = app.extensions["conversations"].keys.pseudonym(other.address)
    assert len(spool.pending(h)) == 1
    assert spool.size() <= 1024 * 1024
    own_redis.restart()
    wait_until(lambda: recovered(app), timeout=30, what="recovery")
    assert inbound_texts(app, other) == ["AYUDA me están amenazando"]
    app.extensions["intake"].stop()


def test_spool_operations_do_not_list_the_whole_spool(tmp_path, monkeypatch):
    """With 3,000 entries from 300 texters, a put, a scan and a removal look at one texter's entries only."""
    from cryptography.fernet import Fernet
    spool = Spool(str(tmp_path / "spool"), Fernet(Fernet.generate_key()), 64 * 1024 * 1024, 86400)
    now = time.time()
    for i in range(3000):
        assert spool.put(f"texter{i % 300:04d}", {"text": "x"}, now + i)
    looked = []
    real_listdir, real_scandir = os.listdir, os.scandir
    monkeypatch.setattr(os, "listdir", lambda path=".": looked.append(str(path)) or real_listdir(path))
    monkeypatch.setattr(os, "scandir", lambda path=".": looked.append(str(path)) or real_scandir(path))
    assert spool.put("newcomer", {"text": "hola"}, now)
    total, mine = spool.scan("newcomer")
    assert total == 3001 and len(mine) == 1
    spool.remove(mine[0])
    assert spool.count() == 3000 and spool.size() > 0
    assert all("newcomer" in path for path in looked), looked


def test_byte_accounting_survives_a_restart(tmp_path):
    """The counters are recomputed at start, so a crash between a write and its count does not drift."""
    from cryptography.fernet import Fernet
    key = Fernet(Fernet.generate_key())
    spool = Spool(str(tmp_path / "spool"), key, 1024 * 1024, 86400)
    for i in range(20):
        spool.put(f"t{i % 3}", {"text": "hola" * i}, time.time())
    size, count = spool.size(), spool.count()
    os.pwrite(spool._usage_fd, b"\0" * 16, 0)  # as if a crash lost the counts
    again = Spool(str(tmp_path / "spool"), key, 1024 * 1024, 86400)
    assert (again.size(), again.count()) == (size, count) == (size, 20)
