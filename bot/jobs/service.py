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
from bot.jobs.records import decode_case, name_key, person_key, unpack
from bot.storage.jobs import CASE_SLOTS

log = logging.getLogger(__name__)
SEARCH_CUTOFF = 80     # rapidfuzz WRatio score (0-100) an employer name must reach to be offered
SEARCH_LIMIT = 3
MIN_NAME = 3
DEBARRED_CUTOFF = 88   # rapidfuzz token_sort_ratio a searched name must reach to be a debarred party's


@dataclass(frozen=True)
class Query:
    """What a message asks of the data: a case (keys to try) or an employer's name."""

    kind: str
    typed: str = ""
    keys: tuple = ()
    near: tuple = ()
    name: str = ""
    lang: str = None
    vary: str = ""    # a case key whose one-slip neighbours are tried (in Redis) when no key is found

    def same_lookup(self, other):
        """Return True when other asks Redis exactly what this asks (the language aside)."""
        return other is not None and (self.kind, self.keys, self.near, self.vary, self.name) == (
            other.kind, other.keys, other.near, other.vary, other.name)


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
    if ref is not None and ref.program == "pwd":  # P-400-...: a prevailing wage determination, not a job
        return Query("wage_number", typed=ref.typed, lang=None if state.lang else _guess_language(script, norm))
    if ref is not None:
        return Query("case", typed=ref.typed, keys=(ref.key,) if ref.exact else (), vary=ref.key,
                     lang=None if state.lang else _guess_language(script, norm))
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


def case_in(text):
    """Return the Query of the case number a message carries, whatever the conversation's state, or None.

    wanted() asks the same of any message with a case number (unless a volunteer reads the conversation
    or the texter sent STOP), so its lookup can go to Redis with the conversation's load, before the
    state is known (bot/twilio/conversations.py)."""
    ref = casenum.find(text)
    if ref is None or ref.program == "pwd":
        return None
    return Query("case", typed=ref.typed, keys=(ref.key,) if ref.exact else (), vary=ref.key)


class JobChecker:
    """Answer Queries from the data in Redis (bot/storage/jobs.py)."""

    wanted = staticmethod(wanted)
    case_in = staticmethod(case_in)
    forget_texts = staticmethod(casenum.forget_case_numbers)  # the texts read for case numbers let go

    def __init__(self, data):
        self.data = data
        self._lock = threading.Lock()
        # generation, {name key: [entries]}, {person key: [entries]}, [(name key, entry)] for the name search
        self._debarred = ("", {}, {}, [])
        self._employers = {slot: ("", []) for slot in CASE_SLOTS}  # case slot -> (generation, index)
        self._merged = ((), [], [])  # generations, [(program, entry)] newest season per employer, their name keys
        self._names = (None, [])  # the debarment entries listed, their name keys

    def lookup_call(self, query):
        """Return (script, keys, args) of a Query's lookup, to run in another round trip (Store.load_with)."""
        return self.data.lookup_call(exact=query.keys, near=query.near, employers=query.kind == "employer",
                                     cached=(tuple(self._employers[s][0] for s in CASE_SLOTS), self._debarred[0]),
                                     vary=query.vary)

    def lookup(self, query, raw=None):
        """Return the Lookup for a Query; a Redis failure gives kind "unavailable", never an exception.

        raw: the lookup script's answer when it was run already (beside the conversation's load)."""
        if query.kind == "wage_number":
            return Lookup("wage_number", typed=query.typed, lang=query.lang)
        started = time.perf_counter()
        try:
            if raw is None:
                script, keys, args = self.lookup_call(query)
                raw = script(keys=keys, args=args)
            elif isinstance(raw, Exception):  # the script failed beside the load (its error in its place)
                raise raw
        except (redis.RedisError, OSError) as exc:
            log.warning("job data lookup failed: %s", type(exc).__name__)
            return Lookup("unavailable", lang=query.lang)
        gens, dates = [_text(v) for v in raw[0]], [_text(v) for v in raw[1]]
        self._refresh(gens, _text(raw[2]), raw[5], raw[6])
        if not any(gens):
            return Lookup("nodata", lang=query.lang)
        newest = max(d for d, g in zip(dates, gens) if g) or ""  # the date of the newest data loaded
        if query.kind == "case":
            found = raw[3] or []
            cases = []
            for i in range(0, len(found), 3):
                slot, key, record = CASE_SLOTS[int(found[i]) - 1], _text(found[i + 1]), decode_case(found[i + 2])
                cases.append(Case(casenum.display(key), slot[:3], record, self._debarments(record),
                                  dates[CASE_SLOTS.index(slot)] or newest))
            near = _text(raw[4]) == "1"
            answer = Lookup("case", typed=query.typed, cases=tuple(cases), near=near,
                            data_date=cases[0].data_date if cases and not near else newest, lang=query.lang)
        else:
            matches, debarred = self.search(query.name)
            answer = Lookup("employer", matches=tuple(matches), debarred=tuple(debarred), data_date=newest,
                            lang=query.lang)
        log.debug("job lookup", extra={"kind": query.kind, "ms": round((time.perf_counter() - started) * 1000, 2)})
        return answer

    def _refresh(self, gens, debarred_gen, debarred, blobs):
        """Take in the blobs the lookup returned for caches an import has made stale."""
        with self._lock:
            if debarred is not None and debarred is not False:
                by_name, by_person, names = {}, {}, []
                for item in unpack(debarred):
                    name, key, city, state, program, start, end = item[:7]
                    entry = (name, state, program, start, end, city)
                    by_name.setdefault(key, []).append(entry)
                    by_person.setdefault(person_key(name), []).append(entry)
                    names.append((key, entry))
                self._debarred = (debarred_gen, by_name, by_person, names)
            elif not debarred_gen:
                self._debarred = ("", {}, {}, [])
            for slot, blob, gen in zip(CASE_SLOTS, blobs or [False] * 4, gens):
                if blob is not None and blob is not False:
                    self._employers[slot] = (gen, (unpack(blob) or {}).get("employers", []))
                elif not gen:
                    self._employers[slot] = ("", [])

    def _debarments(self, record, names=None):
        """Return the Debarments whose name is the employer's or trade name's (state agreeing), the agent's
        or law firm's, or the individual agent's (first, middle and last name columns, in any order)."""
        out, seen = [], set()
        names = names or (record.get("employer"), record.get("trade"), record.get("agent"))
        state = (record.get("state") or "").upper()
        found = []
        for number, name in enumerate(names):
            key = name_key(name)
            found += [(number, e) for e in self._debarred[1].get(key, ())] if key else []
        person = record.get("person") or ""
        if person:
            words = person.split()
            for variant in {person, " ".join(words[:1] + words[-1:])}:  # with or without the middle name
                found += [(2, e) for e in self._debarred[2].get(person_key(variant), ())]
        for number, entry in found:
            deb_name, deb_state, program, start, end, _city = entry
            if number < 2 and deb_state and state and deb_state.upper() != state:
                continue  # an employer of that name in another state: not enough to call it the same
                # party (an agent or law firm works far from its office, so theirs is not compared)
            if entry not in seen:
                seen.add(entry)
                out.append(Debarment(deb_name, program, start, end, deb_state))
        return tuple(out)

    def _employer_choices(self):
        """Return ([(program, entry)], [name key]) of every employer across the years loaded (its newest
        season), worked out once per set of imports."""
        with self._lock:
            gens = tuple(self._employers[s][0] for s in CASE_SLOTS)
            if self._merged[0] == gens:
                return self._merged[1], self._merged[2]
            best = {}  # (name key, state) -> (program, entry)
            for slot in CASE_SLOTS:
                for entry in self._employers[slot][1]:
                    held = best.get((entry[1], entry[2]))
                    if held is None or entry[3] > held[1][3]:
                        best[(entry[1], entry[2])] = (slot[:3], entry)
            entries = list(best.values())
            self._merged = (gens, entries, [e[1][1] for e in entries])
            return entries, self._merged[2]

    def _debarred_names(self):
        """Return the debarred parties' name keys, listed once per debarment lists loaded."""
        names = self._debarred[3]
        if self._names[0] is not names:
            self._names = (names, [k for k, _ in names])
        return self._names[1]

    def search(self, name):
        """Return (up to three Matches for an employer's name, Debarments whose name is close to it).

        The debarment lists are searched directly: a debarred employer or agent is named whether or not
        a case of it is loaded (DOL denies a debarred employer's new applications)."""
        wanted_key = name_key(name)
        if len(wanted_key) < MIN_NAME:
            return [], []
        entries, choices = self._employer_choices()
        found = process.extract(wanted_key, choices, scorer=fuzz.WRatio, limit=SEARCH_LIMIT,
                                score_cutoff=SEARCH_CUTOFF)
        out, flagged = [], set()
        for _, _, index in found:
            program, (display, _key, state, season, case_key) = entries[index]
            debs = self._debarments({"employer": display, "state": state}, (display,))
            flagged.update(debs)
            out.append(Match(display, state, season, program, case_key, debs))
        listed = process.extract(wanted_key, self._debarred_names(), scorer=fuzz.token_sort_ratio,
                                 limit=SEARCH_LIMIT, score_cutoff=DEBARRED_CUTOFF)
        debarred = []
        for _, _, index in listed:
            deb_name, deb_state, program, start, end, city = self._debarred[3][index][1]
            deb = Debarment(deb_name, program, start, end, deb_state)
            if deb not in flagged and deb not in debarred:
                debarred.append(deb)
        return out, debarred


def _text(value):
    """Return a script reply value as text ("" for nil)."""
    if value is None or value is False:
        return ""
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
