"""Staff reports: a known mix of conversations through the signed webhook and the inbox gives exact
daily counters, the same numbers on the page, in the CSV and in `flask --app bot report`, and nothing
in them about any one person."""
import datetime
import re

import pytest

from bot import create_app
from bot.config import ConfigError, load_settings
from bot.storage.privacy import short_name
from bot.reports.figures import MAX_DAYS
from conftest import OPEN_HOURS, PERSON, Texter, choice, round_trips

DAY = "2026-11-24"  # OPEN_HOURS is 10:00 that day in New York, the office's time zone
NUMBERS = {"a": "+15055550501", "b": "+15055550502", "c": "+15055550503", "d": "+15055550504",
           "e": "+15055550505"}
BODIES = ("mi patron no me paga", "anyone there?", "Hola, soy Ana", "Hi, this is Ben", "segunda respuesta")

EXPECTED = {
    "started:sms:es": 5, "started:whatsapp:en": 1, "started:sms:quc": 1,
    "topic:pay": 1, "topic:recruitment": 1, "topic:trafficking": 1, "topic:asylum": 1,
    "referral:whd": 1, "referral:cdm": 1, "referral:ciam": 1, "referral:none": 1,
    "asked:es": 1, "asked_topic:none": 1, "asked:en": 1, "asked_topic:recruitment": 1,
    "claimed:es": 1, "claimed:en": 1, "closed:es": 1, "closed:en": 1,
    "wait:es:300": 1, "wait_sum:es": 180, "wait_count:es": 1,
    "wait:en:14400": 1, "wait_sum:en": 7200, "wait_count:en": 1,
    "deleted": 1, "opted_out": 1,
}

EXPECTED_CSV = """\
date,measure,language,channel,item,count
2026-11-24,conversations,en,whatsapp,,1
2026-11-24,conversations,es,sms,,5
2026-11-24,conversations,quc,sms,,1
2026-11-24,topic,,,asylum,1
2026-11-24,topic,,,pay,1
2026-11-24,topic,,,recruitment,1
2026-11-24,topic,,,trafficking,1
2026-11-24,referral,,,cdm,1
2026-11-24,referral,,,ciam,1
2026-11-24,referral,,,none,1
2026-11-24,referral,,,whd,1
2026-11-24,handoffs_asked,en,,,1
2026-11-24,handoffs_asked,es,,,1
2026-11-24,handoffs_asked_by_topic,,,none,1
2026-11-24,handoffs_asked_by_topic,,,recruitment,1
2026-11-24,handoffs_claimed,en,,,1
2026-11-24,handoffs_claimed,es,,,1
2026-11-24,handoffs_closed,en,,,1
2026-11-24,handoffs_closed,es,,,1
2026-11-24,first_reply_wait,en,,3600-14400,1
2026-11-24,first_reply_wait,es,,60-300,1
2026-11-24,first_reply_count,en,,,1
2026-11-24,first_reply_count,es,,,1
2026-11-24,first_reply_seconds_sum,en,,,7200
2026-11-24,first_reply_seconds_sum,es,,,180
2026-11-24,deletions,,,,1
2026-11-24,opt_outs,,,,1
"""

EXPECTED_TABLE = """\
Helpline report, 2026-11-23 to 2026-11-24 (days in America/New_York)

Conversations started  es  quc  en  total
2026-11-23              0    0   0      0
2026-11-24              5    1   1      7
total                   5    1   1      7
by channel: sms 6, whatsapp 1

Topics chosen  count
asylum             1
pay                1
recruitment        1
trafficking        1

Referrals given  count
cdm                  1
ciam                 1
none                 1
whd                  1

Handoffs  asked  claimed  closed  answered  average wait
es            1        1       1         1        3m 00s
en            1        1       1         1        2h 00m
total         2        2       2         2        1h 01m

Asked for a person while reading  count
(main menu)                           1
recruitment                           1

Time to first volunteer reply (s)  count
0-60                                   0
60-300                                 1
300-900                                0
900-1800                               0
1800-3600                              0
3600-14400                             1
14400-86400                            0
86400+                                 0
average: 1h 01m over 2 first replies

Other      count
deletions      1
opt-outs       1
"""


def _at(app, minutes):
    """Set the app's clock (conversations and inbox) to OPEN_HOURS plus minutes."""
    app.extensions["conversations"].clock = lambda: OPEN_HOURS + datetime.timedelta(minutes=minutes)


def _expire_session(app, texter):
    """Let a texter's session run out (as SESSION_TTL of silence would); their language stays."""
    store = app.extensions["conversations"].store
    store.redis.delete(store.key("s", app.extensions["conversations"].keys.pseudonym(texter.address)))


def _reply(user, h, body):
    """Send a volunteer's reply from the conversation page; return the response."""
    page = user.get(f"/inbox/c/{h}").get_data(as_text=True)
    token = re.search(r'name="token" type="hidden" value="([0-9a-f]{32})"', page).group(1)
    return user.post(f"/inbox/c/{h}/reply", {"body": body, "token": token})


@pytest.fixture
def mix(twilio_app, web, fake_twilio):
    """Drive a known mix of conversations through the webhook and the inbox; return the texters."""
    app = twilio_app
    pseudonym = app.extensions["conversations"].keys.pseudonym
    t = {name: Texter(app.test_client(), number, "whatsapp" if name == "b" else "sms")
         for name, number in NUMBERS.items()}
    _at(app, 0)
    # a: Spanish SMS; pay (Twilio retries that message: counted once); a referral in Ohio (no state
    # organisation there: WHD, CDM and the Mexican consulates' line); then a person from the main menu.
    t["a"].send("hola")
    t["a"].send("1")
    pay = t["a"].form(choice("main", "pay"))
    assert t["a"].post(pay).get_data() == t["a"].post(pay).get_data()
    t["a"].send(choice("pay", "referral"))
    assert "(WHD)" in t["a"].send("Ohio")[0]
    t["a"].send("menu")
    t["a"].send(PERSON)
    t["a"].send(BODIES[0])
    # b: English WhatsApp; recruitment, then a person from there; after a silence, a message for the
    # volunteer is not a new conversation.
    for body in ("hi", "english", choice("main", "recruitment"), choice("recruitment", "person")):
        t["b"].send(body)
    _expire_session(app, t["b"])
    assert "A person will answer you" in t["b"].send(BODIES[1])[0]  # kept for the volunteer
    # c: K'iche' SMS; EMERGENCIA; STOP; then silence from the bot.
    for body in ("hola", "2", "EMERGENCIA", "STOP", "hola"):
        t["c"].send(body)
    # d: Spanish by name; deletes everything; comes back as someone new and picks Spanish again.
    for body in ("español", "BORRAR", "SI", "hola", "1"):
        t["d"].send(body)
    # e: Spanish; silence; back (a new conversation); asylum; back to the menu; a referral in Honduras
    # finds nobody (no entry there but the asylum ones).
    t["e"].send("hola")
    t["e"].send("1")
    _expire_session(app, t["e"])
    for body in ("hola", choice("main", "asylum"), choice("asylum", "main"), choice("main", "referral"),
                 "Honduras"):
        t["e"].send(body)

    # Ana takes a: claims, hands back, claims again (one claim counted), answers after 3 minutes
    # (and again: only the first answer counts), closes (a second close is refused, not counted).
    ana, ben, sam = web("ana"), web("ben"), web("sam")
    a, b = pseudonym(t["a"].address), pseudonym(t["b"].address)
    assert ana.post(f"/inbox/c/{a}/claim").status_code == 303
    assert ana.post(f"/inbox/c/{a}/release").status_code == 303
    assert ana.post(f"/inbox/c/{a}/claim").status_code == 303
    _at(app, 3)
    assert _reply(ana, a, BODIES[2]).status_code == 303
    _at(app, 10)
    assert _reply(ana, a, BODIES[4]).status_code == 303
    assert ana.post(f"/inbox/c/{a}/close").status_code == 303
    assert ana.post(f"/inbox/c/{a}/close").status_code == 409
    # Ben takes b: Twilio refuses his first try at 1 hour (not an answer), the second goes at 2 hours;
    # Sam (staff) closes it.
    assert ben.post(f"/inbox/c/{b}/claim").status_code == 303
    _at(app, 60)
    fake_twilio.plan(("error", 400, 21211))
    assert _reply(ben, b, BODIES[3]).status_code == 303
    _at(app, 120)
    assert _reply(ben, b, BODIES[3]).status_code == 303
    assert sam.post(f"/inbox/c/{b}/close").status_code == 303
    _at(app, 0)
    return t


def test_a_known_mix_gives_exact_counts(twilio_app, mix):
    """Every counter of the day is exactly what the conversations and the volunteers did."""
    store = twilio_app.extensions["conversations"].store
    assert store.report_days([DAY]) == [EXPECTED]
    assert store.report_days(["2026-11-23", "2026-11-25"]) == [{}, {}]


def test_the_csv_holds_the_same_numbers(twilio_app, web, mix):
    """The CSV download: a row per day and counter, exactly."""
    response = web("sam").get(f"/admin/reports.csv?from={DAY}&to={DAY}")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == \
        f'attachment; filename="helpline-report-{DAY}-{DAY}.csv"'
    assert response.get_data(as_text=True).replace("\r\n", "\n") == EXPECTED_CSV


def test_the_cli_prints_the_same_figures(twilio_app, mix):
    """`flask --app bot report --from --to` prints them as tables; --csv prints the CSV."""
    runner = twilio_app.test_cli_runner()
    result = runner.invoke(args=["report", "--from", "2026-11-23", "--to", DAY])
    assert result.exit_code == 0, result.output
    assert result.output == EXPECTED_TABLE
    result = runner.invoke(args=["report", "--from", DAY, "--to", DAY, "--csv"])
    assert result.exit_code == 0 and result.output == EXPECTED_CSV


@pytest.mark.parametrize("args, message", [
    (["--from", "24/11/2026", "--to", DAY], "'24/11/2026' is not a date like 2026-11-24"),
    (["--from", DAY, "--to", "2026-02-30"], "'2026-02-30' is not a date like 2026-11-24"),
    (["--from", DAY, "--to", "2026-11-01"], "the period ends (2026-11-01) before it starts (2026-11-24)"),
    (["--from", "2024-01-01", "--to", DAY], f"the longest is {MAX_DAYS}"),
])
def test_the_cli_refuses_bad_dates(twilio_app, args, message):
    """A bad date or period: a clear message and exit status 2 (a usage error)."""
    result = twilio_app.test_cli_runner().invoke(args=["report", *args])
    assert result.exit_code == 2 and message in result.output, result.output


def test_the_page_shows_the_counts(twilio_app, web, mix):
    """The page's charts (SVG drawn on the server) and tables carry the counts."""
    page = web("sam").get(f"/admin/reports?from={DAY}&to={DAY}")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    html = page.get_data(as_text=True)
    for chart, key, value in [("languages", "es", 5), ("languages", "quc", 1), ("languages", "en", 1),
                              ("channels", "sms", 6), ("channels", "whatsapp", 1),
                              ("topics", "pay", 1), ("topics", "asylum", 1), ("waits", "300", 1),
                              ("waits", "14400", 1), ("waits", "60", 0), ("referrals", "none", 1)]:
        svg = re.search(rf'<svg class="chart bars" id="{chart}".*?</svg>', html, re.S).group(0)
        assert f'data-key="{key}" data-value="{value}"' in svg, (chart, key)
    over_time = re.search(r'<svg class="chart columns" id="over-time".*?</svg>', html, re.S).group(0)
    assert 'data-total="7"' in over_time and '<text class="total"' in over_time
    for figure, value in (("conversations", "7"), ("asked", "2"), ("claimed", "2"), ("closed", "2"),
                          ("answered", "2"), ("deleted", "1"), ("opted_out", "1")):
        assert f'data-figure="{figure}">{value}</dd>' in html
    table = re.sub(r"\s+", " ", re.search(r'<table id="handoffs">.*?</table>', html, re.S).group(0))
    assert ('<tr><th>Claimed by a volunteer</th><td data-lang="es">1</td><td data-lang="en">1</td>'
            '<td data-lang="total">2</td></tr>') in table
    assert '<td data-lang="es">3 minutes</td><td data-lang="en">2 hours</td>' in table
    assert "Wage and Hour Division" in html and "asylum, safety" in html  # Sam reads English
    assert "no organisation for that place" in html
    assert "<script>" not in html and "style=" not in html  # the CSP allows neither


def test_the_page_speaks_spanish(twilio_app, web, mix):
    """A Spanish-speaking staff member reads the page in Spanish."""
    twilio_app.extensions["accounts"].add("eva@example.org", "staff", "correct horse battery staple")
    eva = web()
    assert eva.login("eva@example.org").status_code == 302
    html = eva.get(f"/admin/reports?from={DAY}&to={DAY}").get_data(as_text=True)
    assert "Informes" in html and "Temas" in html and "Descargar" in html


def test_no_number_pseudonym_or_text_in_the_reports(twilio_app, web, mix, redis_client, prefix):
    """Report keys and values, the page and the CSV hold counts only: no number, pseudonym or text."""
    keys = sorted(k.decode() for k in redis_client.scan_iter(match=f"{prefix}report:*"))
    assert keys == [f"{prefix}report:{DAY}"]
    keys_of = twilio_app.extensions["conversations"].keys
    secrets = set(BODIES)
    for number in NUMBERS.values():
        h = keys_of.pseudonym(number)
        secrets |= {number, number[1:], number[-10:], number[-4:], h, short_name(h), h[:6]}
    sam = web("sam")
    texts = [sam.get(f"/admin/reports?from={DAY}&to={DAY}").get_data(as_text=True),
             sam.get(f"/admin/reports.csv?from={DAY}&to={DAY}").get_data(as_text=True)]
    for key in keys:
        assert re.fullmatch(rf"{re.escape(prefix)}report:\d{{4}}-\d{{2}}-\d{{2}}", key)
        assert 0 < redis_client.ttl(key) <= 365 * 86400
        for field, value in redis_client.hgetall(key).items():
            field, value = field.decode(), value.decode()
            assert re.fullmatch(r"[a-z_]+(:[a-z0-9_-]+){0,2}", field), field
            assert re.fullmatch(r"\d+", value), value
            texts.append(f"{field}={value}")
    for text in texts:
        for secret in secrets:
            assert secret not in text, secret


def test_counters_are_kept_reports_ttl(settings):
    """REPORTS_TTL sets how long a day's counters live; less than a day is refused at start."""
    app = create_app({**settings, "REPORTS_TTL": str(3 * 86400)})
    app.extensions["conversations"].clock = lambda: OPEN_HOURS
    texter = Texter(app.test_client(), "+15055550511")
    texter.send("hola")
    texter.send("1")
    store = app.extensions["conversations"].store
    assert 3 * 86400 - 5 < store.redis.ttl(store.report_key(DAY)) <= 3 * 86400
    with pytest.raises(ConfigError, match="REPORTS_TTL must be at least 86400"):
        load_settings(environ={"REPORTS_TTL": "3600"})
    assert load_settings(environ={}).REPORTS_TTL == 365 * 86400
    app.extensions["intake"].stop()


@pytest.mark.parametrize("query, message", [
    ("from=2026-13-01&to=2026-11-24", "“2026-13-01” is not a date. Write it like 2026-11-24"),
    ("from=yesterday&to=2026-11-24", "“yesterday” is not a date."),
    ("from=2026-11-24&to=2026-11-01", "The period ends before it starts."),
    ("from=2025-01-01&to=2026-11-24", f"The period is 693 days long; the longest is {MAX_DAYS} days."),
])
def test_bad_periods_get_a_clear_400(web, query, message):
    """A bad date or period: 400 and a sentence saying what is wrong, on the page and for the CSV."""
    sam = web("sam")
    page = sam.get(f"/admin/reports?{query}")
    assert page.status_code == 400 and message in page.get_data(as_text=True)
    assert 'id="from"' in page.get_data(as_text=True)  # the form is there to try again
    csv_response = sam.get(f"/admin/reports.csv?{query}")
    assert csv_response.status_code == 400 and message in csv_response.get_data(as_text=True)


def test_default_period_is_the_last_30_days(web, twilio_app):
    """Without dates: the 30 days up to today (the office's today)."""
    html = web("sam").get("/admin/reports").get_data(as_text=True)
    assert 'value="2026-10-26"' in html and f'value="{DAY}"' in html
    assert "No conversation started in this period." in html


@pytest.mark.parametrize("path", ["/admin/reports", f"/admin/reports?from={DAY}&to={DAY}",
                                  "/admin/reports.csv"])
@pytest.mark.parametrize("role, expected", [(None, "302 /login"), ("ana", "403"), ("sam", "200")])
def test_every_report_route_for_every_role(web, path, role, expected):
    """Anonymous visitors go to /login, volunteers get 403, staff get the page and the CSV."""
    response = web(role).get(path)
    status, _, target = expected.partition(" ")
    assert response.status_code == int(status)
    if target:
        assert response.location.startswith(target)


def test_staff_see_the_reports_link(web):
    """The page header links to the reports for staff only."""
    assert 'href="/admin/reports"' in web("sam").get("/inbox/").get_data(as_text=True)
    assert 'href="/admin/reports"' not in web("ana").get("/inbox/").get_data(as_text=True)


def test_a_message_still_costs_two_round_trips(app, redis_url, prefix):
    """Counting rides in the commit script: two round trips a message on a single server."""
    texter = Texter(app.test_client(), "+15055550521")
    texter.send("hola")  # the first message also publishes nothing new; warm the scripts' cache
    bodies = ["1", choice("main", "pay"), choice("pay", "referral"), "Ohio", "menu", "EMERGENCIA"]
    seen = round_trips(redis_url, prefix, lambda: [texter.send(body) for body in bodies])
    assert seen == ["EVALSHA", "EVALSHA"] * len(bodies)
    counts = app.extensions["conversations"].store.report_days([DAY])[0]
    assert counts == {"started:sms:es": 1, "topic:pay": 1, "referral:whd": 1, "referral:cdm": 1,
                      "referral:ciam": 1, "topic:trafficking": 1}


def test_counts_on_redis_cluster(settings, redis_cluster):
    """On Redis Cluster the counters go in a call of their own after the commit: same counts, and a
    retried MessageSid still counts once."""
    app = create_app({**settings, "REDIS_URL": redis_cluster, "REDIS_CLUSTER": "1"})
    app.extensions["conversations"].clock = lambda: OPEN_HOURS
    store = app.extensions["conversations"].store
    assert store.cluster
    texter = Texter(app.test_client(), "+15055550531", "whatsapp")
    texter.send("hi")
    texter.send("english")
    pay = texter.form(choice("main", "pay"))
    texter.post(pay)
    texter.post(pay)
    texter.send("STOP")
    assert store.report_days([DAY]) == [{"started:whatsapp:en": 1, "topic:pay": 1, "opted_out": 1}]
    app.extensions["intake"].stop()


@pytest.mark.parametrize("top, step", [(0, 1), (1, 1), (3, 1), (7, 2), (19, 5), (40, 10), (99, 50), (1234, 500)])
def test_gridlines_are_round_numbers(top, step):
    """Gridlines go up in 1, 2 or 5 times a power of ten, at most four above zero."""
    from bot.reports.charts import nice_step
    assert nice_step(top) == step


def test_column_heights_are_proportional():
    """Stacked segments are as tall as their counts; the tallest column reaches the top gridline."""
    from bot.reports.charts import PLOT, column_chart
    chart = column_chart([("Mon", {"es": 6, "en": 2}), ("Tue", {"en": 4}), ("Wed", {})], ["es", "en"])
    heights = [[round(s.height, 3) for s in c.segments] for c in chart.columns]
    top = chart.ticks[-1][0]
    assert top == 8 and heights == [[6 * PLOT / 8, 2 * PLOT / 8], [4 * PLOT / 8], []]
    assert [c.total for c in chart.columns] == [8, 4, 0] and chart.show_totals
    assert [label for _, _, label in chart.labels] == ["Mon", "Tue", "Wed"]
