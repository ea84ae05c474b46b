"""Checks of a script: errors block it, warnings tell staff what a texter would get instead."""
import datetime
import re
import unicodedata
from dataclasses import dataclass

from bot.conversation import hours
from bot.conversation import phones
from bot.conversation.engine import render_node
from bot.conversation.script import NODE_TYPES
from bot.conversation.sms import non_gsm7_chars, segments, sms_safe
from bot.conversation.textmatch import normalize

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
    ids += list(script.match_words.values()) + list(script.small_talk.values())
    ids += [script.language_words] if script.language_words else []
    ids += [f"dir.{k}" for k in ("call", "text", "whatsapp", "from_US", "from_MX", "from_other")]
    ids += sorted({f"dir.for_{e['nationality']}" for e in script.directory if e.get("nationality")})
    ids.append("handoff.timezone")
    seen = set()
    return [i for i in ids if not (i in seen or seen.add(i))]


def check_script(script, today=None):
    """Return every Problem found in script."""
    problems = []
    problems += _structure(script)
    problems += _texts(script)
    problems += _keywords(script)
    problems += _sentence_words(script)
    problems += _stable_numbers(script)
    problems += _sms(script)
    problems += _directory(script, today or datetime.date.today())
    problems += _phones_in_texts(script)
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
    out = []
    for tid in text_ids(script):
        present = {lang: script.catalogs.get(lang, {}).get(tid) for lang in script.languages}
        present = {lang: e for lang, e in present.items() if e is not None and e.text}
        if not present:
            out.append(Problem("error", f"text[{tid}]", "missing in every language"))
            continue
        names = {lang: set(_PLACEHOLDER.findall(e.text)) for lang, e in present.items()}
        for lang, entry in present.items():
            try:
                entry.text % {name: "x" for name in names[lang]}
            except (KeyError, ValueError, TypeError):
                out.append(Problem("error", f"text[{tid}].{lang}", "a % sign that is not a placeholder like "
                                   "%(when)s: write %% for a percent sign"))
        if len({frozenset(v) for v in names.values()}) > 1:
            detail = "; ".join(f"{lang}: {sorted(v) or 'none'}" for lang, v in names.items())
            out.append(Problem("error", f"text[{tid}]", f"placeholders differ between languages ({detail})"))
        for lang in script.languages:
            entry = present.get(lang)
            if entry is None:
                _, used = script.resolve(tid, lang)
                out.append(Problem("warning", f"text[{tid}].{lang}", f"missing: texters get the {used} text"))
                continue
            if script.is_stale(tid, lang):
                out.append(Problem("warning", f"text[{tid}].{lang}", "stale: the Spanish source changed since "
                                   "this translation was made"))
            if entry.needs_review:
                out.append(Problem("warning", f"text[{tid}].{lang}", "not yet reviewed by a native speaker"))
    return out


def _keywords(script):
    """Check that no word picks two options of one menu, and that global words do not hide one."""
    out, reported = [], set()
    for node in script.nodes.values():
        for lang in script.languages:
            seen = {}  # normalised word -> (option number, the word as written, its language)
            for i, option in enumerate(node.options, start=1):
                words = [(script.text(option.label, lang), lang)]
                for word_lang in script.chain(lang) if option.words else ():
                    words += [(w, word_lang) for w in script.words_in(option.words, word_lang)]
                for word, word_lang in words:
                    key = normalize(word)
                    if not key:
                        continue
                    hidden = script.match_global(key)
                    if hidden is not None and (hidden.goto, hidden.set_language) != (option.goto, option.set_language):
                        out.append(Problem("warning", f"node[{node.id}].{word_lang}",
                                           f"keyword {word!r} is taken by the global word of "
                                           f"{hidden.words}: texters writing it never reach option {i}"))
                    first = seen.setdefault(key, (i, word, word_lang))
                    if first[0] == i or (node.id, key, first[0], i) in reported:
                        continue
                    reported.add((node.id, key, first[0], i))
                    where = f"node[{node.id}].{word_lang}"
                    out.append(Problem("error", where, f"keyword {word!r} picks options {first[0]} and {i}"
                                       + (f" ({first[1]!r} in {first[2]})" if first[1] != word else "")))
    return out


def _sentence_words(script):
    """Warn about sentence words two intents claim, hidden by a global word, or hiding danger."""
    out = []
    tids = script.match_words
    for lang, phrase, intents in script.matcher.shared():
        names = ", ".join(tids.get(i, i) for i in intents)
        out.append(Problem("warning", f"text[{tids.get(intents[0], intents[0])}].{lang}",
                           f"{phrase!r} is claimed by {names}: a sentence with it is read as both"))
    for intent, tid in tids.items():
        lead = script.leads.get(intent) or (script.danger_goto if intent == "danger" else None)
        for lang in script.languages:
            for phrase in script.words_in(tid, lang):
                hidden = script.match_global(normalize(phrase))
                if hidden is not None and hidden.goto != lead and not (intent == "danger" and hidden.goto ==
                                                                       script.danger_goto):
                    out.append(Problem("warning", f"text[{tid}].{lang}",
                                       f"{phrase!r} alone is taken by the global word of {hidden.words}"))
    for lang, danger, longer, intent in script.matcher.hidden_danger():
        out.append(Problem("warning", f"text[{tids.get(intent, intent)}].{lang}",
                           f"{longer!r} contains the danger words {danger!r}: a sentence with it is not "
                           f"read as danger"))
    return out


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
                                       f"option {other.label} is {number} here but {numbers[other.label]} on "
                                       f"{node.id}, the page before: texters who remember the number pick "
                                       f"something else"))
    return out


def sms_report(script):
    """Return rows (node or text id, lang, encoding, segments, non-GSM characters) for SMS."""
    fold = script.sms.get("fold_accents", True)
    rows = []
    keywords = script.keyword_ids
    for tid in text_ids(script):
        if tid in keywords:
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
            out.append(Problem("warning", f"text[{tid}].{lang}", f"not GSM-7 in SMS because of "
                               f"{describe_chars(odd)}: each segment holds 70 characters instead of 160"))
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


def describe_chars(chars):
    """Name characters for staff: "'ç' (U+00E7 LATIN SMALL LETTER C WITH CEDILLA)"."""
    return ", ".join(f"{ch!r} (U+{ord(ch):04X} {unicodedata.name(ch, 'unnamed character')})" for ch in chars)


def _directory(script, today):
    """Check directory entries: required fields, phone numbers and when they were last checked."""
    out = []
    for i, entry in enumerate(script.directory, start=1):
        where = f"directory[{entry.get('id', i)}]"
        if not entry.get("name") or not (entry.get("phones") or entry.get("web")):
            out.append(Problem("error", where, "needs a name and at least one phone or web address"))
        countries = _countries(script, entry)
        for n, phone in enumerate(entry.get("phones") or (), start=1):
            if not isinstance(phone, dict):
                out.append(Problem("error", f"{where}.phones[{n}]", "is not a mapping of number, kind, from"))
                continue
            out += [Problem(level, f"{where}.phones[{n}]", message)
                    for level, message in phones.directory_phone_problems(phone, countries)]
        checked = entry.get("checked")
        if not isinstance(checked, datetime.date):
            out.append(Problem("warning", where, "no 'checked' date" if not checked else
                               f"'checked' is not a date like 2026-01-31: {checked!r}"))
        elif today - checked > STALE_AFTER:
            out.append(Problem("warning", where, f"last checked {checked.isoformat()}, over a year ago"))
    return out


def _countries(script, entry):
    """Return the countries a directory entry serves (its nationality too), US last."""
    found = []
    for code in list(entry.get("serves") or ()) + [entry.get("nationality")]:
        country = (script.places.get(code) or {}).get("country", code) if code else None
        if country and country not in found:
            found.append(country)
    return sorted(found, key=lambda c: c == "US")


def _phones_in_texts(script):
    """Check phone numbers written in texts: each must be valid in a country the places name."""
    regions = sorted({p.get("country", code) for code, p in script.places.items()}, key=lambda c: (c != "US", c))
    regions = regions or ["US"]
    out = []
    for lang in script.languages:
        for tid, entry in script.catalogs.get(lang, {}).items():
            for number in phones.numbers_in_text(entry.text):
                message = phones.text_number_problem(number, regions)
                if message:
                    out.append(Problem("error", f"text[{tid}].{lang}", message))
    return out
