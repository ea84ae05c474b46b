"""The benchmark's message kinds: texters made ready for them, and signed requests of each kind.

Shared by tests/bench_load.py (wrk against gunicorn, and in process) and the round-trip tests
(tests/test_redis_cost.py). Kinds, each sent by texters already in the state it needs:
  first      a new texter's first message ("hola")
  menu       a menu number: "1" on the main menu, then the topic's "back to the main menu" number, ...
  sentence   a sentence about a topic, on the main menu or a topic's page
  case       a DOL case number that is in the data, alternating with one that is not (its one-slip
             neighbours are tried)
  danger     danger now ("me quiere matar"): its page
"""
import itertools
import urllib.parse
import uuid

KINDS = ("first", "menu", "sentence", "case", "danger")
NAMES = {"first": "first message", "menu": "menu number", "sentence": "sentence", "case": "case number",
         "danger": "danger"}
SENTENCES = ["mi patron no me paga las horas extras", "me lastime en el trabajo y no me llevan al doctor",
             "el contratista me cobro dinero por la visa", "my boss took my passport",
             "la casa donde vivimos no tiene agua", "me corrieron por quejarme del pago"]
DANGER = ["me quiere matar mi patron", "me tienen encerrado y no me dejan salir", "he is going to kill me"]
CASE_ROWS = 2000   # H-2A cases imported for the case kind (tests/jobfiles.generated)
TO = "+15005550006"


def found_case(i):
    """Return the i-th case number of tests/jobfiles.generated (in the data)."""
    return f"H-300-25{(i // 1000) % 365 + 1:03d}-{100000 + i:06d}"


def unknown_case(i):
    """Return a case number not in the data (nor one slip from one that is)."""
    return f"H-300-24{(i % 300) + 1:03d}-{900000 + i % 99999:06d}"


def address(kind, i, whatsapp=False):
    """Return the i-th texter's number for a kind (each kind has texters of its own)."""
    base = {"first": 1, "menu": 2, "sentence": 3, "case": 4, "danger": 5, "probe": 6}[kind]
    return ("whatsapp:" if whatsapp else "") + f"+1{base}9{i:08d}"


def bodies(kind, script, rounds):
    """Return, for a texter ready for kind, the bodies of its next `rounds` messages."""
    if kind == "first":
        return ["hola"][:rounds]
    if kind == "menu":
        topic = script.nodes[script.main].options[0].goto
        back = next(str(i) for i, o in enumerate(script.nodes[topic].options, start=1) if o.goto == script.main)
        return [("1", back)[r % 2] for r in range(rounds)]
    if kind == "sentence":
        return [SENTENCES[r % len(SENTENCES)] for r in range(rounds)]
    if kind == "danger":
        return [DANGER[r % len(DANGER)] for r in range(rounds)]
    if kind == "case":
        return [None] * rounds  # filled per texter (found or not) by messages()
    raise ValueError(kind)


def messages(kind, script, texters, rounds):
    """Yield (address, body) for kind: round after round, every texter once a round (a texter's next
    message comes thousands of requests after its last, so none waits for its own)."""
    if kind == "first":
        for i in range(texters * rounds):
            yield address(kind, i, whatsapp=i % 3 == 0), "hola"
        return
    plans = bodies(kind, script, rounds)
    counter = itertools.count()
    for r in range(rounds):
        for i in range(texters):
            body = plans[r]
            if kind == "case":
                n = next(counter)
                body = found_case(n % CASE_ROWS) if n % 2 == 0 else unknown_case(n)
            yield address(kind, i, whatsapp=i % 3 == 0), body


def form(sender, body):
    """Return the form fields Twilio posts for one message."""
    return {"MessageSid": "SM" + uuid.uuid4().hex, "AccountSid": "AC" + "0" * 32, "From": sender, "To": TO,
            "Body": body, "NumMedia": "0"}


def encoded(fields):
    """Return the form fields as the request body."""
    return urllib.parse.urlencode(fields)


def ready(conversations, kind, texters, offset=0):
    """Put `texters` texters of a kind (numbered from offset) on the main menu in Spanish (one
    conversation walked there, its keys copied for the rest: thousands in a second). Nothing to do for
    first messages."""
    if kind == "first":
        return
    store, keys = conversations.store, conversations.keys
    model = address("probe", 999_999)
    for body in ("hola", "1"):
        conversations.handle(model, "SM" + uuid.uuid4().hex, _inbound(body))
    h0 = keys.pseudonym(model)
    state, lang = store.redis.get(store.key("s", h0)), store.redis.hget(store.key("p", h0), "l")
    pipe = store.redis.pipeline(transaction=False)
    for i in range(offset, offset + texters):
        h = keys.pseudonym(address(kind, i))
        pipe.set(store.key("s", h), state, ex=store.ttl["session"])
        pipe.hset(store.key("p", h), "l", lang)
        pipe.expire(store.key("p", h), store.ttl["language"])
        if i % 500 == 499:
            pipe.execute()
    pipe.execute()
    store.forget(h0)


def import_cases(data, folder):
    """Import CASE_ROWS generated H-2A cases into a JobsData (bot/storage/jobs.py), as `flask jobs import`."""
    import os

    import jobfiles
    from bot.jobs.importer import import_cases as run
    path = os.path.join(folder, "H-2A_Disclosure_Data_FY2025_Q4.xlsx")
    jobfiles.write_xlsx(path, jobfiles.H2A_HEADERS, jobfiles.generated(CASE_ROWS))
    run(path, data)
    os.unlink(path)


def _inbound(body):
    """Return an SMS Inbound."""
    from bot.conversation.engine import Inbound
    return Inbound(body)
