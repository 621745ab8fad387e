"""Problems found in user input, and the few exception types pressroom raises."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path


class Severity(StrEnum):
    """How bad a problem is: errors always fail, warnings only under --strict."""

    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with a file, located by path and 1-based line."""

    path: Path
    line: int
    message: str
    severity: Severity = Severity.ERROR

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def format(self, root: Path | None = None) -> str:
        """Render as ``path:line: message`` (warnings say so), relative to *root* if given."""
        shown = self.path
        if root is not None:
            try:
                shown = self.path.resolve().relative_to(root.resolve())
            except ValueError:
                shown = self.path
        prefix = "warning: " if self.severity is Severity.WARNING else ""
        return f"{shown}:{self.line}: {prefix}{self.message}"

    def __str__(self) -> str:
        return self.format()


class PressroomError(Exception):
    """Base of every error pressroom reports to a user without a traceback."""


class CheckFailed(PressroomError):
    """The press room has errors (or warnings under --strict); carries them all."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        errors = sum(p.is_error for p in problems)
        super().__init__(f"{errors} error(s) in the press room")


class UserError(PressroomError):
    """A wrong command-line request or environment, optionally tied to a file and line."""

    def __init__(self, message: str, path: Path | None = None, line: int | None = None) -> None:
        self.path = path
        self.line = line
        where = f"{path}:{line or 1}: " if path is not None else ""
        super().__init__(f"{where}{message}")


class QueueError(PressroomError):
    """The queue's storage failed (locked, full, damaged, read-only, deleted): one plain sentence.

    Raised for every storage fault so a command can stop with one line; nothing
    that failed with it was recorded (see ``SqliteQueue._transaction``).
    """
