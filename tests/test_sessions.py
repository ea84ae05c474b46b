"""Sessions end for real: logout, disabling, a new password or role, or staff ending them kill every
cookie of the account, copies included; failed logins are limited per account and address, and audited."""
import pytest

from bot import create_app
from conftest import PASSWORD, Texter, WebUser, ask_for_person


@pytest.fixture
def waiting_h(twilio_app):
    """Return the pseudonym of a texter waiting for a person."""
    texter = ask_for_person(Texter(twilio_app.test_client(), "+15055550311"))
    return twilio_app.extensions["conversations"].keys.pseudonym(texter.address)


def copy_of(user):
    """Return another client holding a copy of user's session cookie (as a thief would)."""
    thief = WebUser(user.app)
    cookie = user.client.get_cookie("session")
    thief.client.set_cookie("session", cookie.value, domain=cookie.domain)
    return thief


def logged_in(user):
    """Return True when the inbox opens (not a redirect to /login)."""
    return user.get("/inbox/").status_code == 200


def test_logout_ends_a_copied_cookie_too(web, waiting_h):
    """After logout, a copy of the cookie taken before cannot open the inbox, claim or release."""
    ana = web("ana")
    thief = copy_of(ana)
    assert logged_in(thief)
    assert ana.post("/logout").status_code == 302
    assert not logged_in(thief)
    assert thief.post(f"/inbox/c/{waiting_h}/claim").status_code in (302, 400)
    assert thief.client.get(f"/inbox/c/{waiting_h}/thread", headers={"X-Requested-With": "fetch"}).status_code == 401


def test_logout_ends_every_session_of_the_account_and_is_audited(twilio_app, web):
    """Two browsers of one account: logging out in one ends the other; the audit log says so."""
    phone, laptop = web("ana"), web("ana")
    phone.post("/logout")
    assert not logged_in(laptop)
    actions = [e["action"] for e in twilio_app.extensions["accounts"].store.audit_log()]
    assert "logout" in actions
    assert logged_in(web("ana"))  # logging in again works


def test_enabling_again_does_not_revive_old_cookies(twilio_app, web):
    """Disable then enable: the cookie from before stays dead; a new login works."""
    ana = web("ana")
    accounts = twilio_app.extensions["accounts"]
    accounts.update(accounts.get("ana@example.org"), disabled=True)
    accounts.update(accounts.get("ana@example.org"), disabled=False)
    assert not logged_in(ana)
    assert logged_in(web("ana"))


def test_staff_disable_and_enable_on_the_page_does_not_revive(web):
    """Staff disable and enable Ana on the admin page: her old cookie stays dead."""
    ana, sam = web("ana"), web("sam")
    sam.get("/admin/")
    for action in ("disable", "enable"):
        assert sam.post("/admin/accounts", {"email": "ana@example.org", "action": action}).status_code == 303
    assert not logged_in(ana)


def test_staff_end_a_volunteers_sessions(twilio_app, web):
    """The "End sessions" button logs a volunteer out everywhere and is audited; staff stay logged in."""
    ana, sam = web("ana"), web("sam")
    page = sam.get("/admin/").get_data(as_text=True)
    assert 'value="end_sessions"' in page
    assert sam.post("/admin/accounts", {"email": "ana@example.org", "action": "end_sessions"}).status_code == 303
    assert not logged_in(ana) and logged_in(sam)
    entry = twilio_app.extensions["accounts"].store.audit_log()[0]
    assert (entry["who"], entry["action"], entry["account"]) == ("sam@example.org", "end_sessions", "ana@example.org")
    assert sam.post("/admin/accounts", {"email": "sam@example.org", "action": "end_sessions"}).status_code == 400
    assert web("ana").post("/admin/accounts", {"email": "ben@example.org", "action": "end_sessions"}).status_code == 403


def test_new_password_or_role_ends_sessions_from_the_command_line(twilio_app, web):
    """`flask users password` and `flask users role` end the account's sessions; the new password works."""
    runner = twilio_app.test_cli_runner()
    ana = web("ana")
    result = runner.invoke(args=["users", "password", "ana@example.org"], input="another password 123\n")
    assert result.exit_code == 0, result.output
    assert not logged_in(ana)
    assert web().login("ana@example.org", "another password 123").status_code == 302
    assert web().login("ana@example.org", PASSWORD).status_code == 401
    ben = web("ben")
    result = runner.invoke(args=["users", "role", "ben@example.org", "staff"])
    assert result.exit_code == 0, result.output
    assert not logged_in(ben)
    assert twilio_app.extensions["accounts"].get("ben@example.org").role == "staff"
    short = runner.invoke(args=["users", "password", "ben@example.org"], input="short\n")
    assert short.exit_code != 0 and "at least" in short.output


def test_changing_the_page_language_keeps_the_session(web):
    """Not every change ends sessions: the page language is just a preference."""
    ana = web("ana")
    ana.get("/inbox/")
    assert ana.post("/language", {"lang": "en", "next": "/inbox/"}).status_code == 302
    assert logged_in(ana)


def test_a_stranger_cannot_lock_out_a_volunteer_from_elsewhere(web):
    """Wrong passwords for Ana from one address block that address for Ana; Ana at home still logs in."""
    stranger = web()
    for _ in range(5):
        assert stranger.post("/login", {"email": "ana@example.org", "password": "wrong password!"},
                             environ_base={"REMOTE_ADDR": "203.0.113.9"}).status_code == 401
    assert stranger.post("/login", {"email": "ana@example.org", "password": PASSWORD},
                         environ_base={"REMOTE_ADDR": "203.0.113.9"}).status_code == 429
    home = WebUser(stranger.app)
    home.get("/login", environ_base={"REMOTE_ADDR": "198.51.100.7"})
    assert home.post("/login", {"email": "ana@example.org", "password": PASSWORD},
                     environ_base={"REMOTE_ADDR": "198.51.100.7"}).status_code == 302


def test_failed_logins_are_audited_without_the_password(twilio_app, web):
    """A failed login leaves the account and the time in the audit log, never what was typed as password;
    an e-mail that is no account is not kept (it might be a password typed in the wrong field)."""
    user = web()
    user.post("/login", {"email": "ana@example.org", "password": "my secret guess"})
    user.post("/login", {"email": "hunter2@example.org", "password": "another guess!"})
    log = twilio_app.extensions["accounts"].store.audit_log()
    failed = [e for e in log if e["action"] == "login_failed"]
    assert [e["account"] for e in failed] == ["unknown account", "ana@example.org"]
    assert all(int(e["at"]) > 0 for e in failed)
    assert "secret guess" not in str(log) and "another guess" not in str(log) and "hunter2" not in str(log)
    page = web("sam").get("/admin/").get_data(as_text=True)
    assert 'data-action="login_failed"' in page and "failed login" in page


def test_hsts_in_production_only(settings):
    """Strict-Transport-Security is sent in production (HTTPS only), not in development."""
    for env, expected in (("development", False), ("production", True)):
        app = create_app({**settings, "APP_ENV": env})
        response = app.test_client().get("/login")
        assert ("max-age=31536000" in response.headers.get("Strict-Transport-Security", "")) == expected
