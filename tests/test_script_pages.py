"""The staff's script pages: the tree, editing texts, keywords, reviews, the directory, publishing,
history and restore, translators' files and the simulator, through the web pages."""
import html
import io
import re

import pytest
from babel.messages.pofile import read_po, write_po

from bot.conversation.checks import text_ids
from conftest import PASSWORD, PERSON, REFERRAL, Texter

ENTRY = {"name": "Legal Aid Test", "phone_number": ["1-800-321-6742", ""], "phone_kind": ["call", "call"],
         "phone_from": ["US", "US"], "topics": ["general", "pay"], "serves": "us-nc, US-SC", "languages": "es en",
         "hours_es": "Lunes a viernes", "hours_en": "Monday to Friday", "checked": "2026-11-01", "source": "test"}


@pytest.fixture
def sam(web):
    """Return the staff member, logged in (pages in English)."""
    return web("sam")


@pytest.fixture
def scripts(twilio_app):
    """Return the app's ScriptService."""
    return twilio_app.extensions["scripts"]


def page_text(response):
    """Return a page's HTML with entities decoded."""
    return html.unescape(response.get_data(as_text=True))


def cdm_form(scripts, number):
    """Return the directory form of CDM with its US number replaced."""
    cdm = next(e for e in scripts.bundle()["directory"] if e["id"] == "cdm")
    phones = [dict(p) for p in cdm["phones"]]
    phones[0]["number"] = number
    return {"name": cdm["name"], "phone_number": [p["number"] for p in phones],
            "phone_kind": [p["kind"] for p in phones], "phone_from": [p["from"] for p in phones],
            "topics": cdm["topics"], "serves": ", ".join(cdm["serves"]), "languages": "",
            **{f"hours_{k}": v for k, v in cdm["hours"].items()}, "checked": cdm["checked"], "source": cdm["source"]}


def referral_reply(app, number, place="Ohio"):
    """Return what a new texter gets when they ask for an organisation in place."""
    texter = Texter(app.test_client(), number)
    texter.send("hola")
    texter.send("1")
    texter.send(REFERRAL)
    return texter.send(place)[0]


def test_tree_shows_every_node_and_message_in_three_languages(scripts, sam):
    """Each node has its section, each text its row with Spanish, K'iche' and English, its SMS cost and
    its warnings; the tree starts from the greeting."""
    page = page_text(sam.get("/admin/script/"))
    script = scripts.script()
    for node_id in script.nodes:
        assert f'id="node-{node_id}"' in page
    for tid in text_ids(script):
        assert f'id="text-{tid}"' in page, tid
    row = page[page.index('id="text-main.intro"'):]
    row = row[:row.index("</article>")]
    for lang in ("es", "quc", "en"):
        assert script.catalogs[lang]["main.intro"].text in row
    assert row.count("SMS: GSM-7, 1 segment<") == 3 and "Not yet reviewed by a native speaker." in row
    tree = page[page.index('id="tree"'):page.index("</ul>\n</section>")]
    assert tree.index(">language<") < tree.index(">main<") < tree.index(">recruitment<")
    assert "The checks found 0 errors and " in page


def test_warnings_say_what_is_wrong_in_each_language(scripts, sam):
    """Missing, stale, not reviewed, over budget and non-GSM characters (named) are shown per language."""
    scripts.set_text("main.intro", "en", "", by="t")                   # missing in English
    scripts.set_text("rec.fees", "es", "Nuevo texto sobre cobros.", by="t")  # English and K'iche' now stale
    scripts.set_text("info.disclaimer", "en", "Information only, not legal advice. Façade. " * 12, by="t")
    page = page_text(sam.get("/admin/script/"))
    assert "Missing: texters get the Spanish text." in page
    fees = page[page.index('id="text-rec.fees"'):]
    fees = fees[:fees.index("</article>")]
    assert fees.count("Stale: the Spanish text changed since this translation was made.") == 2
    disclaimer = page[page.index('id="text-info.disclaimer"'):]
    disclaimer = disclaimer[:disclaimer.index("</article>")]
    assert "'ç' (U+00E7 LATIN SMALL LETTER C WITH CEDILLA)" in disclaimer
    assert re.search(r"\d+ SMS segments: over the budget of 3\.", disclaimer)
    assert "SMS: UCS-2" in disclaimer


def test_every_warning_about_a_text_is_one_the_pages_translate(scripts):
    """The pages say the usual warnings in their own words: each kind the checks give a text is known."""
    from bot.staff.view import finding_kind
    scripts.set_text("main.intro", "en", "", by="t")
    scripts.set_text("rec.fees", "es", "Nuevo texto sobre cobros.", by="t")
    scripts.set_text("info.disclaimer", "en", "Façade. " * 100, by="t")
    kinds = {finding_kind(p) for p in scripts.check() if p.where.startswith("text[") and p.where.count(".") >= 1
             and p.level == "warning" and re.match(r"text\[[^\]]+\]\.\w+$", p.where)}
    assert kinds == {"missing", "stale", "review", "gsm", "budget"}


def test_edit_a_text_and_see_its_cost_and_the_published_one(scripts, sam, texter):
    """A text saved in any language goes into the draft (not to texters); its page shows the counter,
    the published text beside it, and the stale translations it made."""
    response = sam.post("/admin/script/text/main.intro/es", {"text": "Menú nuevo:\r\n", "was": scripts.bundle()[
        "catalogs"]["es"]["main.intro"]["text"]})
    assert response.status_code == 303 and response.location.endswith("/admin/script/text/main.intro#lang-es")
    assert scripts.bundle()["catalogs"]["es"]["main.intro"]["text"] == "Menú nuevo:"
    assert "Menú nuevo" not in texter.send("hola")[0] + texter.send("1")[0]  # only the draft has it
    page = page_text(sam.get("/admin/script/text/main.intro"))
    assert 'data-cost="cost-es"' in page and 'data-fold="1"' in page and 'id="cost-quc"' in page
    assert "Published text (the draft changes it):" in page
    assert page.count('<span class="badge warn">stale</span>') == 2  # English and K'iche' now stale
    assert "Saved in the draft. Publish to put it in force." in page


def test_keywords_review_and_comment(scripts, sam):
    """Keywords are cleaned and kept as a list; a K'iche' text is marked reviewed (and back); a comment is kept."""
    assert sam.post("/admin/script/text/kw.menu/en", {"text": " menu ,Menu,  start   over, "}).status_code == 303
    assert scripts.bundle()["catalogs"]["en"]["kw.menu"]["text"] == "menu, start over"
    page = page_text(sam.get("/admin/script/text/kw.menu"))
    assert 'name="text" value="menu, start over"' in page and "data-cost" not in page
    assert sam.post("/admin/script/text/main.intro/quc/review", {"reviewed": "1"}).status_code == 303
    assert "needs-review" not in scripts.bundle()["catalogs"]["quc"]["main.intro"].get("flags", [])
    page = page_text(sam.get("/admin/script/text/main.intro"))
    assert '<span class="badge ok">reviewed</span>' in page and "Mark as needing review again" in page
    sam.post("/admin/script/text/main.intro/quc/review", {"reviewed": "0"})
    assert "needs-review" in scripts.bundle()["catalogs"]["quc"]["main.intro"]["flags"]
    assert sam.post("/admin/script/text/main.intro/es/comment", {"comment": "CONTENT-FACTS row 3\n\nchecked"}).status_code == 303
    assert scripts.bundle()["catalogs"]["es"]["main.intro"]["comments"] == ["CONTENT-FACTS row 3", "checked"]


def test_directory_add_edit_remove(scripts, sam):
    """An organisation is added, changed (fields the form lacks are kept) and removed, in the draft."""
    response = sam.post("/admin/script/directory/new", {**ENTRY, "id": "legal_aid_test"})
    assert response.status_code == 303
    entry = next(e for e in scripts.bundle()["directory"] if e["id"] == "legal_aid_test")
    assert entry["serves"] == ["US-NC", "US-SC"] and entry["languages"] == ["es", "en"]
    assert entry["phones"] == [{"number": "1-800-321-6742", "kind": "call", "from": "US"}]
    assert entry["hours"] == {"es": "Lunes a viernes", "en": "Monday to Friday"} and entry["checked"] == "2026-11-01"
    page = page_text(sam.get("/admin/script/directory"))
    assert 'id="entry-legal_aid_test"' in page and "1-800-321-6742" in page
    form = {**ENTRY, "phone_number": ["1-800-321-6742", "1-800-669-4000"], "phone_kind": ["call", "text"],
            "phone_from": ["US", "US"], "nationality": "mx"}
    assert sam.post("/admin/script/directory/legal_aid_test", form).status_code == 303
    entry = next(e for e in scripts.bundle()["directory"] if e["id"] == "legal_aid_test")
    assert [p["kind"] for p in entry["phones"]] == ["call", "text"] and entry["nationality"] == "MX"
    ciam = sam.get("/admin/script/directory/ciam")
    assert 'name="nationality" value="MX"' in ciam.get_data(as_text=True)
    assert sam.post("/admin/script/directory/legal_aid_test/remove", {}).status_code == 303
    assert all(e["id"] != "legal_aid_test" for e in scripts.bundle()["directory"])


def test_phone_number_change_is_checked_published_seen_and_restored(twilio_app, scripts, sam):
    """An unparseable number is saved in the draft but blocks publishing, saying where; a good one is
    published, reaches texters, is listed in the history, and a restore brings the old one back."""
    old = next(e for e in scripts.bundle()["directory"] if e["id"] == "cdm")["phones"][0]["number"]
    assert old in referral_reply(twilio_app, "+15055550501")
    saved = sam.post("/admin/script/directory/cdm", cdm_form(scripts, "1-855-234-969"))
    assert saved.status_code == 303
    page = page_text(sam.get(saved.location))
    assert "Directory: cdm, phone 1" in page and "is not a phone number phonenumbers can read" in page
    assert "the draft cannot be published until they are fixed" in page
    publish = page_text(sam.get("/admin/script/publish"))
    assert 'id="errors"' in publish and "Directory: cdm, phone 1" in publish
    refused = sam.post("/admin/script/publish", {"note": "new number", "expected_head": "1"})
    assert refused.status_code == 422 and "1-855-234-969" in page_text(refused)
    sam.post("/admin/script/directory/cdm", cdm_form(scripts, "1-855-234-9698"))
    publish = page_text(sam.get("/admin/script/publish"))
    assert "None: the draft can be published." in publish
    assert 'Directory: cdm</a> <span class="meta">Phones</span> <del>1-855-234-9699 (call, US); ' in publish
    assert "<ins>1-855-234-9698 (call, US); 800-590-1773 (call, MX)" in publish
    published = sam.post("/admin/script/publish", {"note": "CDM's new number", "expected_head": "1"})
    assert published.status_code == 303 and published.location.endswith("/admin/script/history")
    assert "1-855-234-9698" in referral_reply(twilio_app, "+15055550502")
    history = page_text(sam.get("/admin/script/history"))
    assert "Version 2" in history and "CDM's new number" in history and "1-855-234-9698" in history
    assert 'id="restore-1"' in history and 'id="restore-2"' not in history
    assert sam.post("/admin/script/history/1/restore", {"note": "the old number"}).status_code == 303
    assert old in referral_reply(twilio_app, "+15055550503")
    assert [(v.number, v.source, v.restored_from) for v in scripts.history()][0] == (3, "restore", 1)
    actions = [e["action"] for e in twilio_app.extensions["accounts"].store.audit_log()]
    assert actions[:2] == ["script_restore", "script_publish"]


def test_a_draft_started_before_a_newer_version_is_published_only_when_forced(scripts, sam):
    """Publishing a draft would undo a version published since it started: the page says so."""
    scripts.set_text("main.intro", "en", "Main menu, version two.", by="t")
    scripts.publish("t", "two")
    scripts.set_text("main.intro", "en", "Main menu, in the draft.", by="t")
    scripts.restore(1, by="t")
    page = page_text(sam.get("/admin/script/publish"))
    assert "The draft was started from version 2, and version 3 has been published since" in page
    refused = sam.post("/admin/script/publish", {"note": "x", "expected_head": "3"})
    assert refused.status_code == 409 and "would undo it" in page_text(refused)
    assert sam.post("/admin/script/publish", {"note": "x", "expected_head": "3", "force": "1"}).status_code == 303
    assert scripts.head().number == 4


def test_nothing_to_publish_and_discard(scripts, sam):
    """Without a draft the page says there is nothing to publish; a discarded draft is gone."""
    assert 'id="nothing"' in page_text(sam.get("/admin/script/publish"))
    assert sam.post("/admin/script/publish", {"note": "x"}).status_code == 404
    scripts.set_text("main.intro", "en", "Main menu, draft.", by="t")
    assert "Draft: 1 change, started from version 1" in page_text(sam.get("/admin/script/"))
    assert sam.post("/admin/script/draft/discard", {}).status_code == 303
    assert scripts.draft() is None


def test_office_hours_page_edits_the_draft(scripts, sam):
    """The hours form shows the draft's hours and what is in force while they differ."""
    assert sam.post("/admin/script/hours", {"timezone": "America/Chicago", "mon": " 08:00-12:00 ,13:00-17:00"}
                    ).status_code == 303
    assert scripts.bundle()["spec"]["office_hours"] == {"timezone": "America/Chicago",
                                                         "days": {"mon": "08:00-12:00, 13:00-17:00"}}
    page = page_text(sam.get("/admin/script/hours"))
    assert 'value="08:00-12:00, 13:00-17:00"' in page and "In force now (published):" in page
    published = page[page.index('id="published-hours"'):page.index('id="hours-form"')]
    assert "Monday" in published and "Saturday</dt><dd>closed" in published and "America/New_York" in published
    assert 'placeholder="closed"' in page and 'placeholder="09:00' not in page
    assert [c.where for c in scripts.diff()] == ["office_hours"]


@pytest.mark.parametrize("monday, status, words", [
    ("00:00-24:00", 303, None),
    ("09:00-12:00, 11:00-14:00", 400, "Monday: 09:00-12:00 and 11:00-14:00 overlap"),
    (", ".join(["09:00-17:00"] * 1000), 400, "Monday has 1000 time ranges; at most 6."),
    ("09:00-17:00, 09:00-17:00", 400, "Monday: 09:00-17:00 and 09:00-17:00 overlap"),
    ("24:00-10:00", 400, "Monday: “24:00-10:00” ends before it starts."),
])
def test_office_hours_allow_whole_days_and_refuse_overlaps_naming_the_day(scripts, sam, monday, status, words):
    """00:00-24:00 is a whole day; overlapping or repeated ranges are refused in a sentence naming the day."""
    response = sam.post("/admin/script/hours", {"timezone": "America/Chicago", "mon": monday})
    assert response.status_code == status
    if words:
        assert words in page_text(response)
    else:
        assert scripts.bundle()["spec"]["office_hours"]["days"]["mon"] == "00:00-24:00"


def test_translators_files_download_and_upload(scripts, sam):
    """A PO file is downloaded, changed by a translator, uploaded into the draft; the page lists the change."""
    response = sam.get("/admin/script/files/en.po")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    catalog = read_po(io.BytesIO(response.data))
    next(m for m in catalog if m.context == "main.intro").string = "Main menu, from the translator."
    out = io.BytesIO()
    write_po(out, catalog, width=76)
    uploaded = sam.post("/admin/script/files", {"lang": "en", "file": (io.BytesIO(out.getvalue()), "en.po")})
    page = page_text(uploaded)
    assert uploaded.status_code == 200 and "main.intro (English)" in page and "Main menu, from the translator." in page
    assert scripts.bundle()["catalogs"]["en"]["main.intro"]["text"] == "Main menu, from the translator."
    assert b"Main menu, from the translator." in sam.get("/admin/script/files/en.po").data
    assert b"Main menu, from the translator." not in sam.get("/admin/script/files/en.po?version=published").data


def test_simulator_page_talks_to_the_chosen_version_and_stores_nothing(twilio_app, scripts, sam, redis_client,
                                                                      prefix):
    """The draft and the published version answer differently; costs are shown; the handoff waits until
    closed; no key is added to Redis and nobody is queued."""
    greeting = scripts.bundle()["spec"]["nodes"]["language"]["text"][0]
    scripts.set_text(greeting, "es", "Hola, esto es el borrador.", by="t")
    keys = set(redis_client.scan_iter(match=f"{prefix}*"))
    sam.get("/admin/script/simulator/")

    def say(page, body):
        token = re.search(r'name="token" value="([^"]+)"', page)[1]
        response = sam.post("/admin/script/simulator/", {"action": "send", "token": token, "body": body})
        assert response.status_code == 200
        return page_text(response)

    start = {"action": "start", "version": "draft", "lang": "", "channel": "sms"}
    page = say(page_text(sam.post("/admin/script/simulator/", start)), "hola")
    assert "Hola, esto es el borrador." in page and "SMS: GSM-7, 1 segment," in page
    page = page_text(sam.post("/admin/script/simulator/", {**start, "version": "published"}))
    assert "esto es el borrador" not in say(page, "hola")
    page = page_text(sam.post("/admin/script/simulator/", {**start, "version": "published", "lang": "es"}))
    for body in ("hola", REFERRAL):
        page = say(page, body)
    page = say(page, "Ohio")
    assert "1-855-234-9699" in page and "now at node referral" in page
    page = say(say(page, "menu"), PERSON)
    assert "The texter asked for a person" in page and 'id="sim-close"' in page
    page = say(page, "necesito ayuda")
    assert "Kept for the volunteer." in page
    token = re.search(r'name="token" value="([^"]+)"', page)[1]
    closed = page_text(sam.post("/admin/script/simulator/", {"action": "close", "token": token}))
    assert "A volunteer closed the conversation" in closed and "Gracias por escribirnos" in closed
    whatsapp = say(page_text(sam.post("/admin/script/simulator/", {**start, "channel": "whatsapp"})), "hola")
    assert "WhatsApp: " in whatsapp and " characters" in whatsapp
    assert set(redis_client.scan_iter(match=f"{prefix}*")) == keys
    assert twilio_app.extensions["conversations"].store.waiting() == []


def test_pages_speak_spanish(twilio_app, web):
    """A staff member who reads Spanish gets the script pages in Spanish."""
    twilio_app.extensions["accounts"].add("eva@example.org", "staff", PASSWORD, ui_lang="es")
    eva = web()
    eva.login("eva@example.org")
    for path, words in (("/admin/script/", "Árbol del menú"), ("/admin/script/publish", "Publicar el borrador"),
                        ("/admin/script/simulator/", "Simulador"), ("/admin/script/history", "Versiones"),
                        ("/admin/script/directory", "Directorio de referencias"), ("/admin/script/hours", "Zona horaria"),
                        ("/admin/script/files", "Archivos para traductores"),
                        ("/admin/script/text/main.intro", "Guardar en el borrador")):
        assert words in page_text(eva.get(path)), path
    tree = page_text(eva.get("/admin/script/"))
    assert "Aún no revisado por un hablante nativo." in tree
    # counts agree with their number, as Spanish writes them: never "segmento(s)" or "error(es)"
    assert "SMS: GSM-7, 1 segmento<" in tree and "Las revisiones encontraron 0 errores y " in tree
    assert not re.search(r"\w\((s|es)\)", tree)


def test_history_with_a_version_missing_still_shows(scripts, sam, tmp_path):
    """A backup restored without one version (import-all of some files): the history says so, no error."""
    for n in (2, 3):
        scripts.set_text("main.intro", "en", f"Main menu, version {n}.", by="t")
        scripts.publish("t", f"version {n}")
    scripts.export_all(tmp_path)
    (tmp_path / "version-0002.json").unlink()
    scripts.import_all(tmp_path, replace=True)
    page = page_text(sam.get("/admin/script/history"))
    assert "Version 2 is not kept: the changes cannot be shown." in page and "The first version" in page


def test_a_whole_day_is_open_until_midnight_and_overlaps_are_errors():
    """00:00-24:00 is open at 23:59 and closed on the next day; the pure side refuses overlaps too."""
    import datetime as dt
    from zoneinfo import ZoneInfo
    from bot.conversation import hours
    office = {"timezone": "America/New_York", "days": {"mon": "00:00-24:00"}}
    tz = ZoneInfo("America/New_York")
    assert hours.is_open(dt.datetime(2026, 11, 30, 23, 59, tzinfo=tz), office)  # a Monday
    assert hours.is_open(dt.datetime(2026, 11, 30, 0, 0, tzinfo=tz), office)
    assert not hours.is_open(dt.datetime(2026, 12, 1, 0, 0, tzinfo=tz), office)
    assert hours.next_opening(dt.datetime(2026, 12, 1, 9, 0, tzinfo=tz), office).day == 7
    with pytest.raises(ValueError, match="overlap"):
        hours.parse_hours({"timezone": "UTC", "days": {"tue": "09:00-12:00, 11:00-13:00"}})
    with pytest.raises(ValueError, match="ranges"):
        hours.parse_hours({"timezone": "UTC", "days": {"tue": ", ".join(["09:00-10:00"] * 7)}})


def test_long_organisation_names_are_whole_on_a_desktop(twilio_app):
    """A bar whose name is cut for phones also carries the whole name, shown on wider screens (CSS)."""
    from bot.reports import charts
    chart = charts.bar_chart([("cdm", "Centro de los Derechos del Migrante, I…", 3)],
                             titles={"cdm": "Centro de los Derechos del Migrante, Inc. (CDM)"})
    with twilio_app.test_request_context("/"):
        macro = twilio_app.jinja_env.get_template("admin/reports/_charts.html").module.bar_chart
        svg = str(macro(chart, "referrals", "Referrals", ""))
    assert '<text class="label full" x="0" y="15">Centro de los Derechos del Migrante, Inc. (CDM)</text>' in svg
    assert '<text class="label cut"' in svg


def test_directory_names_per_language_and_web_address(scripts, sam):
    """Staff give an organisation its name in each language and a web address; emptied, both go away."""
    form = {**ENTRY, "id": "legal_aid_names", "names_es": "Ayuda Legal de Prueba", "names_quc": "To'b'anik",
            "web": "justice.gov/eoir/list-pro-bono-legal-service-providers"}
    assert sam.post("/admin/script/directory/new", form).status_code == 303
    entry = next(e for e in scripts.bundle()["directory"] if e["id"] == "legal_aid_names")
    assert entry["names"] == {"es": "Ayuda Legal de Prueba", "quc": "To'b'anik"}
    assert entry["web"] == "justice.gov/eoir/list-pro-bono-legal-service-providers"
    page = page_text(sam.get("/admin/script/directory/legal_aid_names"))
    assert 'id="names_es" name="names_es" value="Ayuda Legal de Prueba"' in page
    assert sam.post("/admin/script/directory/legal_aid_names",
                    {**form, "names_es": "", "names_quc": "", "web": ""}).status_code == 303
    entry = next(e for e in scripts.bundle()["directory"] if e["id"] == "legal_aid_names")
    assert "names" not in entry and "web" not in entry
    too_long = sam.post("/admin/script/directory/legal_aid_names", {**form, "names_es": "x" * 201})
    assert too_long.status_code in (400, 422)
