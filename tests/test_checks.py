"""`script check`: the shipped script passes; broken scripts are caught with where and what."""
import re
import shutil

import yaml

from bot.conversation.checks import check_script
from bot.conversation.script import load_script


def _copy(tmp_path):
    shutil.copytree("locales", tmp_path / "locales")
    return tmp_path / "locales"


def _edit(folder, change):
    path = folder / "script.yaml"
    spec = yaml.safe_load(path.read_text())
    change(spec)
    path.write_text(yaml.safe_dump(spec, allow_unicode=True))


def test_shipped_script_has_no_errors():
    """The shipped script loads with no errors."""
    assert [p for p in check_script(load_script("locales")) if p.level == "error"] == []


def test_option_pointing_nowhere_and_unreachable_node(tmp_path):
    """A wrong goto and a node nothing leads to are errors naming the node."""
    folder = _copy(tmp_path)

    def change(spec):
        spec["nodes"]["main"]["options"][0]["goto"] = "nowhere"
        del spec["understand"]["intents"]["recruitment"]  # an understood intent leads there too
    _edit(folder, change)
    messages = [str(p) for p in check_script(load_script(folder)) if p.level == "error"]
    assert "error: node[main].options[1]: points to unknown node 'nowhere'" in messages
    assert any(m.startswith("error: node[recruitment]: unreachable") for m in messages)


def test_missing_texts_fall_back_and_are_reported(tmp_path):
    """A text missing in K'iche' is a warning naming the fallback; missing everywhere is an error."""
    folder = _copy(tmp_path)

    def change(spec):
        spec["nodes"]["pay"]["text"].append("pay.nonexistent")
    _edit(folder, change)
    quc = (folder / "quc.po").read_text()
    (folder / "quc.po").write_text(re.sub(r'(msgctxt "main.opt_pay"\nmsgid "[^"]*"\n)msgstr "[^"]*"',
                                          r'\1msgstr ""', quc))
    problems = [str(p) for p in check_script(load_script(folder))]
    assert "error: text[pay.nonexistent]: missing in every language" in problems
    assert "warning: text[main.opt_pay].quc: missing: texters get the es text" in problems


def test_cli_check_exit_status(tmp_path, app):
    """flask script check exits 0 on the shipped script and 1 on a broken one."""
    runner = app.test_cli_runner()
    ok = runner.invoke(args=["script", "check"])
    assert ok.exit_code == 0 and "main.intro" in ok.output and "K'iche' texts awaiting review" in ok.output
    folder = _copy(tmp_path)
    _edit(folder, lambda spec: spec["nodes"]["main"]["options"].append({"label": "opt.back", "goto": "x"}))
    bad = runner.invoke(args=["script", "check", "--dir", str(folder)])
    assert bad.exit_code == 1 and "points to unknown node 'x'" in bad.output


def test_chat_simulator_walks_the_conversation(app):
    """flask chat: the same engine and store, showing each reply's SMS cost."""
    result = app.test_cli_runner().invoke(args=["chat", "--lang", "es"], input="2\n4\n")
    assert "Pago y salario" in result.output and "SMS, GSM-7, 2 segments" in result.output
    assert "Con H-2A le deben pagar por lo menos dos veces al mes" in result.output


def test_chat_says_when_it_deletes_the_previous_test_conversation(app):
    """flask chat without --keep starts afresh and says it deleted the one before; --keep continues."""
    runner = app.test_cli_runner()
    first = runner.invoke(args=["chat", "--lang", "es"], input="2\n")
    assert "was deleted" not in first.output
    again = runner.invoke(args=["chat"], input="hola\n")
    assert "The previous test conversation (and any request for a person it had in the inbox) was deleted" \
        in again.output
    kept = runner.invoke(args=["chat", "--keep"], input="menu\n")
    assert "was deleted" not in kept.output


def test_global_word_hiding_an_option_word_is_reported(tmp_path):
    """A global word one typo from an option's keyword (K'iche' to'b'al vs tojb'al) is a warning."""
    folder = _copy(tmp_path)
    quc = (folder / "quc.po").read_text()
    quc = re.sub(r'(msgctxt "kw.help"\nmsgid "[^"]*"\nmsgstr ")', r"\1to'b'al, ", quc)
    (folder / "quc.po").write_text(quc)
    problems = [str(p) for p in check_script(load_script(folder))]
    assert any(p.startswith("warning: node[main].quc: keyword \"tojb'al\" is taken by the global word of kw.help")
               for p in problems), [p for p in problems if "taken" in p]
