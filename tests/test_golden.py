"""Golden transcripts: each file in tests/golden is a conversation with the exact replies expected.

Run with GOLDEN_UPDATE=1 to rewrite the expected replies after a deliberate change (then read the diff).
"""
import os
import pathlib

import pytest
import yaml

GOLDEN = pathlib.Path(__file__).parent / "golden"
FILES = sorted(GOLDEN.glob("*.yaml"))


def _str_presenter(dumper, data):
    style = "|" if "\n" in data else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


yaml.add_representer(str, _str_presenter, Dumper=yaml.SafeDumper)


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_golden(path, make_texter, app):
    """Replay one transcript through the signed webhook and compare every reply."""
    spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    texter = make_texter(spec.get("number", "+15055550100"), spec["channel"])
    conversations = app.extensions["conversations"]
    for index, step in enumerate(spec["steps"]):
        if step.get("close_handoff"):
            assert conversations.store.close_handoff(conversations.keys.pseudonym(texter.address), 0)
            continue
        if step.get("claim_handoff"):
            outcome, _ = conversations.store.claim(conversations.keys.pseudonym(texter.address), "v@example.org", 0)
            assert outcome == "claimed"
            continue
        if step.get("expire_session"):
            conversations.store.redis.delete(
                conversations.store.key("s", conversations.keys.pseudonym(texter.address)))
            continue
        extra = {"NumMedia": "1", "MediaUrl0": "https://api.twilio.com/media/ME1",
                 "MediaContentType0": "image/jpeg"} if step.get("media") else {}
        replies = texter.send(step["send"], **extra)
        if os.environ.get("GOLDEN_UPDATE"):
            step["expect"] = replies
        else:
            assert replies == step["expect"], f"{path.name} step {index + 1} ({step['send']!r})"
    if os.environ.get("GOLDEN_UPDATE"):
        path.write_text(yaml.safe_dump(spec, allow_unicode=True, sort_keys=False, width=120), encoding="utf-8")
