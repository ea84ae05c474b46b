"""Benchmark of the sentence matcher on the labelled corpus: accuracy per language and intent, the pairs
it confuses, danger recall, and the time to read one message (median and p99).

Run: python tests/bench_matcher.py [repeats]. Targets (issue 12): at least 92% of Spanish and English
messages and 80% of K'iche' ones answered with the right intent; danger recall 100%; no danger message
answered with anything else; at most 0.3 ms median per message. It also replays the overtime example
("no me pagan las horas extra" as a first message) and counts the replies and SMS segments it takes to
reach the Wage and Hour number.
"""
import collections
import datetime
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from bot.conversation.engine import Context, Inbound, State, step  # noqa: E402
from bot.conversation.script import load_script  # noqa: E402
from bot.conversation.sms import segments  # noqa: E402
from corpus_reader import CORPUS, answer, read_corpus, score  # noqa: E402

WHD = "1-866-487-9243"
HELDOUT = os.path.join(os.path.dirname(CORPUS), "heldout.txt")


def timings(script, corpus, repeats):
    """Return the seconds each reading took: a first (cold) pass, then repeats warm passes."""
    cold = []
    for item in corpus:
        start = time.perf_counter()
        script.understand(item.text)
        cold.append(time.perf_counter() - start)
    warm = []
    for _ in range(repeats):
        for item in corpus:
            start = time.perf_counter()
            script.understand(item.text)
            warm.append(time.perf_counter() - start)
    return cold, warm


def overtime(script):
    """Return (replies, SMS segments) from the first message "no me pagan las horas extra" to the WHD number."""
    now = datetime.datetime(2026, 11, 24, 15, tzinfo=datetime.timezone.utc)
    state, replies, count = State(), 0, 0
    for text in ("no me pagan las horas extra", "más"):
        result = step(script, state, Inbound(text), Context(now=now))
        state = result.state
        for reply in result.replies:
            replies += 1
            count += segments(reply)[1]
            if WHD in reply:
                return replies, count
    return None, count


def main():
    """Print the figures."""
    repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    script = load_script(os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "locales"))
    corpus = read_corpus()
    right, total, confused, missed, alarms, _ = score(script, corpus)
    print(f"corpus: {len(corpus)} messages ({', '.join(f'{l} {n}' for l, n in sorted(total.items()))})")
    print("\naccuracy by language (target es/en 92%, quc 80%)")
    for lang in ("es", "en", "quc"):
        print(f"  {lang:4} {right[lang]:4}/{total[lang]:<4} {right[lang] / total[lang]:6.1%}")
    print(f"  all  {sum(right.values()):4}/{len(corpus):<4} {sum(right.values()) / len(corpus):6.1%}")
    by_intent, by_intent_total = collections.Counter(), collections.Counter()
    for item in corpus:
        key = "+".join(sorted(item.want)) if len(item.want) > 1 else next(iter(item.want))
        key = "two topics" if len(item.want) > 1 else key
        by_intent_total[key] += 1
        by_intent[key] += answer(script, item.text) == item.want
    print("\naccuracy by intent")
    for key in sorted(by_intent_total, key=lambda k: -by_intent_total[k]):
        print(f"  {key:15} {by_intent[key]:4}/{by_intent_total[key]:<4} {by_intent[key] / by_intent_total[key]:6.1%}")
    print("\nconfused pairs (expected -> answered), most frequent first")
    for (want, got), n in confused.most_common(15):
        print(f"  {n:3}  {want} -> {got}")
    dangers = sum("danger" in item.want for item in corpus)
    print(f"\ndanger recall: {dangers - len(missed)}/{dangers} ({(dangers - len(missed)) / dangers:.1%}); "
          f"missed: {missed or 'none'}")
    print(f"false alarms (non-danger read as danger): {len(alarms)} {alarms or ''}")
    told = collections.Counter(
        "right" if lang == item.lang else "none" if lang is None else "wrong"
        for item in corpus for lang in [script.understand(item.text).lang])
    print(f"language told by the words: right {told['right']}, wrong {told['wrong']}, "
          f"none (nothing tells, e.g. '911', 'ok') {told['none']}")
    cold, warm = timings(script, corpus, repeats)
    warm.sort()
    print(f"\nmatching time per message, warm ({len(warm)} readings): median {statistics.median(warm) * 1e3:.3f} ms, "
          f"p99 {warm[int(len(warm) * 0.99)] * 1e3:.3f} ms (target: median <= 0.3 ms)")
    cold.sort()
    print(f"first reading of each message (typo caches cold): median {statistics.median(cold) * 1e3:.3f} ms, "
          f"p99 {cold[int(len(cold) * 0.99)] * 1e3:.3f} ms")
    held = read_corpus(HELDOUT)
    h_right, h_total, h_confused, h_missed, _, _ = score(script, held)
    print(f"\nheld-out messages (never used to tune the word lists): {sum(h_right.values())}/{len(held)} "
          f"({sum(h_right.values()) / len(held):.1%}); " + ", ".join(
              f"{lang} {h_right[lang]}/{h_total[lang]}" for lang in ("es", "en", "quc")))
    print(f"  danger missed: {h_missed or 'none'}; confused: {dict(h_confused.most_common(8))}")
    replies, count = overtime(script)
    print(f"\n'no me pagan las horas extra' as a first message: Wage and Hour number after {replies} replies, "
          f"{count} SMS segments (target: 2 replies, 5 segments)")


if __name__ == "__main__":
    main()
