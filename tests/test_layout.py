"""The package layout keeps its arrows pointing inward (README, "Where things live")."""
import ast
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BOT = os.path.join(ROOT, "bot")
PARTS = ("conversation", "twilio", "storage", "inbox", "staff", "reports", "web", "jobs", "alerts")
# What each part may import of the app (besides itself and the top-level config, logs and metrics).
ALLOWED = {
    "conversation": set(),
    "storage": {"conversation"},
    "reports": {"conversation", "storage", "web"},
    "twilio": {"conversation", "storage", "reports"},
    "inbox": {"conversation", "storage", "reports", "web"},
    "staff": {"conversation", "storage", "inbox", "web"},
    "web": {"storage"},
    "jobs": {"conversation", "storage", "web"},
    "alerts": {"conversation", "storage", "web", "jobs"},
}


def _bot_imports(path):
    """Return the bot.* modules a file imports (absolute or relative)."""
    tree = ast.parse(open(path, encoding="utf-8").read(), path)
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0 and node.module.startswith("bot"):
            found.add(node.module)
            found.update(f"{node.module}.{a.name}" for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level:
            found.add("<relative>")
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("bot"))
    return found


def _files(part):
    folder = os.path.join(BOT, part)
    return [os.path.join(folder, f) for f in sorted(os.listdir(folder)) if f.endswith(".py")]


@pytest.mark.parametrize("part", PARTS)
def test_a_part_imports_only_what_it_may(part):
    """Each sub-package imports only the parts the layout allows it (never pages from services)."""
    wrong = []
    for path in _files(part):
        for module in _bot_imports(path):
            if module == "<relative>":
                wrong.append((os.path.basename(path), "a relative import"))
                continue
            names = module.split(".")
            other = names[1] if len(names) > 1 else ""
            if other in PARTS and other != part and other not in ALLOWED[part]:
                wrong.append((os.path.basename(path), module))
            elif other in ("app", "cli"):
                wrong.append((os.path.basename(path), module))
    assert wrong == []


def test_the_pure_side_loads_neither_flask_nor_redis():
    """Importing every module of bot.conversation in a fresh interpreter loads no Flask, Redis or Twilio."""
    modules = [f"bot.conversation.{os.path.basename(p)[:-3]}" for p in _files("conversation")]
    code = ("import sys\n" + "".join(f"import {m}\n" for m in modules) +
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'flask', 'redis', 'twilio', 'werkzeug'}))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
    assert len(modules) >= 9  # engine, script, bundle, textmatch, pager, sms, hours, phones, checks


def test_no_module_is_much_over_300_lines():
    """Modules stay small enough to read: none over 330 lines."""
    long = {}
    for folder, _, files in os.walk(BOT):
        for name in files:
            if name.endswith(".py"):
                path = os.path.join(folder, name)
                lines = sum(1 for _ in open(path, encoding="utf-8"))
                if lines > 330:
                    long[os.path.relpath(path, ROOT)] = lines
    assert long == {}
