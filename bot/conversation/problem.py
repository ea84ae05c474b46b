"""A finding of the script's checks (bot/conversation/checks.py runs them all)."""
from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One finding: level is "error" or "warning"; where names the node, text or entry."""

    level: str
    where: str
    message: str

    def __str__(self):
        return f"{self.level}: {self.where}: {self.message}"
