"""Checks of a script: errors block it, warnings tell staff what a texter would get instead.

check_script runs them all. This module checks the structure (nodes, options, reachability, office
hours, option numbers across a topic's pages) and the directory; bot/conversation/text_checks.py checks
the texts and SMS, bot/conversation/word_checks.py the keywords and the understanding's examples.
"""
import datetime

from bot.conversation import hours
from bot.conversation import phones
from bot.conversation.problem import Problem
from bot.conversation.wording import N_
from bot.conversation.script import NODE_TYPES
from bot.conversation.text_checks import (  # noqa: F401 (the checks' API: callers import these from here)
    check_phones_in_texts, check_sms, check_texts, describe_chars, sms_report, text_ids)
from bot.conversation.word_checks import check_keywords, check_understanding

STALE_AFTER = datetime.timedelta(days=365)


def check_script(script, today=None):
    """Return every Problem found in script."""
    problems = []
    problems += _structure(script)
    problems += check_texts(script)
    problems += check_keywords(script)
    problems += check_understanding(script)
    problems += _stable_numbers(script)
    problems += check_sms(script)
    problems += _directory(script, today or datetime.date.today())
    problems += check_phones_in_texts(script)
    return problems


def _structure(script):
    """Check node types, option targets, reachability and office hours."""
    out, nodes = [], script.nodes
    for name in ("start", "main", "stuck"):
        target = getattr(script, name)
        if target is not None and target not in nodes:
            out.append(Problem("error", f"script.{name}", N_("points to unknown node %(node)s", node=repr(target))))
    for node in nodes.values():
        if node.type not in NODE_TYPES:
            out.append(Problem("error", f"node[{node.id}]", N_("unknown type %(type)s (use %(use)s)", type=repr(node.type),
                                                                    use=", ".join(NODE_TYPES))))
        if not node.text:
            out.append(Problem("error", f"node[{node.id}]", N_("has no text")))
        if node.type in ("menu", "language") and not node.options:
            out.append(Problem("error", f"node[{node.id}]", N_("a menu needs options")))
        for i, option in enumerate(node.options, start=1):
            out += _target(script, f"node[{node.id}].options[{i}]", option)
    for i, option in enumerate(script.globals, start=1):
        out += _target(script, f"globals[{i}]", option)
    reachable, todo = set(), [n for n in (script.start, script.main, script.stuck) if n in nodes]
    todo += [g.goto for g in script.globals if g.goto in nodes]
    todo += [n for n in list(script.danger_pages.values()) + list(script.leads.values()) if n in nodes]
    while todo:
        nid = todo.pop()
        if nid in reachable:
            continue
        reachable.add(nid)
        todo += [o.goto or script.main for o in nodes[nid].options if (o.goto or script.main) in nodes]
    for nid in nodes:
        if nid not in reachable:
            out.append(Problem("error", f"node[{nid}]",
                               N_("unreachable: no option, global word or understood intent leads here")))
    alerts = script.spec.get("alerts") or {}
    per_month = alerts.get("per_month", 2)
    if not isinstance(per_month, int) or isinstance(per_month, bool) or not 1 <= per_month <= 31:
        out.append(Problem("error", "alerts.per_month", N_("must be a whole number from 1 to 31, got %(value)s",
                                                           value=repr(per_month))))
    try:
        hours.parse_hours(script.office_hours)
    except ValueError as exc:
        out.append(Problem("error", "office_hours", exc.args[0] if exc.args else str(exc)))
    return out


GLOBAL_ACTIONS = ("delete", "alerts", "alerts_stop")


def _target(script, where, option):
    """Check that an option leads somewhere that exists."""
    if option.action:
        if option.action not in GLOBAL_ACTIONS:
            return [Problem("error", where, N_("unknown action %(action)s (use %(use)s)",
                                                 action=repr(option.action), use=", ".join(GLOBAL_ACTIONS)))]
        return []
    if option.set_language:
        if option.set_language not in script.languages:
            return [Problem("error", where, N_("unknown language %(lang)s", lang=repr(option.set_language)))]
        return []
    if not option.goto:
        return [Problem("error", where, N_("needs goto, set_language or action"))]
    if option.goto not in script.nodes:
        return [Problem("error", where, N_("points to unknown node %(node)s", node=repr(option.goto)))]
    return []


def _stable_numbers(script):
    """Warn when an option has another number on a topic's next page (reached by "more information")."""
    out = []
    for node in script.nodes.values():
        numbers = {o.label: n for n, o in enumerate(node.options, start=1)}
        for option in node.options:
            after = script.nodes.get(option.goto) if option.label == script.more_label else None
            for number, other in enumerate(after.options if after else (), start=1):
                if other.label in numbers and numbers[other.label] != number:
                    out.append(Problem("warning", f"node[{after.id}]",
                                       N_("option %(label)s is %(n)s here but %(before)s on %(node)s, the page "
                                          "before: texters who remember the number pick something else",
                                          label=other.label, n=number, before=numbers[other.label], node=node.id)))
    return out


def _directory(script, today):
    """Check directory entries: required fields, phone numbers and when they were last checked."""
    out = []
    for i, entry in enumerate(script.directory, start=1):
        where = f"directory[{entry.get('id', i)}]"
        reachable = entry.get("phones") or entry.get("web") or (entry.get("nationality") and entry.get("hours"))
        if not entry.get("name") or not reachable:  # a consulate with no verified number says what to do
            out.append(Problem("error", where, N_("needs a name and at least one phone or web address")))
        countries = _countries(script, entry)
        for n, phone in enumerate(entry.get("phones") or (), start=1):
            if not isinstance(phone, dict):
                out.append(Problem("error", f"{where}.phones[{n}]", N_("is not a mapping of number, kind, from")))
                continue
            out += [Problem(level, f"{where}.phones[{n}]", message)
                    for level, message in phones.directory_phone_problems(phone, countries)]
        checked = entry.get("checked")
        if not isinstance(checked, datetime.date):
            out.append(Problem("warning", where, N_("no 'checked' date") if not checked else
                               N_("'checked' is not a date like 2026-01-31: %(x)s", x=repr(checked))))
        elif today - checked > STALE_AFTER:
            out.append(Problem("warning", where, N_("last checked %(day)s, over a year ago", day=checked.isoformat())))
    return out


def _countries(script, entry):
    """Return the countries a directory entry serves (its nationality too), US last."""
    found = []
    for code in list(entry.get("serves") or ()) + [entry.get("nationality")]:
        country = (script.places.get(code) or {}).get("country", code) if code else None
        if country and country not in found:
            found.append(country)
    return sorted(found, key=lambda c: c == "US")
