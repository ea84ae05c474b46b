"""The script as plain data (a bundle): read from the files in locales/, stored as versions, compared.

A bundle is a JSON-able dict:
  {"spec": script.yaml as a mapping,
   "catalogs": {lang: {text id: {"text", "source", "flags": [...], "comments": [...], "notes": [...]}}},
   "directory": [entries of directory.yaml, dates as "YYYY-MM-DD"],
   "places": {code: {...}} from places.yaml,
   "examples": {lang: {"intents"|"danger"|"past": {label: [messages]}}} from examples/<lang>.yaml
               (what the understanding models learn from: bot/conversation/understanding/examples.py)}
Catalog entries keep their order (the order of the PO files), so exports are stable.
"""
import copy
import datetime
import hashlib
import json
import os
import zlib

import yaml
from babel.messages.pofile import read_po


_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's safe loader is ten times faster


class ScriptError(Exception):
    """The script files or a stored bundle cannot be read, or have the wrong shape."""


def read_bundle(directory):
    """Return the bundle held by a folder such as locales/ (script.yaml, <lang>.po, directory, places)."""
    spec = _read_yaml(directory, "script.yaml", required=True)
    if not isinstance(spec, dict):
        raise ScriptError("script.yaml: expected a mapping")
    catalogs = {}
    for lang in spec.get("languages") or ():
        path = os.path.join(directory, f"{lang}.po")
        try:
            catalogs[lang] = read_catalog_file(path, lang == spec.get("source_language")) \
                if os.path.exists(path) else {}
        except Exception as exc:  # babel raises several kinds for a malformed file
            raise ScriptError(f"{lang}.po: {exc}") from exc
    entries = (_read_yaml(directory, "directory.yaml") or {}).get("entries") or []
    places = (_read_yaml(directory, "places.yaml") or {}).get("places") or {}
    examples = {}
    for lang in spec.get("languages") or ():
        found = _read_yaml(directory, os.path.join("examples", f"{lang}.yaml"))
        if found:
            examples[lang] = found
    return jsonable({"spec": spec, "catalogs": catalogs, "directory": entries, "places": places,
                     "examples": examples})


def read_catalog_file(path, is_source=False):
    """Return {text id: entry dict} from a PO file, the id being each message's msgctxt."""
    with open(path, "rb") as fh:
        catalog = read_po(fh)
    entries = {}
    for message in catalog:
        if not message.id or not message.context:
            continue
        entries[message.context] = entry_dict(message.string or "", made_from(message, is_source),
                                              message.flags, message.auto_comments, message.user_comments)
    return entries


def made_from(message, is_source, known=None):
    """Return the Spanish text a PO message's translation was made from.

    A fuzzy translation was made from its previous msgid (#| msgid) when the file says so, else
    from a source we no longer know: "" keeps it stale until someone confirms it. known is the
    source already on record, kept when it still explains why the entry is fuzzy.
    """
    if is_source:
        return message.string or message.id
    if "fuzzy" not in message.flags:
        return message.id
    if message.previous_id and message.previous_id[0] != message.id:
        return message.previous_id[0]
    return known if known and known != message.id else ""


def entry_dict(text, source, flags=(), comments=(), notes=()):
    """Return a catalog entry as stored in a bundle (empty lists left out)."""
    entry = {"text": text, "source": source}
    flags = sorted(set(flags) - DERIVED_FLAGS)
    for name, value in (("flags", flags), ("comments", list(comments)), ("notes", list(notes))):
        if value:
            entry[name] = value
    return entry


# Flags computed from the text (Babel adds the format flags) or from the data (fuzzy = stale); never stored.
DERIVED_FLAGS = frozenset({"python-format", "python-brace-format", "no-python-format", "fuzzy"})


def _read_yaml(directory, name, required=False):
    """Return a YAML file's data, {} when an optional file is absent."""
    path = os.path.join(directory, name)
    if not required and not os.path.exists(path):
        return {}
    try:
        with open(path, encoding="utf-8") as fh:
            return yaml.load(fh, Loader=_LOADER) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ScriptError(f"{name}: {exc}") from exc


def jsonable(value):
    """Return value with dates as ISO strings and tuples as lists, so it survives JSON unchanged."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def fingerprint(bundle):
    """Return a short digest of a bundle's content (equal content, equal fingerprint)."""
    canonical = json.dumps(bundle, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]


def encode(record):
    """Return a record (a dict holding a bundle) as compressed JSON bytes for storage."""
    return zlib.compress(json.dumps(record, ensure_ascii=False, separators=(",", ":")).encode("utf-8"), 6)


def decode(blob):
    """Return the record stored by encode()."""
    try:
        return json.loads(zlib.decompress(blob).decode("utf-8"))
    except (zlib.error, ValueError, UnicodeDecodeError) as exc:
        raise ScriptError(f"stored script is unreadable: {exc}") from exc


def clone(bundle):
    """Return a deep copy of a bundle, to edit without touching the original."""
    return copy.deepcopy(bundle)
