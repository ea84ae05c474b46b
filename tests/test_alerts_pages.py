"""Staff pages /admin/alerts (issue 25): who may open them, CSRF, refusals as clear 4xx, the checks (GSM-7,
two segments, numbers on the fact sheets), the k-anonymous count and cost, sending and its report, the
settings, and the reports page's subscribers."""
import html
import re
import time

import pytest

from conftest import PASSWORD
from test_alerts_sending import DAYTIME, subscribe

GOOD = {"title": "Heat in Florida", "kind": "heat", "langs": ["es", "en"], "states": ["US-FL"],
        "text_es": "Calor: tiene derecho a agua, sombra y descanso. WHD: 1-866-487-9243",
        "text_en": "Heat: you have the right to water, shade and rest. WHD: 1-866-487-9243"}


def text_of(response):
    """Return a page's text without tags, whitespace squeezed."""
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", response.get_data(as_text=True), flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", body)))


@pytest.fixture
def sam(twilio_app, web):
    """Return the staff member, logged in, with the app's clock in a U.S. daytime."""
    twilio_app.extensions["conversations"].clock = lambda: DAYTIME
    return web("sam")


def draft_id(app):
    """Return a draft alert's id (made by the service)."""
    return app.extensions["alerts"].create(GOOD, "sam@example.org")


@pytest.mark.parametrize("who, expected", [(None, 302), ("ana", 403), ("rita", 403), ("sam", 200)])
def test_who_may_open_the_pages(twilio_app, web, who, expected):
    """Anonymous visitors go to /login, volunteers and K'iche' reviewers get 403, staff get the page: every
    route."""
    if who == "rita":
        twilio_app.extensions["accounts"].add("rita@example.org", "reviewer", PASSWORD, langs=["quc"])
        user = web()
        assert user.login("rita@example.org").status_code == 302
    else:
        user = web(who)
    alert_id = draft_id(twilio_app)
    for path in ("/admin/alerts/", "/admin/alerts/new", f"/admin/alerts/{alert_id}",
                 f"/admin/alerts/{alert_id}/progress"):
        response = user.get(path)
        assert response.status_code == expected, path
        if expected == 302:
            assert "/login" in response.location
    for path, form in (("/admin/alerts/", GOOD), (f"/admin/alerts/{alert_id}/send", {}),
                       (f"/admin/alerts/{alert_id}/edit", GOOD), (f"/admin/alerts/{alert_id}/cancel", {}),
                       ("/admin/alerts/settings", {"per_month": "3"})):
        if expected != 200:
            response = user.post(path, form)
            assert response.status_code in (expected, 400) and response.status_code != 200, path
            assert twilio_app.extensions["alerts"].store.alert(alert_id)["status"] == "draft"


def test_forms_need_the_csrf_token(twilio_app, sam):
    """A POST without the CSRF token is refused and changes nothing."""
    alert_id = draft_id(twilio_app)
    assert sam.post(f"/admin/alerts/{alert_id}/send", {}, csrf=False).status_code == 400
    assert twilio_app.extensions["alerts"].store.alert(alert_id)["status"] == "draft"


@pytest.mark.parametrize("change, field, words", [
    ({"title": " "}, "title", "short name"),
    ({"kind": "party"}, "kind", "what the alert is about"),
    ({"langs": []}, "langs", "at least one language"),
    ({"states": ["US-XX"]}, "states", "'US-XX' is not a U.S. state code"),
    ({"text_en": ""}, "text_en", "write the English text"),
    ({"text_es": "x" * 1001}, "text_es", "at most 1000"),
])
def test_a_refused_form_says_why_and_keeps_what_was_typed(twilio_app, sam, change, field, words):
    """Each bad field gets its sentence under it (400, after post-redirect-get) and the typed texts stay."""
    response = sam.post("/admin/alerts/", {**GOOD, **change})
    assert response.posted.status_code == 303 and response.status_code == 400
    page = text_of(response)
    assert words.lower() in page.lower()
    assert f'id="error-{field}"' in response.get_data(as_text=True)
    if field != "text_en":
        assert GOOD["text_en"] in page
    assert twilio_app.extensions["alerts"].store.alert_ids() == []


@pytest.mark.parametrize("text, finding", [
    ("Calor ✓ tome agua", "not GSM-7 in SMS because of '✓'"),
    ("Calor. " + "Tome agua y descanse a la sombra. " * 10, "3 SMS segments: an alert has at most 2"),
    ("Llame al 1-919-555-0142 si tiene calor", "'1-919-555-0142' is not written on any row of the fact sheets"),
    ("Llame al 1-800-377-9968", "'1-800-377-9968' is not written on any row of the fact sheets"),
])
def test_the_checks_block_sending(twilio_app, sam, fake_twilio, text, finding):
    """A text outside GSM-7, over two segments or with a number the fact sheets do not verify is saved as a
    draft with the finding, and sending it is refused (400) with nothing sent."""
    response = sam.post("/admin/alerts/", {**GOOD, "text_es": text}, follow_redirects=True)
    assert response.status_code == 200 and finding.lower() in text_of(response).lower()
    alert_id = twilio_app.extensions["alerts"].store.alert_ids()[0]
    assert 'id="send-now" disabled' in response.get_data(as_text=True)
    refused = sam.post(f"/admin/alerts/{alert_id}/send", {})
    assert refused.status_code == 400 and "The checks found errors: correct the texts first" in text_of(refused)
    assert twilio_app.extensions["alerts"].store.alert(alert_id)["status"] == "draft" and fake_twilio.messages == []


def test_a_verified_number_and_911_pass(twilio_app, sam):
    """WHD's number as the fact sheet writes it, the trafficking hotline and 911 raise no finding."""
    text = "Peligro: 911. Trata: 1-888-373-7888. Pago: 1-866-487-9243."
    page = text_of(sam.post("/admin/alerts/", {**GOOD, "text_es": text}, follow_redirects=True))
    assert page.count("No problem found.") == 2


def test_the_count_is_k_anonymous_and_the_cost_shown(twilio_app, sam):
    """Three Florida subscribers: "fewer than 5" and no cost; seven: the count, by language, and the segments."""
    for n in range(3):
        subscribe(twilio_app, f"+1505555300{n}", "es", "Florida")
    alert_id = draft_id(twilio_app)
    page = text_of(sam.get(f"/admin/alerts/{alert_id}"))
    assert "It reaches fewer than 5 subscribers." in page and "segments in all" not in page
    for n in range(3, 7):
        subscribe(twilio_app, f"+1505555300{n}", "en", "Florida")
    subscribe(twilio_app, "+15055553009", "es", "Ohio")  # not in the audience
    page = text_of(sam.get(f"/admin/alerts/{alert_id}"))
    assert "It reaches 7 subscribers." in page
    assert "Spanish: fewer than 5" in page and "English: fewer than 5" in page
    assert "SMS: at most 7 segments in all" in page


def test_send_now_then_progress_and_report(twilio_app, sam, fake_twilio):
    """Send now: the page shows the progress (polled as JSON), then the report; the reports page lists
    the alert with its counts and the subscribers by state and language, small counts hidden."""
    numbers = [f"+1505555310{n}" for n in range(6)]
    for number in numbers:
        subscribe(twilio_app, number, "es", "Florida")
    subscribe(twilio_app, "+15055553199", "en", "Ohio")
    alert_id = draft_id(twilio_app)
    assert sam.post(f"/admin/alerts/{alert_id}/send", {}).status_code == 303
    deadline = time.monotonic() + 20
    while (progress := sam.get(f"/admin/alerts/{alert_id}/progress").get_json())["status"] != "done":
        assert time.monotonic() < deadline, progress
        time.sleep(0.1)
    assert progress["percent"] == 100 and progress["counts"]["sent"] == 6
    assert sorted(m["to"] for m in fake_twilio.messages) == numbers
    page = text_of(sam.get(f"/admin/alerts/{alert_id}"))
    assert "Report" in page and "Sent 6" in page
    report = sam.get("/admin/reports")
    text = text_of(report)
    assert "Heat in Florida" in text and "Florida 6 0 0" in text and "Ohio 0 0 fewer than 5" in text
    assert "Subscribers: at least 7" in text
    keys = twilio_app.extensions["conversations"].keys
    for number in numbers:
        assert number not in report.get_data(as_text=True)
        assert keys.pseudonym(number) not in report.get_data(as_text=True)
    audit = [e["action"] for e in twilio_app.extensions["accounts"].store.audit_log()]
    assert "alert_scheduled" in audit


def test_a_time_in_the_past_or_not_a_time_is_refused(twilio_app, sam):
    """Scheduling needs a time to come, written as the form writes it."""
    alert_id = draft_id(twilio_app)
    assert sam.post(f"/admin/alerts/{alert_id}/send", {"when": "yesterday"}).status_code == 400
    past = sam.post(f"/admin/alerts/{alert_id}/send", {"when": "2020-01-01T09:00"})
    assert past.status_code == 400 and "That time has passed" in text_of(past)
    later = sam.post(f"/admin/alerts/{alert_id}/send", {"when": "2026-11-25T09:00"}, follow_redirects=True)
    assert "Scheduled for 2026-11-25 09:00 (America/New_York)" in text_of(later)
    assert twilio_app.extensions["alerts"].store.alert(alert_id)["status"] == "scheduled"
    again = sam.post(f"/admin/alerts/{alert_id}/edit", GOOD)
    assert again.status_code == 400 and "it can no longer be changed" in text_of(again)
    assert sam.post(f"/admin/alerts/{alert_id}/cancel", {}).status_code == 303
    assert twilio_app.extensions["alerts"].store.alert(alert_id)["status"] == "cancelled"
    assert sam.post(f"/admin/alerts/{alert_id}/cancel", {}).status_code == 400


def test_unknown_alerts_are_404(sam):
    """An id that is not an alert's answers 404."""
    assert sam.get("/admin/alerts/0123456789abcdef").status_code == 404
    assert sam.get("/admin/alerts/not-an-id").status_code == 404
    assert sam.post("/admin/alerts/0123456789abcdef/send", {}).status_code == 404


def test_settings_go_into_the_draft(twilio_app, sam):
    """Alerts a month: into the script's draft (in force once published); a bad number or template SID is
    refused under its field."""
    response = sam.post("/admin/alerts/settings", {"per_month": "4", "template_en": "HX" + "b" * 32})
    assert response.status_code == 303
    scripts = twilio_app.extensions["scripts"]
    assert scripts.bundle("draft")["spec"]["alerts"]["per_month"] == 4
    assert twilio_app.extensions["staff_settings"].all()["alert_templates"] == {"en": "HX" + "b" * 32}
    bad = sam.post("/admin/alerts/settings", {"per_month": "0", "template_es": "HX12"})
    page = text_of(bad)
    assert bad.status_code == 400 and "from 1 to 31" in page and "32 hexadecimal digits" in page
    assert scripts.bundle("draft")["spec"]["alerts"]["per_month"] == 4
