"""What the script service keeps about versions and the draft, and how their who, when and note are
written (refusing, with EditError, what cannot be kept)."""
import datetime
from dataclasses import dataclass

from bot.staff.edits import EditError
from bot.conversation.wording import N_

MAX_NOTE = 500


@dataclass(frozen=True)
class VersionInfo:
    """One published version: its number, who published it, when, why, and what it came from."""

    number: int
    published_at: str
    by: str
    note: str
    source: str                 # "files", "draft" or "restore"
    fingerprint: str
    restored_from: int = None
    base: int = None            # the version a draft was started from
    warnings: int = 0

    @classmethod
    def from_record(cls, record):
        """Build from a stored log record, ignoring fields this code does not know."""
        return cls(**{k: v for k, v in record.items() if k in cls.__dataclass_fields__})


@dataclass(frozen=True)
class Draft:
    """The staff's shared draft: the bundle being edited and where it started."""

    base: int
    rev: int
    created_at: str
    created_by: str
    updated_at: str
    updated_by: str
    bundle: dict


def stamp(moment):
    """Return an aware datetime as an ISO string in UTC (2026-11-24T15:00:00Z)."""
    return moment.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def who(by):
    """Return the name of who made a change, or raise EditError."""
    by = " ".join(str(by or "").split())
    if not by or len(by) > 100:
        raise EditError(N_("say who makes the change (a name of at most 100 characters)"))
    return by


def note(note, required=False):
    """Return a publish note, or raise EditError when it is required and missing or too long."""
    note = " ".join(str(note or "").split())
    if required and not note:
        raise EditError(N_("a note is needed: say what changed and why"))
    if len(note) > MAX_NOTE:
        raise EditError(N_("the note is too long (at most %(n)s characters)", n=MAX_NOTE))
    return note
