"""The labelled examples the understanding models learn from: their shape, checks and a stable hash.

Examples are data beside the script (locales/examples/<lang>.yaml), published with it, one file per
language, in the shape of Rasa's nlu.yml (a list of messages under each label):

    intents:            # what a message is about: a topic, a request, small talk, a language, other
      pay: [messages...]
    danger:             # danger now, by kind (violence, selfharm, medical, poison)
      selfharm: [messages...]
    past:               # frightening words but no danger now, under the topic that answers them
      asylum: [messages...]
"""
import hashlib
import json
from dataclasses import dataclass

SECTIONS = ("intents", "danger", "past")
MAX_TEXT = 600            # characters in one example
NONE = "none"             # the danger model's class for messages with no danger
PAST = "past"             # ... and for frightening words about the past or elsewhere
OTHER = "other"           # the intent of messages the helpline does not answer


@dataclass(frozen=True)
class Example:
    """One labelled message: its language, text, intent (None for danger examples) and danger class."""

    lang: str
    text: str
    intent: str = None
    danger: str = NONE


def flatten(examples):
    """Return the Examples of a bundle's examples ({lang: {section: {label: [texts]}}}), in file order."""
    out = []
    for lang, sections in sorted((examples or {}).items()):
        if not isinstance(sections, dict):
            continue
        for section in SECTIONS:
            for label, texts in (sections.get(section) or {}).items():
                for text in texts or ():
                    if not isinstance(text, str) or not text.strip():
                        continue
                    text = text.strip()
                    if section == "intents":
                        out.append(Example(lang, text, label, NONE))
                    elif section == "danger":
                        out.append(Example(lang, text, None, label))
                    else:
                        out.append(Example(lang, text, label, PAST))
    return out


def fingerprint(examples, extra=()):
    """Return a short stable hash of the examples (and of extra data such as the catalogs' texts)."""
    data = json.dumps([examples or {}, list(extra)], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(data.encode()).hexdigest()[:24]


def problems(examples, intents, kinds, languages):
    """Return [(where, message)] for examples that cannot be used: unknown labels, languages, texts.

    intents: the labels the script answers (topics, requests, small talk, language statements, other);
    kinds: the danger kinds it answers; languages: the script's languages."""
    out = []
    if not isinstance(examples, dict):
        return [("examples", "expected a mapping of languages")]
    for lang, sections in examples.items():
        if lang not in languages:
            out.append((f"examples.{lang}", f"unknown language {lang!r}"))
            continue
        if not isinstance(sections, dict):
            out.append((f"examples.{lang}", "expected the sections intents, danger and past"))
            continue
        for section, labels in sections.items():
            where = f"examples.{lang}.{section}"
            if section not in SECTIONS:
                out.append((where, f"unknown section {section!r} (intents, danger or past)"))
                continue
            known = kinds if section == "danger" else intents
            for label, texts in (labels or {}).items():
                if label not in known:
                    out.append((f"{where}.{label}", f"unknown label {label!r}"))
                if not isinstance(texts, list):
                    out.append((f"{where}.{label}", "expected a list of messages"))
                    continue
                for i, text in enumerate(texts):
                    if not isinstance(text, str) or not text.strip():
                        out.append((f"{where}.{label}[{i}]", "empty example"))
                    elif len(text) > MAX_TEXT:
                        out.append((f"{where}.{label}[{i}]", f"longer than {MAX_TEXT} characters"))
    return out


def counts(examples):
    """Return {(lang, section, label): number of examples} for the staff pages and the checks."""
    return {(lang, section, label): len(texts or ())
            for lang, sections in (examples or {}).items() if isinstance(sections, dict)
            for section, labels in sections.items() if isinstance(labels, dict)
            for label, texts in labels.items()}
