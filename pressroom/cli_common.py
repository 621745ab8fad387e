"""What every command shares: the one error path (pressroom's errors become one line
and exit status 1), logging for -v/-q, the --root option, printing problems, loading
the settings a command needs, reading --now and the ledger's numbers."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, NoReturn, TypeVar
from zoneinfo import ZoneInfo

import click

from .errors import CheckFailed, PressroomError, QueueError, UserError

if TYPE_CHECKING:
    from .errors import Problem
    from .messages import Language
    from .model import Settings

F = TypeVar("F", bound=Callable[..., Any])
ROOT_KEY = "pressroom.root"  # where --root leaves the press room for the error path
QUIET_KEY = "pressroom.quiet"  # where -q leaves itself for the commands that report progress


class Failure(click.ClickException):
    """A command failed: its one-line message on stderr, exit status 1, no traceback."""

    exit_code = 1

    def show(self, file: IO[Any] | None = None) -> None:
        # Not click's "Error: ..." prefix: a message that starts with path:line stays so.
        click.echo(self.format_message(), err=True, file=file)


def fail(message: str) -> NoReturn:
    """End the command: *message* on stderr, exit status 1 (no traceback)."""
    raise Failure(message)


def failure_of(exc: PressroomError, ctx: click.Context) -> Failure:
    """Turn a pressroom error raised under *ctx* into the line the user sees.

    A failed check prints its problems first; a wrong request (UserError, located
    ``path:line:`` when it names a file) and a fault of the queue are their own
    sentence; any other error is "COMMAND failed: message".
    """
    words = ctx.command_path.split()
    # Invoked on its own (as tests do) a command's path is its name; else drop "pressroom".
    command = " ".join(words[1:] if ctx.parent is not None else [ctx.command.name or ""])
    if isinstance(exc, CheckFailed):
        print_problems(exc.problems, ctx.meta.get(ROOT_KEY, Path(".")))
        errors = sum(p.is_error for p in exc.problems)
        return Failure(f"{command} refused: {errors} error(s); nothing was written")
    if isinstance(exc, (UserError, QueueError)):
        return Failure(str(exc))
    return Failure(f"{command} failed: {exc}")


class PressroomCommand(click.Command):
    """A command that ends on a pressroom error with one line and exit status 1.

    This is the one place the CLI catches pressroom's errors; the commands let them rise.
    """

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except PressroomError as exc:
            raise failure_of(exc, ctx) from exc


class PressroomGroup(PressroomCommand, click.Group):
    """A group of PressroomCommands (its own callback, such as ``queue``'s default, too)."""

    command_class = PressroomCommand
    group_class = type  # its subgroups are PressroomGroups as well


def find_root(start: Path) -> Path | None:
    """The press room *start* is in, as git finds its repository: the nearest folder, from
    *start* upwards, that holds the settings file (``releases/pressroom.yaml``); None outside one."""
    from .settings import SETTINGS_FILE

    start = start.absolute()
    for folder in (start, *start.parents):
        if (folder / SETTINGS_FILE).is_file():
            return folder
    return None


def _remember_root(ctx: click.Context, param: click.Parameter, value: Path | None) -> Path | None:
    if value is not None and param.name and ctx.get_parameter_source(param.name) is \
            click.core.ParameterSource.DEFAULT:
        # No --root given: the press room the current folder is in (inside releases/ too);
        # outside any, the default stays and the command says so.
        found = find_root(value)
        if found is not None:
            value = found if found != value.absolute() else value
    if value is not None:
        ctx.meta[ROOT_KEY] = value
    return value


def root_option(default: Path | None = Path(".")) -> Callable[[F], F]:
    """The --root option of every command (``None`` as *default*: the group's --root decides)."""
    return click.option(
        "--root",
        type=click.Path(file_okay=False, path_type=Path),
        default=default,
        show_default=default is not None,
        callback=_remember_root,
        help="The press room: the folder holding releases/ and templates/ (default: the press room "
             "the current folder is in).",
    )


def print_problems(problems: list[Problem], root: Path) -> None:
    """Print each problem as ``path:line: message``, paths relative to *root*."""
    for problem in problems:
        click.echo(problem.format(root))


SHOWN_WARNINGS = 5  # build and publish show the first few; check shows them all


def print_check_notes(problems: tuple[Problem, ...], held: frozenset[Path], root: Path) -> None:
    """After a build or publish that went ahead: every error of the drafts left out, then the
    warnings' count and the first few (``pressroom check`` shows them all)."""
    for problem in problems:
        if problem.is_error:
            click.echo(problem.format(root), err=True)
    if held:
        names = ", ".join(sorted(path.name for path in held))
        click.echo(f"left out: {len(held)} draft(s) with errors, not built: {names}", err=True)
    warnings = [p for p in problems if not p.is_error]
    if not warnings:
        return
    click.echo(f"{len(warnings)} warning(s):", err=True)
    for problem in warnings[:SHOWN_WARNINGS]:
        click.echo(problem.format(root), err=True)
    if len(warnings) > SHOWN_WARNINGS:
        click.echo(f"... and {len(warnings) - SHOWN_WARNINGS} more: run pressroom check", err=True)


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
    from .queue import open_queue, queue_location

    location = queue_location(root, given)
    if isinstance(location, Path) and not location.exists():
        return {}
    queue = open_queue(location)
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


def day_or_fail(text: str | None, language: str) -> date | None:
    """Read --date (year-month-day); ``None`` without it. A date written otherwise
    (01.07.2026) ends the command saying how to write it, in the room's *language*."""
    from .messages import iso_of_german_date, say

    if text is None:
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        iso = iso_of_german_date(text)
        if iso is not None and " " not in iso:
            fail(say(language, "date.german", key="--date", iso=iso, given=text.strip()))
        fail(f"--date: {say(language, 'value.not_iso_date', given=text)}")


def moment_or_fail(text: str | None, root: Path) -> datetime | None:
    """Read --now as given (without an offset it is naive: the library reads it in the
    site's time zone); ``None`` without it (the library takes the clock). A value that is
    no moment ends the command in the language of the room at *root*."""
    from .messages import say
    from .settings import room_language

    if text is None:
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        fail(say(room_language(root), "now.invalid", given=text))


def parse_now(text: str | None, zone: ZoneInfo, language: Language) -> datetime:
    """Read --now (naive values are in *zone*); without it, the clock. A value that is no
    moment ends the command, said in *language*."""
    from .load import parse_moment
    from .messages import say

    try:
        return parse_moment(text, zone)
    except ValueError:
        fail(say(language, "now.invalid", given=text))
