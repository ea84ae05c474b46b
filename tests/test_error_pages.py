"""Every error a person can meet is a page of the site in their language with a way back; the pages'
own background requests, Twilio and API callers get JSON."""
import html
import io

import pytest
import redis

from bot import create_app
from conftest import Texter, WebUser, ask_for_person, claim_together

FETCH = {"X-Requested-With": "fetch"}


@pytest.fixture
def waiting_h(twilio_app):
    """Return the pseudonym of a texter waiting for a person."""
    texter = ask_for_person(Texter(twilio_app.test_client(), "+15055550321"))
    return twilio_app.extensions["conversations"].keys.pseudonym(texter.address)


def text_of(response):
    """Return a page's HTML with entities decoded."""
    return html.unescape(response.get_data(as_text=True))


def assert_site_page(response, status, words, back="/inbox/"):
    """The response is an HTML page of the site (header, log-out form) with words and a way back."""
    page = text_of(response)
    assert response.status_code == status and response.mimetype == "text/html"
    assert '<header class="top">' in page and 'id="error-message"' in page and words in page
    assert f'id="back" href="{back}' in page or f'href="{back}"' in page


def test_unknown_page_in_spanish_with_the_way_back(web):
    """A Spanish volunteer's 404 is a Spanish page of the site with the inbox link."""
    assert_site_page(web("ana").get("/inbox/c/AAAAAAAAAAAAAAAA"), 404, "Volver a la bandeja")


def test_forbidden_page_in_english_for_an_english_volunteer(web):
    """Ben (English pages) opening /admin gets an English 403 page."""
    response = web("ben").get("/admin/")
    assert_site_page(response, 403, "Your account cannot open this page.")


def test_claim_race_names_who_claimed_it_and_leads_back_to_the_inbox(twilio_app, web, waiting_h):
    """Two volunteers claim at once: the loser's page says who has it (in Spanish) and links the inbox."""
    ana, ben = web("ana"), web("ben")
    ben.get("/inbox/")
    ana.get("/inbox/")
    responses = claim_together((ana, ben), waiting_h)
    loser = next(r for r in responses if r.status_code == 409)
    holder = twilio_app.extensions["conversations"].store.handoff(waiting_h)["claimed_by"]
    words = "ya tomó esta conversación" if holder == "ben@example.org" else "has already claimed this conversation"
    assert_site_page(loser, 409, f"{holder} {words}")
    assert 'href="/inbox/"' in text_of(loser)


def test_a_late_claim_without_a_race_shows_the_same_page(twilio_app, web, waiting_h):
    """Claiming what someone else took a minute ago: 409, their name, the inbox link; never werkzeug's page."""
    web("ben").post(f"/inbox/c/{waiting_h}/claim")
    response = web("ana").post(f"/inbox/c/{waiting_h}/claim")
    assert_site_page(response, 409, "ben@example.org ya tomó esta conversación.")
    assert "Conflict" not in text_of(response)


def test_background_requests_still_get_json(web, waiting_h):
    """The page's polling gets JSON errors, not pages."""
    response = web("ana").client.get("/inbox/c/AAAAAAAAAAAAAAAA/thread", headers=FETCH)
    assert response.status_code == 404 and response.is_json and response.json["error"]


def test_oversized_po_file_is_a_page_in_the_staff_language(web):
    """Over 5 MB: the files page again, in the staff member's language, saying the limit."""
    from bot.staff.po import MAX_FILE
    sam = web("sam")
    sam.get("/admin/script/files")
    big = {"lang": "en", "file": (io.BytesIO(b"#" * (MAX_FILE + 200 * 1024)), "big.po")}
    response = sam.post("/admin/script/files", data=big)
    page = text_of(response)
    assert response.status_code == 413 and "at most 5 MB" in page and 'id="upload-form"' in page
    assert "request body too large" not in page


def test_oversized_form_elsewhere_is_a_page(web):
    """A too-large form on a page: a page in the person's language (the webhook's 413 is tested there)."""
    ana = web("ana")
    ana.get("/inbox/")
    response = ana.post("/language", {"lang": "es", "next": "x" * 200_000})
    assert_site_page(response, 413, "demasiado grande")


def test_too_many_logins_is_the_login_page(web):
    """429 after too many failures is the login page itself, with the wait in words."""
    user = web()
    for _ in range(5):
        user.post("/login", {"email": "ana@example.org", "password": "wrong password!"})
    response = user.post("/login", {"email": "ana@example.org", "password": "wrong password!"})
    assert response.status_code == 429 and 'id="password"' in text_of(response)


@pytest.fixture
def broken_app(settings):
    """Return an app with a page that fails (500) and one whose Redis is gone (503)."""
    app = create_app(settings)
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.get("/boom")
    def boom():
        raise RuntimeError("a bug")

    @app.get("/down")
    def down():
        raise redis.ConnectionError("gone")
    return app


def test_500_is_a_page_with_a_way_back_and_no_details(broken_app):
    """A bug: a page in the browser's language, no traceback, a way back; JSON for background requests."""
    client = broken_app.test_client()
    response = client.get("/boom", headers={"Accept-Language": "es"})
    page = text_of(response)
    assert response.status_code == 500 and "Algo salió mal" in page and "a bug" not in page
    assert 'href="/login"' in page
    assert client.get("/boom", headers=FETCH).is_json


def test_503_when_the_database_is_down(broken_app):
    """Redis gone: a page saying to try again, in the browser's language."""
    response = broken_app.test_client().get("/down", headers={"Accept-Language": "en"})
    assert response.status_code == 503 and "The database is not answering" in text_of(response)


def test_405_and_400_are_pages(web):
    """Wrong method and a form without CSRF: pages with a way back, not werkzeug's."""
    ana = web("ana")
    assert_site_page(ana.client.get("/logout"), 405, "Esta página no acepta")
    assert_site_page(ana.post("/logout", {"csrf_token": "nope"}, csrf=False), 400, "caducó")


def test_json_callers_get_json(twilio_app):
    """An API caller asking for JSON gets JSON, even for a page URL."""
    response = twilio_app.test_client().get("/nowhere", headers={"Accept": "application/json"})
    assert response.status_code == 404 and response.is_json


def test_back_link_is_the_previous_page_of_this_site_only(web):
    """The way back is the referring page when it is on this site, never another site."""
    ana = web("ana")
    own = ana.client.get("/inbox/nowhere", headers={"Referer": "http://localhost/inbox/"})
    assert 'id="back" href="http://localhost/inbox/"' in text_of(own)
    other = ana.client.get("/inbox/nowhere", headers={"Referer": "https://evil.example/"})
    assert "evil.example" not in text_of(other)
    anonymous = WebUser(ana.app).client.get("/nowhere")
    assert 'href="/login"' in text_of(anonymous)
