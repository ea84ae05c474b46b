"""Pick the directory entries a referral gives: for the texter's state and topic first, then national ones.

Pure: takes the directory and places as loaded from locales/, knows nothing of the conversation. Rules
(README, "Referrals by state and nationality"):
  1. Only entries that serve the place (its state code, like US-NC, or its country) and give help on
     the topic; a referral without a topic (the main menu's) asks for `general`.
  2. Up to LOCAL_MAX entries for the texter's own state, in the directory's order.
  3. Then entries for the whole country, in the directory's order (staff order the file so that the
     agency for each topic comes first).
  4. An entry for one nationality (CIAM: `nationality: MX`) comes after all of those, only while room is
     left, and the reply labels it ("only for people from Mexico"). When the texter's nationality is known
     (they said "soy de Guatemala", "I am from Honduras": bot/conversation/whereabouts.py), it moves up
     right after the state's entries if it matches, and is left out if it does not; an entry marked
     `when_known` (the Guatemalan, Honduran and Salvadoran consular lines) is given only then.
  5. An entry whose `first_for` names the topic goes first of all (the 24/7 trafficking hotline before
     a state's part-time lines).
At most LIMIT entries in all.
"""
LIMIT = 4
LOCAL_MAX = 2


def country_of(places, place):
    """Return the country code of a place code (US-NC -> US; MX -> MX)."""
    return (places.get(place) or {}).get("country", place)


def select(directory, places, topic, place, nationality=None, limit=LIMIT, local_max=LOCAL_MAX):
    """Return up to limit directory entries for a topic and a place code, best first."""
    if not place:
        return []
    country = country_of(places, place)
    wanted = topic or "general"
    candidates = [e for e in directory if wanted in (e.get("topics") or ())
                  and (place in (e.get("serves") or ()) or country in (e.get("serves") or ()))]
    local = [e for e in candidates if country not in (e.get("serves") or ())]  # the state's own
    national = [e for e in candidates if e not in local and not e.get("nationality")]
    for_one = [e for e in candidates if e not in local and e.get("nationality")]
    local = local[:local_max]
    if nationality:
        matching = [e for e in for_one if e["nationality"] == nationality]
        chosen = local + matching + national
    else:
        chosen = local + national + [e for e in for_one if not e.get("when_known")]
    first = [e for e in candidates if wanted in (e.get("first_for") or ())]
    return (first + [e for e in chosen if e not in first])[:limit]
