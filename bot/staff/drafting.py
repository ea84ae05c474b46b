"""Edits to the staff's draft, one kind each (a mixin of ScriptService, whose _edit applies them)."""
from bot.staff import directory_edits, edits, example_edits
from bot.staff.errors import Conflict
from bot.conversation.wording import N_


class DraftEdits:
    """Texts, review marks, comments, keywords, directory entries and office hours, in the draft."""

    def set_text(self, text_id, lang, text, by, reviewed=None, expected=None):
        """Set a text in a language ("" removes it); see bot.edits.set_text.

        expected: the text the staff member started from; Conflict when the draft holds another.
        """
        def change(bundle):
            _expect(bundle, text_id, lang, expected)
            edits.set_text(bundle, text_id, lang, text, reviewed)
        return self._edit(by, change)

    def mark_reviewed(self, text_id, lang, by, reviewed=True):
        """Mark a K'iche' (or other) text reviewed by a native speaker, or as needing review."""
        return self._edit(by, lambda b: edits.mark_reviewed(b, text_id, lang, reviewed))

    def add_note(self, text_id, lang, note, by):
        """Add a reviewer's comment to a text in a language (kept with the text, exported as # lines)."""
        return self._edit(by, lambda b: edits.add_note(b, text_id, lang, note, by))

    def set_comment(self, text_id, lang, comment, by):
        """Set the staff comment and citation of a text in a language."""
        return self._edit(by, lambda b: edits.set_comment(b, text_id, lang, comment))

    def set_keywords(self, text_id, lang, words, by, expected=None):
        """Set the keywords (a list, or "a, b, c") of a keyword text in a language (expected: as set_text)."""
        def change(bundle):
            _expect(bundle, text_id, lang, expected)
            edits.set_keywords(bundle, text_id, lang, words)
        return self._edit(by, change)

    def set_directory_entry(self, entry, by):
        """Add or replace (by id) a referral directory entry."""
        return self._edit(by, lambda b: directory_edits.set_directory_entry(b, entry))

    def remove_directory_entry(self, entry_id, by):
        """Remove a referral directory entry."""
        return self._edit(by, lambda b: directory_edits.remove_directory_entry(b, entry_id))

    def set_office_hours(self, office_hours, by):
        """Replace the office hours."""
        return self._edit(by, lambda b: directory_edits.set_office_hours(b, office_hours))

    def set_alerts_per_month(self, count, by):
        """Set how many alerts a subscriber gets in a month at most (issue 25; the script's alerts.per_month)."""
        def change(bundle):
            bundle["spec"]["alerts"] = {**(bundle["spec"].get("alerts") or {}), "per_month": int(count)}
        return self._edit(by, change)

    def set_examples(self, lang, section, label, lines, by):
        """Replace the examples of a label in a language (one message a line); see bot.staff.example_edits."""
        return self._edit(by, lambda b: example_edits.set_examples(b, lang, section, label, lines))

    def add_example(self, lang, section, label, text, by):
        """Add one example under a label in a language (an accepted proposal)."""
        return self._edit(by, lambda b: example_edits.add_example(b, lang, section, label, text))


def _expect(bundle, text_id, lang, expected):
    """Raise Conflict when lang's text of text_id is no longer the one the staff member started from."""
    if expected is None:
        return
    current = (bundle["catalogs"].get(lang, {}).get(text_id) or {}).get("text", "")
    if current != edits.clean_text(expected):
        raise Conflict(N_("someone changed the %(lang)s text of %(tid)s meanwhile; look at it again", lang=lang, tid=text_id))
