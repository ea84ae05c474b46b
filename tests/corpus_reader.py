"""Read the labelled corpus of texters' messages (tests/corpus/messages.txt) and score the matcher on it."""
import collections
import os
import time
from dataclasses import dataclass

from bot.conversation.matcher import decide
from bot.conversation.textmatch import normalize

CORPUS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus", "messages.txt")


@dataclass(frozen=True)
class Labelled:
    """One message with the language it is written in and the intent(s) it should be answered with."""

    lang: str
    want: frozenset
    text: str


def read_corpus(path=CORPUS):
    """Return the Labelled messages of the corpus file ("lang | intent[+intent] | message" lines)."""
    out = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("#") or "|" not in line:
                continue
            lang, intents, text = (part.strip() for part in line.split("|", 2))
            out.append(Labelled(lang, frozenset(intents.split("+")), text))
    return out


def answer(script, text):
    """Return the set of intents the engine would act on for a message, as the corpus labels them
    (a whole-message global word for danger, such as SOS, counts as the engine counts it)."""
    option = script.match_global(normalize(text))
    if option is not None and option.goto and option.goto == script.danger_goto:
        return frozenset({"danger"})
    decision = decide(script.understand(text), script.leads)
    return frozenset(decision.intents) if decision.kind else frozenset({"none"})


def score(script, corpus):
    """Return (right by language, total by language, confused pairs, danger missed, false alarms, times)."""
    right, total, confused = collections.Counter(), collections.Counter(), collections.Counter()
    missed, alarms, times = [], [], []
    for item in corpus:
        start = time.perf_counter()
        got = answer(script, item.text)
        times.append(time.perf_counter() - start)
        total[item.lang] += 1
        if got == item.want:
            right[item.lang] += 1
        else:
            confused[("+".join(sorted(item.want)), "+".join(sorted(got)))] += 1
        if "danger" in item.want and got != {"danger"}:
            missed.append(item.text)
        if "danger" in got and "danger" not in item.want:
            alarms.append(item.text)
    return right, total, confused, missed, alarms, times
