"""Translators' PO files: Babel reads every export, `msgfmt -c` accepts it, and the round trip is exact."""
import datetime
import io
import shutil
import subprocess

import pytest
from babel.messages.pofile import read_po, write_po

from bot.staff.edits import EditError

NOW = datetime.datetime(2026, 11, 24, 15, 0, tzinfo=datetime.timezone.utc)
MSGFMT = shutil.which("msgfmt")
needs_msgfmt = pytest.mark.skipif(MSGFMT is None, reason="GNU gettext's msgfmt is not installed (.ci/run installs it)")


@pytest.fixture
def scripts(app):
    """Return the app's ScriptService with a fixed clock."""
    service = app.extensions["scripts"]
    service.clock = lambda: NOW
    return service


def msgfmt_check(data, tmp_path, name="export.po"):
    """Run `msgfmt -c` on data; return (exit status, messages)."""
    path = tmp_path / name
    path.write_bytes(data)
    done = subprocess.run([MSGFMT, "-c", "-o", "/dev/null", str(path)], capture_output=True, text=True)
    return done.returncode, done.stderr


def parse(data):
    """Return {msgctxt: Babel Message} of a PO file."""
    return {m.context: m for m in read_po(io.BytesIO(data)) if m.id}


def rewrite(data, change):
    """Return a PO file after change(messages by msgctxt), written by Babel as a translator's tool would."""
    catalog = read_po(io.BytesIO(data))
    change({m.context: m for m in catalog if m.id})
    out = io.BytesIO()
    write_po(out, catalog, width=76, include_previous=True)
    return out.getvalue()


def make_stale(scripts):
    """Change the Spanish of main.intro in the draft, so its translations become stale."""
    scripts.set_text("main.intro", "es", "Menú principal renovado. Responda con un número:", by="ana")


@needs_msgfmt
@pytest.mark.parametrize("lang", ["es", "quc", "en"])
def test_every_export_passes_msgfmt_and_babel(scripts, tmp_path, lang):
    """Each language's export, with stale, unreviewed and placeholder-broken texts too, is a valid catalog."""
    scripts.set_text("main.intro", "es", "Menú de %(when)s. Responda con un número:", by="ana")
    scripts.set_text("main.intro", "en", "Menu: the placeholder got lost.", by="ana")  # current, mismatched
    scripts.mark_reviewed("lang.en", "quc", by="ana", reviewed=False)
    data = scripts.export_po(lang)
    status, errors = msgfmt_check(data, tmp_path)
    assert status == 0, errors
    messages = parse(data)
    bundle = scripts.bundle()
    spanish = bundle["catalogs"]["es"]
    assert {t for t, e in spanish.items() if e["text"]} <= set(messages)
    for tid, message in messages.items():
        assert message.id == (spanish[tid]["text"] if tid in spanish else bundle["catalogs"][lang][tid]["source"])
        entry = bundle["catalogs"][lang].get(tid)
        assert message.string == (entry["text"] if entry else "")
    text = data.decode("utf-8")
    flags_line = text[:text.index('msgctxt "main.intro"')].rsplit("\n\n", 1)[-1]
    assert ("python-format" in flags_line) == (lang == "es")  # a mismatched translation loses the flag
    header = read_po(io.BytesIO(data))
    assert header.locale.language == lang and header.version == "v1+draft"


def test_stale_translations_are_fuzzy_with_the_old_spanish(scripts):
    """A translation of an older Spanish text is fuzzy, with the Spanish it was made from as #| msgid."""
    old = scripts.bundle()["catalogs"]["es"]["main.intro"]["text"]
    make_stale(scripts)
    text = scripts.export_po("quc").decode("utf-8")
    block = text[text.index('msgctxt "main.intro"') - 200:text.index('msgctxt "main.intro"')]
    assert "#, fuzzy, needs-review" in block and f'#| msgid "{old}"' in block
    message = parse(scripts.export_po("en"))["main.intro"]
    assert message.fuzzy and message.id.startswith("Menú principal renovado")


def test_comments_are_extracted_comments(scripts):
    """Staff comments and citations are #. lines; a language without its own uses the Spanish one."""
    scripts.set_comment("main.intro", "es", "Staff note.\nCONTENT-FACTS 1 (S1, V)", by="ana")
    message = parse(scripts.export_po("en"))["main.intro"]
    own = scripts.bundle()["catalogs"]["en"]["main.intro"].get("comments")
    # Long comments are wrapped at 76 columns in the file, so compare the words.
    assert " ".join(message.auto_comments).split() == " ".join(
        own or ["Staff note.", "CONTENT-FACTS 1 (S1, V)"]).split()
    assert parse(scripts.export_po("es"))["main.intro"].auto_comments == ["Staff note.", "CONTENT-FACTS 1 (S1, V)"]


@pytest.mark.parametrize("lang", ["es", "quc", "en"])
def test_export_import_export_changes_nothing(scripts, lang):
    """Round trip through the file: no change reported, no draft made, the same bytes again."""
    first = scripts.export_po(lang)
    report = scripts.import_po(lang, first, by="translator")
    assert report.changes == [] and report.skipped == [] and scripts.draft() is None
    assert scripts.export_po(lang) == first


def test_round_trip_of_a_draft_with_stale_reviewed_and_noted_texts(scripts):
    """The same holds for a draft full of the hard cases."""
    make_stale(scripts)
    scripts.mark_reviewed("lang.quc", "quc", by="ana")
    first = scripts.export_po("quc")
    with_note = rewrite(first, lambda m: m["lang.es"].user_comments.append("checked with Tomás"))
    report = scripts.import_po("quc", with_note, by="translator")
    assert [str(c) for c in report.changes] == ["text[lang.es].quc: translator note:  -> checked with Tomás"]
    second = scripts.export_po("quc")
    report = scripts.import_po("quc", second, by="translator")
    assert report.changes == [] and scripts.export_po("quc") == second


def test_import_goes_into_the_draft_and_reports(scripts, texter):
    """A translator's new K'iche' text and review land in the draft, reported; texters see nothing yet."""
    make_stale(scripts)
    data = scripts.export_po("quc")

    def translate(messages):
        intro = messages["main.intro"]
        intro.string = "Nab'e cholb'al k'ak'. Chatz'ib'aj jun ajilab'al:"
        intro.flags.discard("fuzzy")
        intro.flags.discard("needs-review")
        messages["lang.en"].flags.discard("needs-review")
    report = scripts.import_po("quc", rewrite(data, translate), by="translator")
    found = {(c.where, c.what) for c in report.changes}
    assert found == {("text[main.intro].quc", "text"), ("text[main.intro].quc", "review"),
                     ("text[lang.en].quc", "review")}
    entry = scripts.bundle()["catalogs"]["quc"]["main.intro"]
    assert entry["source"] == scripts.bundle()["catalogs"]["es"]["main.intro"]["text"] and "flags" not in entry
    assert scripts.draft().updated_by == "translator"
    assert scripts.bundle("published")["catalogs"]["quc"]["main.intro"]["text"] != entry["text"]
    assert not parse(scripts.export_po("quc"))["main.intro"].fuzzy


def test_import_skips_what_it_cannot_use_and_says_why(scripts):
    """Unknown ids, a Spanish text changed since the export, and empty translations are reported."""
    data = scripts.export_po("es")

    def edit(messages):
        messages["main.intro"].string = "Menú desde el archivo."
        messages["lang.en"].string = ""
        messages["lang.es"].context = "no.such.text"
    changed = rewrite(data, edit)
    scripts.set_text("main.intro", "es", "Menú cambiado por el equipo.", by="ana")
    report = scripts.import_po("es", changed, by="translator")
    assert "main.intro: the Spanish text changed since this file was exported; not imported" in report.skipped
    assert "no.such.text: unknown text id; ignored" in report.skipped
    assert "lang.en: empty msgstr; left as it is" in report.skipped
    assert scripts.bundle()["catalogs"]["es"]["main.intro"]["text"] == "Menú cambiado por el equipo."


@pytest.mark.parametrize("data, lang, message", [
    (b"this is not a po file \x00\xff", "quc", "not"),
    (b'msgid ""\nmsgstr ""\n"Language: en\\n"\n"Content-Type: text/plain; charset=UTF-8\\n"\n', "quc",
     "this file is for 'en', not 'quc'"),
    (b'msgctxt "main.intro"\nmsgid "x"\nmsgstr "y"\nnonsense here\n', "en", "not a PO file that can be read near line 4"),
    (b"", "en", "not a PO file of texts"),
    (b'msgctxt "main.intro"\nmsgid "x"\nmsgstr "y\n', "en", "line 3 of this PO file has a quoted text that is not closed"),
    (b'msgctxt "main.intro"\nmsgid "x"\nmsgstr ""\n"say "hola" now"\n', "en", "line 4 of this PO"),
    (b'msgctxt "main.intro"\nmsgid "x"\nmsgstr "y"\n#~ msgid "old\n', "en", "line 4 of this PO"),
])
def test_unusable_files_are_refused(scripts, data, lang, message):
    """Files that are not a PO catalog of that language are refused with a reason; no draft is made."""
    with pytest.raises(EditError, match=message):
        scripts.import_po(lang, data, by="translator")
    assert scripts.draft() is None


def test_an_unclosed_quote_in_an_exported_file_is_refused_with_its_line(scripts):
    """A translator's file with one closing quote lost is refused, naming the line; the draft is untouched."""
    lines = scripts.export_po("en").decode("utf-8").split("\n")
    number = next(i for i, line in enumerate(lines) if line.startswith('msgstr "') and len(line) > 12)
    lines[number] = lines[number][:-1]
    with pytest.raises(EditError, match=f"^line {number + 1} of this PO file has a quoted text that is not closed"):
        scripts.import_po("en", "\n".join(lines).encode("utf-8"), by="translator")
    assert scripts.draft() is None


def test_unknown_language_is_refused(scripts):
    """Only the script's languages can be exported or imported."""
    with pytest.raises(EditError, match="unknown language 'fr'"):
        scripts.export_po("fr")


@needs_msgfmt
def test_cli_export_and_import(app, scripts, tmp_path):
    """`flask script export/import` write and read the same files."""
    runner = app.test_cli_runner()
    path = tmp_path / "quc.po"
    assert runner.invoke(args=["script", "export", "quc", str(path)]).exit_code == 0
    assert msgfmt_check(path.read_bytes(), tmp_path, "again.po")[0] == 0
    path.write_bytes(rewrite(path.read_bytes(), lambda m: setattr(m["main.intro"], "string", "K'ak' cholb'al.")))
    result = runner.invoke(args=["script", "import", "quc", str(path), "--by", "translator"])
    assert result.exit_code == 0 and "changed text[main.intro].quc: text:" in result.output
    assert "1 change(s) in the draft" in result.output
    bad = runner.invoke(args=["script", "import", "en", str(path)])
    assert bad.exit_code == 1 and "this file is for 'quc'" in bad.output


def _edit_every_text(bundle, suffix, translate=True):
    """Edit every Spanish text of a bundle (multi-line, quotes, a backslash), and with translate every
    translation made from it, with a long translator's note; return the text ids edited."""
    from bot.staff import edits
    source = bundle["spec"]["source_language"]
    ids = sorted(tid for tid, entry in bundle["catalogs"][source].items() if entry.get("text"))
    for tid in ids:
        spanish = bundle["catalogs"][source][tid]["text"]
        edits.set_text(bundle, tid, source, f"{spanish}\nSegunda línea {suffix}: «comillas» \"dobles\" y \\ barra.")
        if not translate:
            continue
        for lang in bundle["spec"]["languages"]:
            entry = bundle["catalogs"].get(lang, {}).get(tid)
            if lang == source or not entry or not entry.get("text"):
                continue
            edits.set_text(bundle, tid, lang, entry["text"] + f"\n({lang} {suffix})")
            entry = bundle["catalogs"][lang][tid]
            entry["notes"] = [f"A translator's note longer than a PO line: {tid} in {lang}, "
                              "checked with the community on the radio; keep the formal 'usted'.", "short"]
    return ids


@pytest.mark.parametrize("lang", ["es", "quc", "en"])
def test_every_text_survives_edit_export_import(scripts, lang, tmp_path):
    """Every text of the shipped script, edited (multi-line; translations then made stale by a second
    Spanish edit, so their earlier Spanish is a multi-line #| msgid), exports and imports unchanged:
    the import reports no change and skips nothing, and a second export is the same file."""
    ids = []
    scripts._edit("ana", lambda b: ids.extend(_edit_every_text(b, "uno")))
    scripts._edit("ana", lambda b: _edit_every_text(b, "dos", translate=False))
    assert len(ids) > 50
    script = scripts.script("draft")
    if lang != script.source_language:
        stale = [tid for tid in ids if script.is_stale(tid, lang)]
        assert len(stale) > 20  # the #| msgid lines are really there, and multi-line
    data = scripts.export_po(lang)
    assert b'#| msgid ""\n#| "' in data or lang == script.source_language
    if MSGFMT:
        assert msgfmt_check(data, tmp_path) == (0, "")
    report = scripts.import_po(lang, data, by="ana")
    assert report.changes == [] and report.skipped == []
    assert scripts.export_po(lang) == data
    messages = parse(data)
    for tid in ids:
        assert messages[tid].id == script.text(tid, script.source_language)
