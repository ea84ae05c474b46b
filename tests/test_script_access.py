"""Who may open the script's pages (every route, every role), CSRF refusals, and bad input: a clear 4xx."""
import io

import pytest

from conftest import PASSWORD

ENTRY = {"name": "Legal Aid Test", "phone_number": ["1-800-321-6742", ""], "phone_kind": ["call", "call"],
         "phone_from": ["US", "US"], "topics": ["general"], "serves": "US-NC", "languages": "es, en",
         "checked": "2026-11-01", "source": "test"}
HOURS = {"timezone": "America/Chicago", "mon": "09:00-17:00"}


def po_file(app, lang="en"):
    """Return a translator's file of lang as exported now (a valid upload)."""
    return app.extensions["scripts"].export_po(lang)


# (method, path, form, expected for anonymous, volunteer, staff). The staff member finds a published
# version 2 and a draft (see `draft`); 30x are checked for where they lead.
ROUTES = [
    ("GET", "/admin/script/", None, "200"),
    ("GET", "/admin/script/text/main.intro", None, "200"),
    ("POST", "/admin/script/text/main.intro/en", {"text": "Main menu (edited)."}, "303 /admin/script/text/main.intro"),
    ("POST", "/admin/script/text/kw.menu/en", {"text": "menu, home"}, "303 /admin/script/text/kw.menu"),
    ("POST", "/admin/script/text/main.intro/quc/review", {"reviewed": "1"}, "303 /admin/script/text/main.intro"),
    ("POST", "/admin/script/text/main.intro/es/comment", {"comment": "fact sheet row 1"}, "303 /admin/script/text/"),
    ("GET", "/admin/script/directory", None, "200"),
    ("GET", "/admin/script/directory/new", None, "200"),
    ("POST", "/admin/script/directory/new", {**ENTRY, "id": "legal_aid_test"}, "303 /admin/script/directory/legal_aid_test"),
    ("GET", "/admin/script/directory/cdm", None, "200"),
    ("POST", "/admin/script/directory/cdm", {**ENTRY, "name": "CDM"}, "303 /admin/script/directory/cdm"),
    ("POST", "/admin/script/directory/osha/remove", {}, "303 /admin/script/directory"),
    ("GET", "/admin/script/hours", None, "200"),
    ("POST", "/admin/script/hours", HOURS, "303 /admin/script/hours"),
    ("GET", "/admin/script/publish", None, "200"),
    ("POST", "/admin/script/publish", {"note": "test", "expected_head": "2"}, "303 /admin/script/history"),
    ("POST", "/admin/script/draft/discard", {}, "303 /admin/script/"),
    ("GET", "/admin/script/history", None, "200"),
    ("POST", "/admin/script/history/1/restore", {"note": "back"}, "303 /admin/script/history"),
    ("GET", "/admin/script/files", None, "200"),
    ("GET", "/admin/script/files/quc.po", None, "200"),
    ("GET", "/admin/script/files/en.po?version=published", None, "200"),
    ("POST", "/admin/script/files", "upload", "200"),
    ("GET", "/admin/script/simulator/", None, "200"),
    ("GET", "/admin/script/simulator/?version=1", None, "200"),
    ("POST", "/admin/script/simulator/", {"action": "start", "version": "draft", "lang": "es", "channel": "sms"}, "200"),
]
ROLES = {"anonymous": None, "volunteer": "ana", "staff": "sam"}


@pytest.fixture
def draft(twilio_app):
    """Publish a version 2, then leave a draft with one change on top of it."""
    scripts = twilio_app.extensions["scripts"]
    scripts.set_text("main.intro", "en", "Main menu, version two.", by="sam@example.org")
    scripts.publish("sam@example.org", "version two")
    scripts.set_text("main.intro", "es", "Menú principal, en el borrador.", by="sam@example.org")
    return scripts


def form_of(app, form):
    """Return the form to send (a fresh upload for "upload")."""
    if form == "upload":
        return {"lang": "en", "file": (io.BytesIO(po_file(app)), "en.po")}
    return form


def check(response, expected, role):
    """Assert a response has the expected status (and, for redirects, where it leads)."""
    status, _, target = expected.partition(" ")
    assert response.status_code == int(status), (role, response.get_data(as_text=True)[:800])
    if target:
        assert response.location.startswith(target), (role, response.location)


@pytest.mark.parametrize("method, path, form, staff", ROUTES, ids=[f"{r[0]} {r[1]} {r[3]}" for r in ROUTES])
def test_every_route_for_every_role(twilio_app, web, draft, method, path, form, staff):
    """Anonymous visitors go to /login and volunteers get 403, changing nothing; staff get the page or
    their change."""
    for role, expected in (("anonymous", "302 /login"), ("volunteer", "403"), ("staff", staff)):
        user = web(ROLES[role])
        if role == "anonymous":
            user.get("/login")
        response = user.get(path) if method == "GET" else user.post(path, form_of(twilio_app, form))
        check(response, expected, role)
        if role != "staff":
            assert [c.where for c in draft.diff()] == ["text[main.intro].es"], role
            assert [v.number for v in draft.history()] == [2, 1], role


def test_staff_pages_are_private_and_framed_by_the_csp(web, draft):
    """Script pages stay out of caches and carry the strict CSP (no inline code)."""
    response = web("sam").get("/admin/script/")
    assert response.headers["Cache-Control"] == "no-store"
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    page = response.get_data(as_text=True)
    assert "<script>" not in page and " style=" not in page and " onclick" not in page


POSTS = [(r[1], r[2]) for r in ROUTES if r[0] == "POST"]


@pytest.mark.parametrize("path, form", POSTS, ids=[p[0] for p in POSTS])
def test_csrf_refusals(twilio_app, web, draft, path, form):
    """Every form POST without a valid CSRF token is refused with 400 and changes nothing, whoever sends it."""
    before = draft.draft().rev
    for role in ROLES:
        user = web(ROLES[role])
        for token in (None, "forged-token"):
            data = dict(form_of(twilio_app, form))
            if token:
                data["csrf_token"] = token
            response = user.post(path, data, csrf=False)
            assert response.status_code == 400, (role, token)
    assert draft.draft().rev == before and [v.number for v in draft.history()] == [2, 1]


def test_csrf_token_of_another_session_is_refused(web, draft):
    """A staff member's token does not work in someone else's session."""
    sam, other = web("sam"), web("sam")
    response = other.post("/admin/script/hours", {**HOURS, "csrf_token": sam.csrf + "x"}, csrf=False)
    assert response.status_code == 400


BIG = "x" * 1601
# (method, path, form, status, words the answer must hold)
BAD = [
    ("GET", "/admin/script/text/no.such.text", None, 404, ""),
    ("POST", "/admin/script/text/no.such.text/en", {"text": "x"}, 404, ""),
    ("POST", "/admin/script/text/main.intro/fr", {"text": "Bonjour"}, 404, ""),
    ("POST", "/admin/script/text/main.intro/en", {}, 400, ""),
    ("POST", "/admin/script/text/main.intro/en", {"text": BIG}, 400, "text too long"),
    ("POST", "/admin/script/text/main.intro/en", {"text": "New", "was": "not what it says"}, 409, "meanwhile"),
    ("POST", "/admin/script/text/kw.menu/en", {"text": "menu, !!!"}, 400, "has no letters or digits"),
    ("POST", "/admin/script/text/kw.menu/en", {"text": "menu, " + "m" * 61}, 400, "keyword too long"),
    ("POST", "/admin/script/text/main.intro/quc/review", {"reviewed": "maybe"}, 400, ""),
    ("POST", "/admin/script/text/no.such.text/quc/review", {"reviewed": "1"}, 404, ""),
    ("POST", "/admin/script/text/main.intro/quc/comment", {}, 400, ""),
    ("POST", "/admin/script/text/main.intro/quc/comment", {"comment": "c" * 2001}, 400, "text too long"),
    ("GET", "/admin/script/directory/no_such_entry", None, 404, ""),
    ("POST", "/admin/script/directory/no_such_entry", ENTRY, 404, ""),
    ("POST", "/admin/script/directory/no_such_entry/remove", {}, 404, ""),
    ("POST", "/admin/script/directory/new", {**ENTRY, "id": "Bad Id"}, 400, "id: use lower-case"),
    ("POST", "/admin/script/directory/new", {**ENTRY, "id": ""}, 400, "id: use lower-case"),
    ("POST", "/admin/script/directory/new", {**ENTRY, "id": "cdm"}, 409, "exists already"),
    ("POST", "/admin/script/directory/cdm", {**ENTRY, "name": ""}, 400, "name"),
    ("POST", "/admin/script/directory/cdm", {**ENTRY, "phone_kind": ["fax", "call"]}, 400, "phones[1].kind"),
    ("POST", "/admin/script/directory/cdm", {**ENTRY, "phone_from": ["CA", "US"]}, 400, "phones[1].from"),
    ("POST", "/admin/script/directory/cdm", {**ENTRY, "phone_number": ["1" * 41, ""]}, 400, "at most 40"),
    ("POST", "/admin/script/directory/cdm", {**ENTRY, "serves": "Narnia"}, 400, "unknown place"),
    ("POST", "/admin/script/directory/cdm", {**ENTRY, "checked": "last week"}, 400, "not a date"),
    ("POST", "/admin/script/hours", {**HOURS, "timezone": "Mars/Olympus"}, 400, "unknown time zone"),
    ("POST", "/admin/script/hours", {**HOURS, "timezone": "../../etc/passwd"}, 400, "unknown time zone"),
    ("POST", "/admin/script/hours", {**HOURS, "timezone": "x" * 5000}, 400, "unknown time zone"),
    ("POST", "/admin/script/hours", {**HOURS, "mon": "9 to 5"}, 400, "is not a time range like 09:00-17:00"),
    ("POST", "/admin/script/hours", {**HOURS, "mon": "17:00-09:00"}, 400, "ends before it starts"),
    ("POST", "/admin/script/publish", {"note": ""}, 400, "a note is needed"),
    ("POST", "/admin/script/publish", {"note": "n" * 501}, 400, "too long"),
    ("POST", "/admin/script/publish", {"note": "x", "expected_head": "1"}, 409, "published since you looked"),
    ("POST", "/admin/script/publish", {"note": "x", "expected_head": "two"}, 400, ""),
    ("GET", "/admin/script/history?page=two", None, 400, ""),
    ("GET", "/admin/script/history?page=0", None, 400, ""),
    ("GET", "/admin/script/history?page=99", None, 404, ""),
    ("POST", "/admin/script/history/99/restore", {}, 404, ""),
    ("POST", "/admin/script/history/2/restore", {}, 400, "is what is published now"),
    ("POST", "/admin/script/history/1/restore", {"note": "n" * 501}, 400, "too long"),
    ("GET", "/admin/script/files/fr.po", None, 404, ""),
    ("POST", "/admin/script/files", {"lang": "fr"}, 400, "language"),
    ("POST", "/admin/script/files", {"lang": "en"}, 400, "PO file"),
    ("POST", "/admin/script/files", {"lang": "en", "file": (io.BytesIO(b"\xff\xfe garbage"), "x.po")}, 400, "not UTF-8 text"),
    ("POST", "/admin/script/files", {"lang": "en", "file": (io.BytesIO(b""), "x.po")}, 400, ""),
    ("POST", "/admin/script/simulator/", {}, 400, ""),
    ("POST", "/admin/script/simulator/", {"action": "dance"}, 400, ""),
    ("POST", "/admin/script/simulator/", {"action": "start", "version": "99"}, 404, ""),
    ("POST", "/admin/script/simulator/", {"action": "start", "version": "latest"}, 400, "unknown version"),
    ("POST", "/admin/script/simulator/", {"action": "start", "lang": "fr"}, 400, "unknown language"),
    ("POST", "/admin/script/simulator/", {"action": "start", "channel": "fax"}, 400, "unknown channel"),
    ("POST", "/admin/script/simulator/", {"action": "send", "body": "hola"}, 400, "no simulator conversation"),
    ("POST", "/admin/script/simulator/", {"action": "send", "token": "abc.def", "body": "hola"}, 400, "not made here"),
    ("GET", "/admin/script/simulator/?version=latest", None, 400, "unknown version"),
]


@pytest.mark.parametrize("method, path, form, status, words", BAD, ids=[f"{b[0]} {b[1]} {b[3]}" for b in BAD])
def test_bad_input_gets_a_clear_4xx(twilio_app, web, draft, method, path, form, status, words):
    """Every bad request is answered with a 4xx that says what is wrong; nothing is changed."""
    sam = web("sam")
    rev = draft.draft().rev
    response = sam.get(path) if method == "GET" else sam.post(path, form_of(twilio_app, form))
    assert response.status_code == status, response.get_data(as_text=True)[:800]
    assert words.lower() in response.get_data(as_text=True).lower()  # the page starts sentences with a capital
    assert draft.draft().rev == rev and [v.number for v in draft.history()] == [2, 1]


def test_wrong_language_po_file_is_refused(twilio_app, web, draft):
    """A K'iche' file uploaded as English is refused, saying which language the file is for."""
    response = web("sam").post("/admin/script/files", {"lang": "en", "file": (io.BytesIO(po_file(twilio_app, "quc")),
                                                                             "quc.po")})
    assert response.status_code == 400 and "This file is for K&#39;iche&#39;, not English" in response.get_data(as_text=True)


def test_oversized_upload_is_refused_before_it_is_read(twilio_app, web, draft):
    """A file over the PO limit gets 413; a webhook-sized limit does not stop an ordinary PO file."""
    from bot.staff.po import MAX_FILE
    sam = web("sam")
    big = {"lang": "en", "file": (io.BytesIO(b"#" * (MAX_FILE + 200 * 1024)), "big.po")}
    assert sam.post("/admin/script/files", big).status_code == 413
    assert len(po_file(twilio_app)) > twilio_app.config["MAX_CONTENT_LENGTH"] // 4  # a real file is not tiny
    padded = po_file(twilio_app) + b"\n" + b"# padding\n" * 8000  # past the 64 KB webhook limit
    response = sam.post("/admin/script/files", {"lang": "en", "file": (io.BytesIO(padded), "en.po")})
    assert response.status_code == 200


def test_publishing_a_draft_with_errors_is_refused_with_what_and_where(twilio_app, web, draft):
    """An unparseable phone number: 422, the error named with its place and a link to fix it."""
    sam = web("sam")
    sam.post("/admin/script/directory/cdm", {**ENTRY, "name": "CDM", "phone_number": ["1-855-234-969", ""]})
    response = sam.post("/admin/script/publish", {"note": "new number", "expected_head": "2"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Directory: cdm, phone 1" in page and "is not a phone number" in page
    assert 'href="/admin/script/directory/cdm"' in page
    assert [v.number for v in draft.history()] == [2, 1]


def test_a_disabled_staff_account_is_logged_out(twilio_app, web, draft):
    """Disabling staff ends their session on the script pages too."""
    sam = web("sam")
    accounts = twilio_app.extensions["accounts"]
    accounts.add("kim@example.org", "staff", PASSWORD)
    accounts.update(accounts.get("sam@example.org"), disabled=True)
    assert sam.get("/admin/script/").status_code == 302
