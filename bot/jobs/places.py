"""U.S. states and territories as DOL writes them ("Clinton, North Carolina") and as cases hold them ("NC")."""
import re

STATES = {
    "alabama": "AL", "alaska": "AK", "arizona": "AZ", "arkansas": "AR", "california": "CA", "colorado": "CO",
    "connecticut": "CT", "delaware": "DE", "district of columbia": "DC", "florida": "FL", "georgia": "GA",
    "hawaii": "HI", "idaho": "ID", "illinois": "IL", "indiana": "IN", "iowa": "IA", "kansas": "KS",
    "kentucky": "KY", "louisiana": "LA", "maine": "ME", "maryland": "MD", "massachusetts": "MA",
    "michigan": "MI", "minnesota": "MN", "mississippi": "MS", "missouri": "MO", "montana": "MT",
    "nebraska": "NE", "nevada": "NV", "new hampshire": "NH", "new jersey": "NJ", "new mexico": "NM",
    "new york": "NY", "north carolina": "NC", "north dakota": "ND", "ohio": "OH", "oklahoma": "OK",
    "oregon": "OR", "pennsylvania": "PA", "rhode island": "RI", "south carolina": "SC", "south dakota": "SD",
    "tennessee": "TN", "texas": "TX", "utah": "UT", "vermont": "VT", "virginia": "VA", "washington": "WA",
    "west virginia": "WV", "wisconsin": "WI", "wyoming": "WY", "puerto rico": "PR", "guam": "GU",
    "virgin islands": "VI", "u.s. virgin islands": "VI", "us virgin islands": "VI",
    "northern mariana islands": "MP", "american samoa": "AS", "washington dc": "DC", "washington d.c.": "DC",
}
CODES = frozenset(STATES.values())
_SPACES = re.compile(r"\s+")


def state_code(text):
    """Return the USPS code of a state written in full or as a code ("North Carolina", "N.C.", "nc"), else ""."""
    words = _SPACES.sub(" ", str(text or "").replace("*", " ")).strip().strip(".,;").lower()
    if not words:
        return ""
    if words in STATES:
        return STATES[words]
    compact = words.replace(".", "").replace(" ", "").upper()
    return compact if len(compact) == 2 and compact in CODES else ""


def split_place(text):
    """Return (city, USPS code) of "Clinton, North Carolina" or "Yakima, WA"; the code is "" when unknown."""
    text = _SPACES.sub(" ", str(text or "")).strip()
    city, _, state = text.rpartition(",")
    code = state_code(state)
    if code:
        return city.strip(" ,"), code
    for name in sorted(STATES, key=len, reverse=True):  # "Clinton North Carolina", no comma
        if text.lower().endswith(" " + name) or text.lower() == name:
            return text[:len(text) - len(name)].strip(" ,"), STATES[name]
    return text, ""
