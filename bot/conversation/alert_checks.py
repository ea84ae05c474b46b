"""The checks an alert's text passes before it is sent (issue 25): the script's own checks for a text.

GSM-7 (after the SMS rewriting every reply gets: typographic punctuation made plain, accents folded when
the script folds them), at most MAX_SEGMENTS segments, every phone number one phonenumbers can read (as
in the script's texts, bot/conversation/text_checks.py) and written on a row of the fact sheets marked V
or V* (locales/facts/, as the content tests read them). Pure: no Flask, no Redis.
"""
import re

from bot.conversation import phones
from bot.conversation.sms import non_gsm7_chars, segments, sms_safe
from bot.conversation.text_checks import describe_chars
from bot.conversation.wording import N_

MAX_SEGMENTS = 2
MAX_CHARS = 1000
# A row's status says V or V* ("Phone V; website V*" too); rows marked U, or whose number is, do not count.
_VERIFIED = re.compile(r"^(?:Phone )?V\\?\*?(?![\w])")
_UNVERIFIED_NUMBER = re.compile(r"current status U|phone(?: number)? U", re.I)
_SHORT_CODE = re.compile(r"(?<![\d-])\d{6}(?![\d-])")
_COUNTRY_CODE = re.compile(r"^\+\d{1,3} ")


def verified_rows(sheets):
    """Return the rows marked V or V* of the fact sheets' tables (markdown texts), lower case, one a line."""
    rows = []
    for sheet in sheets:
        for line in sheet.splitlines():
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if not line.startswith("|") or len(cells) < 3:
                continue
            status = cells[-1].replace("**", "")
            if _VERIFIED.match(status) and not _UNVERIFIED_NUMBER.search(status):
                rows.append(line.replace("**", "").lower())
    return "\n".join(rows)


def numbers_of(text):
    """Return the phone numbers and SMS short codes written in text."""
    return phones.numbers_in_text(text) + _SHORT_CODE.findall(text or "")


def sms_form(text, fold=True):
    """Return the text as an SMS carries it."""
    return sms_safe(text or "", fold)


def check_alert_text(text, rows, regions=("US", "MX", "GT"), fold=True):
    """Return [(level, Message)] for one language's text of an alert (level "error" blocks sending)."""
    out = []
    text = (text or "").strip()
    if not text:
        return [("error", N_("the text is empty"))]
    if len(text) > MAX_CHARS:
        return [("error", N_("the text is %(n)s characters long; an alert has at most %(max)s", n=len(text),
                             max=MAX_CHARS))]
    sms = sms_form(text, fold)
    odd = non_gsm7_chars(sms)
    if odd:
        out.append(("error", N_("not GSM-7 in SMS because of %(chars)s: each segment holds 70 characters "
                                "instead of 160", chars=describe_chars(odd))))
    count = segments(sms)[1]
    if count > MAX_SEGMENTS:
        out.append(("error", N_("%(n)s SMS segments: an alert has at most %(max)s", n=count, max=MAX_SEGMENTS)))
    for number in numbers_of(text):
        problem = phones.text_number_problem(number, list(regions)) if not _SHORT_CODE.fullmatch(number) else None
        if problem:
            out.append(("error", problem))
        elif _COUNTRY_CODE.sub("", number).lower() not in rows:
            out.append(("error", N_("%(number)s is not written on any row of the fact sheets marked V or V*; "
                                    "write it as the sheet does, or leave it out", number=repr(number))))
    return out


def cost(text, fold=True):
    """Return (encoding, segments) of an alert's text as an SMS."""
    return segments(sms_form(text, fold))
