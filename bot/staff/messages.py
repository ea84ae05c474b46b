"""The checks' findings and the service's refusals in the page's language.

The pure side (checks, edits, the PO files) words its messages in English for the command line; the
staff's pages show them through say(), which recognises each sentence and gives its translation with
the same details filled in. A sentence no pattern knows is shown as it is (never lost); English pages
show the service's own sentence.
"""
import re

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

_PATTERNS = [(re.compile("^" + pattern + "$", re.S), text) for pattern, text in (
    # checks (bot/checks.py)
    (r"points to unknown node (?P<x>.+)", _l("points to the unknown node %(x)s")),
    (r"unknown type (?P<x>.+) \(use (?P<use>.+)\)", _l("unknown type %(x)s (use %(use)s)")),
    (r"has no text", _l("has no text")),
    (r"a menu needs options", _l("a menu needs options")),
    (r"unreachable: no option or global word leads here", _l("unreachable: no option or global word leads here")),
    (r"unknown action (?P<x>.+) \(use (?P<use>.+)\)", _l("unknown action %(x)s (use %(use)s)")),
    (r"unknown language (?P<x>'[^']*')", _l("unknown language %(x)s")),
    (r"needs goto, set_language or action", _l("needs goto, set_language or action")),
    (r"missing in every language", _l("missing in every language")),
    (r"a % sign that is not a placeholder like %\(when\)s: write %% for a percent sign",
     _l("a %% sign that is not a placeholder like %%(when)s: write %%%% for a percent sign")),
    (r"placeholders differ between languages \((?P<x>.+)\)", _l("placeholders differ between languages (%(x)s)")),
    (r"missing: texters get the (?P<lang>\w+) text", _l("missing: texters get the text in %(lang)s")),
    (r"stale: the Spanish source changed since this translation was made",
     _l("stale: the Spanish text changed since this translation was made")),
    (r"not yet reviewed by a native speaker", _l("not yet reviewed by a native speaker")),
    (r"keyword (?P<w>.+) is taken by the global word of (?P<g>.+): texters writing it never reach option (?P<n>\d+)",
     _l("the keyword %(w)s is taken by the global word of %(g)s: texters writing it never reach option %(n)s")),
    (r"keyword (?P<w>.+) picks options (?P<a>\d+) and (?P<b>\d+)(?P<rest>.*)",
     _l("the keyword %(w)s picks options %(a)s and %(b)s%(rest)s")),
    (r"not GSM-7 in SMS because of (?P<x>.+): each segment holds 70 characters instead of 160",
     _l("not GSM-7 in SMS because of %(x)s: each segment holds 70 characters instead of 160")),
    (r"(?P<n>\d+) SMS segments \(budget (?P<b>\d+)\)", _l("%(n)s SMS segments (budget %(b)s)")),
    (r"main menu is (?P<n>\d+) SMS segments \(budget (?P<b>\d+)\)",
     _l("the main menu is %(n)s SMS segments (budget %(b)s)")),
    (r"needs a name and at least one phone", _l("needs a name and at least one phone")),
    (r"is not a mapping of number, kind, from", _l("is not a mapping of number, kind, from")),
    (r"no 'checked' date", _l("no “checked” date")),
    (r"'checked' is not a date like 2026-01-31: (?P<x>.+)", _l("“checked” is not a date like 2026-01-31: %(x)s")),
    (r"last checked (?P<d>[\d-]+), over a year ago", _l("last checked %(d)s, over a year ago")),
    (r"has no number", _l("has no number")),
    (r"(?P<x>.+) is not a phone number phonenumbers can read when dialled from (?P<r>\w+)",
     _l("%(x)s is not a phone number that can be read when dialled from %(r)s")),
    (r"(?P<x>.+) is not a valid international number", _l("%(x)s is not a valid international number")),
    (r"(?P<x>.+) cannot be dialled as written from another country; write it with its country code: (?P<w>.+)",
     _l("%(x)s cannot be dialled as written from another country; write it with its country code: %(w)s")),
    (r"(?P<x>.+) is not a phone number in any country the entry serves \((?P<r>.*)\); write it with its "
     r"country code \(\+\.\.\.\)",
     _l("%(x)s is not a phone number in any country the entry serves (%(r)s); write it with its country code (+...)")),
    (r"(?P<x>.+) is not a phone number phonenumbers can read in (?P<r>.+); check the digits or write it with "
     r"its country code \(\+\.\.\.\)",
     _l("%(x)s is not a phone number that can be read in %(r)s; check the digits or write it with its country "
        "code (+...)")),
    # office hours (bot/hours.py)
    (r"office_hours\.timezone: unknown time zone (?P<x>.+)", _l("unknown time zone %(x)s (write one like America/New_York)")),
    (r"office_hours: (?P<x>.+) is not like 09:00-17:00", _l("%(x)s is not a time range like 09:00-17:00")),
    (r"office_hours: (?P<x>.+) ends before it starts", _l("%(x)s ends before it starts")),
    (r"office_hours\.days\.(?P<d>\w+): (?P<a>\S+) and (?P<b>\S+) overlap", _l("%(d)s: %(a)s and %(b)s overlap")),
    # refusals of edits (bot/edits.py, bot/po.py, bot/versions.py)
    (r"text too long: (?P<n>\d+) characters \(at most (?P<m>\d+)\)",
     _l("The text is too long: %(n)s characters (at most %(m)s).")),
    (r"(?P<f>.+) holds an invisible character that is not allowed: (?P<c>U\+[0-9A-F]+ [^,]+), character (?P<i>\d+) "
     r"\((?P<where>.+)\)\. Delete it and save again\.",
     _l("%(f)s holds an invisible character that is not allowed: %(c)s, character %(i)s (%(where)s). Delete it "
        "and save again.")),
    (r"topics: unknown topic (?P<x>.+) \(use (?P<use>.+)\)", _l("Topics: unknown topic %(x)s: tick topics from the list.")),
    (r"serves: unknown place (?P<x>.+) \(use codes from places, like US, US-NC, MX, GT\)",
     _l("Serves: unknown place %(x)s (use codes like US, US-NC, MX, GT).")),
    (r"checked: (?P<x>.+) is not a date like 2026-01-31", _l("Last checked: %(x)s is not a date like 2026-01-31.")),
    (r"checked: (?P<x>[\d-]+) is in the future: write the day the entry was checked",
     _l("Last checked: %(x)s is in the future: write the day the entry was checked.")),
    (r"id: use lower-case letters, digits, - and _ \(like legal_aid_nc\)",
     _l("Id: use lower-case letters, digits, - and _ (like legal_aid_nc).")),
    (r"name: an entry needs the organisation's name", _l("Name: an entry needs the organisation's name.")),
    (r"(?P<f>[\w.\[\]]+): at most (?P<n>\d+) characters", _l("%(f)s: at most %(n)s characters.")),
    (r"keyword too long: (?P<x>.+) \(at most (?P<n>\d+) characters\)",
     _l("Keyword too long: %(x)s (at most %(n)s characters).")),
    (r"keyword (?P<x>.+) has no letters or digits", _l("The keyword %(x)s has no letters or digits.")),
    (r"someone changed the (?P<lang>\w+) text of (?P<tid>\S+) meanwhile; look at it again",
     _l("Someone changed the %(lang)s text of %(tid)s meanwhile; look at it again.")),
    (r"version (?P<a>\d+) was published since you looked at version (?P<b>\d+); (?P<rest>.+)",
     _l("Version %(a)s was published since you looked at version %(b)s; look at the changes again before "
        "publishing.")),
    (r"the draft is the same as the published version: nothing to publish",
     _l("The draft is the same as the published version: nothing to publish.")),
    (r"a note is needed: say what changed and why", _l("A note is needed: say what changed and why.")),
    (r"the note is too long \(at most (?P<n>\d+) characters\)", _l("The note is too long (at most %(n)s characters).")),
    (r"the draft or the published version changed meanwhile; look again and retry",
     _l("The draft or the published version changed meanwhile; look again and retry.")),
    (r"this file is not UTF-8 text: save it as UTF-8 \(Poedit and Weblate do\) and upload it again",
     _l("This file is not UTF-8 text: save it as UTF-8 (Poedit and Weblate do) and upload it again.")),
    (r"line (?P<n>\d+) of this PO file has a quoted text that is not closed .+",
     _l("Line %(n)s of this PO file has a quoted text that is not closed (a \" missing, or one inside the text "
        "without a \\ before it): correct it in Poedit or Weblate, or download the file again from this page, "
        "and upload that.")),
    (r"this is not a PO file that can be read(?: near line (?P<n>\d+))?: .+",
     _l("This is not a PO file that can be read (near line %(n)s): download the file again from this page, "
        "translate it in Poedit or Weblate, and upload that.")),
    (r"this PO file's header names an unknown language or character set: .+",
     _l("This PO file's header names an unknown language or character set: download the file again from this "
        "page and translate that one.")),
    (r"this file is for (?P<x>.+), not (?P<y>.+) \(see its Language header\)",
     _l("This file is for %(x)s, not %(y)s (see its Language header).")),
    (r"not a PO file of texts: it has no messages", _l("Not a PO file of texts: it has no messages.")),
    (r"(?P<tid>\S+): unknown text id; ignored", _l("%(tid)s: unknown text id; ignored.")),
    (r"(?P<tid>\S+): empty msgstr; left as it is", _l("%(tid)s: no translation in the file; left as it is.")),
    (r"(?P<tid>\S+): the Spanish text changed since this file was exported; not imported",
     _l("%(tid)s: the Spanish text changed since this file was exported; not imported.")),
    (r"(?P<tid>\S+): plural forms are not used; ignored", _l("%(tid)s: plural forms are not used; ignored.")),
    # refusals of example edits (bot/staff/example_edits.py)
    (r"unknown language (?P<x>'[^']*') \(use (?P<use>.+)\)", _l("Unknown language %(x)s (use %(use)s).")),
    (r"unknown section (?P<x>'[^']*') \(use (?P<use>.+)\)", _l("Unknown section %(x)s (use %(use)s).")),
    (r"unknown label (?P<x>'[^']*') in (?P<s>\w+)", _l("Unknown label %(x)s in %(s)s: choose one from the list.")),
    (r"line (?P<n>\d+): an example is too long: (?P<c>\d+) characters \(at most (?P<m>\d+)\)",
     _l("Line %(n)s: the example is too long: %(c)s characters (at most %(m)s).")),
    (r"too many examples: (?P<n>\d+) \(at most (?P<m>\d+) under one label\)",
     _l("Too many examples: %(n)s (at most %(m)s under one label).")),
    (r"examples must be messages, one a line", _l("Examples must be messages, one a line.")),
    (r"the example is empty: write the message as an example",
     _l("The example is empty: write the message as an example.")),
    (r"an example is one line: join the lines or keep the part that matters",
     _l("An example is one line: join the lines or keep the part that matters.")),
)]


def say(message):
    """Return a finding's or refusal's sentence in the page's language (as it is when unknown)."""
    text = str(message)
    if get_locale() is not None and get_locale().language == "en":
        return text  # the service's own words are English already
    translated = _translate(text)
    if translated is not None:
        return translated
    head, sep, rest = text.partition(": ")
    if sep and re.fullmatch(r"[\w.\[\]-]+", head):  # "field: sentence": the field's name is kept as it is
        translated = _translate(rest)
        if translated is not None:
            return head + sep + translated
    return text


def _translate(sentence):
    """Return the sentence in the page's language with its details filled in, or None when no pattern knows it."""
    for pattern, translated in _PATTERNS:
        found = pattern.match(sentence)
        if found:
            values = {k: (v if v is not None else "?") for k, v in found.groupdict().items()}
            words = str(translated)  # translated now, in the page's language
            return words % values if values else words.replace("%%", "%")
    return None
