"""Staff input that must be refused: invisible characters in texts, unknown topics, future dates; and
the edit page keeps what was typed in another language (its forms say so for the page's script)."""
import datetime
import html
import io

import pytest

from bot.staff.edits import EditError, clean_text

ENTRY = {"name": "Legal Aid Test", "phone_number": ["1-800-321-6742", ""], "phone_kind": ["call", "call"],
         "phone_from": ["US", "US"], "topics": ["general"], "serves": "US-NC", "languages": "es, en",
         "checked": "2026-11-01", "source": "test"}


def text_of(response):
    """Return a page's HTML with entities decoded."""
    return html.unescape(response.get_data(as_text=True))


@pytest.mark.parametrize("char, name", [("\x00", "NULL"), ("\x07", "BELL"), ("\x1b", "ESCAPE"),
                                        ("\u202e", "RIGHT-TO-LEFT OVERRIDE"), ("\u2066", "LEFT-TO-RIGHT ISOLATE"),
                                        ("\x85", "control character")])
def test_invisible_characters_are_refused_naming_them_and_where(char, name):
    """Each refused character is named with its code point and where it is."""
    with pytest.raises(EditError) as refused:
        clean_text(f"Llame al 911{char} si está en peligro.")
    message = str(refused.value)
    assert f"U+{ord(char):04X}" in message and name in message and 'after "Llame al 911"' in message


def test_newlines_and_tabs_are_still_fine():
    """A newline is a line break and a tab becomes a space: neither is refused."""
    assert clean_text("uno\r\ndos\tTres") == "uno\ndos Tres"


def test_the_text_page_refuses_a_bell_in_spanish(twilio_app, web):
    """Through the page, in Spanish: the refusal names the character and the text is not saved."""
    scripts = twilio_app.extensions["scripts"]
    sam = web("sam")
    sam.get("/admin/script/text/main.intro")
    sam.post("/language", {"lang": "es", "next": "/admin/script/text/main.intro"})
    was = scripts.script("draft").text("main.intro", "es")
    response = sam.post("/admin/script/text/main.intro/es", {"text": "Hola\x07 mundo", "was": was})
    page = text_of(response)
    assert response.status_code == 400 and "U+0007 BELL" in page and "carácter invisible" in page
    assert scripts.script("draft").text("main.intro", "es") == was


def test_a_po_file_with_an_escape_character_skips_that_text(twilio_app):
    """A PO file carrying ESC in a translation: that text is left out, with the reason; the rest imports."""
    scripts = twilio_app.extensions["scripts"]
    data = scripts.export_po("en").decode()
    intro = scripts.script("draft").text("main.intro", "en")
    data = data.replace(f'msgstr "{intro}"', f'msgstr "{intro} \\x1b[31m"', 1) if f'msgstr "{intro}"' in data else data
    data = data.replace("\\x1b", "\x1b")
    report = scripts.import_po("en", data.encode(), by="sam")
    assert any("U+001B" in line for line in report.skipped)


def test_unknown_topics_are_refused(web):
    """A directory entry naming a topic the menu does not have (like <script>) is refused."""
    sam = web("sam")
    sam.get("/admin/script/directory/new")
    response = sam.post("/admin/script/directory/new", {**ENTRY, "id": "x1", "topics": ["<script>"]})
    assert response.status_code == 400 and "unknown topic '<script>'" in text_of(response)
    ok = sam.post("/admin/script/directory/new", {**ENTRY, "id": "x2", "topics": ["pay", "general"]})
    assert ok.status_code == 303


def test_checked_dates_more_than_a_day_ahead_are_refused(web):
    """2099 is refused; tomorrow is accepted (somewhere it is already tomorrow)."""
    sam = web("sam")
    sam.get("/admin/script/directory/new")
    response = sam.post("/admin/script/directory/new", {**ENTRY, "id": "x3", "checked": "2099-01-01"})
    assert response.status_code == 400 and "Jan 1, 2099 is in the future" in text_of(response)  # the day as the page writes it
    tomorrow = (datetime.date.today() + datetime.timedelta(days=1)).isoformat()
    assert sam.post("/admin/script/directory/new", {**ENTRY, "id": "x4", "checked": tomorrow}).status_code == 303


def test_unreadable_po_files_are_explained_in_plain_words(web):
    """Not UTF-8, or not a PO file: a sentence saying what to do, no library message."""
    sam = web("sam")
    sam.get("/admin/script/files")
    latin1 = 'msgctxt "main.intro"\nmsgid "Menú"\nmsgstr "Menu"\n'.encode("latin-1")
    page = text_of(sam.post("/admin/script/files", {"lang": "en", "file": (io.BytesIO(latin1), "x.po")}))
    assert "not UTF-8 text" in page and "codec" not in page
    junk = b'msgctxt "main.intro"\nmsgid "x"\nmsgstr "y"\nnonsense here\n'
    page = text_of(sam.post("/admin/script/files", {"lang": "en", "file": (io.BytesIO(junk), "x.po")}))
    assert "near line 4" in page and "misformatted keyword" not in page


def test_the_edit_page_keeps_typed_text_of_other_languages(web):
    """Every language's text and comment form is kept in the browser until saved (data-keep), with a
    visible note for unsaved text."""
    page = text_of(web("sam").get("/admin/script/text/main.intro"))
    assert page.count("data-keep") == 6  # text and comment, three languages
    for lang in ("es", "quc", "en"):
        assert f'data-unsaved-for="text-{lang}" hidden' in page
