"""Staff edits to the labelled examples the understanding models learn from (a bundle's "examples").

Each function changes the bundle it is given (a draft's copy) or raises EditError in words staff read.
Examples are kept as bundle["examples"][lang][section][label] = [messages] (see
bot/conversation/understanding/examples.py); the next publish retrains the models from them.
"""
from bot.conversation.script import ScriptError, build_script
from bot.conversation.wording import N_
from bot.conversation.understanding.examples import MAX_TEXT, SECTIONS
from bot.staff.edits import EditError, check_language, refuse_hidden

MAX_LINES = 2000          # examples under one label in one language
FEW = 5                   # fewer examples than this under a label is worth a warning


def labels(bundle):
    """Return {section: sorted labels} an example may carry: intents, danger kinds, past (by topic)."""
    try:
        script = build_script({"spec": bundle["spec"], "catalogs": {}})
    except ScriptError:
        script = None
    intents = sorted(script.intent_labels) if script is not None else []
    topics = sorted(script.leads) if script is not None else []
    kinds = sorted(script.danger_pages) if script is not None else []
    found = {section: set() for section in SECTIONS}
    for sections in (bundle.get("examples") or {}).values():  # labels already holding examples stay editable
        for section in SECTIONS:
            found[section].update(((sections or {}).get(section) or {}).keys())
    return {"intents": sorted(set(intents) | found["intents"]),
            "danger": sorted(set(kinds) | found["danger"]),
            "past": sorted(set(topics) | found["past"])}


def check_place(bundle, lang, section, label):
    """Raise EditError unless lang, section and label name a place examples may be kept."""
    check_language(bundle, lang)
    if section not in SECTIONS:
        raise EditError(N_("unknown section %(x)s (use %(use)s)", x=repr(section), use=", ".join(SECTIONS)))
    if label not in labels(bundle)[section]:
        raise EditError(N_("unknown label %(x)s in %(s)s: choose one from the list", x=repr(label), s=section))


def examples_of(bundle, lang, section, label):
    """Return the examples kept under a label in a language (a new list)."""
    return list((((bundle.get("examples") or {}).get(lang) or {}).get(section) or {}).get(label) or ())


def clean_examples(lines):
    """Return the messages of a textarea (one a line; a list works too) cleaned, duplicates removed."""
    if isinstance(lines, str):
        lines = lines.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if not isinstance(lines, (list, tuple)) or not all(isinstance(line, str) for line in lines):
        raise EditError(N_("examples must be messages, one a line"))
    kept, seen = [], set()
    for number, line in enumerate(lines, start=1):
        line = line.replace("\t", " ").strip()
        if not line:
            continue
        refuse_hidden(line, f"line {number}")
        if len(line) > MAX_TEXT:
            raise EditError(N_("line %(n)s: an example is too long: %(c)s characters (at most %(m)s)", n=number,
                               c=len(line), m=MAX_TEXT))
        if line.casefold() not in seen:
            seen.add(line.casefold())
            kept.append(line)
    if len(kept) > MAX_LINES:
        raise EditError(N_("too many examples: %(n)s (at most %(m)s under one label)", n=len(kept), m=MAX_LINES))
    return kept


def set_examples(bundle, lang, section, label, lines):
    """Replace the examples of a label in a language with lines (none left removes the label there)."""
    check_place(bundle, lang, section, label)
    kept = clean_examples(lines)
    examples = bundle.setdefault("examples", {})
    labelled = examples.setdefault(lang, {}).setdefault(section, {})
    if kept:
        labelled[label] = kept
    else:
        labelled.pop(label, None)
        if not labelled:
            examples[lang].pop(section, None)
        if not examples[lang]:
            examples.pop(lang, None)


def add_example(bundle, lang, section, label, text):
    """Add one message under a label in a language (nothing changes when it is already there)."""
    if not isinstance(text, str) or not text.strip():
        raise EditError(N_("the example is empty: write the message as an example"))
    if "\n" in text.strip() or "\r" in text.strip():
        raise EditError(N_("an example is one line: join the lines or keep the part that matters"))
    check_place(bundle, lang, section, label)
    set_examples(bundle, lang, section, label, examples_of(bundle, lang, section, label) + [text])


def summary(bundle):
    """Return [(section, label, {lang: count})] of every label, for the examples page."""
    languages = bundle["spec"].get("languages") or ()
    return [(section, label, {lang: len(examples_of(bundle, lang, section, label)) for lang in languages})
            for section, names in labels(bundle).items() for label in names]
