"""Check the script's words: menu keywords and the sentence matcher's words, wherever a texter writing
one would be sent elsewhere than staff meant (run by checks.check_script)."""
from bot.conversation.problem import Problem
from bot.conversation.wording import N_
from bot.conversation.textmatch import normalize


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


def check_sentence_words(script):
    """Warn about sentence words two intents claim, hidden by a global word, or hiding danger."""
    out = []
    tids = script.match_words
    for lang, phrase, intents in script.matcher.shared():
        names = ", ".join(tids.get(i, i) for i in intents)
        out.append(Problem("warning", f"text[{tids.get(intents[0], intents[0])}].{lang}",
                           N_("%(phrase)s is claimed by %(names)s: a sentence with it is read as both",
                              phrase=repr(phrase), names=names)))
    for intent, tid in tids.items():
        lead = script.leads.get(intent) or (script.danger_goto if intent == "danger" else None)
        for lang in script.languages:
            for phrase in script.words_in(tid, lang):
                hidden = script.match_global(normalize(phrase))
                if hidden is not None and hidden.goto != lead and not (intent == "danger" and hidden.goto ==
                                                                       script.danger_goto):
                    out.append(Problem("warning", f"text[{tid}].{lang}",
                                       N_("%(phrase)s alone is taken by the global word of %(words)s",
                                          phrase=repr(phrase), words=hidden.words)))
    for lang, danger, longer, intent in script.matcher.hidden_danger():
        out.append(Problem("warning", f"text[{tids.get(intent, intent)}].{lang}",
                           N_("%(longer)s contains the danger words %(danger)s: a sentence with it is not "
                              "read as danger", longer=repr(longer), danger=repr(danger))))
    return out
