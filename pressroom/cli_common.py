"""What every command shares: failing without a traceback, printing problems,
loading the settings a command needs, and reading --now."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn
from zoneinfo import ZoneInfo

import click

if TYPE_CHECKING:
    from .errors import Problem
    from .model import Settings


def fail(message: str) -> NoReturn:
    """Print *message* to stderr and exit 1 (no traceback)."""
    click.echo(message, err=True)
    sys.exit(1)


def print_problems(problems: list[Problem], root: Path) -> None:
    """Print each problem as ``path:line: message``, paths relative to *root*."""
    for problem in problems:
        click.echo(problem.format(root))


def settings_or_fail(root: Path) -> Settings:
    """Load the settings, or print their problems and exit 1."""
    from .settings import load_settings

    settings, problems = load_settings(root)
    if settings is None:
        print_problems(problems, root)
        fail("fix the settings first (pressroom check)")
    return settings


def parse_now(text: str | None, zone: ZoneInfo) -> datetime:
    """Read --now (naive values are in *zone*); without it, the clock."""
    from .load import parse_moment

    try:
        return parse_moment(text, zone)
    except ValueError:
        fail(f"--now: {text!r} is not an ISO 8601 date or datetime")
