"""A native speaker's review of the K'iche' texts: what the reviewer sees and the count staff see.

Pure (no Flask, no Redis): works on a Script (bot/conversation/script.py). A text counts when the review
language (K'iche') has words for it; it is reviewed once a native speaker approved it (the needs-review
flag is gone). Keyword lists (kw.*) and the matcher's word lists (m.*) count too: texters write them.
"""
from dataclasses import dataclass


@dataclass(frozen=True)
class ReviewRow:
    """One text as the reviewer sees it: the K'iche' beside the Spanish and English, and the notes."""

    tid: str
    quc: str
    es: str
    en: str
    comments: tuple   # staff comments and fact citations
    notes: tuple      # translators' and reviewers' comments (the gloss)
    reviewed: bool


def review_rows(script, lang="quc"):
    """Return a ReviewRow for every text with words in lang, in catalog order."""
    rows = []
    for tid, entry in script.catalogs.get(lang, {}).items():
        if not entry.text:
            continue
        source = script.catalogs.get(script.source_language, {}).get(tid)
        english = script.catalogs.get("en", {}).get(tid)
        rows.append(ReviewRow(tid=tid, quc=entry.text, es=source.text if source else "",
                              en=english.text if english else "",
                              comments=tuple(source.comments if source and not entry.comments else entry.comments),
                              notes=tuple(entry.notes), reviewed=not entry.needs_review))
    return rows


def review_count(script, lang="quc"):
    """Return (reviewed, total) over the texts with words in lang."""
    rows = review_rows(script, lang)
    return sum(1 for r in rows if r.reviewed), len(rows)
