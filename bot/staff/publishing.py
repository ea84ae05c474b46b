"""Publishing the script (a mixin of ScriptService): the draft, an earlier version again, or the files
in locales/; each checked first, each a new version, and the live script told."""
import logging

from bot.conversation.bundle import encode, fingerprint, read_bundle
from bot.staff import diff as scriptdiff
from bot.staff import records
from bot.staff.edits import EditError
from bot.staff.errors import PUBLISHED, CheckFailed, Conflict, NotFound, version_number as _number
from bot.storage.versions import ANY
from bot.conversation.wording import N_

log = logging.getLogger("bot.staff.service")  # the service's logger: its log lines stay as they were


class Publishing:
    """Publish, restore and publish-files; the service provides store, shipped, clock, _bundle, _checked..."""

    def publish(self, by, note, expected_head=None, force=False):
        """Publish the draft as a new version if the checks find no error; return its VersionInfo.

        expected_head: the version the staff member compared against (the diff they saw); Conflict
        if another has been published since. A draft started from an older version than the
        published one is refused (Conflict) unless force: publishing it would undo that version.
        """
        by, note = records.who(by), records.note(note, required=True)
        draft = self.draft()
        if draft is None:
            raise NotFound(N_("there is no draft to publish"))
        head = self.store.head()
        current = head[0] if head else None
        if expected_head is not None and _number(expected_head) != current:
            raise Conflict(N_("version %(now)s was published since you looked at version %(seen)s; look at the "
                              "changes again", now=current, seen=expected_head))
        if draft.base != current and not force:
            raise Conflict(N_("the draft was started from version %(base)s, and version %(now)s has been "
                              "published since: publishing the draft would undo it. Discard the draft, or "
                              "publish anyway", base=draft.base, now=current))
        if not scriptdiff.diff(self._bundle(PUBLISHED), draft.bundle):
            raise EditError(N_("the draft is the same as the published version: nothing to publish"))
        return self._publish(draft.bundle, by, note, "draft", expect_head=current, draft_rev=draft.rev,
                             base=draft.base)

    def restore(self, number, by, note=""):
        """Publish an earlier version again, as a new version; return its VersionInfo."""
        by, number = records.who(by), _number(number)
        bundle = self._bundle(number)
        if fingerprint(bundle) == fingerprint(self._bundle(PUBLISHED)):
            raise EditError(N_("version %(n)s is what is published now", n=number))
        note = records.note(note) or f"restored version {number}"
        return self._publish(bundle, by, note, "restore", restored_from=number)

    def publish_files(self, by, note="", directory=None):
        """Publish the files of locales/ (or another folder) as a new version."""
        bundle = read_bundle(directory) if directory else self.shipped
        if fingerprint(bundle) == fingerprint(self._bundle(PUBLISHED)):
            raise EditError(N_("the published version already is these files"))
        note = records.note(note) or "the files shipped in locales/"
        return self._publish(bundle, records.who(by), note, "files", files=fingerprint(bundle))

    def _publish(self, bundle, by, note, source, expect_head=ANY, draft_rev=None, files=None, **extra):
        """Check bundle, store it as the new published version and return its VersionInfo."""
        problems = self._checked(bundle)
        if any(p.level == "error" for p in problems):
            raise CheckFailed(problems)
        record = {"published_at": records.stamp(self.clock()), "by": by, "note": note, "source": source,
                  "fingerprint": fingerprint(bundle), "warnings": len(problems), **extra}
        number = self.store.publish(encode(bundle), record, expect_head=expect_head,
                                    draft_rev=draft_rev, files=files)
        if number is None:
            raise Conflict(N_("the draft or the published version changed meanwhile; look again and retry"))
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
