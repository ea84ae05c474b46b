"""Checks of a script: errors block it, warnings tell staff what a texter would get instead."""
import datetime
import re
from dataclasses import dataclass

from . import hours
from .engine import render_node
from .script import NODE_TYPES
from .sms import non_gsm7_chars, segments, sms_safe

_PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")
STALE_AFTER = datetime.timedelta(days=365)


@dataclass(frozen=True)
class Problem:
    """One finding: level is "error" or "warning"; where names the node, text or entry."""

    level: str
    where: str
    message: str

    def __str__(self):
        return f"{self.level}: {self.where}: {self.message}"


def text_ids(script):
    """Return every text id the script uses, in a stable order."""
    ids = []
    for node in script.nodes.values():
        ids += list(node.text) + [v for v in node.texts.values() if isinstance(v, str)]
        for option in node.options:
            ids += [option.label] + ([option.words] if option.words else [])
    ids += [g.words for g in script.globals] + list(script.engine_texts.values())
    ids += [f"dir.{k}" for k in ("call", "text", "whatsapp", "from_US", "from_MX", "from_other")]
    ids.append("handoff.timezone")
    seen = set()
    return [i for i in ids if not (i in seen or seen.add(i))]


def check_script(script, today=None):
    """Return every Problem found in script."""
    problems = []
    problems += _structure(script)
    problems += _texts(script)
    problems += _keywords(script)
    problems += _sms(script)
    problems += _directory(script, today or datetime.date.today())
    return problems


def _structure(script):
    """Check node types, option targets, reachability and office hours."""
    out, nodes = [], script.nodes
    for name in ("start", "main", "stuck"):
        target = getattr(script, name)
        if target is not None and target not in nodes:
            out.append(Problem("error", f"script.{name}", f"points to unknown node {target!r}"))
    for node in nodes.values():
        if node.type not in NODE_TYPES:
            out.append(Problem("error", f"node[{node.id}]", f"unknown type {node.type!r} (use {', '.join(NODE_TYPES)})"))
        if not node.text:
            out.append(Problem("error", f"node[{node.id}]", "has no text"))
        if node.type in ("menu", "language") and not node.options:
            out.append(Problem("error", f"node[{node.id}]", "a menu needs options"))
        for i, option in enumerate(node.options, start=1):
            out += _target(script, f"node[{node.id}].options[{i}]", option)
    for i, option in enumerate(script.globals, start=1):
        out += _target(script, f"globals[{i}]", option)
    reachable, todo = set(), [n for n in (script.start, script.main, script.stuck) if n in nodes]
    todo += [g.goto for g in script.globals if g.goto in nodes]
    while todo:
        nid = todo.pop()
        if nid in reachable:
            continue
        reachable.add(nid)
        todo += [o.goto or script.main for o in nodes[nid].options if (o.goto or script.main) in nodes]
    for nid in nodes:
        if nid not in reachable:
            out.append(Problem("error", f"node[{nid}]", "unreachable: no option or global word leads here"))
    try:
        hours.parse_hours(script.office_hours)
    except ValueError as exc:
        out.append(Problem("error", "office_hours", str(exc)))
    return out


GLOBAL_ACTIONS = ("delete",)


def _target(script, where, option):
    """Check that an option leads somewhere that exists."""
    if option.action:
        if option.action not in GLOBAL_ACTIONS:
            return [Problem("error", where, f"unknown action {option.action!r} (use {', '.join(GLOBAL_ACTIONS)})")]
        return []
    if option.set_language:
        if option.set_language not in script.languages:
            return [Problem("error", where, f"unknown language {option.set_language!r}")]
        return []
    if not option.goto:
        return [Problem("error", where, "needs goto, set_language or action")]
    if option.goto not in script.nodes:
        return [Problem("error", where, f"points to unknown node {option.goto!r}")]
    return []


def _texts(script):
    """Check that every text exists, placeholders agree, and translations are current and reviewed."""
    out, source = [], script.catalogs.get(script.source_language, {})
    for tid in text_ids(script):
        present = {lang: script.catalogs.get(lang, {}).get(tid) for lang in script.languages}
        present = {lang: e for lang, e in present.items() if e is not None and e.text}
        if not present:
            out.append(Problem("error", f"text[{tid}]", "missing in every language"))
            continue
        names = {lang: set(_PLACEHOLDER.findall(e.text)) for lang, e in present.items()}
        if len({frozenset(v) for v in names.values()}) > 1:
            detail = "; ".join(f"{lang}: {sorted(v) or 'none'}" for lang, v in names.items())
            out.append(Problem("error", f"text[{tid}]", f"placeholders differ between languages ({detail})"))
        for lang in script.languages:
            entry = present.get(lang)
            if entry is None:
                _, used = script.resolve(tid, lang)
                out.append(Problem("warning", f"text[{tid}].{lang}", f"missing: texters get the {used} text"))
                continue
            src = source.get(tid)
            if lang != script.source_language and src is not None and entry.source != src.text:
                out.append(Problem("warning", f"text[{tid}].{lang}", "stale: the Spanish source changed since "
                                   "this translation was made"))
            if entry.needs_review:
                out.append(Problem("warning", f"text[{tid}].{lang}", "not yet reviewed by a native speaker"))
    return out


def _keywords(script):
    """Check that no keyword picks two options of one menu in one language."""
    out = []
    for node in script.nodes.values():
        for lang in script.languages:
            seen = {}
            for i, option in enumerate(node.options, start=1):
                words = script.words(option.words, lang) if option.words else []
                for word in words:
                    key = word.casefold()
                    if key in seen and seen[key] != i:
                        out.append(Problem("error", f"node[{node.id}].{lang}",
                                           f"keyword {word!r} picks options {seen[key]} and {i}"))
                    seen[key] = i
    return out


def sms_report(script):
    """Return rows (node or text id, lang, encoding, segments, non-GSM characters) for SMS."""
    fold = script.sms.get("fold_accents", True)
    rows = []
    for tid in text_ids(script):
        if tid.startswith("kw."):
            continue
        for lang in script.languages:
            raw, _ = script.resolve(tid, lang)
            text = sms_safe(raw, fold)
            encoding, count = segments(text)
            rows.append((tid, lang, encoding, count, "".join(non_gsm7_chars(text))))
    return rows


def _sms(script):
    """Warn about SMS texts over budget or outside GSM-7, and a main menu over its own budget."""
    out, budget = [], int(script.sms.get("max_segments", 3))
    for tid, lang, encoding, count, odd in sms_report(script):
        if encoding != "GSM-7":
            out.append(Problem("warning", f"text[{tid}].{lang}", f"not GSM-7 in SMS because of {odd!r}: "
                               "each segment holds 70 characters instead of 160"))
        if count > budget:
            out.append(Problem("warning", f"text[{tid}].{lang}", f"{count} SMS segments (budget {budget})"))
    menu_budget = int(script.sms.get("main_menu_max_segments", budget))
    for lang in script.languages:
        text = sms_safe(render_node(script, script.main, lang), script.sms.get("fold_accents", True))
        count = segments(text)[1]
        if count > menu_budget:
            out.append(Problem("warning", f"node[{script.main}].{lang}",
                               f"main menu is {count} SMS segments (budget {menu_budget})"))
    return out


def _directory(script, today):
    """Check directory entries: required fields and when they were last checked."""
    out = []
    for i, entry in enumerate(script.directory, start=1):
        where = f"directory[{entry.get('id', i)}]"
        if not entry.get("name") or not entry.get("phones"):
            out.append(Problem("error", where, "needs a name and at least one phone"))
        checked = entry.get("checked")
        if not isinstance(checked, datetime.date):
            out.append(Problem("warning", where, "no 'checked' date"))
        elif today - checked > STALE_AFTER:
            out.append(Problem("warning", where, f"last checked {checked.isoformat()}, over a year ago"))
    return out
