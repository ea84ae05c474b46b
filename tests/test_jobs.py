"""Check a job offer by text: DOL's files imported through the CLI, looked up through signed webhooks."""
import pytest

import jobfiles as jf
from conftest import SCRIPT, Texter, round_trips
from bot.conversation.sms import segments, sms_safe

LANGS = {"es": "1", "quc": "2", "en": "3"}  # the language menu's numbers


@pytest.fixture
def loaded(app, tmp_path):
    """Return the app with the sample H-2A (Excel), H-2B (CSV) and debarment files imported by the CLI."""
    runner = app.test_cli_runner()
    h2a = jf.write_xlsx(tmp_path / "H-2A_Disclosure_Data_FY2025_Q2.xlsx", jf.H2A_HEADERS, jf.SAMPLE_H2A)
    h2b = jf.write_csv(tmp_path / "h2b.csv", jf.H2B_HEADERS, jf.SAMPLE_H2B)
    deb = jf.write_csv(tmp_path / "debarred.csv", jf.DEBARRED_HEADERS, jf.SAMPLE_DEBARRED)
    for args in (["jobs", "import", str(h2a)], ["jobs", "import", str(h2b), "--program", "h2b"],
                 ["jobs", "debarred", str(deb)]):
        result = runner.invoke(args=args)
        assert result.exit_code == 0, result.output
    return app


def person(app, lang, channel="sms", number="+15055550123"):
    """Return a texter who has chosen lang and is at the main menu."""
    texter = Texter(app.test_client(), number=number, channel=channel)
    texter.send("hola")
    texter.send(LANGS[lang])
    return texter


def one(replies):
    assert len(replies) == 1, replies
    return replies[0]


FOUND = {"es": ["certificado por DOL", "RANCHO SOL LLC", "Salinas, CA", "1 mar-30 nov 2025",
                "12 trabajadores", "$18.50 por hora", "Datos DOL 10 feb 2025"],
         "en": ["certified by DOL", "RANCHO SOL LLC", "Salinas, CA", "Mar 1-Nov 30, 2025", "12 workers",
                "$18.50 an hour", "DOL data Feb 10, 2025"],
         "quc": ["certificado rumal ri DOL", "RANCHO SOL LLC", "Salinas, CA", "1 urox ik'-30 ujulaj ik' 2025",
                 "$18.50 chi jujun hora (k'i na)", "Etamab'al DOL 10 ukab' ik' 2025"]}
DO_NOT_PAY = {"es": "No pague a nadie por este trabajo.", "en": "Do not pay anyone for this job.",
              "quc": "Man kattoj ta chi re jun winaq rech we chak ri'."}


@pytest.mark.parametrize("channel", ["sms", "whatsapp"])
@pytest.mark.parametrize("lang", ["es", "quc", "en"])
def test_case_number_found_in_every_language_and_channel(loaded, lang, channel):
    texter = person(loaded, lang, channel)
    reply = one(texter.send("mi oferta dice H-300-25041-123456"))
    assert reply.startswith("H-300-25041-123456")
    for words in FOUND[lang]:
        assert words in reply, (words, reply)
    assert reply.endswith(DO_NOT_PAY[lang]), reply  # the commonest fraud charges fees for real jobs
    if channel == "sms" and lang != "quc":
        assert segments(reply) == ("GSM-7", 2), reply


def test_a_case_number_as_the_very_first_message(loaded):
    texter = Texter(loaded.test_client())
    reply = one(texter.send("H300 25041 123456"))
    assert "certificado por DOL" in reply and "RANCHO SOL LLC" in reply
    # The language the first message was answered in stays (issue 19): no greeting again.
    assert one(texter.send("hola")).startswith("Hola.")
    english = Texter(loaded.test_client(), number="+15055550133", channel="whatsapp")
    assert "certified by DOL" in one(english.send("Can you check case H-300-25041-123456?"))
    assert one(english.send("MENU")).startswith("Pick a number")  # MENU answers in English


@pytest.mark.parametrize("lang, words", [
    ("es", ["certificado en parte por DOL", "8 de 20 trabajadores", "Lakeland, FL"]),
    ("en", ["partly certified by DOL", "8 of 20 workers"]),
    ("quc", ["certificado jun pa'ch rumal ri DOL", "8 chike 20"])])
def test_partly_certified(loaded, lang, words):
    reply = one(person(loaded, lang).send("H-300-25050-222222"))
    for w in words:
        assert w in reply, (w, reply)


@pytest.mark.parametrize("number, es, en", [
    ("H-300-25060-333333", "negado por DOL", "denied by DOL"),
    ("H-300-25070-444444", "retirado (withdrawn)", "withdrawn")])
def test_denied_and_withdrawn_show_no_certified_period(loaded, number, es, en):
    reply = one(person(loaded, "es").send(number))
    assert es in reply and "trabajadores" not in reply and " mar-" not in reply
    assert en in one(person(loaded, "en", number="+15055550999").send(number))


@pytest.mark.parametrize("lang, words", [
    ("es", ["No encontramos el caso H-300-99999-999999", "10 feb 2025", "oferta falsa", "No pague a nadie",
            "PERSONA"]),
    ("en", ["Case H-300-99999-999999 is not in DOL's data of Feb 10, 2025", "fake offer", "PERSON"]),
    ("quc", ["H-300-99999-999999", "WINAQ"])])
def test_not_found_is_careful(loaded, lang, words):
    texter = person(loaded, lang, "whatsapp")
    reply = one(texter.send("H-300-99999-999999"))
    for w in words:
        assert w in reply, (w, reply)
    # the word it names then reaches a person: the answer leaves the texter where that word works
    assert one(texter.send(words[-1].lower())) == SCRIPT.text("handoff.open", lang)


@pytest.mark.parametrize("typed", ["h300 25041 123456", "H-3OO-25041-123456", "H30025041123456",
                                   "caso: H 300 25041 123456.", "300-25041-123456"])
def test_case_numbers_in_any_common_writing(loaded, typed):
    assert "RANCHO SOL LLC" in one(person(loaded, "es").send(typed))


@pytest.mark.parametrize("typed", ["H-300-25041-123465", "H-300-25041-12345", "H-300-25041-1234566",
                                   "H-400-25041-123456"])
def test_one_typing_slip_never_shows_the_real_case_as_the_texters(loaded, typed):
    """A fake offer may copy a real number with one digit changed: the answer names no other case."""
    reply = one(person(loaded, "es").send(typed))
    assert reply.startswith("No encontramos el caso") and "Revise el numero en su papel" in reply
    assert "REVISA LA EMPRESA" in reply and "No pague a nadie" in reply
    shown = reply.replace(typed, "")  # the number as the texter wrote it is said back; nothing else
    assert "H-300-25041-123456" not in shown and "RANCHO" not in reply and "certificado" not in reply
    english = one(person(loaded, "en", number="+15055550998").send(typed))
    assert "Check the number on your paper" in english and "CHECK EMPLOYER" in english


def test_old_h2a_case_numbers_and_an_older_years_columns(app, tmp_path):
    path = jf.write_csv(tmp_path / "H2A_FY2011.csv", jf.OLD_H2A_HEADERS, jf.SAMPLE_OLD)
    result = app.test_cli_runner().invoke(args=["jobs", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert "Column “TOTAL_WORKERS_H2A_CERTIFIED” read as workers certified" in result.output
    assert "Column “CASE_NO” read as case number" in result.output
    reply = one(person(app, "en").send("c 11060 28222"))
    assert reply.startswith("C-11060-28222") and "certified by DOL" in reply and "OLD TOBACCO FARM" in reply
    assert "Apr 1-Oct 31, 2011" in reply and "$9.30 an hour" in reply


def test_employer_name_with_typos_then_pick_by_number(loaded):
    texter = person(loaded, "es")
    reply = one(texter.send("revisa la empresa Rancho Sool"))
    assert "1. RANCHO SOL LLC (CA, 2025, H-2A)" in reply and "Responda con el número".replace("ú", "u") in reply
    assert reply.count("\n") <= 4  # at most three matches
    picked = one(texter.send("1"))
    assert picked.startswith("H-300-25041-123456") and "1 mar-30 nov 2025" in picked  # its latest season
    # the pick list lasted one message: "1" now is an ordinary menu choice again
    assert "RANCHO" not in " ".join(texter.send("1"))


def test_the_recruitment_topic_offers_to_check_an_offer(loaded):
    for lang, label, name in (("es", "Revisar una oferta de trabajo", "green valey farms"),
                              ("en", "Check a job offer", "green valley farm"),
                              ("quc", "Chawila' jun chak", "grean valley")):
        texter = person(loaded, lang, number=f"+150555501{len(lang)}{ord(lang[1]) % 10}")
        menu = "\n".join(texter.send("1"))  # main menu: recruitment; its text may take two SMS pages
        if label not in menu:
            more_word = SCRIPT.text("kw.more_page", lang).split(",")[0].strip()  # "mas" / "more"
            menu = "\n".join(texter.send(more_word))
            assert not menu.startswith(sms_safe(SCRIPT.text("err.not_understood", lang))), menu
        assert label in menu
        options = [line for line in menu.splitlines() if line[:1].isdigit() and ". " in line]
        more = sms_safe(SCRIPT.text("opt.more", lang))  # as an SMS shows it (accents folded)
        # last, after "Más información": the topic's other options keep their numbers on every page
        assert label in options[-1] and more in options[-2], options
        number = options[-1].split(".")[0]
        ask = one(texter.send(number))
        assert "H-300-" in ask and "H-400-" in ask
        reply = one(texter.send(name))  # a bare name, right after the question
        assert "GREEN VALLEY FARMS INC (FL, 2025, H-2A)" in reply, reply


def test_debarred_employer_is_flagged_with_its_period(loaded):
    reply = one(person(loaded, "es").send("H-300-25080-555555"))
    assert reply.startswith("ATENCION: Bad Harvest, LLC está en la lista de DOL de inhabilitados".replace("á", "a"))
    assert "del 15 ene 2024 al 14 ene 2031" in reply and "BAD HARVEST LLC" in reply
    listing = one(person(loaded, "en", "whatsapp", number="+15055550777").send("check employer bad harvest"))
    assert "BAD HARVEST LLC (WA, 2025, H-2A) - DEBARRED 2024-2031" in listing


def test_debarred_agent_is_flagged_wherever_the_job_is(loaded):
    reply = one(person(loaded, "en").send("H-300-25090-888888"))
    assert reply.startswith("WARNING: Crooked Labor Agents Inc is on DOL's H-2A debarment list from May 1, 2023 "
                            "to Apr 30, 2030."), reply
    assert "PINE HILL TOBACCO, Wilson, NC" in reply


def test_an_unknown_employer_gets_a_careful_answer(loaded):
    reply = one(person(loaded, "en").send("check company zzqx unknown holdings"))
    assert reply.startswith("No employer with that name in DOL's data of Feb 10, 2025")


def test_without_data_the_texter_is_told(app):
    reply = one(person(app, "es").send("H-300-25041-123456"))
    assert reply.startswith("Todavia no tenemos los datos de DOL")


def test_nothing_looked_up_is_kept_and_reports_count_by_day_and_language(loaded, redis_client, prefix):
    texter = person(loaded, "es")
    texter.send("H-300-25041-123456")
    texter.send("H-300-99999-999999")
    texter.send("revisa la empresa bad harvest")
    texter.send("volver")
    held = []
    for key in redis_client.scan_iter(match=f"{prefix}*"):
        name = key.decode()
        if "{jobs}" in name or name.endswith(":outbox"):
            continue
        kind = redis_client.type(key).decode()
        if kind == "string":
            held.append(redis_client.get(key))
        elif kind == "hash":
            held += [v for pair in redis_client.hgetall(key).items() for v in pair]
    text = b" ".join(v for v in held if isinstance(v, bytes)).decode("utf-8", "replace")
    # the session state and report counters hold no case number and no name (replies kept for retries aside)
    states = [v for v in held if isinstance(v, bytes) and v[:1].isdigit() and b"|" in v]
    for value in states:
        assert b"H300" not in value and b"25041" not in value and b"harvest" not in value.lower()
    figures = loaded.extensions["reports"].figures(*(2 * [loaded.extensions["reports"].today()]))
    counted = {k: v for k, v in figures.totals.items() if k.startswith("jobs:")}
    assert counted == {"jobs:found:es": 1, "jobs:not_found:es": 1, "jobs:debarred:es": 1}, (counted, text[:0])


def test_when_the_data_cannot_be_read_the_texter_is_told_to_write_again(loaded, monkeypatch):
    data = loaded.extensions["jobs"].data
    failing = data.redis.register_script("return redis.error_reply('the job data cannot be read')")
    # The case number's lookup runs beside the conversation's load (one round trip): it fails alone.
    monkeypatch.setattr(data, "lookup_call", lambda *args, **kwargs: (failing, [data.meta], []))
    texter = person(loaded, "en")
    assert one(texter.send("H-300-25041-123456")) == "We cannot check DOL's data right now. Write again in a few minutes."
    assert "1." in one(texter.send("menu"))  # the conversation itself goes on


def test_a_lookup_costs_one_round_trip_more_and_other_messages_none(loaded, redis_url, prefix):
    """Step: two scripts (load, commit); a case number or a name: one more (the lookup script, for a case
    number in the load's round trip: tests/test_redis_cost.py counts the round trips)."""
    texter = person(loaded, "es", number="+15055550522")
    texter.send("H-300-25041-123456")  # warms the scripts' cache and the process's indexes
    bodies = ["H-300-25050-222222", "h300 25041 123465", "Rancho Sool", "1", "menu"]
    seen = round_trips(redis_url, prefix, lambda: [texter.send(body) for body in bodies])
    assert seen == ["EVALSHA"] * (3 + 3 + 3 + 3 + 2), seen


@pytest.mark.parametrize("lang, said, expected", [
    ("es", "gracias", "Con gusto"), ("en", "thanks!", "You're welcome"),
    ("es", "quiero hablar con una persona", None), ("en", "ok", None)])
def test_at_the_job_question_small_talk_and_a_person_are_not_searched_as_a_name(loaded, lang, said, expected):
    """After "Check a job offer", "gracias" gets the friendly line, not "no employer with that name"."""
    texter = person(loaded, lang, number="+15055550199")
    pages = texter.send("1") + texter.send(SCRIPT.text("kw.more_page", lang).split(",")[0].strip())
    options = [line for line in "\n".join(pages).splitlines() if line[:1].isdigit()]  # on the first page
    ask = one(texter.send(options[-1].split(".")[0]))
    assert "H-300-" in ask
    reply = "\n".join(texter.send(said))
    no_match = sms_safe(SCRIPT.text("jobs.no_match", lang)).split("%")[0].split("{")[0][:25]
    assert no_match not in reply, reply
    if expected:
        assert expected in reply, reply
