"""What the script service refuses with: each an EditError whose message staff can read."""
from bot.staff.edits import EditError
from bot.conversation.wording import N_

PUBLISHED, DRAFT = "published", "draft"  # the two versions named rather than numbered


class NotFound(EditError):
    """No such version (or no draft)."""


class Conflict(EditError):
    """Someone else changed the draft or published meanwhile; look again and retry."""


class CheckFailed(EditError):
    """The checks found errors; problems holds every finding (errors and warnings)."""

    def __init__(self, problems):
        self.problems = problems
        errors = [p for p in problems if p.level == "error"]
        super().__init__(N_("%(n)s error(s) block publishing: %(first)s", n=len(errors),
                            first="; ".join(str(p) for p in errors[:5])))



def version_number(value):
    """Return a version number, or raise NotFound for something that is not one."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise NotFound(N_("no version %(n)s", n=repr(value))) from None
    if number < 1:
        raise NotFound(N_("no version %(n)s", n=number))
    return number
