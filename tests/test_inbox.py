"""The inbox through its pages: list, claim, read, reply through Twilio, reveal, release and close."""
import datetime
import re

import pytest

from bot.storage.privacy import short_name
from conftest import OPEN_HOURS, PERSON, TWILIO_FROM, Texter, ask_for_person


@pytest.fixture
def texter(twilio_app):
    """Return an SMS texter of the Twilio-sending app."""
    return Texter(twilio_app.test_client())


def pseudonym(app, texter):
    """Return a texter's pseudonym."""
    return app.extensions["conversations"].keys.pseudonym(texter.address)


def text_of(response):
    """Return a page's text without tags, whitespace squeezed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


def test_waiting_list_shows_no_number_and_puts_the_volunteers_languages_first(twilio_app, web):
    """Oldest first, but a texter in a language the volunteer speaks comes before the others."""
    conversations = twilio_app.extensions["conversations"]
    english = Texter(twilio_app.test_client(), "+15055550201")
    conversations.clock = lambda: OPEN_HOURS
    ask_for_person(english, lang="3", last="I need help")
    spanish = Texter(twilio_app.test_client(), "+15055550202")
    conversations.clock = lambda: OPEN_HOURS + datetime.timedelta(minutes=20)
    ask_for_person(spanish)
    conversations.clock = lambda: OPEN_HOURS + datetime.timedelta(minutes=50)
    names = {t: short_name(pseudonym(twilio_app, t)) for t in (english, spanish)}

    page = web("ana").get("/inbox/").get_data(as_text=True)  # Ana speaks Spanish
    assert page.index(names[spanish]) < page.index(names[english])
    assert "5055550201" not in page and "5055550202" not in page and "0201" not in page
    assert "30 minutos" in page and "50 minutos" in page  # format_timedelta in Ana's language (es)
    page = web("ben").get("/inbox/").get_data(as_text=True)  # Ben speaks English and K'iche'
    assert page.index(names[english]) < page.index(names[spanish])
    assert "50 minutes" in page and "English · no topic · SMS" in text_of(web("ben").get("/inbox/"))


def test_whatsapp_window_is_shown(twilio_app, web):
    """A WhatsApp texter shows whether the 24-hour window is still open."""
    conversations = twilio_app.extensions["conversations"]
    ask_for_person(Texter(twilio_app.test_client(), "+15055550203", "whatsapp"))
    assert "24-hour window open" in web("sam").get("/inbox/").get_data(as_text=True)
    conversations.clock = lambda: OPEN_HOURS + datetime.timedelta(hours=25)
    assert "24-hour window closed" in web("sam").get("/inbox/").get_data(as_text=True)


def test_claim_read_reply_close(twilio_app, web, texter, fake_twilio, redis_client, prefix):
    """The whole volunteer path over HTTP, with the reply going through the twilio client."""
    ask_for_person(texter)
    h = pseudonym(twilio_app, texter)
    ana = web("ana")
    page = ana.get(f"/inbox/c/{h}")
    assert page.status_code == 200 and "Necesito ayuda con mi pago" in page.get_data(as_text=True)
    assert "Tomar" in page.get_data(as_text=True) and 'id="compose"' not in page.get_data(as_text=True)

    assert ana.post(f"/inbox/c/{h}/claim").status_code == 303
    page = ana.get(f"/inbox/c/{h}").get_data(as_text=True)
    assert 'id="compose"' in page and "•••• 0123" in page and texter.number not in page
    # The bot's messages before the request for a person are there, for context.
    assert "Reclutamiento, cobros" in page and "Gracias. Una persona" in page

    token = re.search(r'name="token" type="hidden" value="([0-9a-f]{32})"', page).group(1)
    response = ana.post(f"/inbox/c/{h}/reply", {"body": "Hola, soy Ana. ¿En qué estado trabaja?", "token": token})
    assert response.status_code == 303
    [message] = fake_twilio.wait_for(1)
    assert message["to"] == texter.number and message["from"] == TWILIO_FROM
    assert message["body"] == "Hola, soy Ana. ¿En qué estado trabaja?"
    assert message["form"]["StatusCallback"] == "http://localhost/twilio/status"

    # The same form again (a double click, a retried POST): refused, not sent twice.
    again = ana.post(f"/inbox/c/{h}/reply", {"body": "Hola, soy Ana. ¿En qué estado trabaja?", "token": token})
    assert again.status_code == 409 and "ya se envió" in again.get_data(as_text=True)
    assert len(fake_twilio.messages) == 1

    # Delivery status from Twilio's callback shows in the thread; so does the texter's answer.
    assert texter.post({"MessageSid": message["sid"], "MessageStatus": "delivered", "To": texter.number},
                       path="/twilio/status").status_code == 204
    assert texter.send("En Carolina del Norte") == []  # kept for the volunteer, no bot reply
    thread = ana.get(f"/inbox/c/{h}/thread").get_data(as_text=True)
    assert "entregado" in thread and "En Carolina del Norte" in thread

    response = ana.post(f"/inbox/c/{h}/close")
    assert response.status_code == 303
    closing = fake_twilio.wait_for(2)[-1]
    assert closing["to"] == texter.number and closing["body"].startswith("Gracias por escribirnos")
    assert "1. Reclutamiento, cobros" in texter.send("hola")[0]  # back with the bot
    # The thread is kept CLOSED_TTL after closing, then deleted by Redis.
    ttl = redis_client.ttl(f"{prefix}t:{{{h}}}")
    assert 0 < ttl <= twilio_app.config["SETTINGS"].CLOSED_TTL
    actions = [(e["who"], e["action"]) for e in twilio_app.extensions["accounts"].store.audit_log()][::-1]
    assert [a for a in actions if a[1] != "login"] == [(
        "ana@example.org", "claim"), ("ana@example.org", "reply"), ("ana@example.org", "close")]


def test_closing_message_in_the_texters_language(twilio_app, web, fake_twilio):
    """An English texter gets the English closing message, whatever the volunteer's page language."""
    texter = Texter(twilio_app.test_client(), "+15055550204")
    ask_for_person(texter, lang="3", last="help please")
    h = pseudonym(twilio_app, texter)
    ana = web("ana")
    ana.post(f"/inbox/c/{h}/claim")
    ana.post(f"/inbox/c/{h}/close")
    [closing] = fake_twilio.wait_for(1)
    assert closing["body"].startswith("Thank you for writing to us")
    assert "1. Recruitment fees" in texter.send("hi")[0]


def test_texter_who_opted_out_is_reported_to_the_volunteer(twilio_app, web, texter, fake_twilio):
    """Twilio's 21610 is shown in words, kept in the thread, and not retried."""
    ask_for_person(texter)
    h = pseudonym(twilio_app, texter)
    ana = web("ana")
    ana.post(f"/inbox/c/{h}/claim")
    token = re.search(r'name="token" type="hidden" value="(\w+)"', ana.get(f"/inbox/c/{h}").get_data(as_text=True))[1]
    fake_twilio.plan(("error", 400, 21610))
    response = ana.post(f"/inbox/c/{h}/reply", {"body": "hola", "token": token}, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "21610" in page and "pidió no recibir mensajes" in page
    assert len(fake_twilio.requests) == 1 and fake_twilio.messages == []


def test_whatsapp_outside_the_window_refuses_free_text_and_sends_the_template(twilio_app, web, fake_twilio):
    """After 24 hours of silence: free text refused with the reason; the staff's template goes instead."""
    texter = Texter(twilio_app.test_client(), "+15055550205", "whatsapp")
    ask_for_person(texter)
    h = pseudonym(twilio_app, texter)
    twilio_app.extensions["staff_settings"].save(templates={"es": "HX" + "a" * 32})
    ana = web("ana")
    ana.post(f"/inbox/c/{h}/claim")
    twilio_app.extensions["conversations"].clock = lambda: OPEN_HOURS + datetime.timedelta(hours=25)
    page = ana.get(f"/inbox/c/{h}").get_data(as_text=True)
    assert 'id="compose"' not in page and 'id="template"' in page
    token = re.search(r'name="token" type="hidden" value="(\w+)"', page)[1]
    refused = ana.post(f"/inbox/c/{h}/reply", {"body": "hola", "token": token})
    assert refused.status_code == 409 and "24 horas" in refused.get_data(as_text=True)
    assert fake_twilio.requests == []
    assert ana.post(f"/inbox/c/{h}/template", {"token": token}).status_code == 303
    [message] = fake_twilio.wait_for(1)
    assert message["to"] == "whatsapp:+15055550205" and message["form"]["ContentSid"] == "HX" + "a" * 32


def test_window_closed_error_from_twilio(twilio_app, web, fake_twilio):
    """Twilio's 63016 (the window closed on its side) is explained to the volunteer."""
    texter = Texter(twilio_app.test_client(), "+15055550206", "whatsapp")
    ask_for_person(texter)
    h = pseudonym(twilio_app, texter)
    ana = web("ana")
    ana.post(f"/inbox/c/{h}/claim")
    token = re.search(r'name="token" type="hidden" value="(\w+)"', ana.get(f"/inbox/c/{h}").get_data(as_text=True))[1]
    fake_twilio.plan(("error", 400, 63016))
    page = ana.post(f"/inbox/c/{h}/reply", {"body": "hola", "token": token}, follow_redirects=True)
    assert "63016" in page.get_data(as_text=True)


def test_reveal_is_explicit_and_audited(twilio_app, web, texter):
    """The full number appears only after the reveal action, which the audit log records."""
    ask_for_person(texter)
    h = pseudonym(twilio_app, texter)
    ana = web("ana")
    assert ana.post(f"/inbox/c/{h}/reveal").status_code == 409  # claim first
    ana.post(f"/inbox/c/{h}/claim")
    assert texter.number not in ana.get(f"/inbox/c/{h}").get_data(as_text=True)
    response = ana.post(f"/inbox/c/{h}/reveal")  # post, redirect, get: a reload never reveals again
    assert response.status_code == 303 and response.location.startswith(f"/inbox/c/{h}")
    assert texter.number in ana.get(response.location).get_data(as_text=True)
    assert texter.number not in ana.get(f"/inbox/c/{h}").get_data(as_text=True)  # the reload: masked
    log = twilio_app.extensions["accounts"].store.audit_log()
    assert log[0]["action"] == "reveal" and log[0]["who"] == "ana@example.org"
    assert log[0]["texter"] == short_name(h)
    assert [e["action"] for e in log].count("reveal") == 1
    assert web("ben").post(f"/inbox/c/{h}/reveal").status_code == 403  # not Ben's conversation


def test_release_hands_it_back(twilio_app, web, texter):
    """Release puts the conversation back in the queue for someone else to claim."""
    ask_for_person(texter)
    h = pseudonym(twilio_app, texter)
    ana, ben = web("ana"), web("ben")
    ana.post(f"/inbox/c/{h}/claim")
    taken = ben.post(f"/inbox/c/{h}/claim")
    assert taken.status_code == 409 and "ana@example.org has already claimed" in taken.get_data(as_text=True)
    assert ben.post(f"/inbox/c/{h}/release").status_code == 403
    assert ana.post(f"/inbox/c/{h}/release").status_code == 303
    assert short_name(h) in ben.get("/inbox/").get_data(as_text=True)
    assert ben.post(f"/inbox/c/{h}/claim").status_code == 303


def test_staff_can_release_and_close_any(twilio_app, web, texter, fake_twilio):
    """Staff may take back a conversation a volunteer left, and close it."""
    ask_for_person(texter)
    h = pseudonym(twilio_app, texter)
    web("ana").post(f"/inbox/c/{h}/claim")
    sam = web("sam")
    assert sam.get(f"/inbox/c/{h}").status_code == 200
    assert sam.post(f"/inbox/c/{h}/release").status_code == 303
    assert sam.post(f"/inbox/c/{h}/close").status_code == 303
    assert twilio_app.extensions["conversations"].store.handoff(h)["status"] == "closed"


def test_reply_checks(twilio_app, web, texter):
    """An empty reply, an overlong one and a bad token are refused with a clear 400."""
    ask_for_person(texter)
    h = pseudonym(twilio_app, texter)
    ana = web("ana")
    ana.post(f"/inbox/c/{h}/claim")
    token = re.search(r'name="token" type="hidden" value="(\w+)"', ana.get(f"/inbox/c/{h}").get_data(as_text=True))[1]
    assert ana.post(f"/inbox/c/{h}/reply", {"body": "   ", "token": token}).status_code == 400
    long = ana.post(f"/inbox/c/{h}/reply", {"body": "x" * 1601, "token": token})
    assert long.status_code == 400 and "1601" in long.get_data(as_text=True)
    assert ana.post(f"/inbox/c/{h}/reply", {"body": "hola", "token": "nope"}).status_code == 400


def test_sms_reply_is_made_gsm7(twilio_app, web, texter, fake_twilio):
    """Typographic quotes a phone keyboard adds are made plain for SMS; accents are kept."""
    ask_for_person(texter)
    h = pseudonym(twilio_app, texter)
    ana = web("ana")
    ana.post(f"/inbox/c/{h}/claim")
    token = re.search(r'name="token" type="hidden" value="(\w+)"', ana.get(f"/inbox/c/{h}").get_data(as_text=True))[1]
    ana.post(f"/inbox/c/{h}/reply", {"body": "“Sí”, llámenos — está bien", "token": token})
    assert fake_twilio.wait_for(1)[0]["body"] == '"Sí", llámenos - está bien'


def test_polling_answers_304_when_nothing_changed(twilio_app, web, texter):
    """The thread fragment carries an ETag; unchanged, it is a 304; a new message changes it."""
    ask_for_person(texter)
    h = pseudonym(twilio_app, texter)
    ana = web("ana")
    first = ana.client.get(f"/inbox/c/{h}/thread", headers={"X-Requested-With": "fetch"})
    etag = first.headers["ETag"]
    same = ana.client.get(f"/inbox/c/{h}/thread", headers={"If-None-Match": etag})
    assert same.status_code == 304
    texter.send("otra cosa")
    changed = ana.client.get(f"/inbox/c/{h}/thread", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and "otra cosa" in changed.get_data(as_text=True)


def test_a_second_handoff_shows_only_its_own_thread(twilio_app, web, texter):
    """After a close, a new request for a person starts a fresh thread for the volunteer."""
    ask_for_person(texter, last="primer asunto")
    h = pseudonym(twilio_app, texter)
    ana = web("ana")
    ana.post(f"/inbox/c/{h}/claim")
    ana.post(f"/inbox/c/{h}/close")
    conversations = twilio_app.extensions["conversations"]
    conversations.clock = lambda: OPEN_HOURS + datetime.timedelta(minutes=5)
    assert "1. Reclutamiento, cobros" in texter.send("hola")[0]
    texter.send(PERSON)
    texter.send("segundo asunto")
    page = ana.get(f"/inbox/c/{h}").get_data(as_text=True)
    thread = page[page.index('id="thread"'):]
    assert "segundo asunto" in thread and "primer asunto" not in thread
    history = page[page.index('id="history"'):page.index('id="thread"')]  # the earlier one: collapsed, read only
    assert "primer asunto" in history and "<details" in page[page.index('id="history"') - 40:]


def test_unknown_conversation_is_a_404(web):
    """A pseudonym with no handoff, or something that is not a pseudonym, gets a clear 404."""
    ana = web("ana")
    assert ana.get("/inbox/c/AAAAAAAAAAAAAAAA").status_code == 404
    assert ana.get("/inbox/c/not-a-pseudonym!").status_code == 404
    assert ana.post("/inbox/c/AAAAAAAAAAAAAAAA/claim").status_code == 404


def test_page_language_follows_the_volunteer(web):
    """The pages speak the volunteer's language, and the volunteer can change it."""
    ana = web("ana")
    assert "Nadie está esperando" in ana.get("/inbox/").get_data(as_text=True)
    assert ana.post("/language", {"lang": "en", "next": "/inbox/"}).status_code == 302
    assert "Nobody is waiting" in ana.get("/inbox/").get_data(as_text=True)
    assert ana.post("/language", {"lang": "fr"}).status_code == 400


def test_reply_goes_to_the_channel_the_texter_last_used(twilio_app, web, fake_twilio):
    """Asked by SMS, then wrote on WhatsApp from the same number: the reply goes by WhatsApp."""
    sms = Texter(twilio_app.test_client(), "+15055550207")
    ask_for_person(sms)
    Texter(twilio_app.test_client(), "+15055550207", "whatsapp").send("le escribo por WhatsApp")
    h = pseudonym(twilio_app, sms)
    ana = web("ana")
    ana.post(f"/inbox/c/{h}/claim")
    token = re.search(r'name="token" type="hidden" value="(\w+)"', ana.get(f"/inbox/c/{h}").get_data(as_text=True))[1]
    ana.post(f"/inbox/c/{h}/reply", {"body": "hola", "token": token})
    [message] = fake_twilio.wait_for(1)
    assert message["to"] == "whatsapp:+15055550207" and message["from"] == "whatsapp:" + TWILIO_FROM
