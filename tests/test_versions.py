"""Script versions: first version from the files, draft edits, publish (checked), restore, diff, backups."""
import concurrent.futures
import datetime
import json
import logging
import shutil

import pytest
from babel.messages.pofile import read_po, write_po

from bot import create_app
from bot.conversation.bundle import fingerprint, read_bundle
from bot.staff.edits import EditError
from bot.twilio.livescript import LiveScript
from bot.storage.versions import VersionStore
from bot.staff.service import CheckFailed, Conflict, NotFound
from conftest import Texter

NOW = datetime.datetime(2026, 11, 24, 15, 0, tzinfo=datetime.timezone.utc)


@pytest.fixture
def scripts(app):
    """Return the app's ScriptService with a fixed clock."""
    service = app.extensions["scripts"]
    service.clock = lambda: NOW
    return service


def greeting_id(service):
    """Return the first text id of the node a new texter gets (whatever the content calls it)."""
    spec = service.bundle("published")["spec"]
    text = spec["nodes"][spec["start"]]["text"]
    return text if isinstance(text, str) else text[0]


def bad_phone(service):
    """Return the first directory entry with an unreadable number."""
    entry = dict(service.bundle()["directory"][0])
    entry["phones"] = [{"number": "1-866-487-924", "kind": "call", "from": "US"}]
    return entry


def set_in_file(path, text_id, text):
    """Change one msgstr of a shipped PO file, as a developer would."""
    with open(path, "rb") as fh:
        catalog = read_po(fh)
    next(m for m in catalog if m.context == text_id).string = text
    with open(path, "wb") as fh:
        write_po(fh, catalog, width=100)


def test_first_start_publishes_the_shipped_files_once(app, scripts, settings):
    """Version 1 is the files in locales/, by 'system'; another worker starting adds nothing."""
    head = scripts.head()
    assert (head.number, head.source, head.by) == (1, "files", "system")
    assert head.fingerprint == fingerprint(read_bundle("locales"))
    create_app(settings)
    assert [v.number for v in scripts.history()] == [1]
    assert scripts.draft() is None


def test_publish_records_who_when_and_note_and_texters_get_it(app, scripts, texter):
    """An edited greeting, published, is what the next new texter gets; the draft is gone."""
    tid = greeting_id(scripts)
    draft = scripts.set_text(tid, "es", "Hola, esta es la línea nueva.", by="ana")
    assert (draft.base, draft.updated_by, draft.rev) == (1, "ana", 1)
    info = scripts.publish("ana", "new greeting", expected_head=1)
    assert (info.number, info.by, info.note, info.source, info.base) == (2, "ana", "new greeting", "draft", 1)
    assert info.published_at == "2026-11-24T15:00:00Z"
    assert scripts.draft() is None and scripts.head().number == 2
    assert texter.send("hola")[0].startswith("Hola, esta es la linea nueva.")  # SMS folds the í


def test_publish_refused_by_errors_says_what_and_where(scripts):
    """A draft with an unreadable phone cannot be published; the draft stays for fixing."""
    scripts.set_directory_entry(bad_phone(scripts), by="ana")
    with pytest.raises(CheckFailed) as refused:
        scripts.publish("ana", "new number")
    entry_id = scripts.bundle()["directory"][0]["id"]
    errors = [str(p) for p in refused.value.problems if p.level == "error"]
    assert errors == [f"error: directory[{entry_id}].phones[1]: '1-866-487-924' is not a phone number "
                      "phonenumbers can read when dialled from US"]
    assert f"directory[{entry_id}].phones[1]" in str(refused.value)
    assert [v.number for v in scripts.history()] == [1] and scripts.draft() is not None


@pytest.mark.parametrize("by, note, message", [("", "x", "say who"), ("ana", "  ", "a note is needed"),
                                               ("ana", "x" * 501, "too long")])
def test_publish_needs_who_and_note(scripts, by, note, message):
    """Publishing says who and why."""
    scripts.set_text("main.intro", "en", "Main menu, new.", by="ana")
    with pytest.raises(EditError, match=message):
        scripts.publish(by, note)


def test_nothing_to_publish(scripts):
    """No draft, or a draft edited back to the published text: nothing to publish."""
    with pytest.raises(NotFound, match="no draft"):
        scripts.publish("ana", "note")
    old = scripts.bundle()["catalogs"]["en"]["main.intro"]["text"]
    scripts.set_text("main.intro", "en", "Something else", by="ana")
    scripts.set_text("main.intro", "en", old, by="ana")
    with pytest.raises(EditError, match="nothing to publish"):
        scripts.publish("ana", "note")


def test_restore_publishes_an_earlier_version_as_a_new_one(scripts, texter):
    """Restoring version 1 makes version 3 with version 1's content; texters get it."""
    tid = greeting_id(scripts)
    original = scripts.bundle("published")
    scripts.set_text(tid, "es", "Saludo de prueba.", by="ana")
    scripts.publish("ana", "test greeting")
    info = scripts.restore(1, by="bob", note="back to the files")
    assert (info.number, info.restored_from, info.source, info.by) == (3, 1, "restore", "bob")
    assert scripts.bundle(3) == original and scripts.bundle("published") == original
    assert not texter.send("hola")[0].startswith("Saludo de prueba")
    assert [v.number for v in scripts.history()] == [3, 2, 1]
    with pytest.raises(EditError, match="is what is published now"):
        scripts.restore(1, by="bob")
    with pytest.raises(NotFound):
        scripts.restore(9, by="bob")


def test_draft_from_an_older_version_is_not_published_over_a_newer_one(scripts):
    """A draft started before a restore would undo it: refused unless forced; expected_head guards too."""
    scripts.set_text("main.intro", "en", "Main menu (first edit).", by="ana")
    scripts.publish("ana", "first")
    scripts.set_text("main.intro", "en", "Main menu (second edit).", by="ana")
    scripts.restore(1, by="bob")
    with pytest.raises(Conflict, match="started from version 2"):
        scripts.publish("ana", "second")
    with pytest.raises(Conflict, match="published since you looked"):
        scripts.publish("ana", "second", expected_head=2, force=True)
    assert scripts.publish("ana", "second", expected_head=3, force=True).number == 4


def test_concurrent_edits_are_all_kept(scripts):
    """Edits from several staff at once each land in the draft (compare-and-set on the draft)."""
    languages = ("es", "quc", "en")
    with concurrent.futures.ThreadPoolExecutor(6) as pool:
        list(pool.map(lambda i: scripts.set_comment("main.intro", languages[i % 3], f"note {i}", by=f"s{i}"),
                      range(12)))
    comments = {lang: scripts.bundle()["catalogs"][lang]["main.intro"]["comments"] for lang in languages}
    assert all(len(c) == 1 and c[0].startswith("note ") for c in comments.values())
    assert scripts.draft().rev >= 3


def test_draft_edits_and_their_diff(scripts):
    """Each kind of edit shows in the diff against the published version, named as the checks name it."""
    scripts.set_text("main.intro", "quc", "Nab'e cholb'al k'ak'.", by="ana")
    scripts.mark_reviewed("lang.quc", "quc", by="ana")
    scripts.set_keywords("kw.menu", "en", ["menu", "Menu", " start  over "], by="ana")
    entry = dict(scripts.bundle()["directory"][0], checked="2026-11-20")
    scripts.set_directory_entry(entry, by="ana")
    scripts.set_office_hours({"timezone": "America/Chicago", "days": {"mon": "08:00-12:00, 13:00-17:00"}}, by="ana")
    changes = {(c.where, c.what): c for c in scripts.diff()}
    assert changes[("text[main.intro].quc", "text")].after == "Nab'e cholb'al k'ak'."
    assert changes[("text[lang.quc].quc", "review")].after == "reviewed"
    assert changes[("text[kw.menu].en", "text")].after == "menu, start over"
    assert changes[(f"directory[{entry['id']}]", "checked")].after == "2026-11-20"
    assert changes[("office_hours", "changed")].after["timezone"] == "America/Chicago"
    assert scripts.bundle()["catalogs"]["quc"]["main.intro"]["flags"] == ["needs-review"]
    scripts.remove_directory_entry(entry["id"], by="ana")
    assert (f"directory[{entry['id']}]", "removed") in {(c.where, c.what) for c in scripts.diff()}
    assert scripts.discard_draft() and scripts.diff() == []


@pytest.mark.parametrize("edit, message", [
    (lambda s: s.set_text("main.intro", "fr", "Bonjour", by="a"), "unknown language 'fr'"),
    (lambda s: s.set_text("no.such.text", "es", "Hola", by="a"), "unknown text id"),
    (lambda s: s.set_text("main.intro", "es", "x" * 1601, by="a"), "text too long"),
    (lambda s: s.set_text("main.intro", "es", None, by="a"), "must be a string"),
    (lambda s: s.set_keywords("main.intro", "es", ["a"], by="a"), "is not a keyword list"),
    (lambda s: s.mark_reviewed("no.such.text", "quc", by="a"), "no quc text"),
    (lambda s: s.set_office_hours({"timezone": "Mars/Olympus", "days": {}}, by="a"), "unknown time zone"),
    (lambda s: s.set_office_hours({"timezone": "UTC", "days": {"mon": "17:00-09:00"}}, by="a"), "ends before"),
    (lambda s: s.set_office_hours({"timezone": "UTC", "days": {"funday": "09:00-17:00"}}, by="a"), "unknown day"),
    (lambda s: s.set_directory_entry({"id": "Bad Id", "name": "x"}, by="a"), "id: use lower-case"),
    (lambda s: s.set_directory_entry({"id": "x", "name": ""}, by="a"), "name"),
    (lambda s: s.set_directory_entry({"id": "x", "name": "X", "phones": [{"number": "911", "kind": "fax"}]},
                                     by="a"), "phones[1].kind"),
    (lambda s: s.set_directory_entry({"id": "x", "name": "X", "phones": [{"number": "911", "from": "CA"}]},
                                     by="a"), "phones[1].from"),
    (lambda s: s.set_directory_entry({"id": "x", "name": "X", "serves": ["Narnia"]}, by="a"), "unknown place"),
    (lambda s: s.set_directory_entry({"id": "x", "name": "X", "checked": "last week"}, by="a"), "not a date"),
    (lambda s: s.remove_directory_entry("no_such_entry", by="a"), "no directory entry"),
    (lambda s: s.set_text("main.intro", "es", "Hola", by=" "), "say who"),
])
def test_bad_edits_are_refused_with_a_reason(scripts, edit, message):
    """Every bad edit raises EditError saying what is wrong; the draft is not created."""
    with pytest.raises(EditError, match=message.replace("[", r"\[").replace("(", r"\(")):
        edit(scripts)
    assert scripts.draft() is None


def test_live_script_asks_redis_at_most_every_interval(app, scripts, settings):
    """A second worker notices a publish on its first check after it, and rebuilds only then."""
    now = [100.0]

    class CountingStore(VersionStore):
        heads = 0

        def head(self):
            CountingStore.heads += 1
            return super().head()

    worker = create_app(settings)  # a second worker: its own LiveScript on the same Redis
    live = worker.extensions["live_script"]
    store = CountingStore(live.store.redis, live.store.prefix)
    live = LiveScript(store, live.current, fingerprint(read_bundle("locales")), interval=2.0,
                      clock=lambda: now[0])
    first = live.get()
    assert CountingStore.heads == 1 and live.version == 1
    for _ in range(100):
        assert live.get() is first
    assert CountingStore.heads == 1
    scripts.set_text("main.intro", "en", "Main menu, version two.", by="ana")
    scripts.publish("ana", "two")
    now[0] += 1.0
    assert live.get() is first  # within the interval: no question asked
    now[0] += 1.5
    second = live.get()
    assert second is not first and live.version == 2 and CountingStore.heads == 2
    assert second.text("main.intro", "en") == "Main menu, version two."
    now[0] += 2.5
    assert live.get() is second and CountingStore.heads == 3  # asked again; nothing new, nothing rebuilt


def test_live_script_keeps_answering_when_redis_is_away(app):
    """With Redis unreachable the script in hand stays in use."""
    import redis
    dead = VersionStore(redis.Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.2), "x:")
    script = app.extensions["live_script"].current
    live = LiveScript(dead, script, "fp", interval=0)
    assert live.get() is script and live.refresh() is False


def test_changed_files_publish_themselves_only_over_files(tmp_path, settings, caplog):
    """New shipped files replace a files version at start; over a staff version they wait for a command."""
    folder = tmp_path / "locales"
    shutil.copytree("locales", folder)
    app = create_app({**settings, "SCRIPT_DIR": str(folder)})
    scripts = app.extensions["scripts"]
    po = folder / "en.po"
    set_in_file(po, "main.intro", "Main menu from files.")
    create_app({**settings, "SCRIPT_DIR": str(folder)})
    assert scripts.head().number == 2 and scripts.head().note == "the files shipped in locales/ changed"
    scripts.set_text("main.intro", "en", "Main menu by staff.", by="ana")
    scripts.publish("ana", "staff edit")
    set_in_file(po, "main.intro", "Main menu from files 2.")
    with caplog.at_level(logging.WARNING, logger="bot"):
        app = create_app({**settings, "SCRIPT_DIR": str(folder)})
    assert scripts.head().number == 3 and "script publish-files" in caplog.text
    result = app.test_cli_runner().invoke(args=["script", "publish-files", "--by", "dev"])
    assert result.exit_code == 0 and "published version 4" in result.output
    assert scripts.bundle("published")["catalogs"]["en"]["main.intro"]["text"] == "Main menu from files 2."


def test_export_all_and_import_all(tmp_path, app, scripts, settings, redis_url):
    """Every version and the draft go to files and come back, in another prefix, exactly."""
    scripts.set_text("main.intro", "en", "Main menu, saved.", by="ana")
    scripts.publish("ana", "saved")
    scripts.set_text("main.intro", "en", "Main menu, in the draft.", by="ana")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["script", "export-all", str(tmp_path / "backup")])
    assert result.exit_code == 0 and "wrote 2 version(s)" in result.output
    saved = json.loads((tmp_path / "backup" / "version-0002.json").read_text(encoding="utf-8"))
    assert saved["info"]["note"] == "saved" and saved["bundle"] == scripts.bundle(2)

    other = create_app({**settings, "REDIS_PREFIX": settings["REDIS_PREFIX"] + "copy:"})
    try:
        copy = other.extensions["scripts"]
        refused = other.test_cli_runner().invoke(args=["script", "import-all", str(tmp_path / "backup")])
        assert refused.exit_code == 1 and "--replace" in refused.output
        result = other.test_cli_runner().invoke(args=["script", "import-all", str(tmp_path / "backup"),
                                                      "--replace"])
        assert result.exit_code == 0 and "version 2 is published" in result.output
        assert [(v.number, v.note) for v in copy.history()] == [(v.number, v.note) for v in scripts.history()]
        assert copy.bundle(1) == scripts.bundle(1) and copy.bundle(2) == scripts.bundle(2)
        assert copy.draft().bundle == scripts.draft().bundle
        other.extensions["live_script"].expire()
        assert other.extensions["live_script"].get().text("main.intro", "en") == "Main menu, saved."
    finally:
        store = copy.store
        for key in store.redis.scan_iter(match=f"{store.prefix}*"):
            store.redis.delete(key)


def test_cli_draft_diff_publish_history_restore(app, scripts):
    """The same service from the command line."""
    runner = app.test_cli_runner()
    scripts.set_text("main.intro", "en", "Main menu from the CLI.", by="ana")
    diff = runner.invoke(args=["script", "diff"])
    assert "text[main.intro].en: text:" in diff.output and "1 change(s)" in diff.output
    assert runner.invoke(args=["script", "check", "--draft", "--quiet"]).exit_code == 0
    published = runner.invoke(args=["script", "publish", "--note", "cli test", "--by", "ana"])
    assert published.exit_code == 0 and "published version 2" in published.output
    history = runner.invoke(args=["script", "history"])
    assert history.output.splitlines()[0].startswith("v2  ") and "cli test" in history.output
    restored = runner.invoke(args=["script", "restore", "1", "--by", "bob"])
    assert restored.exit_code == 0 and "published version 3" in restored.output
    scripts.set_directory_entry(bad_phone(scripts), by="ana")
    refused = runner.invoke(args=["script", "publish", "--note", "bad", "--by", "ana"])
    assert refused.exit_code == 1 and "phones[1]" in refused.output

