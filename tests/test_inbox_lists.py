"""The inbox as a volunteer on a phone reads it: their own conversations first with what is new, the
count of who is waiting in the title, no links they cannot open, a sent template shown as its words."""
import datetime
import re

from conftest import OPEN_HOURS, Texter, ask_for_person


def pseudonym(app, texter):
    """Return a texter's pseudonym."""
    return app.extensions["conversations"].keys.pseudonym(texter.address)


def text_of(response):
    """Return a page's text without tags, whitespace squeezed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


def token_of(page):
    """Return the reply form's one-time token."""
    return re.search(r'name="token" type="hidden" value="(\w+)"', page)[1]


def test_yours_first_with_unread_messages_and_the_last_time(twilio_app, web):
    """Ana's claimed conversation comes before the waiting ones; it shows how many messages the texter
    wrote since her last reply and when the last came, not "waiting for"; a reply clears the count."""
    conversations = twilio_app.extensions["conversations"]
    mine = ask_for_person(Texter(twilio_app.test_client(), "+15055550401"))
    ask_for_person(Texter(twilio_app.test_client(), "+15055550402"))
    h = pseudonym(twilio_app, mine)
    ana = web("ana")
    ana.post(f"/inbox/c/{h}/claim")
    conversations.clock = lambda: OPEN_HOURS + datetime.timedelta(minutes=7)
    mine.send("sigo aquí")
    mine.send("¿me escucha?")
    page = ana.get("/inbox/").get_data(as_text=True)
    assert page.index('id="mine"') < page.index('id="waiting"')
    card = page[page.index('id="mine"'):page.index('id="waiting"')]
    assert "3 mensajes nuevos" in card and "último mensaje recibido" in card and "10:07" in card
    assert "esperando desde" not in card and "waiting" not in card
    ana.post(f"/inbox/c/{h}/reply", {"body": "Sí, la leo.", "token": token_of(ana.get(f"/inbox/c/{h}").get_data(as_text=True))})
    card = ana.get("/inbox/lists").get_data(as_text=True)
    assert "mensajes nuevos" not in card and "mensaje nuevo" not in card
    mine.send("gracias")
    assert "1 mensaje nuevo" in ana.get("/inbox/lists").get_data(as_text=True)


def test_the_title_counts_who_is_waiting(twilio_app, web):
    """The page title says how many are waiting; the polled lists carry the count for the script."""
    ana = web("ana")
    assert "<title>Bandeja" in ana.get("/inbox/").get_data(as_text=True)
    for number in ("+15055550411", "+15055550412"):
        ask_for_person(Texter(twilio_app.test_client(), number))
    assert "<title>(2) Bandeja" in ana.get("/inbox/").get_data(as_text=True)
    assert 'data-waiting="2"' in ana.get("/inbox/lists").get_data(as_text=True)


def test_volunteers_get_no_link_they_cannot_open(twilio_app, web):
    """A conversation with Ben is listed for Ana without a link (it would be a 403); staff get the link."""
    h = pseudonym(twilio_app, ask_for_person(Texter(twilio_app.test_client(), "+15055550421")))
    web("ben").post(f"/inbox/c/{h}/claim")
    others = web("ana").get("/inbox/").get_data(as_text=True)
    others = others[others.index('id="others"'):]
    assert f"/inbox/c/{h}" not in others and "ben@example.org" in others
    staff = web("sam").get("/inbox/").get_data(as_text=True)
    assert f'href="/inbox/c/{h}"' in staff[staff.index('id="others"'):]


def test_a_sent_template_shows_its_words_in_the_thread(twilio_app, web, fake_twilio):
    """Staff give the template's words; after it is sent the thread shows them, not the SID."""
    texter = Texter(twilio_app.test_client(), "+15055550431", "whatsapp")
    ask_for_person(texter)
    h = pseudonym(twilio_app, texter)
    sid = "HX" + "b" * 32
    sam = web("sam")
    sam.get("/admin/")
    words = "Hola, somos la línea de ayuda. Responda a este mensaje para seguir hablando."
    assert sam.post("/admin/settings", {"template_es": sid, "text_es": words, "notify_minutes": "0"}).status_code == 303
    ana = web("ana")
    ana.post(f"/inbox/c/{h}/claim")
    twilio_app.extensions["conversations"].clock = lambda: OPEN_HOURS + datetime.timedelta(hours=25)
    ana.post(f"/inbox/c/{h}/template", {"token": token_of(ana.get(f"/inbox/c/{h}").get_data(as_text=True))})
    fake_twilio.wait_for(1)
    thread = ana.get(f"/inbox/c/{h}/thread").get_data(as_text=True)
    assert words in thread and sid not in thread and "Plantilla de WhatsApp" in thread


def test_the_texter_is_not_called_persona_in_the_thread(twilio_app, web):
    """In Spanish the texter's messages are labelled "quien escribe", not "persona" (a person = volunteer)."""
    h = pseudonym(twilio_app, ask_for_person(Texter(twilio_app.test_client(), "+15055550441")))
    thread = text_of(web("ana").get(f"/inbox/c/{h}/thread"))
    assert "quien escribe ·" in thread and "persona ·" not in thread


def test_the_number_form_is_not_inside_a_paragraph(twilio_app, web):
    """A <form> inside a <p> is split by the browser: the number line is a block that may hold it."""
    h = pseudonym(twilio_app, ask_for_person(Texter(twilio_app.test_client(), "+15055550451")))
    ana = web("ana")
    ana.post(f"/inbox/c/{h}/claim")
    page = ana.get(f"/inbox/c/{h}").get_data(as_text=True)
    assert '<div class="meta" id="number">' in page
    for paragraph in re.findall(r"<p[\s>].*?</p>", page, re.S):
        assert "<form" not in paragraph
