"""The script's side of understanding: where understood intents and danger kinds lead (the `understand:`
section of script.yaml) and the models trained from the script's examples (a mixin of Script)."""
import re

from bot.conversation.textmatch import normalize
from bot.conversation.understanding import cache
from bot.conversation.understanding.examples import OTHER
from bot.conversation.understanding.reader import Understanding


class ScriptUnderstanding:
    """The `understand:` section read, and the understanding models of a Script's examples."""

    examples = {}
    _understander = None

    def _read_understand(self, spec):
        """Read the `understand:` section: where each understood intent and danger kind leads."""
        self.leads = {intent: cfg["goto"] for intent, cfg in (spec.get("intents") or {}).items()}
        self.language_intents = {intent: lang for intent, lang in (spec.get("languages") or {}).items()}
        self.language_names = {lang: [normalize(str(n)) for n in names or () if normalize(str(n))]
                               for lang, names in (spec.get("language_names") or {}).items()}
        self._names = {lang: re.compile(r"\b(?:" + "|".join(map(re.escape, names)) + r")\b")
                       for lang, names in self.language_names.items() if names}
        urgent = [normalize(str(w)) for w in spec.get("urgent_words") or () if normalize(str(w))]
        self._urgent = re.compile(r"\b(?:" + "|".join(map(re.escape, urgent)) + r")\b") if urgent else None
        self.small_talk = {intent: cfg["reply"] for intent, cfg in (spec.get("small_talk") or {}).items()}
        danger = spec.get("danger") or {}
        self.danger_pages = {kind: cfg["goto"] for kind, cfg in danger.items()}
        self.danger_lines = {kind: cfg.get("line") for kind, cfg in danger.items() if cfg.get("line")}
        if spec.get("past_line"):
            self.danger_lines["past"] = spec["past_line"]
        # The page of violence (or the first kind) is the one the global emergency word opens too.
        self.danger_goto = self.danger_pages.get("violence") or next(iter(self.danger_pages.values()), None)
        self.match_words = {}  # whole-message word lists that stay exact rules: more, no
        for intent, key in (("more", "more"), ("no", "no_words")):
            if spec.get(key):
                self.match_words[intent] = spec[key]
        self.more_label = spec.get("more_label", "opt.more")
        self.engine_texts.update(spec.get("texts") or {})

    @property
    def intent_labels(self):
        """Return every label an example may carry: topics and requests, languages, small talk, other."""
        return set(self.leads) | set(self.language_intents) | set(self.small_talk) | {OTHER}

    @property
    def understander(self):
        """Return the models trained from this script's examples (trained, or loaded, on first use)."""
        if self._understander is None:
            self._understander = cache.understander(self.examples, self.language_texts())
        return self._understander

    def named_language(self, norm):
        """Return the one language a normalised message names ("in Spanish", "en k'iche'"), else None."""
        named = [lang for lang, pattern in self._names.items() if pattern.search(norm or "")]
        return named[0] if len(named) == 1 else None

    def is_urgent(self, norm):
        """Return True when a normalised message says it is urgent ("ayuda urgente"): an exact rule."""
        return bool(self._urgent and self._urgent.search(norm or ""))

    def language_texts(self):
        """Return the texts the language model learns from beside the examples: none, so that a change to
        a catalog text (every staff edit) never needs new models; the examples are written in each
        language already."""
        return {}

    def understand(self, text, danger=True):
        """Return the Understanding of a message (every language: texters mix them); danger=False
        skips the danger model."""
        model = self.understander
        return model.read(text, danger=danger) if model is not None else Understanding()

    def is_more_sentence(self, norm):
        """Return True when a whole message asks for more ("mas informacion", "tell me more")."""
        return bool(self.more_sentence.match(norm))
