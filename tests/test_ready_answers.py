"""Ready answers (issue 22): the script's texts and directory entries found by words in the page's or the
texter's language, given in the texter's language."""
import html
import re

from bot.conversation.script import load_script
from bot.inbox.answers import search
from conftest import Texter, ask_for_person

SCRIPT = load_script("locales")


def test_words_in_the_page_language_give_the_texters_language():
    """A Spanish-speaking volunteer searching "salarios" for a K'iche' texter gets the K'iche' texts."""
    found = search(SCRIPT, "salarios", "es", "quc")
    assert found and found[0].key == "pay.complaint" or any(a.key == "pay.complaint" for a in found)
    answer = next(a for a in found if a.key == "pay.complaint")
    assert answer.text == SCRIPT.text("pay.complaint", "quc") and answer.shown == SCRIPT.text("pay.complaint", "es")
    assert "1-866-487-9243" in answer.text


def test_words_in_the_texters_language_work_too_and_every_word_must_match():
    assert any(a.key == "pay.complaint" for a in search(SCRIPT, "atojb'al WHD", "en", "quc"))
    assert search(SCRIPT, "salarios xyzzy", "es", "quc") == []
    assert search(SCRIPT, "", "es", "quc") == [] and search(SCRIPT, "a", "es", "quc") == []


def test_directory_entries_come_first_in_the_texters_language():
    found = search(SCRIPT, "CDM", "es", "en")
    assert found[0].key == "dir:cdm" and "855" in found[0].text
    assert all("%(" not in a.text for a in search(SCRIPT, "hora", "es", "es"))  # no unfilled placeholder


def test_the_conversation_page_lists_them_for_the_volunteer_who_holds_it(twilio_app, web, fake_twilio):
    """Ben (K'iche') holds a K'iche' texter's conversation: ?q= lists K'iche' texts to insert; Ana, who
    does not hold it, gets no list."""
    texter = ask_for_person(Texter(twilio_app.test_client(), "+15055550888"), lang="2", last="to'b'anik")
    h = twilio_app.extensions["conversations"].keys.pseudonym(texter.address)
    ben = web("ben")
    assert ben.post(f"/inbox/c/{h}/claim").status_code == 303
    page = html.unescape(ben.get(f"/inbox/c/{h}?q=wage").get_data(as_text=True))
    inserts = re.findall(r'data-insert="([^"]+)"', page)
    assert inserts and SCRIPT.text("pay.complaint", "quc") in inserts
    assert 'lang="quc"' in page
    assert "data-insert" not in web("sam").get(f"/inbox/c/{h}?q=wage").get_data(as_text=True)
