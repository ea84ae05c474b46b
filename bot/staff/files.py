"""Translators' PO files and JSON backups of every version (a mixin of ScriptService)."""
import datetime
import glob
import json
import os
from dataclasses import dataclass

from bot.conversation.bundle import clone, encode, fingerprint
from bot.conversation.script import ScriptError, build_script
from bot.staff import diff as scriptdiff
from bot.staff import edits
from bot.staff import po
from bot.staff.edits import EditError
from bot.staff.errors import DRAFT, PUBLISHED, Conflict, NotFound, version_number as _number
from bot.conversation.wording import N_

@dataclass(frozen=True)
class ImportReport:
    """What a PO import changed in the draft, and what it left out, and why."""

    lang: str
    changes: list
    skipped: list


class ScriptFiles:
    """Export and import of PO files and backups; the service provides _bundle, _edit, store..."""

    # -- translators' files -----------------------------------------------------------------------

    def export_po(self, lang, which=DRAFT):
        """Return the PO file (bytes) of lang for the draft (or published version, or a number)."""
        edits.check_language(self._bundle(which), lang)
        draft = self.draft() if which == DRAFT else None
        if draft is not None:
            label, when = f"v{draft.base}+draft", draft.updated_at
        else:
            info = self.info(self.store.head()[0] if which in (DRAFT, PUBLISHED) else which)
            label, when = f"v{info.number}", info.published_at
        moment = datetime.datetime.strptime(when, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc)
        return po.export_catalog(self.script(which), lang, label, moment)

    def import_po(self, lang, data, by):
        """Apply a translator's PO file of lang to the draft; return an ImportReport."""
        outcome = {}

        def change(bundle):
            before = clone(bundle)
            outcome["skipped"] = po.import_catalog(bundle, lang, data)
            outcome["changes"] = scriptdiff.diff(before, bundle)

        self._edit(by, change)
        return ImportReport(lang=lang, changes=outcome["changes"], skipped=outcome["skipped"])

    # -- backups ----------------------------------------------------------------------------------

    def export_all(self, directory):
        """Write every version (and the draft) as JSON files in directory; return how many versions."""
        os.makedirs(directory, exist_ok=True)
        versions = self.history()
        for old in glob.glob(os.path.join(directory, "version-*.json")):
            os.unlink(old)  # the folder then holds exactly what Redis holds
        for info in versions:
            _write_json(os.path.join(directory, f"version-{info.number:04d}.json"),
                        {"info": self.store.info(info.number), "bundle": self._bundle(info.number)})
        draft = self.draft()
        path = os.path.join(directory, "draft.json")
        if draft is not None:
            _write_json(path, {"draft": {k: v for k, v in draft.__dict__.items() if k not in ("bundle", "rev")},
                               "bundle": draft.bundle})
        elif os.path.exists(path):
            os.unlink(path)
        return len(versions)

    def import_all(self, directory, replace=False):
        """Restore the versions (and draft) written by export_all; return how many versions.

        Refused when Redis already holds versions, unless replace: then they are all replaced.
        """
        paths = sorted(glob.glob(os.path.join(directory, "version-*.json")))
        if not paths:
            raise NotFound(N_("no version-*.json files in %(dir)s", dir=directory))
        versions, seen = [], set()
        for path in paths:
            data = _read_json(path)
            try:
                record, bundle = dict(data["info"]), data["bundle"]
                number = _number(record["number"])
                build_script(bundle)
            except (KeyError, TypeError, ScriptError, EditError) as exc:
                raise EditError(N_("%(file)s: not a script version (%(why)s)", file=os.path.basename(path), why=exc)) from None
            if number in seen:
                raise EditError(N_("%(file)s: version %(n)s appears twice", file=os.path.basename(path), n=number))
            seen.add(number)
            record.update(number=number, fingerprint=fingerprint(bundle))
            versions.append((record, encode(bundle)))
        draft = None
        if os.path.exists(os.path.join(directory, "draft.json")):
            data = _read_json(os.path.join(directory, "draft.json"))
            try:
                draft = encode({**data["draft"], "bundle": data["bundle"]})
            except (KeyError, TypeError) as exc:
                raise EditError(N_("draft.json: not a draft (%(why)s)", why=exc)) from None
        held = len(self.store.log())
        if held and not replace:
            raise Conflict(N_("Redis already holds %(n)s version(s); import with --replace to discard them", n=held))
        self.store.replace_all(versions, draft)
        self._bundles.clear()
        self._changed()
        return len(versions)



def _write_json(path, data):
    """Write data as readable JSON."""
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(data, fh, ensure_ascii=False, indent=1, sort_keys=False)
        fh.write("\n")


def _read_json(path):
    """Return the JSON data of a backup file, or raise EditError."""
    try:
        with open(path, encoding="utf-8") as fh:
            return json.load(fh)
    except (OSError, ValueError) as exc:
        raise EditError(N_("%(file)s: cannot be read (%(why)s)", file=os.path.basename(path), why=exc)) from None
