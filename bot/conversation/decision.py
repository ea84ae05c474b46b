"""Decide what the engine does with an understood message: danger, a topic, a choice of two, a language,
small talk, a general request for help, or nothing (bot/conversation/understanding/ reads the message).

Like RapidPro's classifier splits, the question "what did they mean, how sure are we" (the
Understanding) is kept apart from "where does the conversation go" (this Decision).
"""
from dataclasses import dataclass

CHOICE_RATIO = 0.5       # a second topic at least half as likely as the first is offered beside it
SURE = 0.75              # ... unless the first is this likely
UNSURE_SHARE = 0.6       # below the acceptance score, two topics that together reach this share of it
UNSURE_SECOND = 0.6      # (the second at least this share of the first) are offered as a choice of two
TOPIC_SHARE = 0.6        # a topic named beside a request for a person or an organisation
REQUESTS = ("person", "referral")
URGENT_LINE = "violence"  # the danger kind whose line ("if you are in danger now, call 911") urgency gets


@dataclass(frozen=True)
class Decision:
    """What the engine should do with a message.

    kind: danger (intents holds the kind), go (one intent), choice (two intents), language (intents
    holds the language), small (small talk), more, or None (not understood); topic: the topic a request
    for a person or an organisation named; line: the danger kind whose one line goes first ("past" for
    danger in the past or elsewhere), or None; speak: the language a request for a person asked for."""

    kind: str = None
    intents: tuple = ()
    topic: str = None
    line: str = None
    speak: str = None


def decide(u, leads, accept, languages=None, small=(), low=("help",), named=None, urgent=False):
    """Return the Decision for an Understanding u.

    leads: {intent: node} for topics and requests; accept: the probability from which the best intent
    is acted on; languages: {intent: language} for statements of one's language; small: small-talk
    intents; low: intents that lead only to the main menu (a general request for help); named: the
    language the message names, if any; urgent: the message says it is urgent (both exact rules:
    bot/conversation/script_understanding.py), which puts the 911 line first where no other goes.
    """
    if u.danger:
        return Decision("danger", (u.danger,))
    line = u.near_danger if getattr(u, "near_danger", None) else ("past" if u.past else None)
    if urgent and line in (None, "past"):
        line = URGENT_LINE
    if not u.intents:
        return Decision(line=line)
    best, score = u.intents[0]
    topics = [(i, p) for i, p in u.intents if i in leads and i not in REQUESTS and i not in low]
    if score < accept:
        return _unsure(u, topics, accept, line)
    languages = languages or {}
    if best in languages:
        person = dict(u.intents).get("person", 0.0)
        if "person" in leads and person >= score * CHOICE_RATIO:  # "someone who speaks Spanish please"
            return Decision("go", ("person",), line=line, speak=languages[best])
        return Decision("language", (languages[best],))
    if best in REQUESTS and best in leads:
        # The topic named beside the request: the topic most likely among topics, when it holds most of
        # what the topics share ("un abogado por lo de mi pago": pay).
        total = sum(p for _, p in topics)
        topic = topics[0][0] if topics and total and topics[0][1] >= TOPIC_SHARE * total else None
        speak = named if best == "person" else None  # "can someone call me in Spanish"
        return Decision("go", (best,), topic, line, speak)
    if best in leads and best not in low:
        second = [(i, p) for i, p in topics if i != best]
        if second and score < SURE and second[0][1] >= score * CHOICE_RATIO:
            return Decision("choice", (best, second[0][0]), line=line)
        return Decision("go", (best,), line=line)
    if best in small:
        return Decision("small", (best,))
    if best in low and best in leads:
        return Decision("go", (best,), line=line)
    return Decision(line=line)


def _unsure(u, topics, accept, line):
    """Return the Decision for a message no intent is sure of: when its two likeliest intents are both
    topics and together as likely as a sure one ("corrieron a mi esposo porque falto un dia": fired or
    immigration), a choice of the two; else not understood."""
    if len(u.intents) < 2 or len(topics) < 2 or [i for i, _ in u.intents[:2]] != [i for i, _ in topics[:2]]:
        return Decision(line=line)
    (first, p1), (second, p2) = topics[:2]
    if p1 + p2 >= UNSURE_SHARE * accept * 2 and p2 >= UNSURE_SECOND * p1:
        return Decision("choice", (first, second), line=line)
    return Decision(line=line)
