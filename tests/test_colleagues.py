"""Notes, transfer and history in the inbox (issue 22)."""
import datetime
import re

from conftest import OPEN_HOURS, Texter, ask_for_person


def pseudonym(app, texter):
    return app.extensions["conversations"].keys.pseudonym(texter.address)


def test_a_note_is_kept_for_colleagues_and_never_sent(twilio_app, web, fake_twilio):
    texter = ask_for_person(Texter(twilio_app.test_client(), "+15055550901"))
    h = pseudonym(twilio_app, texter)
    ana = web("ana")
    ana.post(f"/inbox/c/{h}/claim")
    response = ana.post(f"/inbox/c/{h}/note", {"note": "Habla de su pasaporte; le pasé el número de la línea."})
    assert response.status_code == 303
    page = ana.get(f"/inbox/c/{h}").get_data(as_text=True)
    assert "Nota para colegas (no se envía):" in page and "le pasé el número" in page
    assert "le pasé el número" in web("sam").get(f"/inbox/c/{h}").get_data(as_text=True)
    assert fake_twilio.messages == []  # nothing went to the texter
    assert ana.post(f"/inbox/c/{h}/note", {"note": "  "}).status_code == 400
    texter.send("BORRAR")
    texter.send("BORRAR")
    keys = twilio_app.extensions["conversations"].store.redis.keys(f"*{h}*")
    assert keys == []  # deleted with the thread


def test_transfer_to_a_colleague_who_speaks_the_language(twilio_app, web, fake_twilio):
    """Sam (staff) holds an English texter; he passes it to Ben (English); Ana (Spanish only) and Rita (a
    reviewer, who has no inbox) are not offered; the audit log and the thread say it; Ben finds it among his own."""
    twilio_app.extensions["accounts"].add("rita@example.org", "reviewer", "correct horse battery staple",
                                          langs=["en", "quc"])
    texter = ask_for_person(Texter(twilio_app.test_client(), "+15055550902"), lang="3", last="help me")
    h = pseudonym(twilio_app, texter)
    sam = web("sam")
    sam.post(f"/inbox/c/{h}/claim")
    page = sam.get(f"/inbox/c/{h}").get_data(as_text=True)
    offered = re.findall(r'<option value="([^"]+@example.org)">', page)
    assert offered == ["ben@example.org"]
    assert sam.post(f"/inbox/c/{h}/transfer", {"to": "ana@example.org"}).status_code == 400
    assert sam.post(f"/inbox/c/{h}/transfer", {"to": "rita@example.org"}).status_code == 400
    moved = sam.post(f"/inbox/c/{h}/transfer", {"to": "ben@example.org"})
    assert moved.status_code == 303
    record = twilio_app.extensions["conversations"].store.handoff(h)
    assert record["status"] == "claimed" and record["claimed_by"] == "ben@example.org"
    audit = twilio_app.extensions["accounts"].store.audit_log()
    assert audit[0]["action"] == "transfer" and audit[0]["account"] == "ben@example.org"
    ben = web("ben")
    assert 'id="mine"' in ben.get("/inbox/").get_data(as_text=True)
    assert "passed the conversation to ben@example.org" in ben.get(f"/inbox/c/{h}").get_data(as_text=True)
    assert fake_twilio.messages == []


def test_history_shows_earlier_closed_conversations(twilio_app, web, fake_twilio):
    texter = ask_for_person(Texter(twilio_app.test_client(), "+15055550903"), last="primera vez: mi pago")
    h = pseudonym(twilio_app, texter)
    ana = web("ana")
    ana.post(f"/inbox/c/{h}/claim")
    ana.post(f"/inbox/c/{h}/note", {"note": "Nota: quiere hablar con alguien de Oaxaca"})
    ana.post(f"/inbox/c/{h}/transfer", {"to": "sam@example.org"})
    web("sam").post(f"/inbox/c/{h}/close")
    clock = twilio_app.extensions["conversations"].clock
    import datetime
    twilio_app.extensions["conversations"].clock = lambda: clock() + datetime.timedelta(minutes=90)
    from conftest import PERSON
    for body in ("hola", PERSON, "segunda vez"):
        texter.send(body)
    page = ana.get(f"/inbox/c/{h}").get_data(as_text=True)
    history = page[page.index('id="history"'):page.index('id="thread"')]
    assert "primera vez: mi pago" in history and "segunda vez" not in history
    # a note is marked as one (never taken for a message sent), a transfer said in words
    assert re.search(r"Nota para colegas \(no se envía\):</span><span[^>]*>Nota: quiere hablar", history), history
    assert "ana@example.org pasó la conversación a sam@example.org." in history and "transferred" not in history
    thread = page[page.index('id="thread"'):]
    assert "segunda vez" in thread and "primera vez" not in thread


def test_the_words_that_asked_for_a_person_are_in_the_thread(twilio_app, web, fake_twilio):
    """A texter asks for a person in a sentence: the volunteer reads that sentence, marked as the request."""
    texter = Texter(twilio_app.test_client(), "+15055550904")
    texter.send("hola")
    texter.send("1")
    texter.send("quiero hablar con una persona por favor, es sobre mi pasaporte")
    h = pseudonym(twilio_app, texter)
    record = twilio_app.extensions["conversations"].store.handoff(h)
    assert record.get("status") == "waiting", record
    page = web("ana").get(f"/inbox/c/{h}").get_data(as_text=True)
    assert "Pidió una persona con estas palabras:" in page and "es sobre mi pasaporte" in page


def test_the_receiver_of_a_transfer_is_marked_texted_and_it_is_audited(twilio_app, web, fake_twilio):
    """Sam passes an English texter to Kim (on call, with a phone; the on-call SMS is on): Kim's inbox marks
    it "passed to you by sam" (the mark the page's alerts sound and notify for), the page says it, Kim gets
    an SMS naming nobody, and the audit log has the transfer and the SMS. Passed to Ben (no phone): the
    mark, no SMS."""
    accounts = twilio_app.extensions["accounts"]
    accounts.add("kim@example.org", "volunteer", "correct horse battery staple", langs=["en"], ui_lang="en",
                 phone="+15055550988", on_call=True)
    texter = ask_for_person(Texter(twilio_app.test_client(), "+15055550905"), lang="3", last="help me")
    twilio_app.extensions["staff_settings"].save(notify_minutes=10)  # on after the texter asked: one SMS below
    h = pseudonym(twilio_app, texter)
    sam = web("sam")
    sam.post(f"/inbox/c/{h}/claim")
    assert sam.post(f"/inbox/c/{h}/transfer", {"to": "kim@example.org"}).status_code == 303
    for thread in twilio_app.extensions["on_call"].threads:
        thread.join(10)
    [sms] = fake_twilio.wait_for(1)
    assert sms["to"] == "+15055550988" and sms["body"].startswith("Helpline: a colleague passed you a conversation")
    assert "5055550905" not in sms["body"] and "sam@" not in sms["body"]
    actions = [(e["action"], e.get("account")) for e in accounts.store.audit_log()[:2]]
    assert actions == [("transfer_sms", "kim@example.org"), ("transfer", "kim@example.org")]
    kim = web()
    kim.login("kim@example.org")
    lists = kim.get("/inbox/lists").get_data(as_text=True)
    card = re.search(r'<li class="card[^"]*" data-texter="(T-\w+)"\s*data-transferred="(\d+)" data-by="([^"]+)"', lists)
    assert card and card[3] == "sam@example.org" and "Passed to you by sam@example.org" in lists
    assert "sam@example.org passed this conversation to you." in kim.get(f"/inbox/c/{h}").get_data(as_text=True)
    assert "Passed to you" not in web("sam").get("/inbox/lists").get_data(as_text=True)  # only for the receiver
    kim.post(f"/inbox/c/{h}/transfer", {"to": "ben@example.org"})
    assert len(fake_twilio.messages) == 1  # Ben has no phone: no SMS, and none audited
    assert accounts.store.audit_log()[0]["action"] == "transfer"
    ben = web("ben")
    assert "Passed to you by kim@example.org" in ben.get("/inbox/lists").get_data(as_text=True)
    ben.post(f"/inbox/c/{h}/release")
    later = OPEN_HOURS + datetime.timedelta(minutes=5)
    twilio_app.extensions["conversations"].clock = lambda: later
    ben.post(f"/inbox/c/{h}/claim")  # his own claim, minutes later: no longer a transfer
    assert "Passed to you" not in ben.get("/inbox/lists").get_data(as_text=True)


def test_no_transfer_sms_while_the_on_call_sms_is_off(twilio_app, web, fake_twilio):
    """The staff's on-call SMS at 0 (the default): the receiver is marked in the inbox, and nobody is texted."""
    twilio_app.extensions["accounts"].add("kim@example.org", "volunteer", "correct horse battery staple",
                                          langs=["es"], phone="+15055550988", on_call=True)
    texter = ask_for_person(Texter(twilio_app.test_client(), "+15055550906"))
    h = pseudonym(twilio_app, texter)
    ana = web("ana")
    ana.post(f"/inbox/c/{h}/claim")
    assert ana.post(f"/inbox/c/{h}/transfer", {"to": "kim@example.org"}).status_code == 303
    assert fake_twilio.requests == [] and twilio_app.extensions["on_call"].threads == []
    kim = web()
    kim.login("kim@example.org")
    assert "Se la pasó ana@example.org" in kim.get("/inbox/lists").get_data(as_text=True)
