"""Translators' files: one PO catalog per language, written and read with Babel.

Each message: msgctxt = text id, msgid = the current Spanish text, msgstr = the text in the language,
the staff comment and fact citation as extracted comments (#.), the translator's own notes as
translator comments (#), K'iche' texts awaiting review flagged `needs-review`. A translation made
from an older Spanish text is flagged fuzzy, with the Spanish it was made from as its previous msgid
(#| msgid), which is how Poedit and Weblate show what changed.

An import changes a message only where the file differs from what an export would write, so
export -> import -> export changes nothing. Extracted comments belong to staff and are not imported.
"""
import io
import re

from babel.core import Locale, UnknownLocaleError
from babel.messages.catalog import PYTHON_FORMAT, Catalog
from babel.messages.pofile import PoFileError, normalize, read_po, unescape, write_po

from bot.conversation.bundle import DERIVED_FLAGS, entry_dict, made_from
from bot.staff.edits import EditError, check_language, clean_text, known_text_ids
from bot.conversation.script import build_script
from bot.conversation.wording import N_

_BRACE = re.compile(r"\{([^{}]*)\}")
MAX_FILE = 5 * 1024 * 1024


def export_catalog(script, lang, label, when):
    """Return the PO file (bytes) of lang for a built Script; label and when go in the header."""
    source_lang = script.source_language
    source = script.catalogs.get(source_lang, {})
    target = script.catalogs.get(lang, {})
    catalog = Catalog(locale=_locale(lang), domain="helpline", project="helpline-bot", version=label,
                      creation_date=when, revision_date=when, last_translator="helpline staff",
                      language_team="helpline staff", fuzzy=False,
                      header_comment=f"# Texts of the helpline bot in {lang} ({label}).\n"
                                     "# msgctxt is the text id, msgid the Spanish text, msgstr the text in "
                                     "this language.\n#")
    # Babel wraps comment lines at 76 characters like running text, which breaks a long translator's
    # note into several notes and a multi-line `#| msgid` into garbage. Each such comment is written
    # as a short marker, then replaced by the lines gettext's own tools write.
    exact = {}
    for tid in list(source) + [t for t in target if t not in source]:
        msgid, msgstr, flags, previous, notes = _exported(script, tid, lang)
        if not msgid:
            continue
        entry, src = target.get(tid), source.get(tid)
        comments = (entry.comments if entry and entry.comments else ()) or (src.comments if src else ())
        markers = []
        for note in notes:
            markers.append(_marker(exact, "# " + note if note else "#"))
        if previous:
            previous = (_marker(exact, "#| msgid " + normalize(previous[0], prefix="#| ", width=76)),)
        message = catalog.add(msgid, msgstr, flags=flags, auto_comments=comments, user_comments=markers,
                              previous_id=previous, context=tid)
        _keep_msgfmt_happy(message)
    out = io.BytesIO()
    write_po(out, catalog, width=76, no_location=True, include_previous=True)
    return _unmark(out.getvalue(), exact)


def _marker(exact, lines):
    """Return a short marker standing for comment lines written exactly (see _unmark)."""
    marker = f"@@helpline-{len(exact)}@@"
    exact[marker] = lines
    return marker


def _unmark(data, exact):
    """Replace each marker's comment line ('# @@..@@' or '#| msgid "@@..@@"') with its exact lines."""
    def line(found):
        return exact[found.group(1)]
    text = re.sub(r'^#\|? (?:msgid ")?(@@helpline-\d+@@)"?$', line, data.decode("utf-8"), flags=re.M)
    return text.encode("utf-8")


def _exported(script, tid, lang):
    """Return (msgid, msgstr, flags, previous msgid, notes) of one text as an export writes it."""
    source = script.catalogs.get(script.source_language, {}).get(tid)
    entry = script.catalogs.get(lang, {}).get(tid)
    msgid = (source.text if source else "") or (entry.source if entry else "")
    if entry is None:
        return msgid, "", (), (), ()
    flags = set(entry.flags) - DERIVED_FLAGS
    previous = ()
    if script.is_stale(tid, lang):
        flags.add("fuzzy")
        previous = (entry.source,) if entry.source else ()
    return msgid, entry.text, tuple(sorted(flags)), previous, entry.notes


def _locale(lang):
    """Return lang when Babel's CLDR data knows it (for the Language and Plural-Forms headers), else None."""
    try:
        Locale.parse(lang)
    except (UnknownLocaleError, ValueError):
        return None
    return lang


def _keep_msgfmt_happy(message):
    """Drop a format flag when the translation's placeholders differ (the checks report it instead),
    so that `msgfmt -c` accepts every export."""
    if not message.string:
        return
    if sorted(PYTHON_FORMAT.findall(message.id)) != sorted(PYTHON_FORMAT.findall(message.string)):
        message.flags.discard("python-format")
    if sorted(_BRACE.findall(message.id)) != sorted(_BRACE.findall(message.string)):
        message.flags.discard("python-brace-format")


def import_catalog(bundle, lang, data):
    """Apply a PO file of lang to bundle (a draft's copy); return what was skipped, and why."""
    check_language(bundle, lang)
    catalog = _read(data, lang)
    script = build_script(bundle)
    source_lang = script.source_language
    known = known_text_ids(bundle)
    target = bundle["catalogs"].setdefault(lang, {})
    skipped = []
    for message in catalog:
        tid = message.context
        if not message.id:
            continue
        if not tid:
            skipped.append(N_("msgid %(id)s: no msgctxt (text id); ignored", id=repr(message.id[:40])))
            continue
        if tid not in known:
            skipped.append(N_("%(tid)s: unknown text id; ignored", tid=tid))
            continue
        if message.pluralizable:
            skipped.append(N_("%(tid)s: plural forms are not used; ignored", tid=tid))
            continue
        _split_previous(message)
        fuzzy = "fuzzy" in message.flags
        flags = tuple(sorted(set(message.flags) - DERIVED_FLAGS))
        previous = tuple(message.previous_id[:1]) if fuzzy else ()
        msgid, msgstr, exp_flags, exp_previous, exp_notes = _exported(script, tid, lang)
        exp_fuzzy = "fuzzy" in exp_flags
        if (message.id, message.string, fuzzy, flags, previous, tuple(message.user_comments)) == \
                (msgid, msgstr, exp_fuzzy, tuple(f for f in exp_flags if f != "fuzzy"), exp_previous,
                 tuple(exp_notes)):
            continue  # what an export writes: nothing to change
        try:
            text = clean_text(message.string or "")
        except EditError as exc:
            skipped.append(N_("%(tid)s: %(why)s", tid=tid, why=exc.args[0]))
            continue
        if not text:
            skipped.append(N_("%(tid)s: empty msgstr; left as it is", tid=tid))
            continue
        old = target.get(tid) or {}
        if lang == source_lang:
            current = (old.get("text") or "")
            if current and message.id != current and text != current:
                skipped.append(N_("%(tid)s: the Spanish text changed since this file was exported; not imported", tid=tid))
                continue
            made = text
        else:
            made = made_from(message, False, known=old.get("source"))
        target[tid] = entry_dict(text, made, flags, old.get("comments", ()), message.user_comments)
    return skipped


def _split_previous(message):
    """Move `#| msgid` lines, which Babel reads as translator comments, into message.previous_id."""
    notes, previous, field = [], {}, None
    for line in message.user_comments:
        if line.startswith("|"):
            keyword, _, rest = line[1:].strip().partition(" ")
            if keyword.startswith('"'):
                rest, keyword = line[1:].strip(), field
            elif keyword in ("msgid", "msgctxt", "msgid_plural"):
                field = keyword
            if keyword and rest.startswith('"'):
                previous[keyword] = previous.get(keyword, "") + unescape(rest)
                continue
        notes.append(line)
    message.user_comments = notes
    if previous.get("msgid"):
        message.previous_id = [previous["msgid"]]


_KEYWORD = re.compile(r"^(?:#[~|]\s*)?(?:msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?)(?:\s+(.*)|\s*)$")
_CONTINUED = re.compile(r"^(?:#[~|]\s*)?(\".*)$")
_QUOTED = re.compile(r'^"(?:[^"\\]|\\.)*"\s*$')


def _check_quotes(data):
    """Raise EditError naming the first line whose quoted text is not closed (Babel would read such a
    file without a word, taking the rest of the line, or more, as the text)."""
    for number, line in enumerate(bytes(data).decode("utf-8", "replace").splitlines(), start=1):
        line = line.strip()
        found = _KEYWORD.match(line) or _CONTINUED.match(line)
        if found and not _QUOTED.match((found.group(1) or "").strip()):
            raise EditError(N_("line %(n)s of this PO file has a quoted text that is not closed (a \" "
                               "missing, or one inside the text without a \\ before it): correct it in Poedit "
                               "or Weblate, or download the file again from this page, and upload that", n=number))


def _read(data, lang):
    """Return the Babel Catalog in data, or raise EditError saying why it cannot be read."""
    if not isinstance(data, (bytes, bytearray)):
        raise EditError(N_("a PO file must be given as bytes"))
    if len(data) > MAX_FILE:
        raise EditError(N_("PO file too large (%(n)s bytes; at most %(max)s)", n=len(data), max=MAX_FILE))
    _check_quotes(data)
    try:
        catalog = read_po(io.BytesIO(bytes(data)), abort_invalid=True)
    except UnicodeDecodeError:
        raise EditError(N_("this file is not UTF-8 text: save it as UTF-8 (Poedit and Weblate do) and upload "
                           "it again")) from None
    except PoFileError as exc:
        line = re.search(r"\bon (\d+)", str(exc))
        if line:
            raise EditError(N_("this is not a PO file that can be read near line %(n)s: download the file again "
                               "from this page, translate it in Poedit or Weblate, and upload that",
                               n=int(line.group(1)) + 1)) from None
        raise EditError(N_("this is not a PO file that can be read: download the file again from this page, "
                           "translate it in Poedit or Weblate, and upload that")) from None
    except (UnknownLocaleError, ValueError, LookupError):
        raise EditError(N_("this PO file's header names an unknown language or character set: download the "
                           "file again from this page and translate that one")) from None
    if catalog.locale is not None and catalog.locale.language != lang:
        raise EditError(N_("this file is for %(lang)s, not %(wanted)s (see its Language header)",
                           lang=repr(catalog.locale.language), wanted=repr(lang)))
    if not len(catalog):
        raise EditError(N_("not a PO file of texts: it has no messages"))
    return catalog
