"""Who may open what: every route for anonymous visitors, volunteers and staff; CSRF; double claims."""
import concurrent.futures
import threading

import pytest

from bot import create_app
from conftest import PASSWORD, Texter, WebUser, ask_for_person, claim_together

H = "{h}"  # replaced by a waiting texter's pseudonym

# (method, path, expected status for anonymous, volunteer, staff). POSTs carry a valid CSRF token here;
# 30x are checked for where they lead; a refusal is a 303 to a page with its status (tests' WebUser follows it).
ROUTES = [
    ("GET", "/", "302 /inbox/", "302 /inbox/", "302 /inbox/"),
    ("GET", "/login", "200", "302 /inbox/", "302 /inbox/"),
    ("GET", "/inbox/", "302 /login", "200", "200"),
    ("GET", "/inbox/lists", "302 /login", "200", "200"),
    ("GET", f"/inbox/c/{H}", "302 /login", "200", "200"),
    ("GET", f"/inbox/c/{H}/thread", "302 /login", "200", "200"),
    ("POST", f"/inbox/c/{H}/reveal", "302 /login", "409", "303 /inbox/c/"),
    ("POST", f"/inbox/c/{H}/reply", "302 /login", "409", "409"),
    ("POST", f"/inbox/c/{H}/template", "302 /login", "409", "409"),
    ("POST", f"/inbox/c/{H}/release", "302 /login", "409", "409"),
    ("POST", f"/inbox/c/{H}/claim", "302 /login", "303 /inbox/c/", "303 /inbox/c/"),
    ("POST", f"/inbox/c/{H}/close", "302 /login", "409", "303 /inbox/"),
    ("GET", "/admin/", "302 /login", "403", "200"),
    ("POST", "/admin/settings", "302 /login", "403", "303 /admin/"),
    ("POST", "/admin/accounts", "302 /login", "403", "400"),
    ("POST", "/language", "302 /login", "302 /login", "302 /login"),
    ("POST", "/logout", "302 /login", "302 /login", "302 /login"),
    ("GET", "/healthz", "200", "200", "200"),
    ("GET", "/static/app.js", "200", "200", "200"),
]
ROLES = {"anonymous": None, "volunteer": "ana", "staff": "sam"}


def _check(response, expected):
    """Assert a response has the expected status (and, for redirects, where it leads)."""
    status, _, target = expected.partition(" ")
    assert response.status_code == int(status), response.get_data(as_text=True)[:500]
    if target:
        assert response.location.startswith(target), response.location


@pytest.fixture
def waiting_h(twilio_app):
    """Return the pseudonym of a texter waiting for a person."""
    texter = ask_for_person(Texter(twilio_app.test_client(), "+15055550301"))
    return twilio_app.extensions["conversations"].keys.pseudonym(texter.address)


@pytest.mark.parametrize("role", list(ROLES))
@pytest.mark.parametrize("method, path, anonymous, volunteer, staff", ROUTES,
                         ids=[f"{r[0]} {r[1]}" for r in ROUTES])
def test_every_route_for_every_role(web, waiting_h, role, method, path, anonymous, volunteer, staff):
    """Anonymous visitors go to /login, volunteers get 403 on /admin, staff get everything."""
    user = web(ROLES[role])
    path = path.replace(H, waiting_h)
    response = user.get(path) if method == "GET" else user.post(path, {"lang": "es"})
    _check(response, {"anonymous": anonymous, "volunteer": volunteer, "staff": staff}[role])


def test_background_requests_of_a_logged_out_page_get_401(web, waiting_h):
    """A page polling after its session ended gets 401 (not the login page as HTML)."""
    response = web().client.get("/inbox/lists", headers={"X-Requested-With": "fetch"})
    assert response.status_code == 401 and "error" in response.get_json()


POSTS = sorted({r[1] for r in ROUTES if r[0] == "POST"} | {"/login", "/dev/chat"})


@pytest.mark.parametrize("role", list(ROLES))
@pytest.mark.parametrize("path", POSTS)
@pytest.mark.parametrize("token", [None, "forged-token"])
def test_csrf_refusals(web, waiting_h, twilio_app, role, path, token):
    """Every form POST without a valid CSRF token is refused with 400 and changes nothing."""
    user = web(ROLES[role])
    data = {"body": "hola", "email": "ana@example.org", "password": PASSWORD, "lang": "en"}
    if token:
        data["csrf_token"] = token
    response = user.post(path.replace(H, waiting_h), data, csrf=False)
    assert response.status_code == 400
    assert twilio_app.extensions["conversations"].store.handoff(waiting_h)["status"] == "waiting"


def test_csrf_token_of_another_session_is_refused(web, waiting_h):
    """A token taken from someone else's session does not work in this one."""
    ana, sam = web("ana"), web("sam")
    response = ana.post(f"/inbox/c/{waiting_h}/claim", {"csrf_token": sam.csrf}, csrf=False)
    assert response.status_code == 400


def test_concurrent_double_claim(twilio_app, web, waiting_h):
    """Two volunteers claim at the same instant: one gets it, the other a clear message; no mix-up."""
    ana, ben = web("ana"), web("ben")
    responses = claim_together((ana, ben), waiting_h)
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [303, 409]
    loser = next(r for r in responses if r.status_code == 409).get_data(as_text=True)
    holder = twilio_app.extensions["conversations"].store.handoff(waiting_h)["claimed_by"]
    assert holder in loser and ("ya tomó" in loser or "already claimed" in loser)
    claims = [e for e in twilio_app.extensions["accounts"].store.audit_log() if e["action"] == "claim"]
    assert len(claims) == 1 and claims[0]["who"] == holder


def test_many_concurrent_claims_at_the_store(twilio_app, waiting_h):
    """Twenty claims at once through the store: exactly one succeeds."""
    store = twilio_app.extensions["conversations"].store
    barrier = threading.Barrier(20)

    def claim(i):
        barrier.wait()
        return store.claim(waiting_h, f"v{i}@example.org", 1.0)[0]

    with concurrent.futures.ThreadPoolExecutor(20) as pool:
        outcomes = list(pool.map(claim, range(20)))
    assert outcomes.count("claimed") == 1 and outcomes.count("taken") == 19
    assert waiting_h not in store.waiting() and store.claimed() == [waiting_h]


def test_login_is_rate_limited_per_account(web):
    """Five wrong passwords for one account: the sixth attempt, even the right one, waits."""
    user = web()
    for _ in range(5):
        assert user.post("/login", {"email": "ana@example.org", "password": "wrong password!"}).status_code == 401
    blocked = user.post("/login", {"email": "ana@example.org", "password": PASSWORD})
    assert blocked.status_code == 429 and "Inténtelo otra vez en 15 minutos" in blocked.get_data(as_text=True)
    assert web().post("/login", {"email": "sam@example.org", "password": PASSWORD}).status_code == 302


def test_login_is_rate_limited_per_address(web):
    """Twenty failures from one address, over many accounts, block that address."""
    user = web()
    for i in range(20):
        user.post("/login", {"email": f"nobody{i}@example.org", "password": "wrong password!"})
    assert user.post("/login", {"email": "sam@example.org", "password": PASSWORD}).status_code == 429
    other = WebUser(user.app)
    other.get("/login", environ_base={"REMOTE_ADDR": "10.9.8.7"})
    response = other.post("/login", {"email": "sam@example.org", "password": PASSWORD},
                          environ_base={"REMOTE_ADDR": "10.9.8.7"})
    assert response.status_code == 302


def test_disabled_account_is_logged_out_and_cannot_log_in(twilio_app, web):
    """Disabling an account ends its sessions at the next request and refuses its logins."""
    ana = web("ana")
    accounts = twilio_app.extensions["accounts"]
    accounts.update(accounts.get("ana@example.org"), disabled=True)
    assert ana.get("/inbox/").status_code == 302
    assert web().post("/login", {"email": "ana@example.org", "password": PASSWORD}).status_code == 401


def test_no_open_redirect_after_login(web):
    """next= may only lead to a page of this site."""
    user = web()
    response = user.post("/login", {"email": "ana@example.org", "password": PASSWORD,
                                    "next": "//evil.example/inbox"})
    assert response.status_code == 302 and response.location == "/inbox/"
    user = web()
    response = user.post("/login", {"email": "ana@example.org", "password": PASSWORD, "next": "/admin/"})
    assert response.location == "/admin/"


def test_security_headers(web, waiting_h):
    """Pages send nosniff, a CSP without inline code, refuse framing and stay out of caches."""
    for user in (web(), web("ana")):
        response = user.get("/login") if user.csrf is None else user.get(f"/inbox/c/{waiting_h}")
        headers = response.headers
        assert headers["X-Content-Type-Options"] == "nosniff" and headers["X-Frame-Options"] == "DENY"
        csp = headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert web("ana").get("/inbox/").headers["Cache-Control"] == "no-store"


def test_session_cookie_flags(settings):
    """The session cookie is HttpOnly and SameSite=Lax everywhere, and Secure in production."""
    for env, secure in (("development", False), ("production", True)):
        app = create_app({**settings, "APP_ENV": env})
        app.extensions["accounts"].add(f"{env}@example.org", "volunteer", PASSWORD)
        user = WebUser(app)
        user.get("/login")
        response = user.post("/login", {"email": f"{env}@example.org", "password": PASSWORD})
        cookie = response.headers["Set-Cookie"]
        assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and ("Secure" in cookie) == secure


def test_passwords_are_argon2id(twilio_app, people):
    """Stored passwords are Argon2id hashes, never the password; the app's cost is RFC 9106's."""
    from bot.web.accounts import DEFAULT_HASHER
    record = twilio_app.extensions["accounts"].store.user(people["ana"])
    assert record["password"].startswith("$argon2id$") and PASSWORD not in str(record)
    assert DEFAULT_HASHER.memory_cost >= 65536 and DEFAULT_HASHER.time_cost >= 3


def test_pages_without_redis_say_so(settings):
    """Redis unreachable: the login page still loads, and logging in gets a clear 503, not a 500."""
    app = create_app({**settings, "REDIS_URL": "redis://127.0.0.1:1/0", "REDIS_TIMEOUT": "0.3"})
    user = WebUser(app)
    assert user.get("/login").status_code == 200
    response = user.post("/login", {"email": "ana@example.org", "password": PASSWORD})
    assert response.status_code == 503 and "base de datos" in response.get_data(as_text=True)


def test_logged_in_pages_when_redis_goes_away(twilio_app, web, redis_url):
    """A volunteer's pages answer 503 with a clear sentence when Redis stops answering mid-session."""
    import redis as redis_lib
    ana = web("ana")
    store = twilio_app.extensions["conversations"].store
    working = store.redis
    store.redis = redis_lib.Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.3)
    try:
        for path in ("/inbox/", "/inbox/lists", "/admin/"):
            response = ana.client.get(path)
            assert response.status_code == 503, path
        assert "base de datos" in ana.client.get("/inbox/lists", headers={"X-Requested-With": "fetch"}).get_json()["error"]
    finally:
        store.redis = working
    assert ana.get("/inbox/").status_code == 200
