"""Sending alerts (issue 25) through the real twilio client to the fake Twilio: the audience, the cap per
month, quiet hours, delivery callbacks counted per alert, the local outbox without Twilio, WhatsApp
templates, and a worker killed mid-send that resumes without sending anyone the alert twice."""
import collections
import dataclasses
import datetime
import os
import signal
import subprocess
import sys
import time
import uuid

import pytest

from bot.alerts import tasks
from bot.conversation import quiet_hours
from conftest import Texter

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
UTC = datetime.timezone.utc
DAYTIME = datetime.datetime(2026, 11, 24, 20, 0, tzinfo=UTC)
TEXTS = {"es": "Calor esta semana: tiene derecho a agua, sombra y descanso. WHD: 1-866-487-9243. Dejar: BAJA",
         "quc": "Q'aq'al: k'o ri ja' chawe. WHD: 1-866-487-9243. MAJ TZIJOL",
         "en": "Heat this week: you have the right to water, shade and rest. WHD: 1-866-487-9243. STOP ALERTS to end"}


def subscribe(app, number, lang="es", state="Florida", channel="sms"):
    """Subscribe a texter through the signed webhook; return the Texter."""
    texter = Texter(app.test_client(), number, channel)
    word = {"es": "ALERTAS", "en": "ALERTS", "quc": "tzijol"}[lang]
    texter.send("hola")
    texter.send({"es": "1", "quc": "2", "en": "3"}[lang])
    texter.send(word)
    if state:
        texter.send(state)
    return texter


def write(app, **spec):
    """Create an alert (every language, every state, heat, unless spec says otherwise); return its id."""
    form = {"title": "Heat", "kind": "heat", "langs": ["es", "quc", "en"], "states": [],
            **{f"text_{lang}": text for lang, text in TEXTS.items()}, **spec}
    return app.extensions["alerts"].create(form, "sam@example.org")


def send(app, alert_id):
    """Schedule an alert now and run one sending slice in this process; return (outcome, alert)."""
    app.extensions["alerts"].schedule(alert_id, None, "sam@example.org")
    with app.app_context():
        outcome = tasks.sending(app).run(alert_id, uuid.uuid4().hex)
    return outcome, app.extensions["alerts"].store.alert(alert_id)


@pytest.fixture
def alerts_app(twilio_app):
    """The app sending through the fake Twilio without a pause between messages, at 20:00 UTC (daytime
    from Puerto Rico to Hawaii, so that subscribers who gave no state get alerts too)."""
    twilio_app.config["SETTINGS"] = dataclasses.replace(twilio_app.config["SETTINGS"], ALERTS_RATE=0.0)
    twilio_app.extensions["conversations"].clock = lambda: DAYTIME
    return twilio_app


def test_an_alert_reaches_its_audience_and_no_one_else(alerts_app, fake_twilio):
    """A Florida alert in Spanish and K'iche' reaches those subscribers only, as SMS (accents folded) or
    WhatsApp; an alert for every state reaches everyone, those who gave no state too."""
    es_fl = subscribe(alerts_app, "+15055551001", "es", "Florida")
    quc_fl = subscribe(alerts_app, "+15055551002", "quc", "Florida", channel="whatsapp")
    en_nc = subscribe(alerts_app, "+15055551003", "en", "North Carolina")
    es_any = subscribe(alerts_app, "+15055551004", "es", "cualquiera")
    alert_id = write(alerts_app, langs=["es", "quc"], states=["US-FL"], text_es="Calor: beba agua, está en su derecho.")
    outcome, alert = send(alerts_app, alert_id)
    assert outcome.state == "done" and alert["status"] == "done"
    got = {m["to"]: m for m in fake_twilio.messages}
    assert set(got) == {es_fl.number, quc_fl.address}
    assert got[es_fl.number]["body"] == "Calor: beba agua, esta en su derecho."  # as every SMS: accents folded
    assert got[quc_fl.address]["body"] == TEXTS["quc"]
    assert got[es_fl.number]["form"]["StatusCallback"] == f"http://localhost/twilio/status?alert={alert_id}"
    assert (alert["total"], alert["sent"], alert["failed"], alert["pending"]) == (2, 2, 0, 0)
    fake_twilio.reset()
    everyone = write(alerts_app, kind="fraud")
    send(alerts_app, everyone)
    assert {m["to"] for m in fake_twilio.messages} == {es_fl.number, quc_fl.address, en_nc.number, es_any.number}
    assert {m["to"]: m["body"] for m in fake_twilio.messages}[en_nc.number] == TEXTS["en"]


def test_the_cap_per_month_holds(alerts_app, fake_twilio):
    """The script's 2 a month: a third alert in the month leaves the subscriber out (counted); the next
    month they get alerts again."""
    texter = subscribe(alerts_app, "+15055551011")
    other = subscribe(alerts_app, "+15055551012")
    ids = [write(alerts_app, title=f"alert {n}") for n in range(3)]
    for alert_id in ids:
        send(alerts_app, alert_id)
    per_number = collections.Counter(m["to"] for m in fake_twilio.messages)
    assert per_number == {texter.number: 2, other.number: 2}
    third = alerts_app.extensions["alerts"].store.alert(ids[2])
    assert (third["sent"], third["capped"]) == (0, 2)
    alerts_app.extensions["conversations"].clock = lambda: DAYTIME + datetime.timedelta(days=7)  # December
    send(alerts_app, write(alerts_app, title="next month"))
    assert collections.Counter(m["to"] for m in fake_twilio.messages) == {texter.number: 3, other.number: 3}


def test_a_failed_message_gives_the_months_place_back(alerts_app, fake_twilio):
    """A message Twilio refuses (the texter sent STOP to the carrier: 21610) is counted failed and does
    not count against the subscriber's month."""
    texter = subscribe(alerts_app, "+15055551021")
    fake_twilio.plan(("error", 400, 21610))
    _, alert = send(alerts_app, write(alerts_app))
    assert (alert["sent"], alert["failed"]) == (0, 1)
    store = alerts_app.extensions["conversations"].store
    assert store.subscription(alerts_app.extensions["conversations"].keys.pseudonym(texter.number))["mc"] == "0"


@pytest.mark.parametrize("moment, waits, gets", [
    # 10:00 in Raleigh, 07:00 in Los Angeles, 09:00/08:00 in Texas, 05:00 in Honolulu
    (datetime.datetime(2026, 11, 24, 15, 0, tzinfo=UTC), {"Hawaii", "California"}, {"North Carolina", "Texas"}),
    # 21:30 in Raleigh, 20:30/19:30 in Texas
    (datetime.datetime(2026, 11, 25, 2, 30, tzinfo=UTC), {"North Carolina"}, {"California", "Texas", "Hawaii"}),
    # 22:30 in Raleigh, 21:30 in Houston (20:30 in El Paso: Texas waits for both)
    (datetime.datetime(2026, 11, 25, 3, 30, tzinfo=UTC), {"North Carolina", "Texas"}, {"California", "Hawaii"}),
])
def test_quiet_hours_hold(alerts_app, fake_twilio, moment, waits, gets):
    """Nobody gets an alert between 21:00 and 08:00 where they are (every zone of a state that spans two):
    they wait, and the alert says until when; once it is daytime there, they get it."""
    alerts_app.extensions["conversations"].clock = lambda: moment
    numbers = {}
    for n, state in enumerate(sorted(waits | gets)):
        numbers[state] = subscribe(alerts_app, f"+1505555103{n}", "en", state).number
    outcome, alert = send(alerts_app, write(alerts_app))
    assert {m["to"] for m in fake_twilio.messages} == {numbers[s] for s in gets}
    assert outcome.state == "waiting" and alert["status"] == "waiting" and alert["waiting"] == len(waits)
    opening = datetime.datetime.fromtimestamp(outcome.next, UTC)
    assert min(quiet_hours.next_opening(moment, s) for s in [_code(w) for w in waits]) == opening
    alerts_app.extensions["conversations"].clock = lambda: opening + datetime.timedelta(hours=12)
    with alerts_app.app_context():
        tasks.sending(alerts_app).run(alert["id"], "again")
    later = alerts_app.extensions["conversations"].clock()
    expected = {numbers[s] for s in gets} | {numbers[s] for s in waits if not quiet_hours.is_quiet(later, _code(s))}
    assert {m["to"] for m in fake_twilio.messages} == expected
    assert collections.Counter(m["to"] for m in fake_twilio.messages).most_common(1)[0][1] == 1


def _code(name):
    """Return the code of a state named in English."""
    return {"Hawaii": "US-HI", "North Carolina": "US-NC", "California": "US-CA", "Texas": "US-TX"}[name]


def test_quiet_hours_of_states_that_span_zones():
    """Texas at 21:30 in Houston and 20:30 in El Paso is quiet (Houston's night); so is every state when no
    state is known and it is night in Honolulu; next_opening finds the first minute it is day everywhere."""
    at = datetime.datetime(2026, 11, 25, 3, 30, tzinfo=UTC)  # 21:30 CST, 20:30 MST
    assert quiet_hours.is_quiet(at, "US-TX") and not quiet_hours.is_quiet(at, "US-NM")
    assert quiet_hours.zones_of("US-TX") == ("America/Chicago", "America/Denver")
    morning = quiet_hours.next_opening(at, "US-TX")
    assert morning == datetime.datetime(2026, 11, 25, 15, 0, tzinfo=UTC)  # 08:00 in El Paso (MST)
    assert quiet_hours.is_quiet(datetime.datetime(2026, 11, 24, 15, 0, tzinfo=UTC), None)  # 05:00 in Honolulu
    summer = datetime.datetime(2026, 7, 1, 1, 30, tzinfo=UTC)  # 21:30 EDT
    assert quiet_hours.is_quiet(summer, "US-NC") and not quiet_hours.is_quiet(summer, "US-CA")
    assert set(quiet_hours.STATE_ZONES) >= {f"US-{s}" for s in ("NC", "FL", "WA", "HI", "AK", "PR", "DC")}


def test_delivery_callbacks_are_counted_once_per_message(alerts_app, fake_twilio):
    """Signed callbacks count delivered and undelivered per alert; a repeat, an older status arriving
    late, a read after delivered change nothing; an unsigned one is refused and counts nothing."""
    first = subscribe(alerts_app, "+15055551041")
    second = subscribe(alerts_app, "+15055551042")
    alert_id = write(alerts_app)
    send(alerts_app, alert_id)
    by_number = {m["to"]: m for m in fake_twilio.messages}
    path = f"/twilio/status?alert={alert_id}"

    def callback(texter, status):
        fields = {"MessageSid": by_number[texter.number]["sid"], "MessageStatus": status, "To": texter.number}
        return texter.post(fields, path=path).status_code

    for status in ("sent", "delivered", "delivered", "sent", "read"):
        assert callback(first, status) == 204
    assert callback(second, "undelivered") == 204
    store = alerts_app.extensions["alerts"].store
    alert = store.alert(alert_id)
    assert (alert["delivered"], alert["undelivered"]) == (1, 1)
    forged = first.post({"MessageSid": by_number[second.number]["sid"], "MessageStatus": "delivered",
                         "To": second.number}, path=path, signature="bad")
    assert forged.status_code == 403 and store.alert(alert_id)["delivered"] == 1
    assert first.post({"MessageSid": by_number[first.number]["sid"], "MessageStatus": "delivered"},
                      path="/twilio/status?alert=nothex").status_code == 400


def test_without_twilio_the_outbox_stands_in(app):
    """No Twilio settings: alerts go to the local outbox (numbers encrypted, deleted with the texter)."""
    texter = subscribe(app, "+15055551051")
    _, alert = send(app, write(app))
    assert alert["sent"] == 1
    [entry] = app.extensions["conversations"].store.outbox()
    assert entry["body"] == TEXTS["es"] and texter.number not in str(entry)


def test_whatsapp_subscribers_get_the_approved_template(alerts_app, fake_twilio):
    """With a template set for the language, a WhatsApp subscriber gets it with the alert's words as {{1}}."""
    texter = subscribe(alerts_app, "+15055551061", "en", "Ohio", channel="whatsapp")
    alerts_app.extensions["staff_settings"].save(alert_templates={"en": "HX" + "a" * 32})
    send(alerts_app, write(alerts_app))
    [message] = fake_twilio.messages
    assert message["to"] == texter.address and message["form"]["ContentSid"] == "HX" + "a" * 32
    assert TEXTS["en"] in message["form"]["ContentVariables"]


def test_a_cancelled_alert_stops(alerts_app, fake_twilio):
    """Cancelling a scheduled alert: the job sends nothing."""
    subscribe(alerts_app, "+15055551071")
    alert_id = write(alerts_app)
    service = alerts_app.extensions["alerts"]
    service.schedule(alert_id, None, "sam@example.org")
    service.cancel(alert_id)
    with alerts_app.app_context():
        assert tasks.sending(alerts_app).run(alert_id, "x").state == "skipped"
    assert fake_twilio.messages == []


@pytest.fixture
def worker_env(twilio_app, fake_twilio, tmp_path):
    """Return the environment of a worker process on the test's Redis and the fake Twilio."""
    settings = twilio_app.config["SETTINGS"]
    return {**os.environ, "APP_ENV": "production", "REDIS_URL": settings.REDIS_URL,
            "REDIS_PREFIX": settings.REDIS_PREFIX, "DATA_KEY": settings.DATA_KEY, "SECRET_KEY": settings.SECRET_KEY,
            "TWILIO_AUTH_TOKEN": settings.TWILIO_AUTH_TOKEN, "TWILIO_ACCOUNT_SID": fake_twilio.account_sid,
            "TWILIO_FROM": settings.TWILIO_FROM, "TWILIO_API_URL": fake_twilio.url,
            "PUBLIC_BASE_URL": "http://localhost", "ALERTS_RATE": "8", "ALERTS_LEASE": "2",
            "SPOOL_DIR": str(tmp_path / "worker-spool")}


def _worker(env):
    """Start the Procfile's worker (with a daytime clock) in a process group of its own."""
    return subprocess.Popen([sys.executable, os.path.join(ROOT, "tests", "alert_worker.py")], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)


def _stop(proc):
    """Kill a worker's whole process group (the worker, its work horse and its scheduler)."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait(10)


def test_a_worker_killed_mid_send_resumes_without_duplicates(twilio_app, fake_twilio, worker_env):
    """The worker is killed (SIGKILL, the whole process group) after some messages; a new worker finishes the
    alert. Nobody gets it twice; at most the one message in flight at the kill is counted "not confirmed"."""
    numbers = [f"+150555520{n:02d}" for n in range(30)]
    for number in numbers:
        subscribe(twilio_app, number, "en", "Ohio")
    alert_id = write(twilio_app)
    service = twilio_app.extensions["alerts"]
    service.schedule(alert_id, None, "sam@example.org")
    tasks.start(twilio_app, alert_id, here=False)
    first = _worker(worker_env)
    try:
        fake_twilio.wait_for(8, timeout=60)
    finally:
        _stop(first)
    sent_before = len(fake_twilio.messages)
    assert sent_before < len(numbers) and service.store.alert(alert_id)["status"] == "sending"
    second = _worker(worker_env)
    try:
        deadline = time.monotonic() + 90
        while service.store.alert(alert_id)["status"] != "done":
            assert time.monotonic() < deadline, service.store.alert(alert_id)
            time.sleep(0.3)
    finally:
        _stop(second)
    per_number = collections.Counter(m["to"] for m in fake_twilio.messages)
    assert max(per_number.values()) == 1
    alert = service.store.alert(alert_id)
    assert alert["sent"] + alert["unknown"] == len(numbers) and alert["unknown"] <= 1
    assert len(per_number) in (alert["sent"], alert["sent"] + 1)
    assert len(per_number) > sent_before
