"""Benchmark (not a test): one alert to 10,000 subscribers through the fake Twilio. Run:
python tests/bench_alerts.py [SUBSCRIBERS]

Starts a redis-server of its own (no persistence) and the fake Twilio API in a process of its own, makes
SUBSCRIBERS (default 10,000) subscriptions through the conversation service (the real engine and commit
script: "ALERTS" then a state, as texters write them), and prints the Redis memory a subscription takes
(MEMORY USAGE of the subscription keys, and used_memory before and after deleting them), then sends one
alert to all of them with ALERTS_RATE=0 (as fast as Twilio answers) through the real twilio client, one
slice as the RQ job runs it, and prints messages a second, what the sending added to Redis per subscriber
and per message, and that every subscriber got exactly one message.
"""
import collections
import datetime
import multiprocessing
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
os.environ.setdefault("MODEL_CACHE", os.path.join(tempfile.gettempdir(), f"helpline-test-models-{os.getuid()}"))

from bot import create_app  # noqa: E402
from bot.alerts import tasks  # noqa: E402
from bot.conversation.engine import Inbound  # noqa: E402
from conftest import DATA_KEY, SECRET_KEY, TOKEN, TWILIO_FROM  # noqa: E402
from servers import RedisServer  # noqa: E402

DAYTIME = datetime.datetime(2026, 11, 24, 20, 0, tzinfo=datetime.timezone.utc)  # daytime in every U.S. zone
STATES = ["North Carolina", "Florida", "Georgia", "Texas", "California", "Washington", "Ohio", "Michigan"]


def fake_twilio(conn):
    """Serve the fake Twilio API in this process; answer "count" with what it received per number."""
    from fake_twilio import FakeTwilio
    fake = FakeTwilio(TOKEN)
    conn.send(fake.url)
    while conn.recv() == "count":
        conn.send(collections.Counter(m["to"] for m in list(fake.messages)))
    fake.close()


def used(client):
    """Return Redis's used_memory after letting it settle."""
    time.sleep(0.2)
    return client.info("memory")["used_memory"]


def main(count):
    """Measure and print."""
    server = RedisServer().start()
    parent, child = multiprocessing.Pipe()
    fake = multiprocessing.Process(target=fake_twilio, args=(child,), daemon=True)
    fake.start()
    url = parent.recv()
    prefix = f"bench:{uuid.uuid4().hex[:8]}:"
    app = create_app({"REDIS_URL": server.url, "REDIS_PREFIX": prefix, "TWILIO_AUTH_TOKEN": TOKEN,
                      "DATA_KEY": DATA_KEY, "SECRET_KEY": SECRET_KEY, "TWILIO_ACCOUNT_SID": "AC" + "1" * 32,
                      "TWILIO_FROM": TWILIO_FROM, "TWILIO_API_URL": url, "PUBLIC_BASE_URL": "https://bot.example.org",
                      "ALERTS_RATE": "0", "RATE_LIMIT": "0", "SPOOL_DIR": tempfile.mkdtemp(prefix="bench-spool-")})
    conversations = app.extensions["conversations"]
    conversations.clock = lambda: DAYTIME
    store = conversations.store
    client = redis.Redis.from_url(server.url, socket_timeout=60)  # the bench's own bulk commands may be slow
    try:
        started = time.perf_counter()
        for n in range(count):
            address = f"+1505{n:07d}"
            conversations.handle(address, "SM" + uuid.uuid4().hex, Inbound("ALERTS"))
            conversations.handle(address, "SM" + uuid.uuid4().hex, Inbound(STATES[n % len(STATES)]))
        took = time.perf_counter() - started
        print(f"subscribed {count} texters through the conversation service in {took:.1f} s "
              f"({2 * count / took:.0f} messages/s)")
        hashes = [k for k in client.scan_iter(match=f"{prefix}a:*", count=1000)]
        assert len(hashes) == count, len(hashes)
        sample = hashes[:: max(1, count // 500)]
        sizes = [client.memory_usage(k, samples=0) for k in sample]
        numbers = [client.memory_usage(k.replace(b"a:{", b"an:{"), samples=0) for k in sample]
        print(f"Redis per subscriber: MEMORY USAGE of the subscription hash: median {statistics.median(sizes):.0f} "
              f"bytes, of its number: {statistics.median(numbers):.0f} bytes (sample of {len(sample)}; "
              f"encoding {client.object('encoding', sample[0]).decode()})")
        names = hashes + [k.replace(b"a:{", b"an:{") for k in hashes]
        before = used(client)
        dump = {k: client.dump(k) for k in names}
        client.delete(*names)
        after = used(client)
        print(f"                      used_memory freed by deleting the {count} subscriptions (both keys): "
              f"{(before - after) / count:.0f} bytes each")
        pipe = client.pipeline(transaction=False)
        for k, v in dump.items():
            pipe.restore(k, store.ttl["alerts"] * 1000, v)
        pipe.execute()
        service = app.extensions["alerts"]
        alert_id = service.create({"title": "bench", "kind": "heat", "langs": ["en"], "states": [],
                                   "text_en": "Heat this week: you have the right to water, shade and rest. "
                                              "WHD: 1-866-487-9243. STOP ALERTS to end"}, "bench")
        service.schedule(alert_id, None, "bench")
        preview_started = time.perf_counter()
        preview = service.preview(store.alert(alert_id)["spec"])
        print(f"preview (count and cost over every subscription): {preview['count']} subscribers, "
              f"{preview['sms_segments']} segments, {time.perf_counter() - preview_started:.2f} s")
        before = used(client)
        started = time.perf_counter()
        with app.app_context():
            outcome = tasks.sending(app).run(alert_id, "bench")
        took = time.perf_counter() - started
        alert = store.alert(alert_id)
        print(f"sent: {alert['sent']} of {alert['total']} ({outcome.state}) in {took:.1f} s: "
              f"{alert['sent'] / took:.0f} messages/s (one sending job, the real twilio client, ALERTS_RATE=0)")
        grown = used(client) - before
        statuses = client.memory_usage(store.alert_key(alert_id, ":m"), samples=0)
        print(f"Redis added by sending: {grown / count:.0f} bytes per subscriber in all; of which the "
              f"delivery-status hash: {statuses / count:.0f} bytes per message")
        parent.send("count")
        received = parent.recv()
        print(f"fake Twilio received {sum(received.values())} messages for {len(received)} numbers, "
              f"at most {max(received.values())} per number")
    finally:
        parent.send("stop")
        fake.join(5)
        app.extensions["intake"].stop()
        server.close()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000)
