"""Danger in a conversation with a person: urgent first in the inbox, with a badge, on-call told at once;
and a texter who leaves the line with MENU, MENU."""

from conftest import PASSWORD, PERSON, Texter, ask_for_person, round_trips

FORM = {"template_es": "", "template_quc": "", "template_en": "", "notify_minutes": "10"}


def pseudonym(app, texter):
    """Return the texter's pseudonym (how the store names them)."""
    return app.extensions["conversations"].keys.pseudonym(texter.address)


def wait_for_notifications(app):
    """Wait for the on-call SMS threads in flight."""
    for thread in app.extensions["on_call"].threads:
        thread.join(10)


def test_danger_while_waiting_goes_first_in_the_inbox_with_a_badge(twilio_app, web):
    """Two texters wait; the later one writes about danger: it is listed first, with a badge."""
    first = ask_for_person(Texter(twilio_app.test_client(), "+15055550601"))
    later = ask_for_person(Texter(twilio_app.test_client(), "+15055550602"))
    store = twilio_app.extensions["conversations"].store
    assert store.handoff(pseudonym(twilio_app, later))["urgent"] == "0"
    reply = later.send("me quieren matar, ayuda")
    assert reply[0].startswith("Si esta en peligro ahora, llame al 911.")
    record = store.handoff(pseudonym(twilio_app, later))
    assert record["urgent"] == "1" and record["status"] == "waiting"
    assert store.thread(pseudonym(twilio_app, later))[-2:][0]["event"] == "urgent"
    html = web("ana").get("/inbox/").get_data(as_text=True)
    cards = html.split('<li class="card')[1:]
    assert 'urgent' in cards[0].split(">")[0] and '<span class="badge urgent">Urgente: peligro</span>' in cards[0]
    assert "badge urgent" not in cards[1]
    thread_page = web("ana").get(f"/inbox/c/{pseudonym(twilio_app, later)}").get_data(as_text=True)
    assert '<span class="badge urgent">Urgente: peligro</span>' in thread_page
    assert "La persona escribió sobre un peligro" in thread_page  # the thread's event, in Ana's language
    waiting, _, _ = twilio_app.extensions["inbox"].lists(twilio_app.extensions["accounts"].get("ana@example.org"))
    assert [s.h for s in waiting] == [pseudonym(twilio_app, later), pseudonym(twilio_app, first)]


def test_a_handoff_asked_for_after_danger_is_urgent(twilio_app):
    """EMERGENCIA, then "talk to a person": the handoff is urgent from the start."""
    texter = Texter(twilio_app.test_client(), "+15055550603")
    texter.send("hola")
    texter.send("1")
    texter.send("EMERGENCIA")
    texter.send("1")  # the emergency page's "Hablar con persona"
    assert twilio_app.extensions["conversations"].store.handoff(pseudonym(twilio_app, texter))["urgent"] == "1"


def test_on_call_volunteers_are_told_at_once_of_danger(twilio_app, web, fake_twilio):
    """Within the notification interval an ordinary wait sends nothing more, danger does, and says so."""
    twilio_app.extensions["accounts"].add("oncall@example.org", "volunteer", PASSWORD, phone="+15055550999",
                                          on_call=True, ui_lang="en")
    web("sam").post("/admin/settings", FORM)
    ask_for_person(Texter(twilio_app.test_client(), "+15055550604"))
    wait_for_notifications(twilio_app)
    fake_twilio.wait_for(1)
    calm = ask_for_person(Texter(twilio_app.test_client(), "+15055550605"))
    wait_for_notifications(twilio_app)
    assert len(fake_twilio.messages) == 1  # the interval holds ordinary ones back
    calm.send("911")
    wait_for_notifications(twilio_app)
    sms = fake_twilio.wait_for(2)[-1]
    assert sms["to"] == "+15055550999" and sms["body"].startswith("Helpline: URGENT")
    assert "5055550605" not in sms["body"]


def test_danger_while_claimed_gets_the_emergency_reply_and_is_kept(twilio_app):
    """A claimed conversation: the bot is quiet, except for danger, which is also kept for the volunteer."""
    texter = ask_for_person(Texter(twilio_app.test_client(), "+15055550606"))
    h = pseudonym(twilio_app, texter)
    store = twilio_app.extensions["conversations"].store
    assert store.claim(h, "ana@example.org", 0)[0] == "claimed"
    assert texter.send("gracias, espero") == []
    assert "911" in texter.send("nos tienen encerrados")[0]
    thread = store.thread(h)
    assert [e.get("text") for e in thread if e["dir"] == "in"][-1] == "nos tienen encerrados"
    assert store.handoff(h)["urgent"] == "1"


def test_menu_twice_while_waiting_leaves_the_line(twilio_app):
    """MENU asks; MENU again leaves the line: the handoff is closed and the main menu comes back."""
    texter = ask_for_person(Texter(twilio_app.test_client(), "+15055550607"))
    h = pseudonym(twilio_app, texter)
    store = twilio_app.extensions["conversations"].store
    assert texter.send("MENU")[0].startswith("Sigue en la fila")
    assert store.waiting() == [h]
    back = texter.send("menu")[0]
    assert back.startswith("Salio de la fila.") and "1. Reclutamiento" in back
    assert store.waiting() == [] and store.handoff(h)["status"] == "closed"
    assert store.thread(h)[-2]["event"] == "left_queue"
    assert texter.send(PERSON)[0].startswith("Gracias. Una persona")  # asking again works
    assert store.waiting() == [h]


def test_sentences_danger_and_misses_still_cost_two_round_trips(app, redis_url, prefix):
    """Reading sentences, danger and counting unknown words add no round trip: two a message."""
    texter = Texter(app.test_client(), "+15055550608")
    texter.send("hola")
    bodies = ["1", "mi patron no me paga las horas extras", "más", "el zacate esta muy alto y las hormigas pican",
              "estoy en carolina del norte", "me lastimé la mano en la empacadora", "gracias",
              "hace dos años me golpearon en mi pais, ahora tengo corte de asilo", "me quieren matar"]
    seen = round_trips(redis_url, prefix, lambda: [texter.send(body) for body in bodies])
    assert seen == ["EVALSHA", "EVALSHA"] * len(bodies)
