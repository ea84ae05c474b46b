"""Decide what the engine does with an understood message: danger, a topic, a choice of two, more,
small talk or a general request for help (bot/conversation/matcher.py does the understanding)."""
from dataclasses import dataclass

SMALL = ("thanks", "hello", "ok", "bye")
CHOICE_RATIO = 0.75      # a second topic this close to the first is offered as a choice


@dataclass(frozen=True)
class Decision:
    """What the engine should do with a message: kind is danger, go (intent), choice (two intents),
    more, small (small talk) or None; topic is the topic intent a referral or person request named."""

    kind: str = None
    intents: tuple = ()
    topic: str = None


def decide(understanding, leads, small=SMALL, low=("help",)):
    """Return the Decision for an Understanding.

    leads: the intents that lead somewhere (topics, person, referral, help), in the script's order.
    Danger first; a person asked for as strongly as any topic; an organisation asked for (with the
    topic named, if any); else the best topic, or two topics when the second is nearly as strong;
    then "more", small talk, and the low intents (a general request for help) last.
    """
    u = understanding
    if u.has("danger"):
        return Decision("danger", ("danger",))
    found = [(i, s) for i, s in u.scores if i in leads]
    topics = [(i, s) for i, s in found if i not in ("person", "referral") and i not in low]
    best_topic = topics[0][0] if topics else None
    if u.has("person") and u.score("person") >= (topics[0][1] if topics else 0):
        return Decision("go", ("person",), best_topic)
    if u.has("referral"):
        return Decision("go", ("referral",), best_topic)
    if topics:
        first, score = topics[0]
        if len(topics) > 1 and topics[1][1] >= score * CHOICE_RATIO:
            return Decision("choice", (first, topics[1][0]))
        return Decision("go", (first,))
    if u.has("more"):
        return Decision("more", ("more",))
    talk = [i for i, _ in u.scores if i in small]
    lows = [i for i, _ in found if i in low]
    if talk and (talk[0] != "hello" or not lows):  # "hola, necesito ayuda" asks for help
        return Decision("small", (talk[0],))
    if lows:
        return Decision("go", (lows[0],))
    return Decision()
