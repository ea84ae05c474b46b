"""What changed between two bundles, in the terms staff use: texts, keywords, nodes, directory, hours."""
from dataclasses import dataclass

from bot.conversation.script import REVIEW_FLAG


@dataclass(frozen=True)
class Change:
    """One difference. where names the thing as the checks do (text[main.intro].quc, directory[cdm],
    node[main], office_hours, places[MX], script.sms, examples[es.intents.pay]); what says which part
    changed (for examples: before is (added, removed), after says it in words)."""

    where: str
    what: str
    before: object = None
    after: object = None

    def __str__(self):
        if self.what == "examples":
            return f"{self.where}: {self.after}"
        if self.what == "added":
            return f"{self.where}: added: {_short(self.after)}"
        if self.what == "removed":
            return f"{self.where}: removed: {_short(self.before)}"
        return f"{self.where}: {self.what}: {_short(self.before)} -> {_short(self.after)}"


def _short(value, limit=120):
    """Return value as a one-line excerpt."""
    text = value if isinstance(value, str) else repr(value)
    text = text.replace("\n", "\\n")
    return text if len(text) <= limit else text[:limit - 1] + "…"


def diff(before, after):
    """Return the Changes that turn bundle before into bundle after."""
    changes = _texts(before, after)
    changes += _spec(before["spec"], after["spec"])
    changes += _keyed("directory", _by_id(before.get("directory")), _by_id(after.get("directory")))
    changes += _keyed("places", before.get("places") or {}, after.get("places") or {})
    changes += _examples(before.get("examples") or {}, after.get("examples") or {})
    return changes


def _examples(before, after):
    """Return one change per label whose examples changed: how many were added and removed."""
    out = []
    for lang in list(after) + [l for l in before if l not in after]:
        old_lang, new_lang = before.get(lang) or {}, after.get(lang) or {}
        for section in list(new_lang) + [s for s in old_lang if s not in new_lang]:
            old_sec, new_sec = old_lang.get(section) or {}, new_lang.get(section) or {}
            for label in list(new_sec) + [l for l in old_sec if l not in new_sec]:
                old, new = list(old_sec.get(label) or ()), list(new_sec.get(label) or ())
                if old == new:
                    continue
                added = len(set(new) - set(old))
                removed = len(set(old) - set(new))
                words = f"{added} added, {removed} removed" if added or removed else "reordered"
                out.append(Change(f"examples[{lang}.{section}.{label}]", "examples", (added, removed), words))
    return out


def _texts(before, after):
    """Return the changes of catalog entries, language by language."""
    out = []
    source_lang = after["spec"].get("source_language")
    languages = list(after["catalogs"]) + [l for l in before["catalogs"] if l not in after["catalogs"]]
    for lang in languages:
        old_cat, new_cat = before["catalogs"].get(lang, {}), after["catalogs"].get(lang, {})
        for tid in list(new_cat) + [t for t in old_cat if t not in new_cat]:
            old, new = old_cat.get(tid) or {}, new_cat.get(tid) or {}
            where = f"text[{tid}].{lang}"
            old_text, new_text = old.get("text", ""), new.get("text", "")
            if not old_text and new_text:
                out.append(Change(where, "added", None, new_text))
            elif old_text and not new_text:
                out.append(Change(where, "removed", old_text, None))
            elif old_text != new_text:
                out.append(Change(where, "text", old_text, new_text))
            elif lang != source_lang and old.get("source") != new.get("source"):
                out.append(Change(where, "translated from", old.get("source"), new.get("source")))
            old_flags, new_flags = set(old.get("flags", ())), set(new.get("flags", ()))
            if new_text and (REVIEW_FLAG in old_flags) != (REVIEW_FLAG in new_flags):
                out.append(Change(where, "review", _review(old_flags), _review(new_flags)))
            if old_flags - {REVIEW_FLAG} != new_flags - {REVIEW_FLAG}:
                out.append(Change(where, "flags", sorted(old_flags), sorted(new_flags)))
            for field, what in (("comments", "comment"), ("notes", "translator note")):
                if old.get(field, []) != new.get(field, []):
                    out.append(Change(where, what, "\n".join(old.get(field, [])), "\n".join(new.get(field, []))))
    return out


def _review(flags):
    """Return how a review state reads."""
    return "needs review" if REVIEW_FLAG in flags else "reviewed"


def _spec(before, after):
    """Return the changes of script.yaml: nodes one by one, office hours, and other settings."""
    out = _keyed("node", before.get("nodes") or {}, after.get("nodes") or {})
    for key in list(after) + [k for k in before if k not in after]:
        if key == "nodes" or before.get(key) == after.get(key):
            continue
        where = "office_hours" if key == "office_hours" else f"script.{key}"
        out.append(Change(where, "changed", before.get(key), after.get(key)))
    return out


def _by_id(entries):
    """Return directory entries keyed by id (or position when an entry has none)."""
    return {str(e.get("id") or i): e for i, e in enumerate(entries or (), start=1)}


def _keyed(kind, before, after):
    """Return added, removed and field-by-field changes of mappings keyed by id."""
    out = []
    for key in list(after) + [k for k in before if k not in after]:
        old, new, where = before.get(key), after.get(key), f"{kind}[{key}]"
        if old is None:
            out.append(Change(where, "added", None, new))
        elif new is None:
            out.append(Change(where, "removed", old, None))
        elif old != new and isinstance(old, dict) and isinstance(new, dict):
            for field in list(new) + [f for f in old if f not in new]:
                if old.get(field) != new.get(field):
                    out.append(Change(where, field, old.get(field), new.get(field)))
        elif old != new:
            out.append(Change(where, "changed", old, new))
    return out
