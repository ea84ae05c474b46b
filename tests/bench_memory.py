"""Redis memory a texter costs over a typical conversation, and the SMS cost of the menus (tests/bench_load.py).

The conversation is walked by a few hundred texters at once, in process, against the benchmark's Redis,
at a person's pace scaled down 30 times: the reply cache lives 2 s instead of REPLY_TTL's 60 s and a
texter writes every 0.67 s instead of every 20 s, so the cache holds what it would hold for a person
typing. used_memory is read after every message; the largest figure is "at its largest".
"""
import datetime
import os
import time
import uuid

SCALE = 30                # time runs this many times faster than a person's
REPLY_TTL = 60            # the default (bot/config.py)
PACE = 20                 # seconds between a person's messages
TYPICAL = ["hola", "1", "mi patron no me paga las horas extras", "mas", "menu", "10", "NC", "gracias"]


def memory_per_texter(redis_url, keys, texters=300, path=TYPICAL):
    """Return {peak, idle, kinds, marks, texters, messages, path} for texters walking path."""
    from bot.config import load_settings
    from bot.conversation.engine import Inbound
    from bot.conversation.script import load_script
    from bot.storage.connection import connect
    from bot.storage.privacy import Keys
    from bot.storage.store import Store
    from bot.twilio.conversations import Conversations, reply_packer
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    ttl = max(1, round(REPLY_TTL / SCALE))
    settings = load_settings(environ={"REDIS_URL": redis_url, "REPLY_TTL": str(ttl), "REDIS_PREFIX": "mem:", **keys})
    client = connect(redis_url, 2.0)
    script = load_script(os.path.join(root, "locales"))
    service = Conversations(lambda: script, Store(client, settings.REDIS_PREFIX, settings.ttl, settings.RATE_LIMIT,
                                      replies=reply_packer(script)),
                            Keys(settings.DATA_KEY))
    client.flushall()  # nothing else in this Redis may expire meanwhile (the figures are differences)
    time.sleep(0.5)
    sample = [service.keys.pseudonym(f"+1777{i:07d}") for i in range(0, texters, max(1, texters // 20))]
    before, peak, own = client.info("memory")["used_memory"], 0, 0
    for body in path:
        started = time.monotonic()
        for i in range(texters):
            service.handle(f"+1777{i:07d}", "SM" + uuid.uuid4().hex, Inbound(body))
        peak = max(peak, client.info("memory")["used_memory"])
        if body == path[-1]:
            at_peak = _kinds(client, sample[0], expiry=False)
        own = max(own, sum(sum(_kinds(client, h).values()) for h in sample) / len(sample))
        time.sleep(max(0.0, PACE / SCALE - (time.monotonic() - started)))
    time.sleep(ttl + 0.5)
    for _ in client.scan_iter(match="mem:*", count=10000):  # Redis frees the expired keys it meets
        pass
    idle = client.info("memory")["used_memory"]
    own_idle = sum(sum(_kinds(client, h).values()) for h in sample) / len(sample)
    kinds = _kinds(client, sample[0], expiry=False)
    marks = [client.memory_usage(k, samples=0) + EXPIRY for k in client.scan_iter(match="mem:m:*", count=1000)][:200]
    return {"peak": (peak - before) / texters, "idle": (idle - before) / texters, "kinds": kinds, "at_peak": at_peak,
            "own": own, "own_idle": own_idle, "marks": sum(marks) / max(len(marks), 1), "texters": texters,
            "messages": len(path), "path": ", ".join(repr(b) for b in path) + f", one every {PACE} s"}


def _kinds(client, h, expiry=True):
    """Return {key kind: bytes} of texter h's keys: MEMORY USAGE, and (expiry) the bytes of its expiry."""
    kinds = {}
    for key in client.scan_iter(match="mem:*{" + h + "}*"):
        kind = key.decode().split(":")[1]
        kinds[kind] = kinds.get(kind, 0) + client.memory_usage(key, samples=0) + (EXPIRY if expiry else 0)
    return kinds


EXPIRY = 32  # bytes a key's expiry takes in Redis's table of expiries (MEMORY USAGE leaves it out)


def sms_cost(script):
    """Return {lang: [(path, messages, segments)]}: each main-menu choice with its whole "more" chain."""
    from bot.conversation.engine import Context, Inbound, State, step
    from bot.conversation.sms import segments
    now = datetime.datetime(2026, 11, 24, 15, tzinfo=datetime.timezone.utc)
    table = {}
    for lang in script.languages:
        rows = []
        for number, option in enumerate(script.nodes[script.main].options, start=1):
            state, total, messages = State(lang=lang, node=script.main), 0, 0
            body = str(number)
            while body:
                result = step(script, state, Inbound(body), Context(now=now))
                state = result.state
                for reply in result.replies:
                    total += segments(reply)[1]
                    messages += 1
                node = script.nodes[state.node]
                more = [i for i, o in enumerate(node.options, start=1) if o.label == "opt.more"]
                body = "mas" if state.more else str(more[0]) if more and node.type == "info" else None
            rows.append((option.goto or option.set_language, messages, total))
        table[lang] = rows
    return table
