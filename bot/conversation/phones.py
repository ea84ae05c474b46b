"""Phone numbers in the script: read them with phonenumbers the way a texter would dial them.

Rules (README, "Checks"):
- A directory number is read in the country it is dialled from: `from: US` as a US number, `from: MX`
  as a Mexican one (so 001-520-623-7874 is the US number dialled from Mexico). Numbers written with
  "+" are read as international. Short codes valid in that country (911, 079, SMS short codes such as
  233733) are accepted: phonenumbers' short-number data knows them.
- `from: other` means "dialled from any other country": such a number is accepted when it is valid in
  one of the countries the entry serves (or its nationality), but staff get a warning unless it is
  written with its country code, because from a third country it cannot be dialled as written.
- In texts, a run of digits is checked only when it looks like a phone number: written with "+", or
  three or more groups of digits (1-866-487-9243, 55-5211-9397), 7 to 15 digits in all. It is accepted
  when valid in any country the script's places name (US, MX, GT...). Lone numbers (911, 233733, years,
  legal citations) are not checked in texts: they cannot be told apart.
"""
import re

import phonenumbers
from phonenumbers import shortnumberinfo

from bot.conversation.wording import N_

DIAL_REGIONS = {"US": "US", "MX": "MX"}
_PHONE_IN_TEXT = re.compile(r"(?<![\w+.\-/])(\+?\(?\d{1,4}\)?(?:[ .\-]\(?\d{1,4}\)?){1,5})(?![\w\-/]|[.,]\d)")
_GROUP = re.compile(r"\d+")
_DATE = re.compile(r"\d{4}[-.]\d{1,2}[-.]\d{1,2}|\d{1,2}[-.]\d{1,2}[-.]\d{2,4}")


def _parse(number, region):
    """Return a PhoneNumber or None when phonenumbers cannot read number in region."""
    try:
        return phonenumbers.parse(number, None if number.strip().startswith("+") else region)
    except phonenumbers.NumberParseException:
        return None


def valid_in(number, region):
    """Return True when number is a valid phone number or short code dialled within region."""
    parsed = _parse(number, region)
    if parsed is None:
        return False
    if phonenumbers.is_valid_number(parsed):
        return True
    return not number.strip().startswith("+") and shortnumberinfo.is_valid_short_number_for_region(
        parsed, region)


def international(number, region):
    """Return number in international format (+52 55 5211 9397), or None."""
    parsed = _parse(number, region)
    if parsed is None or not phonenumbers.is_valid_number(parsed):
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def directory_phone_problems(phone, countries):
    """Return [(level, message)] for one directory phone; countries are those the entry serves."""
    number = str(phone.get("number") or "").strip()
    dial_from = phone.get("from", "US")
    if not number:
        return [("error", N_("has no number"))]
    if dial_from in DIAL_REGIONS:
        region = DIAL_REGIONS[dial_from]
        if valid_in(number, region):
            return []
        return [("error", N_("%(number)s is not a phone number phonenumbers can read when dialled from "
                             "%(region)s", number=repr(number), region=region))]
    if number.startswith("+"):
        return [] if valid_in(number, None) else [("error", N_("%(number)s is not a valid international number",
                                                                               number=repr(number)))]
    regions = [c for c in countries if c != "US"] + (["US"] if "US" in countries else [])
    for region in regions:
        if valid_in(number, region):
            written = international(number, region)
            if written:
                return [("warning", N_("%(number)s cannot be dialled as written from another country; write "
                                       "it with its country code: %(written)s", number=repr(number), written=written))]
            return []
    return [("error", N_("%(number)s is not a phone number in any country the entry serves (%(regions)s); "
                         "write it with its country code (+...)", number=repr(number),
                         regions=", ".join(regions) or "none"))]


def numbers_in_text(text):
    """Return the phone-like numbers written in a text (see the module docstring)."""
    found = []
    for match in _PHONE_IN_TEXT.finditer(text or ""):
        candidate = match.group(1).strip()
        groups = _GROUP.findall(candidate)
        digits = sum(len(g) for g in groups)
        if not 7 <= digits <= 15 or _DATE.fullmatch(candidate):
            continue
        if candidate.startswith("+") or len(groups) >= 3:
            found.append(candidate)
    return found


def text_number_problem(number, regions):
    """Return an error message for a number in a text valid in none of regions, else None."""
    if any(valid_in(number, region) for region in regions):
        return None
    return N_("%(number)s is not a phone number phonenumbers can read in %(regions)s; check the digits or "
              "write it with its country code (+...)", number=repr(number), regions=", ".join(regions))
