"""Redis killed, frozen (SIGSTOP) and restarted in the middle of conversations, on a server of our own.

Every webhook answers within 2 seconds; nothing the texters wrote is lost; once Redis is back the
spooled messages are applied in order, exactly once, without restarting the app.
"""
import json
import os
import time

import pytest

from bot import create_app
from bot.conversation.engine import State
from bot.storage.lua import THREAD_MAX
from conftest import OPEN_HOURS, PERSON, Texter
from servers import wait_until

SAFE = ("911", "1-888-373-7888", "Lo sentimos", "Sorry")


@pytest.fixture
def app(settings, own_redis):
    """Return the app on a Redis of this test's own, with the default timeouts."""
    app = create_app({**settings, "REDIS_URL": own_redis.url})
    app.extensions["conversations"].clock = lambda: OPEN_HOURS
    yield app
    app.extensions["intake"].stop()


def timed_send(texter, body):
    """Send one message; return (replies, seconds the webhook took)."""
    start = time.monotonic()
    replies = texter.send(body)
    return replies, time.monotonic() - start


def assert_safe(replies):
    """The reply is the safe message with the hotline numbers, in the three languages."""
    assert len(replies) == 1 and all(part in replies[0] for part in SAFE), replies


def recovered(app):
    """Return True once Redis answers and the spool is empty."""
    response = app.test_client().get("/healthz")
    return response.status_code == 200 and response.get_json()["spooled"] == 0


def node_of(app, texter):
    """Return the node the texter's stored conversation is at."""
    conversations = app.extensions["conversations"]
    store = conversations.store
    raw = store.redis.get(store.key("s", conversations.keys.pseudonym(texter.address)))
    return State.from_json(raw.decode().partition("|")[2]).node


def inbound_texts(app, texter):
    """Return what the texter wrote to the volunteer, in thread order."""
    conversations = app.extensions["conversations"]
    thread = conversations.store.thread(conversations.keys.pseudonym(texter.address))
    return [e["text"] for e in thread if e["dir"] == "in"]


def test_killed_redis_answers_fast_and_applies_messages_after_restart(app, own_redis, texter):
    """Kill Redis mid-conversation: safe answers, 503 health; restart it: the messages are applied."""
    texter.send("hola")
    texter.send("1")
    own_redis.kill()
    replies, took = timed_send(texter, "1")       # main menu → recruitment
    assert_safe(replies) and took < 2
    replies, took = timed_send(texter, "1")       # recruitment → referral
    assert_safe(replies) and took < 2
    health = app.test_client().get("/healthz")
    assert health.status_code == 503 and health.get_json()["spooled"] == 2
    own_redis.restart()
    wait_until(lambda: recovered(app), what="recovery without restart")
    assert node_of(app, texter) == "referral"
    assert "1. Reclutamiento" in texter.send("menu")[0]


def test_frozen_redis_never_holds_a_webhook_for_two_seconds(app, own_redis, make_texter):
    """SIGSTOP Redis: every webhook still answers in under 2 s; after SIGCONT nothing is lost."""
    waiting, browsing = make_texter("+15055550401"), make_texter("+15055550402")
    for body in ("hola", "1", PERSON):
        waiting.send(body)
    browsing.send("hola")
    browsing.send("1")
    own_redis.freeze()
    times = []
    for body in ("uno", "dos", "tres"):
        replies, took = timed_send(waiting, body)
        assert_safe(replies)
        times.append(took)
    replies, took = timed_send(browsing, "2")
    assert_safe(replies)
    times.append(took)
    print("webhook seconds while frozen:", times)
    assert max(times) < 2, times
    assert app.test_client().get("/healthz").status_code == 503
    own_redis.thaw()
    wait_until(lambda: recovered(app), what="recovery after SIGCONT")
    assert inbound_texts(app, waiting) == ["uno", "dos", "tres"]
    assert node_of(app, browsing) == "pay"


def test_frozen_then_killed_then_restarted(app, own_redis, make_texter):
    """A freeze that ends in a crash and a restart: the spooled handoff messages reach the thread."""
    texter = make_texter("+15055550403")
    for body in ("hola", "1", PERSON):
        texter.send(body)
    own_redis.freeze()
    assert_safe(texter.send("antes del fallo"))
    own_redis.kill()
    assert_safe(texter.send("durante el fallo"))
    own_redis.restart()
    wait_until(lambda: recovered(app), what="recovery after a restart")
    assert inbound_texts(app, texter) == ["antes del fallo", "durante el fallo"]


def test_redis_dies_twice_during_one_conversation(app, own_redis, texter):
    """Two outages in a row: each one's messages are applied, in order, and the bot answers again."""
    for body in ("hola", "1", PERSON):
        texter.send(body)
    for round_ in range(2):
        own_redis.kill()
        assert_safe(texter.send(f"caida {round_} a"))
        assert_safe(texter.send(f"caida {round_} b"))
        own_redis.restart()
        wait_until(lambda: recovered(app), what="recovery")
        assert texter.send(f"despues {round_}")[0].startswith("Recibimos su mensaje")  # waiting: acknowledged
    assert inbound_texts(app, texter) == ["caida 0 a", "caida 0 b", "despues 0",
                                          "caida 1 a", "caida 1 b", "despues 1"]


def test_new_message_waits_for_the_texters_spooled_ones(app, texter):
    """Redis is back but the drainer has not run: a new message applies the spooled ones first."""
    intake = app.extensions["intake"]
    for body in ("hola", "1", PERSON):
        texter.send(body)
    intake.stop()  # no background drainer: the webhook itself must keep the order
    fields = texter.form("primero")
    h = intake.conversations.keys.pseudonym(texter.address)
    record = {"address": texter.address, "sid": fields["MessageSid"], "text": "primero", "channel": "sms",
              "media": 0, "opt_out_type": None}
    assert intake.spool.put(h, record, time.time() - 5)
    texter.send("segundo")
    assert inbound_texts(app, texter) == ["primero", "segundo"]
    assert intake.spool.count() == 0


def test_spooled_message_already_applied_is_not_applied_twice(app, texter):
    """A message Redis did apply (its answer was lost) and also spooled is applied once."""
    intake = app.extensions["intake"]
    for body in ("hola", "1", PERSON):
        texter.send(body)
    fields = texter.form("una vez")
    assert texter.post(fields).status_code == 200
    h = intake.conversations.keys.pseudonym(texter.address)
    record = {"address": texter.address, "sid": fields["MessageSid"], "text": "una vez", "channel": "sms",
              "media": 0, "opt_out_type": None}
    intake.spool.put(h, record, time.time() - 1)
    intake.drain()
    assert inbound_texts(app, texter) == ["una vez"] and intake.spool.count() == 0


def test_spool_is_encrypted_and_bounded(settings, own_redis, caplog):
    """Spool files hold neither the number nor the body; a full spool drops, and says so, nameless."""
    app = create_app({**settings, "REDIS_URL": own_redis.url, "SPOOL_MAX_BYTES": str(64 * 1024)})
    texter = Texter(app.test_client(), "+15055550404")
    texter.send("hola")
    own_redis.kill()
    assert_safe(texter.send("mi secreto"))
    folder = settings["SPOOL_DIR"]
    names = [os.path.join(d, n) for d, _, files in os.walk(folder) for n in files if n.endswith(".msg")]
    blob = b"".join(open(n, "rb").read() for n in names)
    assert len(names) == 1 and b"secreto" not in blob and b"5055550404" not in blob
    assert oct(os.stat(folder).st_mode & 0o777) == "0o700"
    with caplog.at_level("ERROR"):
        for _ in range(6):
            assert_safe(texter.send("x" * 12000))
    assert "message dropped" in caplog.text
    assert sum(os.path.getsize(os.path.join(d, n)) for d, _, files in os.walk(folder) for n in files
               if n.endswith(".msg")) <= 64 * 1024
    app.extensions["intake"].stop()


def test_deletion_asked_during_an_outage_is_carried_out_after(app, own_redis, texter):
    """BORRAR and SI written while Redis is down: after recovery everything about the texter is gone,
    and a message written after the deletion is applied to the new, empty conversation."""
    conversations = app.extensions["conversations"]
    for body in ("hola", "1", PERSON):
        texter.send(body)
    own_redis.kill()
    for body in ("BORRAR", "SI", "hola"):
        assert_safe(texter.send(body))
    own_redis.restart()
    wait_until(lambda: recovered(app), what="recovery")
    store, h = conversations.store, conversations.keys.pseudonym(texter.address)
    assert store.handoff(h) == {} and store.thread(h) == []
    assert node_of(app, texter) == "language"  # "hola" after the deletion met a new person
    assert store.audit_log()[0]["action"] == "texter_deleted"


def test_status_callback_while_redis_is_down(app, own_redis, texter):
    """A delivery status during an outage is acknowledged (204), not an error."""
    own_redis.kill()
    fields = {"MessageSid": "SM" + "3" * 32, "MessageStatus": "delivered", "To": texter.address}
    assert texter.post(fields, path="/twilio/status").status_code == 204
    assert_safe(texter.send("hola"))
    assert texter.post(fields, path="/twilio/status").status_code == 204


def test_thread_entries_keep_the_time_they_were_received(app, own_redis, texter):
    """A spooled message reaches the thread stamped with when it was written, not when applied."""
    for body in ("hola", "1", PERSON):
        texter.send(body)
    own_redis.kill()
    sent = time.time()
    texter.send("a tiempo")
    time.sleep(1.2)
    own_redis.restart()
    wait_until(lambda: recovered(app), what="recovery")
    conversations = app.extensions["conversations"]
    thread = conversations.store.thread(conversations.keys.pseudonym(texter.address))
    entry = thread[-1]  # the bot's replies to a spooled message were never sent, so never recorded
    assert entry["text"] == "a tiempo" and abs(entry["at"] - sent) < 1.1, json.dumps(thread)


def test_spooled_message_older_than_the_dedupe_window_is_discarded(app, texter):
    """After DEDUPE_TTL its MessageSid may be forgotten, so applying it could apply it twice: drop it."""
    intake = app.extensions["intake"]
    texter.send("hola")
    h = intake.conversations.keys.pseudonym(texter.address)
    record = {"address": texter.address, "sid": "SMold", "text": "1", "channel": "sms", "media": 0,
              "opt_out_type": None}
    intake.spool.put(h, record, time.time() - 3 * 86400)
    intake.drain()
    assert intake.spool.count() == 0 and node_of(app, texter) == "language"


def test_a_dead_embedded_redis_is_started_again(tmp_path):
    """Without REDIS_URL the probe restarts the embedded server if its process died."""
    import signal

    import redis as redis_py

    from bot.storage.connection import embedded_url, revive_embedded
    folder = str(tmp_path / "instance")
    url = embedded_url(folder)
    pid = int(open(os.path.join(folder, "redis.pid")).read())
    try:
        os.kill(pid, signal.SIGKILL)
        wait_until(lambda: not _alive(pid), what="the embedded server to die")
        revive_embedded(folder)
        assert redis_py.Redis.from_url(url).ping()
    finally:
        pid = int(open(os.path.join(folder, "redis.pid")).read())
        os.kill(pid, signal.SIGTERM)


def _alive(pid):
    """Return True while process pid exists (and is not a zombie we could reap)."""
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass
    try:
        os.kill(pid, 0)
        return True
    except OSError:
        return False


def test_freeze_at_any_moment_of_a_stream_loses_and_repeats_nothing(app, own_redis, make_texter):
    """Three texters write without pause while Redis freezes under them (some requests are caught
    between their two round trips, their commit applied only after SIGCONT): every answer is under
    2 seconds and each thread holds exactly what its texter sent, in order."""
    import threading
    texters = [make_texter(f"+1505555080{i}") for i in range(3)]
    for texter in texters:
        for body in ("hola", "1", PERSON):
            texter.send(body)
    sent, slowest, stop = {i: [] for i in range(3)}, [0.0], threading.Event()

    def write(i):
        n = 0
        while not stop.is_set():
            body = f"t{i}-{n}"
            _, took = timed_send(texters[i], body)
            sent[i].append(body)
            slowest[0] = max(slowest[0], took)
            n += 1

    threads = [threading.Thread(target=write, args=(i,)) for i in range(3)]
    for thread in threads:
        thread.start()
    time.sleep(0.3)
    own_redis.freeze()
    time.sleep(1.5)
    own_redis.thaw()
    time.sleep(0.5)
    stop.set()
    for thread in threads:
        thread.join(10)
    wait_until(lambda: recovered(app), what="recovery")
    print("sent", {i: len(v) for i, v in sent.items()}, "slowest", slowest)
    assert slowest[0] < 2, slowest
    conversations = app.extensions["conversations"]
    for i, texter in enumerate(texters):
        texts = inbound_texts(app, texter)
        # A thread keeps its last THREAD_MAX entries, the bot's replies among them: once it is full, what
        # it holds is the end of what was sent, with nothing lost or repeated in between.
        full = len(conversations.store.thread(conversations.keys.pseudonym(texter.address))) >= THREAD_MAX
        assert texts and texts == (sent[i][-len(texts):] if full else sent[i]), i
