"""Redis's cost of each kind of message (issue 24): round trips, commands, and bytes per texter.

On a redis-server of the test's own, so that its counters count the app alone: round trips are the
server's reads from clients (INFO total_reads_processed; the app sends one pipeline or one command per
round trip), commands are what MONITOR shows outside Lua scripts. Each kind is sent by texters ready for
it (tests/load_kinds.py), as tests/bench_load.py sends them.
"""
import uuid

import pytest
import redis

import load_kinds as kinds
from conftest import OPEN_HOURS, Texter, round_trips

ROUND_TRIPS = 2  # DESIGN.md: at most two round trips to Redis per inbound message


@pytest.fixture
def quiet_app(own_redis, settings, tmp_path):
    """Return the app on a Redis of its own, with DOL case data, and no script-version checks meanwhile."""
    from bot import create_app
    app = create_app({**settings, "REDIS_URL": own_redis.url, "SCRIPT_CHECK_SECONDS": "3600"})
    app.config["TESTING"] = True
    app.extensions["conversations"].clock = lambda: OPEN_HOURS
    kinds.import_cases(app.extensions["jobs"].data, str(tmp_path))
    yield app
    app.extensions["intake"].stop()


def reads(client):
    """Return the server's reads from clients so far."""
    return client.info("stats")["total_reads_processed"]


@pytest.mark.parametrize("kind", kinds.KINDS)
def test_every_kind_of_message_costs_two_round_trips(quiet_app, own_redis, settings, kind):
    """First message, menu number, sentence, case number (in the data or not), danger: two round trips each
    (a case number's lookup rides in the load's); and the commands MONITOR shows are the scripts."""
    service = quiet_app.extensions["conversations"]
    client = redis.Redis.from_url(own_redis.url)
    kinds.ready(service, kind, 6)
    bodies = [body for _, body in kinds.messages(kind, service.get_script(), 6, 1)]
    texters = [Texter(quiet_app.test_client(), number=kinds.address(kind, i)) for i in range(6)]
    texters[0].send(bodies[0])  # the scripts loaded, the process's caches warm
    for texter, body in zip(texters[1:], bodies[1:]):
        before = reads(client)
        assert texter.send(body)
        assert reads(client) - before - 1 == ROUND_TRIPS, (kind, body)  # less the INFO's own read
    seen = round_trips(own_redis.url, settings["REDIS_PREFIX"], lambda: texters[1].send(bodies[1]))
    expected = ["EVALSHA"] * (3 if kind == "case" else 2)  # load (with the case's lookup), commit
    assert seen == expected, (kind, seen)


def test_a_retry_costs_one_round_trip_and_gets_the_same_answer(quiet_app, own_redis):
    """A retried MessageSid (Twilio's retry) is answered from the reply kept for it, in one round trip."""
    client = redis.Redis.from_url(own_redis.url)
    texter = Texter(quiet_app.test_client(), number="+15055550777")
    texter.send("hola")
    fields = texter.form("1")
    first = texter.post(fields).get_data()
    before = reads(client)
    assert texter.post(fields).get_data() == first
    assert reads(client) - before - 1 == 1


@pytest.mark.parametrize("channel", ["sms", "whatsapp"])
def test_bytes_per_texter_stay_under_a_kibibyte(quiet_app, own_redis, channel):
    """After a typical conversation, and while its last replies are kept for retries, a texter's own keys
    hold under 1 KiB (MEMORY USAGE, with the expiry each key costs); each message also leaves a nameless
    mark (issue 23's replay protection), counted apart."""
    client = redis.Redis.from_url(own_redis.url)
    store = quiet_app.extensions["conversations"].store
    texter = Texter(quiet_app.test_client(), number="+15055550888", channel=channel)
    h = quiet_app.extensions["conversations"].keys.pseudonym(texter.address)
    largest = 0
    for body in ["hola", "1", "mi patron no me paga las horas extras", "mas", "menu", "10", "NC", "gracias"]:
        assert texter.send(body)
        own = [k for k in client.scan_iter(match=f"{store.prefix}*{{{h}}}*")]
        used = sum(client.memory_usage(k, samples=0) + EXPIRY for k in own)
        assert all(client.ttl(k) > 0 for k in own)
        largest = max(largest, used)
    assert 300 < largest < 1024, largest
    reply = client.memory_usage(store.key("r", h), samples=0)
    assert reply < 400, reply  # the last message's replies only, packed
    mark = client.memory_usage(store.gone_key(h, "SM" + uuid.uuid4().hex, "m"), samples=0)
    assert mark is None  # marks name no one: only applied MessageSids have one


EXPIRY = 32  # bytes a key's expiry costs in Redis's expires table (not in MEMORY USAGE)


def test_replies_are_packed_small_and_read_back():
    """Replies kept for retries come back as they were: small ones as JSON, others deflated with the
    script's texts (a menu in a fraction of its size); packed with texts this process lacks, they read
    as none (nothing is sent twice)."""
    from bot.storage.replies import ReplyPacker
    from bot.twilio.conversations import reply_packer
    from conftest import SCRIPT
    packer, plain, other = reply_packer(SCRIPT), ReplyPacker(), ReplyPacker({"es": ["otro texto " * 50]})
    from bot.conversation.rendering import render_node
    menu = render_node(SCRIPT, SCRIPT.main, "es")  # the main menu with its options, as WhatsApp gets it
    for replies, lang in (([], None), (["ok"], "es"), ([menu], "es"), ([menu, menu.upper(), "ñ 🙏"], "en"),
                          ([menu], None), (["x" * 3000], "quc")):
        for p in (packer, plain):
            value = p.pack(replies, lang)
            assert p.unpack(value) == replies
    assert packer.pack(["ok"], "es") == b'["ok"]'
    assert len(packer.pack([menu], "es")) < min(len(menu) * 0.6, len(plain.pack([menu], "es")))
    assert other.unpack(packer.pack([menu], "es")) == []
