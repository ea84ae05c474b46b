"""The script's versions, for staff pages and the CLI: draft, checks, diff, publish, restore, files.

Version 1 is the files shipped in locales/. Staff edit a shared draft (started from the published
version); publishing runs the checks and refuses on errors; restoring an earlier version publishes
it again as a new version. Every method raises EditError (or NotFound, Conflict, CheckFailed, its
kinds) with a message staff can read; pages answer those with a 4xx.
"""
import datetime
import logging
from collections import OrderedDict
from dataclasses import dataclass

from bot.staff import diff as scriptdiff
from bot.conversation.bundle import clone, decode, encode, fingerprint, read_bundle
from bot.conversation.checks import Problem, check_script
from bot.staff.edits import EditError
from bot.staff.errors import DRAFT, PUBLISHED, CheckFailed, Conflict, NotFound, version_number as _number
from bot.staff.drafting import DraftEdits
from bot.staff.files import ScriptFiles
from bot.conversation.script import ScriptError, build_script
from bot.storage.versions import ANY

log = logging.getLogger(__name__)
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


class ScriptService(DraftEdits, ScriptFiles):
    """Everything staff do with the script's versions; store is a bot.storage.versions.VersionStore."""

    def __init__(self, store, shipped, clock=None):
        """shipped is the bundle of the files in locales/ (the first version)."""
        self.store, self.shipped = store, shipped
        self.clock = clock or (lambda: datetime.datetime.now(datetime.timezone.utc))
        self.on_change = []     # called after each publish (the live script checks again at once)
        self._bundles = OrderedDict()
        self._scripts = OrderedDict()
        self._checks = OrderedDict()

    # -- reading ----------------------------------------------------------------------------------

    def head(self):
        """Return the VersionInfo of the published version, or None before the first start."""
        head = self.store.head()
        return self.info(head[0]) if head else None

    def info(self, number):
        """Return the VersionInfo of version number, or raise NotFound."""
        record = self.store.info(_number(number))
        if record is None:
            raise NotFound(f"no version {number}")
        return VersionInfo.from_record(record)

    def history(self):
        """Return every version, newest first."""
        return [VersionInfo.from_record(r) for r in reversed(self.store.log())]

    def bundle(self, which=DRAFT):
        """Return a copy of a bundle: "draft" (the published one if there is no draft), "published",
        or a version number."""
        return clone(self._bundle(which))

    def _bundle(self, which):
        """Return a bundle as cached: never to be changed."""
        if which == DRAFT:
            draft = self.draft()
            if draft is not None:
                return draft.bundle
            which = PUBLISHED
        if which == PUBLISHED:
            head = self.store.head()
            if head is None:
                raise NotFound("nothing is published yet")
            which = head[0]
        info = self.info(which)
        key = (info.number, info.fingerprint)
        if key not in self._bundles:
            blob = self.store.version(info.number)
            if blob is None:
                raise NotFound(f"version {info.number} is listed but its content is missing")
            self._bundles[key] = decode(blob)
            _trim(self._bundles)
        return self._bundles[key]

    def script(self, which=DRAFT):
        """Return the built Script of a bundle (see bundle()), for the simulator and the pages."""
        return self._built(self._bundle(which))

    def check(self, which=DRAFT, today=None):
        """Return the checks' Problems for a bundle (see bundle())."""
        return self._checked(self._bundle(which), today)

    def seed(self, bundle, script, problems):
        """Remember a bundle's built Script and today's findings (the app has just made both at start)."""
        key = fingerprint(bundle)
        self._scripts[key] = script
        self._checks[(key, datetime.date.today())] = list(problems)

    def _built(self, bundle):
        """Return the Script of a bundle, built once per content (a Script is never changed)."""
        key = fingerprint(bundle)
        if key not in self._scripts:
            self._scripts[key] = build_script(bundle)
            _trim(self._scripts)
        return self._scripts[key]

    def _checked(self, bundle, today=None):
        """Return the checks' Problems for a bundle, once per content and day; one error when it cannot
        be built at all."""
        today = today or datetime.date.today()
        key = (fingerprint(bundle), today)
        if key not in self._checks:
            try:
                self._checks[key] = check_script(self._built(bundle), today)
            except ScriptError as exc:
                self._checks[key] = [Problem("error", "script", str(exc))]
            _trim(self._checks)
        return list(self._checks[key])

    def diff(self, which=DRAFT, against=PUBLISHED):
        """Return the Changes from bundle against to bundle which (by default: draft vs published)."""
        return scriptdiff.diff(self._bundle(against), self._bundle(which))

    # -- the draft --------------------------------------------------------------------------------

    def draft(self):
        """Return the Draft, or None when nobody has edited since the last publish."""
        stored = self.store.draft()
        if stored is None:
            return None
        rev, blob = stored
        record = decode(blob)
        return Draft(rev=rev, **{k: record[k] for k in ("base", "created_at", "created_by", "updated_at",
                                                          "updated_by", "bundle")})

    def discard_draft(self):
        """Throw the draft away; return True when there was one."""
        return self.store.delete_draft()

    def _edit(self, by, change):
        """Apply change(bundle) to the draft (started from the published version if none); return it."""
        by = _who(by)
        now = _stamp(self.clock())

        def apply(current):
            if current is None:
                head = self.store.head()
                if head is None:
                    raise NotFound("nothing is published yet")
                record = {"base": head[0], "created_at": now, "created_by": by, "updated_at": now,
                          "updated_by": by, "bundle": self._bundle(head[0])}
            else:
                record = decode(current[1])
            bundle = clone(record["bundle"])
            change(bundle)
            if bundle == record["bundle"]:
                return None
            return encode({**record, "bundle": bundle, "updated_at": now, "updated_by": by})

        self.store.save_draft(apply)
        return self.draft()

    # -- publishing -------------------------------------------------------------------------------

    def publish(self, by, note, expected_head=None, force=False):
        """Publish the draft as a new version if the checks find no error; return its VersionInfo.

        expected_head: the version the staff member compared against (the diff they saw); Conflict
        if another has been published since. A draft started from an older version than the
        published one is refused (Conflict) unless force: publishing it would undo that version.
        """
        by, note = _who(by), _note(note, required=True)
        draft = self.draft()
        if draft is None:
            raise NotFound("there is no draft to publish")
        head = self.store.head()
        current = head[0] if head else None
        if expected_head is not None and _number(expected_head) != current:
            raise Conflict(f"version {current} was published since you looked at version {expected_head}; "
                           "look at the changes again")
        if draft.base != current and not force:
            raise Conflict(f"the draft was started from version {draft.base}, and version {current} has been "
                           "published since: publishing the draft would undo it. Discard the draft, or "
                           "publish anyway")
        if not scriptdiff.diff(self._bundle(PUBLISHED), draft.bundle):
            raise EditError("the draft is the same as the published version: nothing to publish")
        return self._publish(draft.bundle, by, note, "draft", expect_head=current, draft_rev=draft.rev,
                             base=draft.base)

    def restore(self, number, by, note=""):
        """Publish an earlier version again, as a new version; return its VersionInfo."""
        by, number = _who(by), _number(number)
        bundle = self._bundle(number)
        if fingerprint(bundle) == fingerprint(self._bundle(PUBLISHED)):
            raise EditError(f"version {number} is what is published now")
        note = _note(note) or f"restored version {number}"
        return self._publish(bundle, by, note, "restore", restored_from=number)

    def publish_files(self, by, note="", directory=None):
        """Publish the files of locales/ (or another folder) as a new version."""
        bundle = read_bundle(directory) if directory else self.shipped
        if fingerprint(bundle) == fingerprint(self._bundle(PUBLISHED)):
            raise EditError("the published version already is these files")
        note = _note(note) or "the files shipped in locales/"
        return self._publish(bundle, _who(by), note, "files", files=fingerprint(bundle))

    def _publish(self, bundle, by, note, source, expect_head=ANY, draft_rev=None, files=None, **extra):
        """Check bundle, store it as the new published version and return its VersionInfo."""
        problems = self._checked(bundle)
        if any(p.level == "error" for p in problems):
            raise CheckFailed(problems)
        record = {"published_at": _stamp(self.clock()), "by": by, "note": note, "source": source,
                  "fingerprint": fingerprint(bundle), "warnings": len(problems), **extra}
        number = self.store.publish(encode(bundle), record, expect_head=expect_head,
                                    draft_rev=draft_rev, files=files)
        if number is None:
            raise Conflict("the draft or the published version changed meanwhile; look again and retry")
        log.info("script version %s published", number, extra={"source": source})
        self._changed()
        return self.info(number)

    def start(self):
        """Publish the shipped files as version 1 when Redis holds no version; see README "Versions".

        When the shipped files changed since they were last published: publish them if the published
        version is itself from the files (nothing of the staff's is replaced); else say what to do.
        """
        fp = fingerprint(self.shipped)
        head = self.store.head()
        if head is None:
            expect, note = None, "first version: the files shipped in locales/"
        elif self.store.files_fingerprint() == fp:
            return
        elif (self.store.info(head[0]) or {}).get("source") == "files":
            expect, note = head[0], "the files shipped in locales/ changed"
        else:
            log.warning("the files in locales/ changed since they were last published, and staff have "
                        "published since: run `flask --app bot script publish-files` to publish them")
            return
        try:
            self._publish(self.shipped, "system", note, "files", expect_head=expect, files=fp)
        except Conflict:
            pass  # another worker starting at the same moment did it

    def _changed(self):
        """Tell listeners (the live script) that a new version is published."""
        for listener in self.on_change:
            listener()


def _trim(cache, size=8):
    """Keep a cache to its last size entries."""
    while len(cache) > size:
        cache.popitem(last=False)


def _stamp(moment):
    """Return an aware datetime as an ISO string in UTC (2026-11-24T15:00:00Z)."""
    return moment.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _who(by):
    """Return the name of who made a change, or raise EditError."""
    by = " ".join(str(by or "").split())
    if not by or len(by) > 100:
        raise EditError("say who makes the change (a name of at most 100 characters)")
    return by


def _note(note, required=False):
    """Return a publish note, or raise EditError when it is required and missing or too long."""
    note = " ".join(str(note or "").split())
    if required and not note:
        raise EditError("a note is needed: say what changed and why")
    if len(note) > MAX_NOTE:
        raise EditError(f"the note is too long (at most {MAX_NOTE} characters)")
    return note
