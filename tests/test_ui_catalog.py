"""The web pages' Spanish catalog: complete, placeholders kept, and its compiled .mo up to date."""
import os
import re

from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

BOT = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "bot")
PO = os.path.join(BOT, "web", "translations", "es", "LC_MESSAGES", "messages.po")
MO = PO[:-2] + "mo"
_PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|\{\w+\}")


def _source_messages():
    """Return every page text in bot/ (Python _ and _l, Jinja templates)."""
    method_map = [("**/translations/**", "ignore"), ("**.py", "python"), ("**/templates/**.html", "jinja2")]
    keywords = {**DEFAULT_KEYWORDS, "_l": None, "N_": None}  # N_: the staff messages (bot/conversation/wording.py)
    return {message[0] if isinstance(message, tuple) else message  # a plural: its singular names it
            for _, _, message, _, _ in extract_from_dir(BOT, method_map, keywords=keywords)}


def test_every_page_text_has_a_spanish_translation():
    """No page text is left in English for a Spanish-speaking volunteer (run pybabel update if this fails)."""
    with open(PO, "rb") as fh:
        catalog = read_po(fh)
    missing = [m for m in sorted(_source_messages())
               if not (catalog.get(m) and catalog.get(m).string and all(catalog.get(m).string))]
    assert missing == []
    fuzzy = [m.id for m in catalog if m.id and m.fuzzy]
    assert fuzzy == []


def test_placeholders_are_kept():
    """Each translation has the same placeholders as its English source."""
    with open(PO, "rb") as fh:
        catalog = read_po(fh)
    for message in catalog:
        if not message.id:
            continue
        if isinstance(message.id, (tuple, list)):  # a plural: every form keeps the plural's placeholders
            assert all(message.string), message.id
            for form in message.string:
                assert sorted(_PLACEHOLDER.findall(message.id[1])) == sorted(_PLACEHOLDER.findall(form)), message.id
        else:
            assert sorted(_PLACEHOLDER.findall(message.id)) == sorted(_PLACEHOLDER.findall(message.string)), message.id


def test_compiled_catalog_is_up_to_date():
    """messages.mo holds exactly the translations of messages.po (run pybabel compile if this fails)."""
    def plain(value):
        return tuple(value) if isinstance(value, (tuple, list)) else value
    with open(PO, "rb") as fh:
        po = {plain(m.id): plain(m.string) for m in read_po(fh) if m.id}
    with open(MO, "rb") as fh:
        mo = {plain(m.id): plain(m.string) for m in read_mo(fh) if m.id}
    assert mo == po
