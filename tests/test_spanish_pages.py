"""Every page a Spanish-speaking volunteer or staff member can open is in Spanish: no English UI string
(from the pages' own catalog, and a list of short words that leaked before) in what they can read."""
import datetime
import html
import re

import pytest
from babel.messages.pofile import read_po

from conftest import OPEN_HOURS, PASSWORD, PERSON, Texter, ask_for_person
from test_ui_catalog import PO

# Short English words and phrases that leaked into Spanish pages before (issue 14), checked as words.
LEAKS = ["waiting for", "SMS segments", "injury", "housing", "recruitment", "trafficking", "staff",
         "volunteer", "texter", "Claim", "Yours", "Waiting", "findings", "Log out", "unknown language",
         "no topic", "claimed", "release", "reveal", "login_failed", "end_sessions", "call", "whatsapp",
         "Monday", "closed", "timezone", "Warning", "missing", "stale", "not yet reviewed",
         "Conflict", "Not Found", "Forbidden", "segment(s)",
         # issue 22: change lists, history, simulator trace, job data, audit
         "translated from", "none", "system", "first version", "shipped in locales", "decision:", "not loaded",
         "imported", "rows", "column", "cases", "entries", "Uploading", "jobs_import", "not understood",
         "after", "changed", "office_hours", "text[", "reviewed", "needs review",
         # the final check: history's events, the audit's actions, review refusals, places of findings
         "transferred", "script_examples", "proposal_accept", "opted_out", "holds an invisible", "node[",
         "Directory:", "Menu:"]
VISIBLE_ATTRIBUTES = ("title", "placeholder", "aria-label", "data-confirm", "alt", "data-kept-waiting",
                      "data-kept-claimed", "data-kept-closed", "data-kept-restored", "data-sms", "data-sms-one",
                      "data-title", "data-title-urgent", "data-title-urgent-one", "data-title-waiting",
                      "data-title-waiting-one", "data-announce-one", "data-new", "data-urgent", "data-on",
                      "data-denied", "data-uploading", "data-importing", "data-answered", "data-failed",
                      "data-close", "data-checking", "data-upload-failed", "data-rows-read", "data-unreadable",
                      "data-connection")


def english_ui_strings():
    """Return the catalog's English page strings that have a different Spanish translation: their
    longest literal part (placeholders cut out), when it is long enough to be unmistakably English."""
    with open(PO, "rb") as fh:
        catalog = read_po(fh)
    found = set()
    for message in catalog:
        if not message.id or isinstance(message.id, (tuple, list)) or message.string == message.id:
            continue
        parts = re.split(r"%\(\w+\)[sd]|\{\w+\}|%%|[“”\"()]", message.id)
        longest = max(parts, key=len).strip(" .,:;-")
        if len(longest) >= 14 and " " in longest:
            found.add(longest)
    return sorted(found)


def visible(page):
    """Return what a person can read on a page: its text and the attributes shown to them."""
    shown = [html.unescape(v) for name in VISIBLE_ATTRIBUTES
             for v in re.findall(rf'\s{name}="([^"]*)"', page)]
    body = re.sub(r"<(script|style|code)\b.*?</\1>", " ", page, flags=re.S)  # code: commands as typed
    body = re.sub(r"<[^>]+>", " ", body)
    return re.sub(r"\s+", " ", html.unescape(body) + " " + " ".join(shown))


@pytest.fixture
def spanish(twilio_app, web, fake_twilio, tmp_path):
    """Return Eva (staff, Spanish pages) logged in, with conversations, audit entries and a draft to show."""
    accounts = twilio_app.extensions["accounts"]
    accounts.add("eva@example.org", "staff", PASSWORD, langs=["es"], ui_lang="es")
    eva = web()
    assert eva.login("eva@example.org").status_code == 302
    conversations = twilio_app.extensions["conversations"]
    mine = ask_for_person(Texter(twilio_app.test_client(), "+15055550501"))
    ask_for_person(Texter(twilio_app.test_client(), "+15055550502", "whatsapp"), lang="3", last="help")
    others = ask_for_person(Texter(twilio_app.test_client(), "+15055550503"))
    keys = conversations.keys
    h = keys.pseudonym(mine.address)
    eva.post(f"/inbox/c/{h}/claim")
    web("ben").post(f"/inbox/c/{keys.pseudonym(others.address)}/claim")
    conversations.clock = lambda: OPEN_HOURS + datetime.timedelta(minutes=5)
    mine.send("¿sigue ahí?")
    page = eva.get(f"/inbox/c/{h}").get_data(as_text=True)
    token = re.search(r'name="token" type="hidden" value="(\w+)"', page)[1]
    eva.post(f"/inbox/c/{h}/reply", {"body": "Sí, aquí estoy.", "token": token})
    n = re.search(r'name="digest-(\d+)" value="(\w+)"', page)  # a proposal for the examples page
    assert eva.post(f"/inbox/c/{h}/propose", {"line": n[1], f"label-{n[1]}": "intents.pay",
                                              f"digest-{n[1]}": n[2]}).status_code == 303
    web().post("/login", {"email": "ana@example.org", "password": "wrong password!"})
    scripts = twilio_app.extensions["scripts"]
    scripts.set_text("main.intro", "es", "Menú principal renovado. Responda con un número:", by="eva")
    scripts.publish("eva", "Primera prueba")  # history: a second version, changes against the first
    scripts.set_text("main.intro", "es", "Menú principal, otra vez. Responda con un número:", by="eva")
    scripts.mark_reviewed("main.intro", "quc", by="eva", reviewed=True)
    draft = scripts.bundle("draft")
    office = dict(draft["spec"]["office_hours"])
    scripts.set_office_hours({**office, "days": {**office.get("days", {}), "sat": "10:00-12:00"}}, by="eva")
    entry = dict(next(iter(draft["directory"])))
    scripts.set_directory_entry({**entry, "topics": ["pay"], "languages": ["es", "en"]}, by="eva")
    from test_jobs_pages import renamed_file, uploaded
    # a renamed column, a status not understood, skipped rows: the import's report after the upload's redirect
    posted, report = uploaded(eva, {"kind": "cases", "program": "h2a", "file": renamed_file(tmp_path)})
    assert posted.status_code == 303 and 'id="report"' in report.get_data(as_text=True)
    eva.jobs_page = report.get_data(as_text=True)
    eva.get("/admin/script/simulator/")
    started = eva.post("/admin/script/simulator/", {"action": "start", "version": "draft", "lang": "es",
                                                     "channel": "sms"}).get_data(as_text=True)
    token = re.search(r'name="token" value="([^"]+)"', started)[1]
    for body in ("hola", "1", "mi patron no me paga"):
        page = eva.post("/admin/script/simulator/", {"action": "send", "token": token, "body": body}
                        ).get_data(as_text=True)
        token = re.search(r'name="token" value="([^"]+)"', page)[1]
    eva.simulator_page = page
    eva.h = h
    # an earlier conversation of a texter, with a note and a transfer, above the new one (history)
    earlier = ask_for_person(Texter(twilio_app.test_client(), "+15055550504"))
    eva.history_h = keys.pseudonym(earlier.address)
    eva.post(f"/inbox/c/{eva.history_h}/claim")
    eva.post(f"/inbox/c/{eva.history_h}/note", {"note": "Nota para el equipo"})
    eva.post(f"/inbox/c/{eva.history_h}/transfer", {"to": "sam@example.org"})
    web("sam").post(f"/inbox/c/{eva.history_h}/close")
    conversations.clock = lambda: OPEN_HOURS + datetime.timedelta(minutes=95)
    for body in ("hola", PERSON, "otra vez"):
        earlier.send(body)
    eva.review_refused = eva.post("/review/opt.back/edit", {"text": "Tzalij\u202e", "was": ""}).get_data(as_text=True)
    return eva


def pages(eva):
    """Return every page Eva can open, with a few refusals too."""
    first = next(iter(eva.app.extensions["scripts"].bundle("draft")["directory"]))["id"]
    paths = ["/inbox/", f"/inbox/c/{eva.h}", "/admin/", "/admin/script/", "/admin/script/text/main.intro",
             "/admin/script/text/kw.menu", "/admin/script/directory", f"/admin/script/directory/{first}",
             "/admin/script/directory/new", "/admin/script/hours", "/admin/script/publish",
             "/admin/script/history", "/admin/script/files", "/admin/script/simulator/", "/admin/reports",
             "/admin/script/examples/", "/admin/script/examples/es/intents/pay",
             "/inbox/c/AAAAAAAAAAAAAAAA", "/admin/nowhere"]
    for path in paths:
        yield path, eva.get(path).get_data(as_text=True)
    yield "/inbox/lists", eva.get("/inbox/lists").get_data(as_text=True)
    yield "/admin/jobs (after an upload)", eva.jobs_page
    yield "/admin/jobs", eva.get("/admin/jobs").get_data(as_text=True)
    yield "simulator (a conversation)", eva.simulator_page
    anonymous = eva.app.test_client()
    for path in ("/login", "/nowhere"):
        yield f"{path} (logged out)", anonymous.get(path, headers={"Accept-Language": "es"}).get_data(as_text=True)
    yield "/inbox/c/.../thread", eva.get(f"/inbox/c/{eva.h}/thread").get_data(as_text=True)
    yield "/inbox/c/... (history)", eva.get(f"/inbox/c/{eva.history_h}").get_data(as_text=True)
    yield "/review/", eva.get("/review/").get_data(as_text=True)
    yield "/review/ (a refused correction)", eva.review_refused
    # alerts (issue 25): the list with the subscribers' table, a draft with findings, a sent one, refusals
    alerts = eva.app.extensions["alerts"]
    form = {"title": "Calor", "kind": "heat", "langs": ["es"], "states": ["US-FL"],
            "text_es": "Calor ✓ llame al 1-919-555-0142"}
    draft = alerts.create(form, "eva@example.org")
    sent = alerts.create({**form, "text_es": "Calor: tome agua."}, "eva@example.org")
    alerts.schedule(sent, None, "eva@example.org")
    for path in ("/admin/alerts/", "/admin/alerts/new", f"/admin/alerts/{draft}", f"/admin/alerts/{sent}"):
        yield path, eva.get(path).get_data(as_text=True)
    yield "bad alert", eva.post("/admin/alerts/", {"title": "", "kind": "x", "states": ["US-XX"]}).get_data(as_text=True)
    yield "alert not sendable", eva.post(f"/admin/alerts/{draft}/send", {}).get_data(as_text=True)
    yield "alert scheduled in the past", eva.post(f"/admin/alerts/{draft}/send", {"when": "2020-01-01T09:00"}
                                                 ).get_data(as_text=True)
    yield "alert no longer a draft", eva.post(f"/admin/alerts/{sent}/edit", form).get_data(as_text=True)
    yield "bad alert settings", eva.post("/admin/alerts/settings", {"per_month": "0", "template_es": "x"}
                                         ).get_data(as_text=True)
    yield "bad office hours", eva.post("/admin/script/hours", {"timezone": "America/New_York",
                                                                "mon": "09:00-12:00, 11:00-13:00"}).get_data(as_text=True)
    yield "bad examples", eva.post("/admin/script/examples/es/intents/pay", {"examples": "x" * 700}).get_data(as_text=True)
    yield "bad acceptance", eva.post(f"/admin/script/examples/proposals/{eva.h}/none/accept", {}).get_data(as_text=True)
    yield "bad entry", eva.post("/admin/script/directory/new", {"id": "x", "name": "X", "topics": ["<b>"],
                                                               "phone_number": ["1-800-321-6742"],
                                                               "phone_kind": ["call"], "phone_from": ["US"]}
                                ).get_data(as_text=True)


def script_texts(app):
    """Return the script's own texts and staff comments (any language): content shown on the script
    pages, not UI strings."""
    script = app.extensions["scripts"].script("draft")
    texts = {e.text for c in script.catalogs.values() for e in c.values() if e.text}
    texts |= {line for c in script.catalogs.values() for e in c.values() for line in e.comments or ()}
    return sorted(texts, key=len, reverse=True)


def identifiers(app):
    """Return the script's node ids (like "injury"): identifiers shown as such, like text ids."""
    return sorted(app.extensions["scripts"].script("draft").nodes, key=len, reverse=True)


def test_every_page_is_in_spanish(twilio_app, spanish):
    """No English UI string on any page Eva opens (the script's own English texts aside)."""
    strings, texts, ids = english_ui_strings(), script_texts(twilio_app), identifiers(twilio_app)
    assert len(strings) > 150  # the list really comes from the catalog
    found = {}
    for path, page in pages(spanish):
        shown = visible(page)
        for text in texts:
            shown = shown.replace(text, " ")
        shown = shown.replace("English", " ")  # the page-language menu names English in English
        for node in ids:
            shown = re.sub(rf"(?<![\w.-]){re.escape(node)}(?![\w.-])", " ", shown)
        leaks = [s for s in strings if s in shown]
        leaks += [w for w in LEAKS if re.search(rf"(?<![\w.-]){re.escape(w)}" + (r"(?![\w.-])" if w[-1].isalnum()
                                                                             else ""), shown)]  # text[, node[
        if leaks:
            found[path] = leaks
    assert found == {}, "\n".join(f"{p}: {v}" for p, v in found.items())


def test_the_check_finds_english(twilio_app, spanish):
    """The check above can fail: the same pages in English are full of English UI strings."""
    twilio_app.extensions["accounts"].update(twilio_app.extensions["accounts"].get("eva@example.org"), ui_lang="en")
    strings = english_ui_strings()
    shown = visible(spanish.get("/admin/").get_data(as_text=True))
    assert sum(s in shown for s in strings) > 10
