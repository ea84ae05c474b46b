"""Staff settings: WhatsApp templates, on-call SMS, accounts, audit log; office hours (in the script) reach texters."""
import datetime

import pytest

from conftest import OPEN_HOURS, PASSWORD, PERSON, Texter, ask_for_person

FORM = {"template_es": "", "template_quc": "", "template_en": "", "notify_minutes": "0"}
HOURS = {"timezone": "America/Chicago", "mon": "10:00-12:00", "tue": "", "wed": "", "thu": "", "fri": "",
         "sat": "", "sun": ""}


def set_office_hours(user, hours=HOURS, note="Mondays only"):
    """Save office hours in the script's draft and publish it, as staff do on the pages."""
    assert user.post("/admin/script/hours", hours).status_code == 303
    assert user.post("/admin/script/publish", {"note": note}).status_code == 303


def test_office_hours_set_by_staff_reach_the_texter_once_published(twilio_app, web):
    """Staff close Tuesdays in the draft: nothing changes for texters until they publish; then a texter
    asking for a person on Tuesday is told Monday 10:00, and the inbox says the office is closed."""
    sam = web("sam")
    assert sam.post("/admin/script/hours", HOURS).status_code == 303
    texter = Texter(twilio_app.test_client(), "+15055550401")
    texter.send("hola")
    texter.send("1")
    assert "La oficina esta cerrada" not in texter.send(PERSON)[0]  # a draft is not in force
    assert sam.post("/admin/script/publish", {"note": "Mondays only"}).status_code == 303
    texter = Texter(twilio_app.test_client(), "+15055550406")
    texter.send("hola")
    texter.send("1")
    reply = texter.send(PERSON)[0]
    assert "La oficina esta cerrada" in reply and "lunes 30 de noviembre, 10:00" in reply
    page = web("ana").get("/inbox/").get_data(as_text=True)
    assert "Horario: cerrado" in page
    assert twilio_app.extensions["accounts"].store.staff_settings() == {}  # nothing kept beside the script
    admin = sam.get("/admin/").get_data(as_text=True)
    assert "America/Chicago" in admin and "10:00-12:00" in admin


def test_office_hours_saved_before_they_moved_into_the_script_are_not_used(twilio_app, web):
    """Hours an older version kept in the staff settings are shown once, never used, and forgotten
    when staff save hours in the script."""
    settings = twilio_app.extensions["staff_settings"]
    settings.save(office_hours={"timezone": "UTC", "days": {"sun": "09:00-10:00"}})
    texter = Texter(twilio_app.test_client(), "+15055550407")
    texter.send("hola")
    texter.send("1")
    assert "La oficina esta cerrada" not in texter.send(PERSON)[0]
    sam = web("sam")
    page = sam.get("/admin/script/hours").get_data(as_text=True)
    assert 'id="legacy"' in page and "09:00-10:00" in page
    assert sam.post("/admin/script/hours", HOURS).status_code == 303
    assert settings.legacy_office_hours() is None and 'id="legacy"' not in sam.get("/admin/script/hours").get_data(as_text=True)


@pytest.mark.parametrize("field, value, message", [
    ("template_es", "HX123", "is not a Content SID"),
    ("notify_minutes", "-5", "Minutes between on-call SMS"),
])
def test_bad_settings_are_refused(twilio_app, web, field, value, message):
    """Each bad setting gets a 400 naming what is wrong, and nothing is saved."""
    response = web("sam").post("/admin/settings", {**FORM, field: value})
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert twilio_app.extensions["accounts"].store.staff_settings() == {}


def test_on_call_volunteers_get_one_sms_per_interval(twilio_app, web, fake_twilio):
    """Someone starts waiting: on-call volunteers get an SMS, at most one every N minutes."""
    accounts = twilio_app.extensions["accounts"]
    accounts.add("oncall@example.org", "volunteer", PASSWORD, phone="+15055550999", on_call=True, ui_lang="en")
    accounts.add("offcall@example.org", "volunteer", PASSWORD, phone="+15055550998")
    web("sam").post("/admin/settings", {**FORM, "notify_minutes": "10"})
    ask_for_person(Texter(twilio_app.test_client(), "+15055550402"))
    for thread in twilio_app.extensions["on_call"].threads:
        thread.join(10)
    [sms] = fake_twilio.wait_for(1)
    assert sms["to"] == "+15055550999" and sms["body"].startswith("Helpline: someone is waiting")
    assert "5055550402" not in sms["body"]
    ask_for_person(Texter(twilio_app.test_client(), "+15055550403"))  # within ten minutes: no second SMS
    for thread in twilio_app.extensions["on_call"].threads:
        thread.join(10)
    assert len(fake_twilio.messages) == 1


def test_no_on_call_sms_unless_staff_turn_it_on(twilio_app, fake_twilio):
    """With the interval at 0 (the default) nobody is texted."""
    twilio_app.extensions["accounts"].add("oncall@example.org", "volunteer", PASSWORD, phone="+15055550999",
                                          on_call=True)
    ask_for_person(Texter(twilio_app.test_client(), "+15055550404"))
    assert twilio_app.extensions["on_call"].someone_waiting() is False and fake_twilio.requests == []


def test_staff_disable_an_account_and_put_a_volunteer_on_call(twilio_app, web):
    """The accounts table: disable/enable, on/off call; staff cannot disable themselves."""
    accounts = twilio_app.extensions["accounts"]
    accounts.add("phone@example.org", "volunteer", PASSWORD, phone="+15055550997")
    sam = web("sam")
    sam.get("/admin/")
    assert sam.post("/admin/accounts", {"email": "ana@example.org", "action": "disable"}).status_code == 303
    assert accounts.get("ana@example.org").disabled
    assert sam.post("/admin/accounts", {"email": "phone@example.org", "action": "on_call"}).status_code == 303
    assert accounts.get("phone@example.org").on_call
    assert sam.post("/admin/accounts", {"email": "ana@example.org", "action": "on_call"}).status_code == 400
    assert sam.post("/admin/accounts", {"email": "sam@example.org", "action": "disable"}).status_code == 400
    assert sam.post("/admin/accounts", {"email": "nobody@example.org", "action": "disable"}).status_code == 400
    assert sam.post("/admin/accounts", {"email": "ben@example.org", "action": "delete"}).status_code == 400


def test_audit_log_page_has_no_bodies_or_numbers(twilio_app, web, fake_twilio):
    """The audit log shows who did what and when; never a message or a number."""
    texter = ask_for_person(Texter(twilio_app.test_client(), "+15055550405"), last="mi secreto")
    h = twilio_app.extensions["conversations"].keys.pseudonym(texter.address)
    ana = web("ana")
    ana.post(f"/inbox/c/{h}/claim")
    page = ana.get(f"/inbox/c/{h}").get_data(as_text=True)
    import re
    token = re.search(r'name="token" type="hidden" value="(\w+)"', page)[1]
    ana.post(f"/inbox/c/{h}/reply", {"body": "respuesta privada", "token": token})
    ana.post(f"/inbox/c/{h}/reveal")
    ana.post(f"/inbox/c/{h}/close")
    audit = web("sam").get("/admin/").get_data(as_text=True)
    for action in ("claim", "reply", "reveal", "close"):
        assert f'data-action="{action}"' in audit
    for secret in ("mi secreto", "respuesta privada", "5055550405", "0405", h):
        assert secret not in audit
    raw = str(twilio_app.extensions["accounts"].store.audit_log())
    assert "respuesta privada" not in raw and "5055550405" not in raw and h not in raw


def audit_actions():
    """Return every action the app writes in the audit log: the literal ones found in the source, and those
    passed on as a value (replies, templates and voice notes; the accounts' buttons and commands)."""
    import pathlib
    import re
    root = pathlib.Path(__file__).resolve().parent.parent / "bot"
    found = set()
    for path in root.rglob("*.py"):
        found |= set(re.findall(r'(?:audit|_send|_change_account)\((?:[^,()"]+, ){0,5}"([a-z_]+)"', path.read_text()))
    return (found - {"bot", "cli", "-"}) | {"on_call", "off_call", "enable", "disable", "end_sessions"}


def test_every_audit_action_and_error_is_named_in_the_pages_language(twilio_app, web):
    """Each action the app audits is a sentence in Spanish on the staff page, never its code (script_examples,
    proposal_accept...); a refused send's error is said in words too (opted_out, window_closed...)."""
    actions = audit_actions()
    assert {"claim", "reply", "voice", "transfer_sms", "script_examples", "proposal_reject", "password"} <= actions
    store = twilio_app.extensions["accounts"].store
    for action in sorted(actions):
        store.audit("eva@example.org", action, "T-AAAAAA")
    for error in ("opted_out", "window_closed", "timeout", "unreachable", "twilio"):
        store.audit("eva@example.org", "reply", "T-AAAAAA", error=error)
    accounts = twilio_app.extensions["accounts"]
    accounts.update(accounts.get("sam@example.org"), ui_lang="es")
    import re
    page = web("sam").get("/admin/").get_data(as_text=True)
    cells = re.findall(r'<td data-label="Acción" data-action="(\w+)">(.*?)</td>', page, re.S)
    assert {a for a, _ in cells} >= actions
    for action, cell in cells:
        assert not re.search(r"\b[a-z]+_[a-z_]+\b", cell) and action not in cell.split(), (action, cell)
    for error in ("opted_out", "window_closed", "timeout", "unreachable"):
        assert error not in " ".join(c for _, c in cells)


def test_audit_entries_older_than_the_retention_are_dropped(settings):
    """The audit stream keeps AUDIT_TTL seconds of entries, and expires when unused that long."""
    from bot import create_app
    app = create_app({**settings, "AUDIT_TTL": "60"})
    store = app.extensions["accounts"].store
    store.audit("a@example.org", "claim", "T-AAAAAA")
    assert 0 < store.redis.ttl(f"{settings['REDIS_PREFIX']}audit") <= 60
    assert [e["action"] for e in store.audit_log()] == ["claim"]


def test_closed_hours_are_shown_in_the_office_timezone(twilio_app, web):
    """Times on the pages are the office's (the time zone staff set)."""
    twilio_app.extensions["conversations"].clock = lambda: OPEN_HOURS + datetime.timedelta(days=1)
    set_office_hours(web("sam"))
    page = web("ben").get("/inbox/").get_data(as_text=True)
    assert "Office hours: closed" in page and "Monday 10:00" in page
