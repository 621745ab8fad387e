"""The `pressroom` command: a thin layer over the library functions.

Heavy libraries (WeasyPrint, python-docx, pydantic) are imported inside the
commands that need them, so `pressroom --help` starts fast.
"""

from __future__ import annotations

import os
import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from .cli_common import (
    QUIET_KEY,
    PressroomGroup,
    day_or_fail,
    fail,
    frozen_numbers,
    moment_or_fail,
    print_check_notes,
    print_problems,
    root_option,
    settings_or_fail,
)
from .messages import say

if TYPE_CHECKING:
    from .load import LoadResult

ROOT = root_option()
QUEUE = click.option(
    "--queue",
    "queue_file",
    metavar="PATH|URL",
    default=None,
    help="The ledger whose release numbers stay fixed (default: $PRESSROOM_QUEUE or var/queue.sqlite3).",
)


def summary(result: LoadResult, strict: bool) -> str:
    errors = len(result.errors)
    warnings = len(result.problems) - errors
    releases = result.files
    verdict = "failed" if result.failed(strict) else "ok"
    strict_note = " (--strict: warnings count)" if strict and warnings else ""
    return f"check {verdict}: {releases} release(s), {errors} error(s), {warnings} warning(s){strict_note}"


def run_check(
    root: Path, strict: bool, queue_file: str | None = None, now_text: str | None = None
) -> LoadResult:
    """Load and check the press room against the ledger's numbers; print problems; exit 1 if it failed.

    *now_text* (--now) is the moment the time-bound checks refer to: "embargo already
    past", "dated in the future" (without an offset: in the site's time zone).

    Under --strict or in CI (where the secrets should be set), a secret the settings
    name but the environment lacks is a warning; on a press officer's laptop it is not.
    """
    from .load import load_pressroom

    environ = os.environ if strict or os.environ.get("CI") else None
    now = moment_or_fail(now_text, root)
    result = load_pressroom(root, now, frozen=frozen_numbers(root, queue_file), environ=environ)
    print_problems(result.problems, root)
    if result.failed(strict):
        fail(summary(result, strict))
    click.echo(summary(result, strict))
    return result


@click.group(cls=PressroomGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="pressroom")
@click.option("-v", "--verbose", is_flag=True,
              help="Also show debug messages, with the traceback of a release that failed to render.")
@click.option("-q", "--quiet", is_flag=True, help="Show only errors.")
def cli(verbose: bool, quiet: bool) -> None:
    """Write a press release once; check, render and distribute it."""
    if verbose and quiet:
        raise click.UsageError("-v and -q exclude each other")
    from .cli_logging import configure_logging

    configure_logging(verbose, quiet)
    click.get_current_context().meta[QUIET_KEY] = quiet


@cli.command()
@ROOT
@QUEUE
@click.option("--strict", is_flag=True, help="Fail on warnings too.")
@click.option("--now", "now_text", metavar="ISO",
              help="The moment embargo and date checks refer to (default: now).")
def check(root: Path, queue_file: str | None, strict: bool, now_text: str | None) -> None:
    """Check the settings and every release; report all problems as path:line: message."""
    run_check(root, strict, queue_file, now_text)


@cli.command()
@click.argument("title")
@click.option("--date", "day", metavar="YYYY-MM-DD", help="Release date (default today).")
@ROOT
def new(title: str, day: str | None, root: Path) -> None:
    """Write a new draft release file named after TITLE."""
    from .authoring import new_release, placeholder_draft

    settings = settings_or_fail(root)
    when = day_or_fail(day, settings.site.language) or date.today()
    site = settings.site
    draft = placeholder_draft(site.language, site.default_place, site.default_contacts)
    path = new_release(root, title, when, draft)
    click.echo(say(site.language, "import.created", path=path))


@cli.command("import")
@click.argument("draft", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--date", "day", metavar="YYYY-MM-DD",
              help="Release date (default: the date line of the draft, else today).")
@ROOT
def import_command(draft: Path, day: str | None, root: Path) -> None:
    """Turn the Word draft DRAFT.docx into a draft release file in releases/."""
    from .draft_import import import_draft

    settings = settings_or_fail(root)
    language = settings.site.language
    imported = import_draft(draft, settings, day_or_fail(day, language), date.today())
    click.echo(say(language, "import.created", path=imported.path))
    for picture in imported.pictures:
        click.echo(say(language, "import.picture", path=picture))
    if imported.contacts:
        click.echo(say(language, "import.contacts", names=", ".join(imported.contacts)))
    if imported.boilerplates:
        click.echo(say(language, "import.funders", names=", ".join(imported.boilerplates)))
    if imported.removed_lines:
        click.echo(say(language, "import.removed", count=imported.removed_lines))
    if imported.tracked_changes:
        click.echo(say(language, "import.changes", count=imported.tracked_changes))
    if imported.todos:
        click.echo(say(language, "import.todos", count=len(imported.todos)))


@cli.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--language", type=click.Choice(["de", "en"]), default="de", show_default=True)
def init(directory: Path, language: str) -> None:
    """Create a working press room in DIRECTORY."""
    from .authoring import init_pressroom

    created = init_pressroom(directory, date.today(), language)
    for path in created:
        click.echo(f"created {path}")
    click.echo(f"next: cd {directory} && pressroom check")


@cli.command("reference-docx")
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace OUT if it exists.")
def reference_docx(out: Path, force: bool) -> None:
    """Write pressroom's default Word styles to OUT, to restyle and put in templates/reference.docx."""
    from .render.docx import default_reference_docx

    if out.exists() and not force:
        fail(f"{out}: exists already (--force replaces it)")
    try:
        out.write_bytes(default_reference_docx().read_bytes())
    except OSError as exc:
        fail(f"{out}: cannot write: {exc.strerror}")
    click.echo(f"wrote {out}: restyle it in Word or LibreOffice, then save it as templates/reference.docx")


@cli.command()
@ROOT
@click.option(
    "--out", type=click.Path(file_okay=False, path_type=Path), help="Output folder (default ROOT/build)."
)
@click.option(
    "--now", "now_text", metavar="ISO", help="The moment embargo decisions refer to (default: now)."
)
@click.option("--only", metavar="SLUG", help="Render only this release.")
@click.option("--jobs", type=click.IntRange(min=1), help="Parallel workers (default: number of cores).")
@click.option("--strict", is_flag=True, help="Refuse to build on warnings too.")
@QUEUE
def build(
    root: Path, out: Path | None, now_text: str | None, only: str | None, jobs: int | None, strict: bool,
    queue_file: str | None,
) -> None:
    """Check, then render every release to HTML, PDF, DOCX, text (and the formats of installed
    renderer plug-ins), then the newsroom page and the feeds."""
    run_build(root, out, now_text, only, jobs, strict, queue_file)


def run_build(
    root: Path, out: Path | None, now_text: str | None, only: str | None, jobs: int | None, strict: bool,
    queue_file: str | None = None,
) -> Any:
    """Build the press room for the CLI: problems as path:line, failures as exit 1."""
    from .build import build_pressroom
    from .report import SilentReporter, reporter_for_terminal

    # A --now without an offset is in the site's time zone, which the build reads with
    # the settings: the settings are loaded once, by the build.
    now = moment_or_fail(now_text, root)
    frozen = frozen_numbers(root, queue_file)
    quiet = click.get_current_context().meta.get(QUIET_KEY, False)
    reporter = SilentReporter() if quiet else reporter_for_terminal()
    try:
        result = build_pressroom(root, out, now, only, jobs, reporter, strict, frozen)
    except KeyboardInterrupt:  # Ctrl-C: what was placed stays recorded; no traceback
        click.echo("build interrupted", err=True)
        sys.exit(130)
    print_check_notes(result.problems, result.held, root)
    for slug, failure in result.failures.items():
        path = result.pressroom.release(slug).path
        click.echo(f"{path}:1: rendering {failure.format} failed: {failure.message}", err=True)
    if result.failures:
        sys.exit(1)
    return result


@cli.command()
@ROOT
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True,
              help="The port to listen on (0: any free one).")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="The address to listen on; only this computer can see the preview at the default.")
@click.option("--open", "open_browser", is_flag=True, help="Open the preview in the web browser.")
def serve(root: Path, port: int, host: str, open_browser: bool) -> None:
    """Preview the whole press room in the browser, drafts and embargoed releases included,
    with every problem `check` finds; the page reloads itself when a file is saved."""
    from .cli_common import pressroom_or_fail
    from .serve import preview_server

    pressroom_or_fail(root)
    with preview_server(root, host, port) as server:
        click.echo(f"Preview of {root.resolve()} at {server.url} (Ctrl-C stops it)")
        if host not in ("127.0.0.1", "localhost", "::1"):
            click.echo(f"warning: listening on {host}: whoever reaches this computer there sees the drafts"
                       " and embargoed releases", err=True)
        if open_browser:
            import webbrowser

            webbrowser.open(server.url)
        try:
            server.serve_forever()
        except KeyboardInterrupt:  # the way to stop it: no traceback, a normal end
            click.echo("preview stopped", err=True)


def _register_distribution() -> None:
    from .cli_distribution import dispatch_command, publish_command, queue_group
    from .cli_suppress import inbox_command, suppress_command, suppressed_command, unsuppress_command

    for command in (publish_command, dispatch_command, queue_group, inbox_command):
        cli.add_command(command)
    for command in (suppress_command, unsuppress_command, suppressed_command):
        queue_group.add_command(command)


_register_distribution()


def main() -> None:
    """Entry point of the console script."""
    cli(prog_name="pressroom")
