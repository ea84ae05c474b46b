"""Check the script's words and examples: menu keywords wherever a texter writing one would be sent
elsewhere than staff meant, and the examples the understanding models learn from (run by
checks.check_script)."""
from bot.conversation.problem import Problem
from bot.conversation.wording import N_
from bot.conversation.textmatch import normalize
from bot.conversation.understanding import examples

FEW_EXAMPLES = 5         # fewer examples than this for an intent in a language is worth a warning


def check_keywords(script):
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
                                           N_("keyword %(word)s is taken by the global word of %(words)s: "
                                              "texters writing it never reach option %(n)s", word=repr(word),
                                              words=hidden.words, n=i)))
                    first = seen.setdefault(key, (i, word, word_lang))
                    if first[0] == i or (node.id, key, first[0], i) in reported:
                        continue
                    reported.add((node.id, key, first[0], i))
                    where = f"node[{node.id}].{word_lang}"
                    if first[1] != word:
                        message = N_("keyword %(word)s picks options %(a)s and %(b)s (%(first)s in %(lang)s)",
                                     word=repr(word), a=first[0], b=i, first=repr(first[1]), lang=first[2])
                    else:
                        message = N_("keyword %(word)s picks options %(a)s and %(b)s", word=repr(word), a=first[0], b=i)
                    out.append(Problem("error", where, message))
    return out


def check_understanding(script):
    """Check the understanding section and its examples: where intents lead, labels, and how many
    examples each intent and danger kind has in each language."""
    out = []
    for intent, goto in script.leads.items():
        if goto not in script.nodes:
            out.append(Problem("error", f"understand.intents.{intent}", N_("leads to unknown node %(node)s", node=repr(goto))))
    for kind, goto in script.danger_pages.items():
        if goto not in script.nodes:
            out.append(Problem("error", f"understand.danger.{kind}", N_("leads to unknown node %(node)s", node=repr(goto))))
    for intent, lang in script.language_intents.items():
        if lang not in script.languages:
            out.append(Problem("error", f"understand.languages.{intent}", N_("unknown language %(lang)s", lang=repr(lang))))
    for lang in getattr(script, "language_names", {}):
        if lang not in script.languages:
            out.append(Problem("error", f"understand.language_names.{lang}", N_("unknown language %(lang)s", lang=repr(lang))))
    for where, message in examples.problems(script.examples, script.intent_labels, set(script.danger_pages),
                                            script.languages):
        level = "warning" if message.startswith("unknown label") else "error"
        out.append(Problem(level, where, message))
    counted = examples.counts(script.examples)
    for lang in script.languages:
        for section, labels in (("intents", list(script.leads) + list(script.small_talk)),
                                ("danger", list(script.danger_pages))):
            for label in labels:
                found = counted.get((lang, section, label), 0)
                if found < FEW_EXAMPLES:
                    out.append(Problem("warning", f"examples.{lang}.{section}.{label}",
                                       N_("%(found)s example(s): messages in this language about it may not be "
                                          "understood (at least %(wanted)s wanted)", found=found,
                                          wanted=FEW_EXAMPLES)))
    return out
