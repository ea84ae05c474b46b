"""Staff reports: daily counters of what people ask about, in which language, and how fast a person
answers; and the figures of a period, for the page, the CSV and the CLI.

Counters only. Each day is one hash in Redis (bot/storage/store.py names it) whose fields are made of the
words below and whose values are counts; no number, no pseudonym and no text a texter wrote ever goes
in, and nothing ties one count to another, so the counters say nothing about any one person.

Days are the office's days: the time zone of the office hours in force (staff settings, else the
script's), so an evening in the United States counts on that evening's date, not on UTC's next day.
A change of time zone applies to counts made after it (one day may then be a little short or long).

Fields (":" separates the parts; parts are identifiers, made safe by _part()):
  started:<channel>:<lang>  a conversation began: the first message after SESSION_TTL of silence (or
                            the first ever) once the bot knows the texter's language; a new texter
                            counts when they pick one. Not counted: while opted out, or while a
                            handoff is open (those messages are for the volunteer).
  topic:<topic>             a texter went into a topic (the main menu, then pay: once, however many
                            pages of it they read; EMERGENCIA counts as trafficking, AYUDA as general)
  referral:<entry id>       an organisation given in a referral (referral:none: none for that place)
  asked:<lang>              a texter asked for a person
  asked_topic:<topic>       ... by the topic they were reading (none: from the main menu)
  claimed:<lang>            a handoff claimed by a volunteer (its first claim; a hand-back and a new
                            claim count once)
  closed:<lang>             a handoff closed by a volunteer or staff
  wait:<lang>:<bucket>      the first message a volunteer sent to a texter, by the time since they
  wait_sum:<lang>           asked (bucket: up to 60 s, 300 s... see WAIT_BUCKETS; "more" beyond),
  wait_count:<lang>         with the sum of those waits in seconds and their count; counted on the
                            day the message went out
  deleted                   a texter deleted their data (BORRAR, confirmed)
  opted_out                 a texter sent STOP
  jobs:<outcome>:<lang>     a lookup in DOL's job data (case number or employer name; issue 16), by
                            outcome: found, not_found, debarred (a debarment list names what was shown)
Every counter is added on the day it happens; conversation counters only when the step that made
them is saved (a retried or duplicate MessageSid counts once).
"""
import collections
import re

WAIT_BUCKETS = (60, 300, 900, 1800, 3600, 4 * 3600, 24 * 3600)  # upper bounds in seconds, then "more"
MORE = "more"
NONE = "none"
_UNSAFE = re.compile(r"[^a-z0-9_-]")


def _part(value):
    """Return value as a safe field part: lower case letters, digits, _ and -; "none" when empty."""
    text = _UNSAFE.sub("_", str(value or "").lower())[:40].lstrip("-")
    return text or NONE


def wait_bucket(seconds):
    """Return the bucket of a wait: the smallest upper bound (seconds) it fits in, else "more"."""
    return next((str(bound) for bound in WAIT_BUCKETS if seconds <= bound), MORE)


def bucket_range(bucket):
    """Return a bucket's range in seconds as text: "0-60", "60-300", ... "86400+"."""
    if bucket == MORE:
        return f"{WAIT_BUCKETS[-1]}+"
    bound = int(bucket)
    lower = max((b for b in WAIT_BUCKETS if b < bound), default=0)
    return f"{lower}-{bound}"


BUCKETS = tuple(str(b) for b in WAIT_BUCKETS) + (MORE,)


def tally_step(result, channel, lang_before, new_session, handoff_status):
    """Return the counters one saved conversation step adds, {field: increment}.

    result is the engine's Result; lang_before the language known before the step (remembered or
    from the session); new_session: the step began a session; handoff_status: "waiting"/"claimed"
    when a handoff was open before the step, else None.
    """
    counts = collections.Counter()
    for kind, data in result.events:
        if kind == "forget":
            return {"deleted": 1}
        if kind == "opt_out":
            counts["opted_out"] += 1
        elif kind == "topic":
            counts[f"topic:{_part(data)}"] += 1
        elif kind == "referral":
            for entry in data.get("entries") or [NONE]:
                counts[f"referral:{_part(entry)}"] += 1
        elif kind == "job_lookup":
            counts[f"jobs:{_part(data.get('outcome'))}:{_part(data.get('lang'))}"] += 1
        elif kind == "handoff_open":
            counts[f"asked:{_part(data.get('lang'))}"] += 1
            counts[f"asked_topic:{_part(data.get('topic'))}"] += 1
    state = result.state
    if state.lang and not state.opted_out and not handoff_status and (new_session or lang_before is None):
        counts[f"started:{_part(channel)}:{_part(state.lang)}"] += 1
    return dict(counts)


def tally_claim(lang):
    """Return the counters of a handoff's first claim."""
    return {f"claimed:{_part(lang)}": 1}


def tally_close(lang):
    """Return the counters of a handoff closed."""
    return {f"closed:{_part(lang)}": 1}


def tally_wait(lang, seconds):
    """Return the counters of a first volunteer message sent seconds after the texter asked."""
    lang = _part(lang)
    return {f"wait:{lang}:{wait_bucket(seconds)}": 1, f"wait_sum:{lang}": int(seconds), f"wait_count:{lang}": 1}
