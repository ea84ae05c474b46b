"""Refusals and findings on the staff pages (issue 22): post, redirect, get with what was typed kept;
every wrong field at once; blocking findings said at save; refusals in the page's language."""
import io
import re
import time

import pytest
from babel.messages.pofile import read_po, write_po

from bot.conversation.wording import Message, N_
from bot.staff.edits import EditError

ENTRY = {"name": "Legal Aid Test", "phone_number": ["1-800-321-6742", ""], "phone_kind": ["call", "call"],
         "phone_from": ["US", "US"], "topics": ["general"], "serves": "US-NC", "languages": "es, en",
         "checked": "2026-11-01", "source": "test"}


def text_of(response):
    """Return a page's HTML with the entities a test compares decoded."""
    return response.get_data(as_text=True).replace("&#39;", "'").replace("&#34;", '"').replace("&quot;", '"')


def test_a_message_keeps_its_template_and_reads_as_english():
    """N_() gives the English sentence (the CLI's) and keeps the template and details for the pages."""
    message = N_("text too long: %(n)s characters (at most %(max)s)", n=1700, max=1600)
    assert message == "text too long: 1700 characters (at most 1600)" and isinstance(message, str)
    assert message.template.startswith("text too long") and message.params == {"n": 1700, "max": 1600}
    assert str(EditError(message)) == message and EditError(message).args[0].template == message.template
    import copy
    import pickle
    assert pickle.loads(pickle.dumps(message)).template == message.template == copy.copy(message).template
    assert N_("a %% sign") == "a % sign"


def test_every_staff_refusal_is_a_message():
    """No refusal or finding is raised as a bare English string (so none can stay English on a page)."""
    import ast
    import pathlib
    root = pathlib.Path(__file__).resolve().parent.parent / "bot"
    bare = []
    for path in [*root.glob("staff/*.py"), *root.glob("conversation/*checks.py"), root / "conversation/hours.py",
                 *root.glob("jobs/*.py")]:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call) and node.exc.args:
                name = getattr(node.exc.func, "id", getattr(node.exc.func, "attr", ""))
                first = node.exc.args[0]
                if name in ("EditError", "NotFound", "Conflict", "Refused", "SettingsError", "ValueError") and \
                        isinstance(first, (ast.Constant, ast.JoinedStr)):
                    bare.append(f"{path.name}:{node.lineno}")
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "Problem" and len(node.args) == 3 \
                    and isinstance(node.args[2], (ast.Constant, ast.JoinedStr)):
                bare.append(f"{path.name}:{node.lineno}")
    assert bare == []


@pytest.fixture
def eva(twilio_app, web):
    """Return Eva, staff, whose pages are Spanish."""
    twilio_app.extensions["accounts"].add("eva@example.org", "staff", "correct horse battery staple", langs=["es"])
    return web() if not web().login("eva@example.org").status_code == 302 else _logged_in(web, "eva@example.org")


def _logged_in(web, email):
    user = web()
    user.login(email)
    return user


def test_directory_refusals_come_all_at_once_in_spanish(eva):
    """Three wrong fields: the page names all three, in Spanish, after a redirect that keeps what was typed."""
    form = {**ENTRY, "id": "test_entry", "serves": "Narnia", "checked": "last week",
            "phone_kind": ["fax", "call"]}
    posted = eva.client.post("/admin/script/directory/new", data={**form, "csrf_token": _csrf(eva)})
    assert posted.status_code == 303 and posted.location.endswith("/admin/script/directory/new")
    page = eva.get(posted.location)
    text = text_of(page)
    assert page.status_code == 400
    assert "Atiende: lugar desconocido 'NARNIA'" in text
    assert "Última revisión: 'last week' no es una fecha como 2026-01-31" in text
    assert "tipo: 'fax'" in text and "No se guardó. Corrija estos campos:" in text
    assert 'value="Legal Aid Test"' in text  # what was typed is back in the form
    again = eva.get("/admin/script/directory/new")  # a reload: a fresh form, no refusal
    assert again.status_code == 200 and "Narnia" not in text_of(again)


def _csrf(user):
    user.get("/admin/")
    return user.csrf


def test_a_refused_text_save_survives_a_language_change(eva, twilio_app):
    """A refused save redirects to the text's page; changing the page language there is a GET, not a 405."""
    too_long = "x" * 1601
    posted = eva.client.post("/admin/script/text/main.intro/en", data={"text": too_long, "csrf_token": _csrf(eva)})
    assert posted.status_code == 303 and posted.location.startswith("/admin/script/text/main.intro")
    page = eva.get(posted.location)
    assert page.status_code == 400 and "El texto es demasiado largo: 1601 caracteres" in text_of(page)
    assert too_long in text_of(page)  # what was typed is kept
    switched = eva.post("/language", {"lang": "en", "next": "/admin/script/text/main.intro"})
    page = eva.get(switched.location)
    assert switched.status_code == 302 and page.status_code == 400  # never a 405: the refusal, now in English
    assert "Text too long: 1601 characters (at most 1600)" in text_of(page) and too_long in text_of(page)


def switch(user, lang, path):
    """Change the page language from path as the header's menu does; return the page it leads back to."""
    switched = user.post("/language", {"lang": lang, "next": path})
    assert switched.status_code == 302 and switched.location.endswith(path)
    return user.get(switched.location)


def test_a_refusal_and_what_was_typed_survive_a_language_change(eva, web):
    """Right after a refused directory entry, office hours or settings, changing the page language shows the
    same page again: what was typed, and every refusal in the new language (and back); a reload afterwards is
    a fresh form."""
    form = {**ENTRY, "id": "test_entry", "serves": "Narnia", "checked": "last week"}
    eva.client.post("/admin/script/directory/new", data={**form, "csrf_token": _csrf(eva)})
    assert "lugar desconocido 'NARNIA'" in text_of(eva.get("/admin/script/directory/new"))
    english = switch(eva, "en", "/admin/script/directory/new")
    assert english.status_code == 400 and "Serves: unknown place 'NARNIA'" in text_of(english)
    assert "'last week' is not a date like 2026-01-31" in text_of(english) and "lugar desconocido" not in text_of(english)
    assert 'value="Legal Aid Test"' in text_of(english) and 'value="NARNIA"' in text_of(english)
    spanish = switch(eva, "es", "/admin/script/directory/new")
    assert "lugar desconocido 'NARNIA'" in text_of(spanish) and 'value="Legal Aid Test"' in text_of(spanish)
    fresh = eva.get("/admin/script/directory/new")
    assert fresh.status_code == 200 and "NARNIA" not in text_of(fresh) and "Legal Aid Test" not in text_of(fresh)

    eva.client.post("/admin/script/hours", data={"timezone": "America/New_York", "mon": "09:00-12:00, 11:00-13:00",
                                                 "csrf_token": _csrf(eva)})
    assert "Lunes: 09:00-12:00 y 11:00-13:00 se solapan" in text_of(eva.get("/admin/script/hours"))
    english = switch(eva, "en", "/admin/script/hours")
    assert "Monday: 09:00-12:00 and 11:00-13:00 overlap" in text_of(english) and "11:00-13:00" in text_of(english)

    sam = web("sam")  # English pages
    sam.client.post("/admin/settings", data={"csrf_token": _csrf(sam), "template_es": "HX123", "notify_minutes": "5"})
    assert "“HX123” is not a Content SID" in text_of(sam.get("/admin/"))
    spanish = switch(sam, "es", "/admin/")
    assert "«HX123» no es un Content SID" in text_of(spanish) and 'value="HX123"' in text_of(spanish)
    assert "HX123" not in text_of(sam.get("/admin/"))  # a reload: the refusal was seen


def test_a_keyword_that_clashes_is_said_at_save(eva, twilio_app):
    """Giving the pay option a word of the recruitment option: the save says the blocking finding at once."""
    saved = eva.post("/admin/script/text/kw.pay/en", {"text": "pay, wage, fees"}, follow_redirects=True)
    text = text_of(saved)
    assert "Guardado en el borrador, pero las comprobaciones encontraron errores" in text
    assert "Menú: main (Inglés): La palabra clave 'fees' elige las opciones 1 y 2" in text
    publish = text_of(eva.get("/admin/script/publish"))
    assert "a palabra clave 'fees' elige las opciones 1 y 2" in publish  # the same words at publish
    assert "Menú: main (Inglés)</a>:" in publish  # and the same place, in words
    assert "main.intro (K'iche')</a>:" in publish  # the warnings too
    assert not re.search(r"(text|node|directory)\[", re.sub(r'href="[^"]*"', "", publish)), "a place as the checks write it"


def test_every_place_a_finding_or_change_names_is_said_in_words(twilio_app):
    """Each kind of place the checks and the change lists write is named in the page's language."""
    from bot.staff.change_words import where_name
    with twilio_app.test_request_context("/admin/script/publish", headers={"Accept-Language": "es"}):
        names = {w: where_name(w) for w in (
            "text[main.intro].quc", "node[main].es", "node[main].options[3]", "directory[cdm].phones[2]",
            "directory[cdm]", "examples.es.intents.pay", "examples[en.danger.medical]", "understand.intents.pay",
            "understand.danger.violence", "globals[2]", "office_hours", "alerts.per_month", "script.start", "script")}
    assert names["text[main.intro].quc"] == "main.intro (K'iche')" and names["node[main].es"] == "Menú: main (Español)"
    assert names["examples.es.intents.pay"] == "Ejemplos: pay (Español)"
    assert names["examples[en.danger.medical]"] == "Ejemplos: medical (Inglés)"
    assert names["node[main].options[3]"] == "Menú: main, opción 3"
    for where, name in names.items():
        assert not re.search(r"\[|\w\.\w|_", name.replace("main.intro", "")), (where, name)


def test_a_po_file_that_drops_a_placeholder_is_said_at_upload(eva, twilio_app):
    """A translation without %(when)s: the upload says the blocking finding, as publishing would."""
    catalog = read_po(io.BytesIO(twilio_app.extensions["scripts"].export_po("en")))
    next(m for m in catalog if m.context == "handoff.after_hours").string = "Thank you. We are closed now."
    out = io.BytesIO()
    write_po(out, catalog, width=76)
    eva.get("/admin/script/files")
    page = text_of(eva.post("/admin/script/files", {"lang": "en", "file": (io.BytesIO(out.getvalue()), "en.po")}))
    assert "las comprobaciones encontraron errores" in page
    assert "los marcadores no son los mismos en todos los idiomas" in page or "Los marcadores" in page


def test_settings_refusals_all_at_once(web):
    """Two bad template SIDs: both named, under their fields, after a redirect keeping what was typed."""
    sam = web("sam")
    sam.get("/admin/")
    posted = sam.client.post("/admin/settings", data={"csrf_token": sam.csrf, "template_es": "HX123",
                                                      "template_en": "nope", "notify_minutes": "5"})
    assert posted.status_code == 303
    page = text_of(sam.get(posted.location))
    assert "“HX123” is not a Content SID" in page and "“nope” is not a Content SID" in page
    assert 'value="HX123"' in page and 'value="5"' in page
    posted = sam.client.post("/admin/settings", data={"csrf_token": sam.csrf, "template_es": "HX123",
                                                      "template_en": "nope", "notify_minutes": "-3"})
    page = text_of(sam.get(posted.location))  # the form's own finding did not hide the others
    assert "between 0 and 1440" in page and "“HX123” is not a Content SID" in page and "“nope” is not" in page


@pytest.mark.parametrize("path, form, says", [
    ("/admin/script/hours", {"timezone": "", "mon": "09:00-17:00"}, "unknown time zone"),
    ("/admin/alerts/", {"title": "", "kind": "heat", "langs": ["es"], "text_es": "Calor: tome agua."}, "give the alert a short name"),
    ("/admin/alerts/settings", {"per_month": ""}, "whole number"),
])
def test_fields_the_browser_no_longer_checks_are_refused_by_the_server(web, path, form, says):
    """The forms leave every check to the server (novalidate: the browser's stops at the first field, in its
    own language): an empty required field is refused in words."""
    sam = web("sam")
    sam.get("/admin/")
    page = sam.post(path, form)
    assert page.status_code == 400 and says in text_of(page).lower(), text_of(page)[-3000:]


def test_pages_follow_the_volunteers_language_when_no_page_language_is_given(twilio_app):
    """`users add --lang en` without --ui: English pages; --lang quc --lang es: Spanish; --ui wins."""
    accounts = twilio_app.extensions["accounts"]
    assert accounts.add("en@example.org", "volunteer", "correct horse battery staple", langs=["en"]).ui_lang == "en"
    assert accounts.add("q@example.org", "volunteer", "correct horse battery staple", langs=["quc", "es"]).ui_lang == "es"
    assert accounts.add("q2@example.org", "volunteer", "correct horse battery staple", langs=["quc"]).ui_lang == "es"
    assert accounts.add("u@example.org", "volunteer", "correct horse battery staple", langs=["en"],
                        ui_lang="es").ui_lang == "es"
    runner = twilio_app.test_cli_runner()
    result = runner.invoke(args=["users", "add", "cli@example.org", "--role", "volunteer", "--lang", "en"],
                           input="correct horse battery staple\n")
    assert result.exit_code == 0, result.output
    assert accounts.get("cli@example.org").ui_lang == "en"


def test_job_data_refusal_is_spanish_on_a_spanish_page(eva, tmp_path):
    """A file without the case status column: the refusal in Spanish, naming the column in Spanish."""
    eva.get("/admin/jobs")
    page = eva.post("/admin/jobs", {"kind": "cases", "file": (io.BytesIO(b"CASE_NUMBER,EMPLOYER_NAME\nH-300-25041-123456,X\n"),
                                                              "h2a.csv")}, content_type="multipart/form-data")
    if page.status_code == 303:  # imported outside the request (issue 21): the page shows the refusal when done
        location, deadline = page.headers["Location"], time.monotonic() + 60
        while "Este archivo no tiene columna" not in text_of(page) and time.monotonic() < deadline:
            time.sleep(0.2)
            page = eva.get(location)
    assert page.status_code in (200, 400)
    assert "Este archivo no tiene columna de estado del caso" in text_of(page)
    assert re.search(r"No hay datos de empleos cargados", text_of(page))


def test_the_language_menu_of_a_page_answered_to_a_post_leads_back_to_a_get_page(twilio_app, web):
    """A refusal shown in place (a restore refused) offers the language menu with the page the form was
    on as the way back, never the POST-only address (which would be a 405)."""
    sam = web("sam")
    sam.get("/admin/script/history")
    page = sam.client.post("/admin/script/history/1/restore", data={"csrf_token": sam.csrf, "note": "n" * 501},
                           headers={"Referer": "http://localhost/admin/script/history"})
    assert page.status_code == 400
    assert 'name="next" value="/admin/script/history"' in page.get_data(as_text=True)
    back = sam.post("/language", {"lang": "es", "next": "/admin/script/history"})
    assert back.status_code == 302 and sam.get(back.location).status_code == 200
