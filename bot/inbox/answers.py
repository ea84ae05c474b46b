"""Ready answers: the script's own texts and directory entries, found by words in the page's or the
texter's language, given in the texter's language for the volunteer to insert (and edit) in a reply."""
from dataclasses import dataclass

from bot.conversation.rendering import render_entry
from bot.conversation.textmatch import normalize

MAX_RESULTS = 8
MIN_LENGTH = 30  # shorter texts are menu labels and keywords, not answers


@dataclass
class Answer:
    """One ready answer: where it comes from, how the volunteer recognises it, what is inserted."""

    key: str       # a text id, or "dir:<entry id>"
    shown: str     # in the page's language, to recognise it
    text: str      # in the texter's language, to insert


def search(script, query, page_lang, texter_lang, limit=MAX_RESULTS):
    """Return the Answers whose words (in the page's or the texter's language) hold every word of query."""
    words = [w for w in normalize(query or "").split() if len(w) > 1]
    if not words:
        return []
    langs = [lang for lang in dict.fromkeys((texter_lang, page_lang, script.source_language))
             if lang in script.languages]
    keywords = script.keyword_ids
    found = []
    for entry in script.directory:  # organisations first: a name is the surest match
        names = " ".join([entry.get("name", ""), *(entry.get("names") or {}).values(), entry.get("id", ""),
                          *(entry.get("topics") or ())])
        if all(w in normalize(names) for w in words):
            line = render_entry(script, entry, texter_lang if texter_lang in script.languages else langs[0])
            found.append(Answer(f"dir:{entry.get('id', '')}", entry.get("name", ""), line))
    for tid in sorted({tid for lang in langs for tid in script.catalogs.get(lang, {})}):
        if tid in keywords:
            continue
        texts = [script.text(tid, lang) for lang in langs]
        if "%(" in texts[0] or len(texts[0]) < MIN_LENGTH:
            continue
        haystack = normalize(" ".join(texts))
        if all(w in haystack for w in words):
            shown = script.text(tid, page_lang if page_lang in script.languages else langs[0])
            found.append(Answer(tid, shown, texts[0]))
    return found[:limit]
