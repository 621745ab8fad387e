"""The `pressroom` command: a thin layer over the library functions.

Heavy libraries (WeasyPrint, python-docx, pydantic) are imported inside the
commands that need them, so `pressroom --help` starts fast.
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

if TYPE_CHECKING:
    from .errors import Problem
    from .load import LoadResult

ROOT = click.option(
    "--root",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    show_default=True,
    help="The press room: the folder holding releases/ and templates/.",
)


def fail(message: str) -> NoReturn:
    """Print *message* to stderr and exit 1 (no traceback)."""
    click.echo(message, err=True)
    sys.exit(1)


def print_problems(problems: list[Problem], root: Path) -> None:
    for problem in problems:
        click.echo(problem.format(root))


def summary(result: LoadResult, strict: bool) -> str:
    errors = len(result.errors)
    warnings = len(result.problems) - errors
    releases = len(result.pressroom.releases) if result.pressroom else 0
    verdict = "failed" if result.failed(strict) else "ok"
    strict_note = " (--strict: warnings count)" if strict and warnings else ""
    return f"check {verdict}: {releases} release(s), {errors} error(s), {warnings} warning(s){strict_note}"


def run_check(root: Path, strict: bool, quiet_ok: bool = False) -> LoadResult:
    """Load and check the press room; print problems; exit 1 if it failed."""
    from .load import load_pressroom

    result = load_pressroom(root)
    print_problems(result.problems, root)
    if result.failed(strict):
        fail(summary(result, strict))
    if not quiet_ok:
        click.echo(summary(result, strict))
    return result


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="pressroom")
def cli() -> None:
    """Write a press release once; check, render and distribute it."""


@cli.command()
@ROOT
@click.option("--strict", is_flag=True, help="Fail on warnings too.")
def check(root: Path, strict: bool) -> None:
    """Check the settings and every release; report all problems as path:line: message."""
    run_check(root, strict)


@cli.command()
@click.argument("title")
@click.option("--date", "day", type=click.DateTime(["%Y-%m-%d"]), help="Release date (default today).")
@ROOT
def new(title: str, day: Any, root: Path) -> None:
    """Write a new draft release file named after TITLE."""
    from .authoring import new_release
    from .errors import PressroomError
    from .settings import load_settings

    settings, problems = load_settings(root)
    if settings is None:
        print_problems(problems, root)
        fail("fix the settings first")
    when = day.date() if day else date.today()
    try:
        path = new_release(root, title, when, settings.site.default_place, settings.site.default_contacts)
    except PressroomError as exc:
        fail(str(exc))
    click.echo(f"created {path}")


@cli.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--language", type=click.Choice(["de", "en"]), default="en", show_default=True)
def init(directory: Path, language: str) -> None:
    """Create a working press room in DIRECTORY."""
    from .authoring import init_pressroom
    from .errors import PressroomError

    try:
        created = init_pressroom(directory, date.today(), language)
    except PressroomError as exc:
        fail(str(exc))
    for path in created:
        click.echo(f"created {path}")
    click.echo(f"next: cd {directory} && pressroom check")


def main() -> None:
    """Entry point of the console script."""
    cli(prog_name="pressroom")
