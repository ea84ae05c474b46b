"""The helpline script: menu tree, catalogs and directory loaded from files, with text lookup."""
import datetime
from dataclasses import dataclass, field

from bot.conversation import referrals as referral_rules
from bot.conversation.bundle import ScriptError, read_bundle
from bot.conversation.script_understanding import ScriptUnderstanding
from bot.conversation.places import Place, Places
from bot.conversation.whereabouts import Reader
from bot.conversation.textmatch import WordMatcher, build_number_words, normalize, read_number

NODE_TYPES = ("language", "menu", "info", "referral", "handoff")
REVIEW_FLAG = "needs-review"


@dataclass(frozen=True)
class Option:
    """One numbered choice of a node: go to a node or set the language."""

    label: str
    goto: str = None
    set_language: str = None
    words: str = None
    action: str = None  # a global word's own effect instead of goto: "delete"


@dataclass(frozen=True)
class Node:
    """One step of the conversation."""

    id: str
    type: str
    text: tuple
    options: tuple = ()
    topic: str = None
    texts: dict = field(default_factory=dict)  # extra text ids by role: found, none, closed, waiting


@dataclass(frozen=True)
class Entry:
    """One catalog message: the text in a language and what it was translated from."""

    text: str
    source: str
    flags: frozenset = frozenset()
    comments: tuple = ()   # staff comments and fact citations (#. in the PO files)
    notes: tuple = ()      # translators' comments (# in the PO files)

    @property
    def needs_review(self):
        """Return True while a native speaker has not reviewed this text."""
        return REVIEW_FLAG in self.flags


class Script(ScriptUnderstanding):
    """The script as loaded: structure, catalogs, directory and places, with matchers built once."""

    def __init__(self, spec, catalogs, directory=(), places=None, examples=None):
        """Build from parsed data; raise ScriptError when the structure cannot be used at all."""
        try:
            self.spec = spec
            self.source_language = spec["source_language"]
            self.languages = tuple(spec["languages"])
            self.fallback = {lang: tuple(spec.get("fallback", {}).get(lang, ())) for lang in self.languages}
            self._chains = {}
            self.sms = dict(spec.get("sms", {}))
            self.office_hours = dict(spec.get("office_hours") or {})
            self.start, self.main = spec["start"], spec["main"]
            self.stuck = spec.get("stuck")
            self.misses_before_stuck = int(spec.get("misses_before_stuck", 3))
            self.engine_texts = dict(spec.get("texts", {}))
            self.globals = tuple(Option(label="", goto=g.get("goto"), set_language=g.get("set_language"),
                                        words=g["words"], action=g.get("action"))
                                 for g in spec.get("globals", ()))
            self.nodes = {nid: _node(nid, raw) for nid, raw in spec["nodes"].items()}
            self._read_understand(spec.get("understand") or {})
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise ScriptError(f"script.yaml: missing or malformed field: {exc}") from exc
        self.catalogs = catalogs
        self.directory = tuple(directory)
        self.places = dict(places or {})
        self.examples = dict(examples or {})
        self._understander = None
        self._build_matchers()

    # -- text lookup ------------------------------------------------------------------------------

    def chain(self, lang):
        """Return the languages to look a text up in, in order, for a texter's language."""
        found = self._chains.get(lang)  # a dozen lookups a message: each language's made once
        if found is None:
            found = self._chains[lang] = (lang,) + tuple(l for l in self.fallback.get(lang, ()) if l != lang)
        return found

    def resolve(self, text_id, lang):
        """Return (text, language it came from) for text_id, following the fallback chain."""
        for candidate in self.chain(lang or self.source_language):
            entry = self.catalogs.get(candidate, {}).get(text_id)
            if entry is not None and entry.text:
                return entry.text, candidate
        return "", None

    def text(self, text_id, lang, **params):
        """Return the text for text_id in lang (with fallback), with named placeholders filled."""
        text, _ = self.resolve(text_id, lang)
        try:
            return text % params
        except (KeyError, ValueError, TypeError):
            return text  # a broken placeholder is reported by the checks; never crash a reply

    def words(self, text_id, lang):
        """Return the comma-separated keywords of text_id in lang and its fallbacks."""
        return [w for candidate in self.chain(lang) for w in self.words_in(text_id, candidate)]

    def words_in(self, text_id, lang):
        """Return the keywords of text_id written in lang itself (no fallback)."""
        entry = self.catalogs.get(lang, {}).get(text_id)
        return [w.strip() for w in entry.text.split(",") if w.strip()] if entry is not None else []

    def language_of(self, text_id, norm):
        """Return the first language whose own keywords of text_id include norm exactly, or None."""
        for lang in self.languages:
            entry = self.catalogs.get(lang, {}).get(text_id)
            if entry is not None and norm in {normalize(w) for w in entry.text.split(",")}:
                return lang
        return None

    def engine_text(self, role):
        """Return the text id the engine uses for role (not_understood, more_hint, ...)."""
        return self.engine_texts.get(role, role)

    def is_stale(self, text_id, lang):
        """Return True when lang's text was translated from a Spanish text that has changed since."""
        if lang == self.source_language:
            return False
        entry = self.catalogs.get(lang, {}).get(text_id)
        source = self.catalogs.get(self.source_language, {}).get(text_id)
        return bool(entry and entry.text and source and source.text and entry.source != source.text)

    # -- matching ---------------------------------------------------------------------------------

    def _build_matchers(self):
        """Build every matcher once, so a message needs no parsing of the script."""
        pairs = []
        for option in self.globals:
            for lang in self.languages:
                pairs += [(w, option) for w in self.words(option.words, lang)]
        self.global_matcher = WordMatcher(pairs)
        self.option_matchers, self.number_words, self.more_matchers = {}, {}, {}
        for lang in self.languages + (None,):
            speak = self.languages if lang is None else (lang,) + self.chain(lang)[1:]
            numbers = ("es", "en") + (("quc",) if lang in (None, "quc") else ())
            self.number_words[lang] = build_number_words(numbers)
            text_lang = lang or self.source_language
            self.more_matchers[lang] = WordMatcher(
                (w, True) for l in speak for w in self.words(self.engine_text("more_words"), l))
            for node in self.nodes.values():
                pairs = []
                for index, option in enumerate(node.options, start=1):
                    pairs.append((self.text(option.label, text_lang), index))
                    if option.words:
                        pairs += [(w, index) for l in speak for w in self.words(option.words, l)]
                self.option_matchers[(node.id, lang)] = WordMatcher(pairs)
        self.yes_matcher = WordMatcher(
            (w, True) for l in self.languages for w in self.words(self.engine_text("yes_words"), l))
        self.place_matcher = WordMatcher(
            (name, code) for code, place in self.places.items() for name in place.get("names", ()))
        self.place_finder = Places(self.places)
        self.where_reader = Reader(self.places, self.place_finder, self._whole_message_place)
        self.more_sentence = WordMatcher(
            (w, True) for l in self.languages for w in self.words_in(self.match_words.get("more", ""), l))
        self.no_matcher = WordMatcher(
            (w, True) for l in self.languages for w in self.words_in(self.match_words.get("no", ""), l))

    @property
    def keyword_ids(self):
        """Return the text ids that hold comma-separated words rather than a message."""
        ids = {g.words for g in self.globals} | set(self.match_words.values())
        ids |= {o.words for n in self.nodes.values() for o in n.options if o.words}
        ids |= {self.engine_text("more_words"), self.engine_text("yes_words")}
        return ids

    def is_no(self, norm):
        """Return True when norm is a no in any language (it cancels a deletion, and is told so)."""
        return bool(self.no_matcher.match(norm))

    def find_place(self, text, norm=None):
        """Return the Place where a message says the texter is, alone or inside a sentence, or None
        (a place they come from is not where they are: bot/conversation/whereabouts.py)."""
        return self.where_reader.read(text).where

    def whereabouts(self, text, fuzzy=True):
        """Return a message's Whereabouts: where the texter is, their nationality, "Carolina" alone
        (fuzzy=False: only names written exactly, cheap enough for every message)."""
        return self.where_reader.read(text, fuzzy)

    def _whole_message_place(self, norm):
        """Return the Place a whole message names with up to two typos in long names, or None."""
        code = self.place_matcher.match(norm)
        if code:
            names = (self.places.get(code) or {}).get("names") or [code]
            return Place(code, names[0], names[0], True)
        return None

    def label_of(self, node_id):
        """Return the label text id the main menu uses for a node (its id when no option leads there)."""
        for option in self.nodes[self.main].options if self.main in self.nodes else ():
            if option.goto == node_id:
                return option.label
        return node_id

    def match_global(self, norm):
        """Return the global Option that norm names, or None."""
        return self.global_matcher.match(norm)

    def match_option(self, node_id, lang, norm):
        """Return the 1-based option number that norm picks in node_id, or None."""
        node = self.nodes[node_id]
        number = read_number(norm, self.number_words.get(lang, self.number_words[None]))
        if number is not None:
            return number if 1 <= number <= len(node.options) else None
        return self.option_matchers[(node_id, lang)].match(norm)

    def is_yes(self, norm):
        """Return True when norm is a yes in any language (it confirms a deletion)."""
        return bool(self.yes_matcher.match(norm))

    def is_more(self, lang, norm):
        """Return True when norm asks for the next page of a long reply."""
        return bool(self.more_matchers.get(lang, self.more_matchers[None]).match(norm))

    def match_place(self, norm):
        """Return the place code norm names (US-NC, MX, GT, ...), or None."""
        return self.place_matcher.match(norm)

    def referrals(self, topic, place, nationality=None):
        """Return the directory entries for a topic and place: the state's first (see referrals.py)."""
        return referral_rules.select(self.directory, self.places, topic, place, nationality)


def _node(nid, raw):
    """Build a Node from its YAML mapping."""
    if not isinstance(raw, dict):
        raise ValueError(f"node {nid} is not a mapping")
    text = raw.get("text", ())
    options = tuple(Option(label=o["label"], goto=o.get("goto"), set_language=o.get("set_language"),
                           words=o.get("words")) for o in raw.get("options", ()))
    extra = {k: v for k, v in raw.items() if k not in ("type", "text", "options", "topic")}
    return Node(id=nid, type=raw.get("type"), text=tuple([text] if isinstance(text, str) else text),
                options=options, topic=raw.get("topic"), texts=extra)


def build_script(bundle):
    """Return the Script a bundle describes (see bot/conversation/bundle.py); raise ScriptError when unusable."""
    try:
        catalogs = {lang: {tid: Entry(text=e.get("text") or "", source=e.get("source") or "",
                                      flags=frozenset(e.get("flags", ())),
                                      comments=tuple(e.get("comments", ())), notes=tuple(e.get("notes", ())))
                           for tid, e in (entries or {}).items()}
                    for lang, entries in (bundle.get("catalogs") or {}).items()}
        directory = []
        for entry in bundle.get("directory") or ():
            entry = dict(entry)
            if isinstance(entry.get("checked"), str):
                try:
                    entry["checked"] = datetime.date.fromisoformat(entry["checked"])
                except ValueError:
                    pass  # the checks report an unreadable date
            directory.append(entry)
    except (AttributeError, TypeError) as exc:
        raise ScriptError(f"malformed catalogs or directory: {exc}") from exc
    return Script(bundle.get("spec") or {}, catalogs, directory, bundle.get("places") or {},
                  bundle.get("examples") or {})


def load_script(directory):
    """Load the script, catalogs, directory and places from a folder such as locales/."""
    return build_script(read_bundle(directory))
