"""BORRAR / DELETE / SACHAJ: ask, confirm, delete everything about the texter, start again as new."""
import time

import pytest

from bot.conversation.engine import Context, Inbound, State, step
from conftest import OPEN_HOURS, PERSON
from test_engine import SCRIPT


def _keys(app, texter):
    """Return the names of every Redis key about the texter."""
    conversations = app.extensions["conversations"]
    store, h = conversations.store, conversations.keys.pseudonym(texter.address)
    return list(store.redis.scan_iter(match=f"{store.prefix}*{{{h}}}*"))


@pytest.mark.parametrize("confirm", ["SI", "sí", "Si.", "borrar", "BORRAR"])
def test_borrar_then_confirm_deletes_everything(app, texter, confirm):
    """State, language, handoff record and thread, dedupe keys and the queue entry are all gone."""
    conversations = app.extensions["conversations"]
    h = conversations.keys.pseudonym(texter.address)
    for body in ("hola", "1", PERSON, "me quitaron el pasaporte"):
        texter.send(body)
    assert conversations.store.waiting() == [h]
    asked = texter.send("BORRAR")[0]
    assert asked.startswith("¿Quiere que borremos todo") and "SI o BORRAR" in asked
    done = texter.send(confirm)[0]
    assert done.startswith("Listo: borramos todo")
    assert _keys(app, texter) == [] and conversations.store.waiting() == []
    assert "Elija su idioma" in texter.send("1")[0]  # the next message meets a new person


def test_any_other_message_cancels(app, texter):
    """After BORRAR, a different message cancels the deletion and is understood as usual."""
    texter.send("hola")
    texter.send("1")
    texter.send("borrar")
    assert "H-2A" in texter.send("1")[0]
    assert not texter.send("si")[0].startswith("Listo")  # no deletion pending any more (a "si" is small talk)
    assert _keys(app, texter)


def test_repeating_a_deletion_is_harmless(app, texter):
    """Deleting twice in a row, or deleting a texter we know nothing of, answers the same way."""
    for _ in range(2):
        texter.send("borrar")
        assert texter.send("si")[0].startswith("Listo")
    assert _keys(app, texter) == []
    audit = app.extensions["conversations"].store.audit_log()
    assert [e["action"] for e in audit[:2]] == ["texter_deleted", "texter_deleted"]


def test_english_and_kiche_words_answer_in_their_language(app, make_texter):
    """A texter with no language yet is asked in the language of the word they used."""
    english = make_texter("+15055550501")
    assert english.send("DELETE")[0].startswith("Delete everything we keep")
    assert english.send("yes")[0].startswith("Done: we deleted")
    kiche = make_texter("+15055550502")
    kiche.send("hola")
    kiche.send("2")  # K'iche'
    assert kiche.send("sachaj")[0].startswith("La kawaj kaqasach")
    assert kiche.send("je'")[0].startswith("Xqasach ronojel")


def test_kiche_deletion_removes_the_keys(app, make_texter):
    """SACHAJ then JE' deletes everything too."""
    kiche = make_texter("+15055550503")
    kiche.send("hola")
    kiche.send("2")
    kiche.send("Sachaj")
    kiche.send("je")
    assert _keys(app, kiche) == []


def test_whatsapp_deletion(app, make_texter):
    """The same on WhatsApp; the pseudonym is the number's, so SMS and WhatsApp are one texter."""
    texter = make_texter("+15055550504", "whatsapp")
    texter.send("hola")
    texter.send("3")
    texter.send("delete")
    texter.send("delete")
    assert _keys(app, texter) == []


def test_deletion_removes_the_texters_spooled_messages(app, texter):
    """Spooled entries received before the deletion are removed; later ones stay for the new person."""
    conversations = app.extensions["conversations"]
    spool, h = conversations.spool, conversations.keys.pseudonym(texter.address)
    app.extensions["intake"].stop()
    texter.send("borrar")
    record = {"address": texter.address, "sid": "SMold", "text": "x", "channel": "sms", "media": 0,
              "opt_out_type": None}
    spool.put(h, record, time.time() - 30)
    later = time.time() + 30
    spool.put(h, {**record, "sid": "SMlater"}, later)
    conversations.handle(texter.address, "SMconfirm", Inbound("si"), received=time.time())
    assert [spool.read(n)["sid"] for n in spool.pending(h)] == ["SMlater"]


def test_engine_deletion_is_a_forget_event_and_a_fresh_state():
    """The pure step: the confirmation emits ("forget", {}) and returns a fresh state."""
    ctx = Context(now=OPEN_HOURS)
    state = State(lang="es", node="pay", topic="pay")
    asked = step(SCRIPT, state, Inbound("Borrar"), ctx)
    assert asked.state.confirm_delete == "es" and asked.events == []
    done = step(SCRIPT, asked.state, Inbound("sí"), ctx)
    assert done.events == [("forget", {})] and done.state == State()


def test_deletion_works_in_a_handoff_and_while_waiting_for_a_person():
    """In a handoff every other word goes to the volunteer; BORRAR still asks, SI still deletes."""
    ctx = Context(now=OPEN_HOURS, handoff_status="claimed")
    state = State(lang="en", node="person", handoff=True)
    asked = step(SCRIPT, state, Inbound("delete"), ctx)
    assert asked.replies[0].startswith("Delete everything") and asked.events == []
    done = step(SCRIPT, asked.state, Inbound("YES"), ctx)
    assert done.events == [("forget", {})]
    cancelled = step(SCRIPT, asked.state, Inbound("never mind"), ctx)
    assert cancelled.events == [("handoff_message", {"text": "never mind", "media": 0})]


def test_opted_out_texter_is_not_answered():
    """While opted out (STOP) the bot sends nothing, not even the deletion question."""
    state = State(lang="es", node="main", opted_out=True)
    result = step(SCRIPT, state, Inbound("borrar"), Context(now=OPEN_HOURS))
    assert result.replies == [] and result.events == []
