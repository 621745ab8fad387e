"""What every command shares: failing without a traceback, printing problems,
loading the settings a command needs, reading --now and the ledger's numbers."""

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


def pressroom_or_fail(root: Path) -> None:
    """Exit 1 with one line unless *root* is a press room (it has the settings file)."""
    from .settings import SETTINGS_FILE

    if not (root / SETTINGS_FILE).is_file():
        fail(f"no press room in {root.resolve()} ({SETTINGS_FILE} not found);"
             " pass --root DIR, or create one with `pressroom init DIR`")


def settings_or_fail(root: Path) -> Settings:
    """Load the settings, or print their problems and exit 1 (one line outside a press room)."""
    from .settings import load_settings

    pressroom_or_fail(root)
    settings, problems = load_settings(root)
    if settings is None:
        print_problems(problems, root)
        fail("fix the settings first (pressroom check)")
    return settings


def frozen_numbers(root: Path, given: str | Path | None = None) -> dict[str, str]:
    """Return the numbers the ledger recorded (number -> slug); none when there is no ledger.

    A press room that never published has no ledger, and reading must not create one.
    """
    from .errors import PressroomError
    from .queue import open_queue, queue_location

    location = queue_location(root, given)
    if isinstance(location, Path) and not location.exists():
        return {}
    try:
        queue = open_queue(location)
    except PressroomError as exc:
        fail(str(exc))
    try:
        return queue.numbers()
    finally:
        queue.close()
def site_zone(root: Path) -> ZoneInfo:
    """Return the site's time zone for showing times: only ``site.timezone`` is read, so
    the queue commands work while a recipient list is broken; UTC without usable settings."""
    from zoneinfo import ZoneInfoNotFoundError

    from .model import Site
    from .settings import settings_path
    from .yamlload import YamlError, load_yaml

    path = settings_path(root)
    try:
        data = load_yaml(path.read_text(encoding="utf-8"), path).data
        site = data.get("site") if isinstance(data, dict) else None
        name = site.get("timezone", Site.timezone) if isinstance(site, dict) else Site.timezone
        return ZoneInfo(str(name))
    except (OSError, UnicodeDecodeError, YamlError, ValueError, ZoneInfoNotFoundError):
        return ZoneInfo("UTC")


def parse_now(text: str | None, zone: ZoneInfo) -> datetime:
    """Read --now (naive values are in *zone*); without it, the clock."""
    from .load import parse_moment

    try:
        return parse_moment(text, zone)
    except ValueError:
        fail(f"--now: {text!r} is not an ISO 8601 date or datetime")
