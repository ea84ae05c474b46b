"""Score the understanding as texters meet it: each message the first of a fresh conversation.

Used by tests/bench_understanding.py (the figures) and tests/test_understanding.py (the floors). A
message is labelled as the outside writers' set labels them (shared/corpora/README.md): a topic, person,
referral, immigration_raid, other, emergency (danger now) or not_emergency (frightening words, no danger
now; its real topic in `alt`). What the engine did is read back into the same labels: the node it
went to (a choice of two topics counts for both), the danger pages as emergency.
"""
import collections
import datetime
import json
import os

from bot.conversation.engine import Context, Inbound, State, step

NOW = datetime.datetime(2026, 11, 24, 15, 0, tzinfo=datetime.timezone.utc)  # a Tuesday, office open
TOPIC_OF_NODE = {"retaliation": "fired", "check_offer": "recruitment", "immigration": "immigration_raid"}
DANGER = "emergency"


def read_set(path):
    """Return the labelled messages of a JSON file (a list, or {"messages": [...]})."""
    with open(path, encoding="utf-8") as fh:
        data = json.load(fh)
    return data["messages"] if isinstance(data, dict) else data


def outcome(script, text, channel="sms"):
    """Return (labels the reply answers, danger first: page/line/None) for a first message."""
    result = step(script, State(), Inbound(text, channel), Context(now=NOW, new_session=True))
    node = result.node
    first = (result.replies[0] if result.replies else "").split("\n")[0]
    if node in set(script.danger_pages.values()):
        return {DANGER}, "page"
    lines = {script.text(t, lang) for t in script.danger_lines.values() for lang in script.languages}
    line = "line" if any(first.startswith(l) for l in lines if l) else None
    if result.state.choice:
        return {_label(script, g) for g in result.state.choice}, line
    if node is None or node in (script.start, script.main, script.stuck, "language", "help"):
        return {"none"}, line
    return {_label(script, node)}, line


def _label(script, node_id):
    """Return the label of the topic (or request) a node belongs to."""
    base = node_id.split("_")[0]
    if node_id in TOPIC_OF_NODE:
        return TOPIC_OF_NODE[node_id]
    if base in TOPIC_OF_NODE:
        return TOPIC_OF_NODE[base]
    return base


def score(script, messages, channel="sms"):
    """Return the figures for a list of labelled messages: per language and writer, danger, confusion."""
    rows = []
    for m in messages:
        got, first = outcome(script, m["text"], channel)
        want = m["label"]
        ok_labels = {want} | set(m.get("alt") or ())
        if want == DANGER:
            right = DANGER in got
        elif want == "not_emergency":
            right = DANGER not in got and bool(got & set(m.get("alt") or ()))
        elif want == "other":
            right = got <= {"none"} or bool(got & ok_labels)
        else:
            right = bool(got & ok_labels)
        rows.append({"lang": m["lang"], "writer": m.get("writer", "-"), "want": want, "got": got, "first": first,
                     "right": right, "text": m["text"]})
    return summarise(rows)


def summarise(rows):
    """Return the figures of scored rows."""
    by = collections.defaultdict(lambda: [0, 0])
    for r in rows:
        if r["want"] in (DANGER, "not_emergency"):
            continue
        for key in (("lang", r["lang"]), ("writer", r["writer"])):
            by[key][0] += r["right"]
            by[key][1] += 1
    danger = [r for r in rows if r["want"] == DANGER]
    hard = [r for r in rows if r["want"] == "not_emergency"]
    confusion = collections.Counter((r["want"], "/".join(sorted(r["got"]))) for r in rows)
    return {
        "topics": {f"{k}={v}": (right, total) for (k, v), (right, total) in sorted(by.items())},
        "danger_page": (sum(1 for r in danger if DANGER in r["got"]), len(danger)),
        "danger_first": (sum(1 for r in danger if DANGER in r["got"] or r["first"] == "line"), len(danger)),
        "false_alarms": (sum(1 for r in hard if DANGER in r["got"]), len(hard)),
        "hard_right": (sum(1 for r in hard if r["right"]), len(hard)),
        "hard_line": (sum(1 for r in hard if r["first"] == "line"), len(hard)),
        "confusion": confusion,
        "missed": [r for r in rows if not r["right"]],
    }


def default_paths(root):
    """Return {name: path} of the evaluation sets that exist: the batch written after the last freeze
    (never trained or tuned on), the earlier batches (each written after a freeze, then used to tune the
    next round, so no longer a clean measure), and the outside writers'."""
    paths = {"batch 5 (written after the fifth freeze)": os.path.join(root, "tests", "eval", "frozen-batch-5.json"),
             "batch 4 (written after the fourth freeze; tuned on in the fifth round)":
                 os.path.join(root, "tests", "eval", "frozen-batch-4.json"),
             "batch 3 (written after the third freeze; not tuned on since)":
                 os.path.join(root, "tests", "eval", "frozen-batch-3.json"),
             "batch 2 (tuned on in the third round)": os.path.join(root, "tests", "eval", "frozen-batch-2.json"),
             "batch 1 (tuned on in the second round)": os.path.join(root, "tests", "eval", "frozen-batch.json"),
             "danger dev set (written for, and tuned on in, the fourth round)":
                 os.path.join(root, "tests", "eval", "dev-danger.json"),
             "outside writers": os.path.join(root, "..", "shared", "corpora", "outside-writers.json")}
    return {name: path for name, path in paths.items() if os.path.exists(path)}