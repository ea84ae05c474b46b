"""Train the understanding models from the shipped examples, then print how they do where it counts.

    python tests/bench_understanding.py [--channel sms|whatsapp] [--missed]

Prints: the training time and the held-out figures training chose its thresholds on; then, for each
evaluation set that exists (tests/understanding_eval.py's default_paths names each for what it is: the
batch written after the last freeze, never used to train or tune anything; earlier batches, each written
after a freeze and then tuned on; the danger dev set written for the fourth round; and the outside writers'
set, ../shared/corpora/outside-writers.json, never trained or tuned on): topics understood per language
and per writer (each message the first of a fresh conversation: its topic's page, or a short choice
offering it), danger recall (its kind's page: 911, 988 or Poison Help first; and page or the one danger
line first), false alarms (a danger page for frightening words with no danger now), a confusion table;
last, time per message (p50, p99) and the models' memory.
"""
import argparse
import collections
import gc
import os
import statistics
import sys
import time
import tracemalloc

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:0] = [ROOT, os.path.join(ROOT, "tests")]

from bot.conversation.bundle import read_bundle  # noqa: E402
from bot.conversation.script import build_script  # noqa: E402
from bot.conversation.understanding import cache, linear, training  # noqa: E402
from bot.conversation.understanding.examples import flatten  # noqa: E402
from understanding_eval import default_paths, read_set, score  # noqa: E402


def pct(pair):
    """Return "right/total (percent)"."""
    right, total = pair
    return f"{right}/{total} ({100 * right / total:.0f}%)" if total else "0/0"


def main():
    """Train, score and print."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--channel", default="sms", choices=("sms", "whatsapp"))
    parser.add_argument("--missed", action="store_true", help="list the messages not understood")
    args = parser.parse_args()
    cache.set_folder(None)
    script = build_script(read_bundle(os.path.join(ROOT, "locales")))
    flat = flatten(script.examples)
    started = time.perf_counter()
    models, extra = training.train(flat, script.language_texts())
    seconds = time.perf_counter() - started
    by_lang = {lang: sum(1 for e in flat if e.lang == lang) for lang in script.languages}
    print(f"training: {seconds:.1f} s from {len(flat)} examples ({by_lang})")
    print(f"  held out by training: intents {pct(extra['held_out_intent'])}, accepted from {extra['accept']}; "
          f"danger page from {extra['danger']} (catches {extra['held_out_danger'][0]}/{extra['held_out_danger'][2]}), "
          f"line from {extra['danger_line']} (catches {extra['held_out_danger'][1]}/{extra['held_out_danger'][2]}); "
          f"past examples given a page {pct(extra['held_out_false_alarms'])}; plain messages given a line "
          f"{pct(extra['held_out_lines'])}")
    script.understander  # noqa: B018 (the models the engine reads below)
    for name, path in default_paths(ROOT).items():
        figures = score(script, read_set(path), args.channel)
        print(f"\n{name} ({os.path.relpath(path, ROOT)}):")
        print("  topics understood: " + ", ".join(f"{k} {pct(v)}" for k, v in figures["topics"].items()))
        print(f"  danger now: its page {pct(figures['danger_page'])}; page or danger line first "
              f"{pct(figures['danger_first'])}")
        print(f"  no danger now: false alarms (a danger page) {pct(figures['false_alarms'])}; their topic "
              f"{pct(figures['hard_right'])}; the 911 line first {pct(figures['hard_line'])}")
        wrong = collections.Counter((r["want"], "/".join(sorted(r["got"])) or "-") for r in figures["missed"])
        wrong = wrong.most_common()
        print("  confusion (wanted -> got: count), the most common mistakes: "
              + "; ".join(f"{w}->{g}: {n}" for (w, g), n in wrong[:12]))
        if args.missed:
            for r in figures["missed"]:
                print(f"    [{r['lang']}] want {r['want']} got {'/'.join(sorted(r['got']))}: {r['text']}")
    timing(script)
    memory(models, extra)


def timing(script):
    """Print p50 and p99 of reading one message (intent, danger and language) over varied messages."""
    model = script.understander
    texts = [e.text for e in flatten(script.examples)][::7] * 3
    for t in texts[:50]:
        model.read(t)
    spent = []
    cpu = time.process_time()
    for t in texts:
        start = time.perf_counter()
        model.read(t)
        spent.append((time.perf_counter() - start) * 1000)
    cpu = (time.process_time() - cpu) * 1000 / len(texts)
    spent.sort()
    print(f"\nper message ({len(spent)} reads): p50 {statistics.median(spent):.3f} ms, "
          f"p99 {spent[int(len(spent) * 0.99)]:.3f} ms, max {spent[-1]:.3f} ms (wall clock); "
          f"{cpu:.3f} ms of CPU on average (the wall-clock tail grows when other work shares the CPUs)")


def memory(models, extra):
    """Print what the models take in memory once loaded as a worker loads them (from the cache file)."""
    data = linear.save(models, extra)
    gc.collect()
    tracemalloc.start()
    loaded, _ = linear.load(data, cache.NAMES)
    current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"models: {len(data) / 1e6:.1f} MB on disk; {current / 1e6:.1f} MB in memory once loaded "
          f"(peak {peak / 1e6:.1f} MB while loading); features: "
          + ", ".join(f"{n} {len(m.vocabulary)}" for n, m in loaded.items()))


if __name__ == "__main__":
    main()
