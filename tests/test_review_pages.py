"""The native reviewer's pages (issue 20): who may open them, approve, correct, comment, the counts."""
import pytest

from bot.staff.service import DRAFT
from conftest import PASSWORD, WebUser

RITA = "rita@example.org"


@pytest.fixture
def rita(twilio_app, people):
    """Return a logged-in K'iche' reviewer."""
    twilio_app.extensions["accounts"].add(RITA, "reviewer", PASSWORD, langs=["quc", "es"], ui_lang="en")
    user = WebUser(twilio_app)
    assert user.login(RITA).location.endswith("/review/")  # a reviewer lands on the review page
    return user


def quc(app, tid):
    """Return the draft's K'iche' entry of a text."""
    return app.extensions["scripts"].script(DRAFT).catalogs["quc"][tid]


@pytest.mark.parametrize("path", ["/inbox/", "/admin/", "/admin/script/", "/admin/reports", "/admin/jobs"])
def test_a_reviewer_sees_no_conversation_and_no_admin_page(rita, path):
    """Texters' conversations and the staff's pages stay closed to a reviewer."""
    assert rita.get(path).status_code == 403


def test_who_may_open_the_review_page(web, rita):
    """Reviewers and staff see it; volunteers get 403; anonymous visitors go to /login."""
    assert rita.get("/review/").status_code == 200
    assert web("sam").get("/review/").status_code == 200
    assert web("ana").get("/review/").status_code == 403
    assert web(None).get("/review/").status_code == 302


def test_approve_correct_and_comment(twilio_app, rita):
    """Approve drops needs-review; a correction is saved as reviewed; a comment is kept as a note."""
    page = rita.get("/review/").get_data(as_text=True)
    assert "Reviewed 0 of" in page and "main.intro" in page and "Pick a number" in page
    assert rita.post("/review/main.intro/approve", {}).status_code == 303
    assert not quc(twilio_app, "main.intro").needs_review
    assert "Reviewed 1 of" in rita.get("/review/").get_data(as_text=True)
    was = quc(twilio_app, "opt.back").text
    assert rita.post("/review/opt.back/edit", {"text": "Tzalij pa ri cholb'al", "was": was}).status_code == 303
    entry = quc(twilio_app, "opt.back")
    assert entry.text == "Tzalij pa ri cholb'al" and not entry.needs_review
    assert rita.post("/review/opt.person/comment", {"note": "  utz   wa'  "}).status_code == 303
    assert quc(twilio_app, "opt.person").notes[-1] == f"{RITA}: utz wa'"
    assert quc(twilio_app, "opt.person").needs_review
    drafts = twilio_app.extensions["scripts"].draft()
    assert drafts.updated_by == RITA


@pytest.mark.parametrize("path, form, says", [
    ("/review/no.such.text/approve", {}, "text &#39;no.such.text&#39; to review"),
    ("/review/opt.person/comment", {"note": "   "}, "write a comment first"),
    ("/review/opt.person/edit", {"text": "  "}, "Write the text first."),
    ("/review/opt.person/edit", {"text": "X", "was": "not what the draft holds"}, "changed"),
])
def test_bad_input_is_refused_with_a_sentence(twilio_app, rita, path, form, says):
    """Unknown texts, empty comments and corrections, a text changed meanwhile: refused, said, nothing lost."""
    before = quc(twilio_app, "opt.person")
    response = rita.post(path, form)  # the page the refusal's redirect leads to (post, redirect, get)
    assert response.posted.status_code == 303 and response.status_code in (400, 404, 409)
    assert says.lower() in response.get_data(as_text=True).lower()
    assert quc(twilio_app, "opt.person") == before


def test_a_refused_correction_is_said_in_the_pages_language_and_kept(twilio_app, rita):
    """A correction holding a right-to-left override, and one too long: the sentence in Spanish (the reviewer's
    pages), starting with a capital, at that text, and what she typed is back in its box; English after a
    change of the page language."""
    accounts = twilio_app.extensions["accounts"]
    accounts.update(accounts.get(RITA), ui_lang="es")
    typed = "Tzalij\u202e pa ri cholb'al"
    page = rita.post("/review/opt.back/edit", {"text": typed, "was": quc(twilio_app, "opt.back").text})
    assert page.posted.status_code == 303 and page.posted.location.endswith("#t-opt.back")
    html = page.get_data(as_text=True)
    error = html[html.index('id="error"'):].split("</p>")[0]
    assert page.status_code == 400 and "contiene un carácter invisible que no se permite: U+202E" in error, error
    assert "holds an invisible" not in html and html.index('id="error"') > html.index('id="t-opt.back"')
    assert typed.replace("'", "&#39;") in html.split('id="quc-opt.back"')[1].split("</textarea>")[0]
    switched = rita.post("/language", {"lang": "en", "next": "/review/?show=waiting"})
    assert "holds an invisible character that is not allowed" in rita.get(switched.location).get_data(as_text=True)
    rita.post("/language", {"lang": "es", "next": "/review/"})
    page = rita.post("/review/opt.back/edit", {"text": "x" * 1700, "was": quc(twilio_app, "opt.back").text})
    assert "El texto es demasiado largo: 1700 caracteres" in page.get_data(as_text=True)


def test_edit_without_a_text_is_a_bad_request(rita):
    """A form without its text field is a 400, not a 500."""
    assert rita.post("/review/opt.person/edit", {}).status_code == 400


def test_script_pages_show_the_review_count(twilio_app, web, rita):
    """Staff see "reviewed n of N" on the script pages, and it follows the reviewer's approvals."""
    sam = web("sam")
    assert "reviewed by a native speaker: 0 of" in sam.get("/admin/script/").get_data(as_text=True)
    rita.post("/review/main.intro/approve", {})
    assert "reviewed by a native speaker: 1 of" in sam.get("/admin/script/").get_data(as_text=True)
