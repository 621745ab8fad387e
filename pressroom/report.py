"""Progress reporting, kept apart from logging: a bar on a terminal, lines in CI, silence in tests."""

from __future__ import annotations

import os
import sys
from typing import Any, Protocol


class Reporter(Protocol):
    """Receives the progress of a build."""

    def start(self, total: int) -> None: ...
    def advance(self, slug: str, action: str) -> None: ...
    def finish(self, message: str) -> None: ...


class SilentReporter:
    """Reports nothing: the default for library use and tests."""

    def start(self, total: int) -> None:
        pass

    def advance(self, slug: str, action: str) -> None:
        pass

    def finish(self, message: str) -> None:
        pass


class LineReporter:
    """One plain line per release: for CI logs and pipes."""

    def __init__(self, stream: Any = None) -> None:
        self.stream = stream or sys.stdout

    def start(self, total: int) -> None:
        pass

    def advance(self, slug: str, action: str) -> None:
        print(f"{action} {slug}", file=self.stream, flush=True)

    def finish(self, message: str) -> None:
        print(message, file=self.stream, flush=True)


class BarReporter:
    """A rich progress bar for people at a terminal."""

    def __init__(self) -> None:
        from rich.progress import Progress

        self.progress = Progress(transient=True)
        self.task: Any = None

    def start(self, total: int) -> None:
        self.progress.start()
        self.task = self.progress.add_task("rendering", total=total)

    def advance(self, slug: str, action: str) -> None:
        self.progress.update(self.task, advance=1, description=f"{action} {slug}")

    def finish(self, message: str) -> None:
        self.progress.stop()
        print(message)


def reporter_for_terminal() -> Reporter:
    """A bar on an interactive terminal, plain lines in CI or when piped."""
    if sys.stdout.isatty() and not os.environ.get("CI"):
        return BarReporter()
    return LineReporter()
