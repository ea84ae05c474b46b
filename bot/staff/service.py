"""The script's versions, for staff pages and the CLI: draft, checks, diff, publish, restore, files.

Version 1 is the files shipped in locales/. Staff edit a shared draft (started from the published
version); publishing runs the checks and refuses on errors; restoring an earlier version publishes
it again as a new version. Every method raises EditError (or NotFound, Conflict, CheckFailed, its
kinds) with a message staff can read; pages answer those with a 4xx.

This module reads versions and the draft, and caches what is built and checked from them; the draft's
edits are in bot/staff/drafting.py, publishing in bot/staff/publishing.py, PO files and backups in
bot/staff/files.py, the records kept in bot/staff/records.py.
"""
import datetime
from collections import OrderedDict

from bot.staff import diff as scriptdiff
from bot.staff import records
from bot.conversation.bundle import clone, decode, encode, fingerprint
from bot.conversation.checks import Problem, check_script
from bot.staff.errors import (  # noqa: F401 (CheckFailed, Conflict: pages import them from here)
    DRAFT, PUBLISHED, CheckFailed, Conflict, NotFound, version_number as _number)
from bot.staff.drafting import DraftEdits
from bot.staff.files import ScriptFiles
from bot.staff.publishing import Publishing
from bot.staff.records import MAX_NOTE, Draft, VersionInfo  # noqa: F401 (pages import MAX_NOTE from here)
from bot.conversation.script import ScriptError, build_script
from bot.conversation.wording import N_


class ScriptService(DraftEdits, ScriptFiles, Publishing):
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
            raise NotFound(N_("no version %(n)s", n=number))
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
                raise NotFound(N_("nothing is published yet"))
            which = head[0]
        info = self.info(which)
        key = (info.number, info.fingerprint)
        if key not in self._bundles:
            blob = self.store.version(info.number)
            if blob is None:
                raise NotFound(N_("version %(n)s is listed but its content is missing", n=info.number))
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
        by = records.who(by)
        now = records.stamp(self.clock())

        def apply(current):
            if current is None:
                head = self.store.head()
                if head is None:
                    raise NotFound(N_("nothing is published yet"))
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


def _trim(cache, size=8):
    """Keep a cache to its last size entries."""
    while len(cache) > size:
        cache.popitem(last=False)

