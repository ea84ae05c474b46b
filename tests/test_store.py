"""The store through the webhook, on a single Redis and on a three-master Redis Cluster."""
import json

import pytest

from bot.conversation.engine import State
from bot.storage.versions import SCRIPT_TAG
from conftest import PERSON, Texter, key_values


@pytest.fixture(params=["redis", "cluster"])
def settings(request, settings):
    """Run each test on the single server and again on the cluster (REDIS_CLUSTER=1)."""
    if request.param == "cluster":
        return {**settings, "REDIS_URL": request.getfixturevalue("redis_cluster"), "REDIS_CLUSTER": "1"}
    return settings


def _texter_keys(store, h):
    """Return every key name of texter h (on every node)."""
    return sorted(k.decode() for k in store.redis.scan_iter(match=f"{store.prefix}*{{{h}}}*"))


def test_conversation_state_and_language_are_kept(app, texter):
    """A conversation moves through menus; state and language live under the texter's hash tag."""
    conversations = app.extensions["conversations"]
    texter.send("hola")
    texter.send("1")
    assert "H-2A" in texter.send("2")[0]
    store, h = conversations.store, conversations.keys.pseudonym(texter.address)
    raw = store.redis.get(store.key("s", h)).decode()
    version, _, state = raw.partition("|")
    assert version == "3" and State.from_json(state).node == "pay"
    assert store.redis.hget(store.key("p", h), "l") == b"es"
    if store.cluster:
        assert len({store.redis.keyslot(k) for k in _texter_keys(store, h)}) == 1


def test_retried_message_sid_is_applied_once(app, texter):
    """The same MessageSid twice: the same answer, one step."""
    texter.send("hola")
    fields = texter.form("1")
    first, again = texter.post(fields), texter.post(fields)
    assert first.get_data() == again.get_data()
    assert "H-2A" in texter.send("1")[0]


def test_handoff_record_thread_and_queue(app, texter):
    """Asking for a person opens a handoff, queues the texter, and keeps what they write in order."""
    conversations = app.extensions["conversations"]
    for body in ("hola", "1", PERSON, "primero", "segundo"):
        texter.send(body)
    store, h = conversations.store, conversations.keys.pseudonym(texter.address)
    assert store.handoff(h)["status"] == "waiting" and store.waiting() == [h]
    assert [e["text"] for e in store.thread(h) if e["dir"] == "in"] == ["primero", "segundo"]
    assert store.close_handoff(h, 0) and store.waiting() == []


def test_proposals_share_the_texters_slot_expire_with_the_thread_and_are_forgotten(app, texter):
    """A proposal lives under the texter's hash tag, no longer than the thread (closing shortens it),
    is listed through the index, and forget() removes it and its index entry."""
    conversations = app.extensions["conversations"]
    for body in ("hola", "1", PERSON, "primero"):
        texter.send(body)
    store, h = conversations.store, conversations.keys.pseudonym(texter.address)
    pid = store.propose(h, "primero", "es", "intents.pay", "ana")
    assert [p["id"] for p in store.proposals()] == [pid]
    assert 0 < store.redis.ttl(store.key("q", h)) <= store.redis.ttl(store.key("t", h))
    if store.cluster:
        assert len({store.redis.keyslot(k) for k in _texter_keys(store, h)}) == 1
    assert store.close_handoff(h, 0) and 0 < store.redis.ttl(store.key("q", h)) <= store.ttl["closed"]
    store.forget(h)
    assert store.proposals() == [] and store.redis.zscore(f"{store.prefix}proposals", h) is None


def test_forget_removes_every_key_of_one_texter_only(app, make_texter):
    """forget() removes every key of one texter and no other's (on the cluster: in the texter's slot)."""
    conversations = app.extensions["conversations"]
    store = conversations.store
    one, other = make_texter("+15055550301"), make_texter("+15055550302")
    for body in ("hola", "1", PERSON, "hola?"):
        one.send(body)
        other.send(body)
    h1, h2 = (conversations.keys.pseudonym(t.address) for t in (one, other))
    before = _texter_keys(store, h2)
    assert {k.split(":")[-2] for k in _texter_keys(store, h1)} >= {"s", "p", "h", "t", "r", "n"}
    assert store.forget(h1) == len(before)
    assert _texter_keys(store, h1) == [] and h1 not in store.waiting()
    assert _texter_keys(store, h2) == before and h2 in store.waiting()


def test_privacy_scan_no_number_and_every_key_expires(app, redis_client, prefix):
    """After conversations with a handoff, a deletion and an audit entry: no number, every key a TTL."""
    numbers = ["+15055550142", "+525512345678"]
    for number in numbers:
        texter = Texter(app.test_client(), number)
        for body in ("hola", "1", PERSON, "mi numero es otro", "BORRAR", "1"):
            texter.send(body)
    deleted = Texter(app.test_client(), "+50255512345")
    for body in ("hola", "borrar", "si"):
        deleted.send(body)
    keys = [k for k in redis_client.scan_iter(match=f"{prefix}*") if SCRIPT_TAG.encode() not in k]
    assert len(keys) > 10
    for key in keys:  # the script's versions ({script} keys) belong to no texter and never expire
        blob = key.decode() + json.dumps(key_values(redis_client, key))
        for number in numbers + ["+50255512345"]:
            assert number.lstrip("+")[-8:] not in blob, key
        assert redis_client.ttl(key) > 0, key


def test_deletion_and_audit(app, texter):
    """BORRAR + SI deletes every key of the texter; the audit log says a deletion happened, nameless."""
    conversations = app.extensions["conversations"]
    store, h = conversations.store, conversations.keys.pseudonym(texter.address)
    for body in ("hola", "1", PERSON, "ayuda"):
        texter.send(body)
    texter.send("BORRAR")
    texter.send("SI")
    assert _texter_keys(store, h) == []
    entry = store.audit_log()[0]
    # The commit deleted every key of the texter (the confirming MessageSid is kept in a nameless
    # key), so forget() found none left.
    assert entry["action"] == "texter_deleted" and entry["texter"] == "" and int(entry["keys"]) == 0
    assert h not in json.dumps(store.audit_log()) and "5055550123" not in json.dumps(store.audit_log())
