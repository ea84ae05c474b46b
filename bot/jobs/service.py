"""Look job offers up for the conversation: which messages ask, and what DOL's data says (one round trip).

Nothing a texter asks is kept here: the query lives in this call only. The employer indexes and the
debarment list are public data, cached per process and refreshed in the same round trip when an import
has replaced them.
"""
import logging
import threading
import time
import weakref
from dataclasses import dataclass

import redis
from rapidfuzz import fuzz, process

from bot.conversation.jobreply import Case, Debarment, Lookup, Match
from bot.conversation.textmatch import normalize, read_number

from bot.jobs import casenum
from bot.jobs.records import decode_case, name_key, unpack

log = logging.getLogger(__name__)
SEARCH_CUTOFF = 80     # rapidfuzz WRatio score (0-100) an employer name must reach to be offered
SEARCH_LIMIT = 3
MIN_NAME = 3


@dataclass(frozen=True)
class Query:
    """What a message asks of the data: a case (keys to try) or an employer's name."""

    kind: str
    typed: str = ""
    keys: tuple = ()
    near: tuple = ()
    name: str = ""
    lang: str = None


# A Script never changes once loaded, so its job words are worked out once per script, not per message.
_WORDS = weakref.WeakKeyDictionary()


def _job_words(script):
    """Return ([(normalised words, language)] that start an employer search, longest first,
    {language: every word of its employer and check phrases}) for a script, worked out once."""
    cached = _WORDS.get(script)
    if cached is None:
        starts, vocabulary = set(), {}
        for lang in script.languages:
            employer = script.words_in(script.engine_text("jobs_employer_words"), lang)
            starts.update((normalize(w), lang) for w in employer)
            words = vocabulary[lang] = set()
            for role in ("jobs_employer_words", "jobs_check_words"):
                for phrase in script.words_in(script.engine_text(role), lang):
                    words.update(normalize(phrase).split())
        cached = _WORDS[script] = (sorted((w for w in starts if w[0]), key=lambda w: -len(w[0])), vocabulary)
    return cached


def _guess_language(script, norm):
    """Return the one language whose job words the message uses ("check case H-300..."), else None."""
    said = set(norm.split())
    found = {lang for lang, words in _job_words(script)[1].items() if words & said}
    return found.pop() if len(found) == 1 else None


def wanted(script, state, text, handoff_status=None):
    """Return the Query a message makes of DOL's data, or None (pure: no Redis here)."""
    if handoff_status or state.opted_out:
        return None  # a volunteer reads it; a STOPped texter gets nothing
    norm = normalize(text)
    if not norm or script.match_global(norm) is not None:
        return None
    if state.confirm_delete and script.is_yes(norm):
        return None
    ref = casenum.find(text)
    if ref is not None:
        return Query("case", typed=ref.typed, keys=(ref.key,) if ref.exact else (),
                     near=tuple(casenum.near_keys(ref)), lang=None if state.lang else _guess_language(script, norm))
    if state.picks:
        number = read_number(norm, script.number_words.get(state.lang, script.number_words[None]))
        if number is not None and 1 <= number <= len(state.picks):
            key = state.picks[number - 1]
            return Query("case", typed=casenum.display(key), keys=(key,))
    for words, lang in _job_words(script)[0]:
        if norm.startswith(words + " ") and len(norm) - len(words) > MIN_NAME:
            return Query("employer", name=norm[len(words) + 1:], lang=lang)
    node = (script.spec.get("jobs") or {}).get("node")
    if state.lang and node in script.nodes and state.node == node and len(norm) >= MIN_NAME:
        if script.match_option(node, state.lang, norm) is None and not (state.more and script.is_more(state.lang,
                                                                                                       norm)):
            if not _said_otherwise(script, text):
                return Query("employer", name=norm)
    return None


# At the job node these are answered by the engine (small talk, a person, danger), never searched as a name.
SAID_OTHERWISE = ("thanks", "hello", "ok", "bye", "person")
SURE = 0.5               # ... when the model is at least this sure of one of them


def _said_otherwise(script, text):
    """Return True when a message at the job node is danger, small talk or asks for a person, not a name."""
    understanding = script.understand(text)
    if understanding.danger:
        return True
    return any(understanding.score(intent) >= SURE for intent in SAID_OTHERWISE)


class JobChecker:
    """Answer Queries from the data in Redis (bot/storage/jobs.py)."""

    wanted = staticmethod(wanted)

    def __init__(self, data):
        self.data = data
        self._lock = threading.Lock()
        self._debarred = ("", {})                      # generation, {name key: [entries]}
        self._employers = {"h2a": ("", []), "h2b": ("", [])}  # program -> (generation, index)

    def lookup(self, query):
        """Return the Lookup for a Query; a Redis failure gives kind "unavailable", never an exception."""
        started = time.perf_counter()
        try:
            raw = self.data.lookup(exact=query.keys, near=query.near, employers=query.kind == "employer",
                                   cached=(self._employers["h2a"][0], self._employers["h2b"][0],
                                           self._debarred[0]))
        except (redis.RedisError, OSError) as exc:
            log.warning("job data lookup failed: %s", type(exc).__name__)
            return Lookup("unavailable", lang=query.lang)
        gens = [_text(v) for v in raw[:3]]
        dates = {"h2a": _text(raw[3]), "h2b": _text(raw[4])}
        self._refresh(gens, raw[7], raw[8], raw[9])
        if not gens[0] and not gens[1]:
            return Lookup("nodata", lang=query.lang)
        data_date = max(d for p, d in dates.items() if gens[("h2a", "h2b").index(p)]) or ""
        if query.kind == "case":
            found = raw[5] or []
            cases = []
            for i in range(0, len(found), 3):
                program, key, record = _text(found[i]), _text(found[i + 1]), decode_case(found[i + 2])
                cases.append(Case(casenum.display(key), program, record, self._debarments(record)))
            answer = Lookup("case", typed=query.typed, cases=tuple(cases), near=_text(raw[6]) == "1",
                            data_date=data_date if not cases else dates.get(cases[0].program) or data_date,
                            lang=query.lang)
        else:
            answer = Lookup("employer", matches=tuple(self.search(query.name)), data_date=data_date,
                            lang=query.lang)
        log.debug("job lookup", extra={"kind": query.kind, "ms": round((time.perf_counter() - started) * 1000, 2)})
        return answer

    def _refresh(self, gens, debarred, h2a, h2b):
        """Take in the blobs the lookup returned for caches an import has made stale."""
        with self._lock:
            if debarred is not None:
                index = {}
                for name, key, city, state, program, start, end in unpack(debarred):
                    index.setdefault(key, []).append((name, state, program, start, end))
                self._debarred = (gens[2], index)
            elif not gens[2]:
                self._debarred = ("", {})
            for program, blob, gen in (("h2a", h2a, gens[0]), ("h2b", h2b, gens[1])):
                if blob is not None:
                    self._employers[program] = (gen, (unpack(blob) or {}).get("employers", []))
                elif not gen:
                    self._employers[program] = ("", [])

    def _debarments(self, record, names=None):
        """Return the Debarments whose name is the employer's or trade name's (state agreeing) or agent's."""
        out, seen = [], set()
        names = names or (record.get("employer"), record.get("trade"), record.get("agent"))
        state = (record.get("state") or "").upper()
        for number, name in enumerate(names):
            for entry in self._debarred[1].get(name_key(name), ()) if name_key(name) else ():
                deb_name, deb_state, program, start, end = entry
                if number < 2 and deb_state and state and deb_state.upper() != state:
                    continue  # an employer of that name in another state: not enough to call it the same
                    # party (an agent or law firm works far from its office, so theirs is not compared)
                if entry not in seen:
                    seen.add(entry)
                    out.append(Debarment(deb_name, program, start, end))
        return tuple(out)

    def search(self, name):
        """Return up to three Matches for an employer's name (typos forgiven by rapidfuzz)."""
        wanted_key = name_key(name)
        if len(wanted_key) < MIN_NAME:
            return []
        choices, entries = [], []
        for program in ("h2a", "h2b"):
            for entry in self._employers[program][1]:
                choices.append(entry[1])
                entries.append((program, entry))
        found = process.extract(wanted_key, choices, scorer=fuzz.WRatio, limit=SEARCH_LIMIT,
                                score_cutoff=SEARCH_CUTOFF)
        out = []
        for _, _, index in found:
            program, (display, _key, state, season, case_key) = entries[index]
            out.append(Match(display, state, season, program, case_key,
                             self._debarments({"employer": display, "state": state}, (display,))))
        return out


def _text(value):
    """Return a script reply value as text ("" for nil)."""
    if value is None or value is False:
        return ""
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
