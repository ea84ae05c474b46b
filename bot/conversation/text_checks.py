"""Check the script's texts: each present, placeholders alike in every language, translations current
and reviewed, SMS within budget and GSM-7, phone numbers in texts valid (run by checks.check_script)."""
import re
import unicodedata

from bot.conversation import phones
from bot.conversation.rendering import render_node
from bot.conversation.problem import Problem
from bot.conversation.wording import N_
from bot.conversation.sms import non_gsm7_chars, segments, sms_safe

_PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def text_ids(script):
    """Return every text id the script uses, in a stable order."""
    ids = []
    for node in script.nodes.values():
        ids += list(node.text) + [v for v in node.texts.values() if isinstance(v, str)]
        for option in node.options:
            ids += [option.label] + ([option.words] if option.words else [])
    ids += [g.words for g in script.globals] + list(script.engine_texts.values())
    ids += list(script.match_words.values()) + list(script.small_talk.values())
    ids += [t for t in script.danger_lines.values() if t]
    ids += [f"dir.{k}" for k in ("call", "text", "whatsapp", "from_US", "from_MX", "from_other")]
    ids += sorted({f"dir.for_{e['nationality']}" for e in script.directory if e.get("nationality")})
    ids.append("handoff.timezone")
    seen = set()
    return [i for i in ids if not (i in seen or seen.add(i))]


def check_texts(script):
    """Check that every text exists, placeholders agree, and translations are current and reviewed."""
    out = []
    for tid in text_ids(script):
        present = {lang: script.catalogs.get(lang, {}).get(tid) for lang in script.languages}
        present = {lang: e for lang, e in present.items() if e is not None and e.text}
        if not present:
            out.append(Problem("error", f"text[{tid}]", N_("missing in every language")))
            continue
        names = {lang: set(_PLACEHOLDER.findall(e.text)) for lang, e in present.items()}
        for lang, entry in present.items():
            try:
                entry.text % {name: "x" for name in names[lang]}
            except (KeyError, ValueError, TypeError):
                out.append(Problem("error", f"text[{tid}].{lang}", N_("a %% sign that is not a placeholder like "
                                   "%%(when)s: write %%%% for a percent sign")))
        if len({frozenset(v) for v in names.values()}) > 1:
            detail = "; ".join(f"{lang}: {sorted(v) or 'none'}" for lang, v in names.items())
            out.append(Problem("error", f"text[{tid}]", N_("placeholders differ between languages (%(detail)s)", detail=detail)))
        for lang in script.languages:
            entry = present.get(lang)
            if entry is None:
                _, used = script.resolve(tid, lang)
                out.append(Problem("warning", f"text[{tid}].{lang}", N_("missing: texters get the %(lang)s text", lang=used)))
                continue
            if script.is_stale(tid, lang):
                out.append(Problem("warning", f"text[{tid}].{lang}", N_("stale: the Spanish source changed since "
                                   "this translation was made")))
            if entry.needs_review:
                out.append(Problem("warning", f"text[{tid}].{lang}", N_("not yet reviewed by a native speaker")))
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


def check_sms(script):
    """Warn about SMS texts over budget or outside GSM-7, and a main menu over its own budget."""
    out, budget = [], int(script.sms.get("max_segments", 3))
    for tid, lang, encoding, count, odd in sms_report(script):
        if encoding != "GSM-7":
            out.append(Problem("warning", f"text[{tid}].{lang}", N_("not GSM-7 in SMS because of %(chars)s: each segment holds 70 "
                                                        "characters instead of 160", chars=describe_chars(odd))))
        if count > budget:
            out.append(Problem("warning", f"text[{tid}].{lang}", N_("%(n)s SMS segments (budget %(budget)s)", n=count, budget=budget)))
    menu_budget = int(script.sms.get("main_menu_max_segments", budget))
    for lang in script.languages:
        text = sms_safe(render_node(script, script.main, lang), script.sms.get("fold_accents", True))
        count = segments(text)[1]
        if count > menu_budget:
            out.append(Problem("warning", f"node[{script.main}].{lang}",
                               N_("main menu is %(n)s SMS segments (budget %(budget)s)", n=count, budget=menu_budget)))
    return out


def describe_chars(chars):
    """Name characters for staff: "'ç' (U+00E7 LATIN SMALL LETTER C WITH CEDILLA)"."""
    return ", ".join(f"{ch!r} (U+{ord(ch):04X} {unicodedata.name(ch, 'unnamed character')})" for ch in chars)


def check_phones_in_texts(script):
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
