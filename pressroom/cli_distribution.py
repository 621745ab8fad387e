"""The distribution commands: ``publish``, ``dispatch`` and ``queue``.

``cli.py`` registers the three command objects. Heavy modules load inside the
commands; every time decision takes ``--now`` so runs can be replayed in tests.
"""

from __future__ import annotations

import functools
import signal
import sys
from collections.abc import Callable, Sequence
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from .cli_common import fail, parse_now, print_problems, settings_or_fail

if TYPE_CHECKING:
    from .queue import ChannelState, Job, Queue

NOW_HELP = "The moment to act at (ISO 8601; without an offset: the site's time zone). Default: now."


def common_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """Add --root, --queue and --now to a command (also accepted before a `queue` subcommand)."""

    @click.option("--root", type=click.Path(file_okay=False, path_type=Path), default=None,
                  help="The press room: the folder holding releases/ (default: .).")
    @click.option("--queue", "queue_file", type=click.Path(dir_okay=False, path_type=Path),
                  default=None, help="The queue file (default: $PRESSROOM_QUEUE or var/queue.sqlite3).")
    @click.option("--now", "now_text", default=None, metavar="ISO", help=NOW_HELP)
    @functools.wraps(func)
    def wrapper(root: Path | None, queue_file: Path | None, now_text: str | None,
                **kwargs: Any) -> Any:
        parent = click.get_current_context().find_object(dict) or {}
        return func(
            root=root or parent.get("root") or Path("."),
            queue_file=queue_file or parent.get("queue_file"),
            now_text=now_text or parent.get("now_text"),
            **kwargs,
        )

    return wrapper


def _open(root: Path, given: Path | None) -> Queue:
    from .errors import PressroomError
    from .queue import open_queue, queue_path

    try:
        return open_queue(queue_path(root, given))
    except PressroomError as exc:
        fail(str(exc))


@click.command("publish")
@common_options
def publish_command(root: Path, queue_file: Path | None, now_text: str | None) -> None:
    """Check, build, then queue every ready release not queued before."""
    from .errors import CheckFailed, PressroomError
    from .publish import publish

    settings = settings_or_fail(root)
    now = parse_now(now_text, settings.site.zone)
    with closing(_open(root, queue_file)) as queue:
        try:
            report = publish(root, queue, now)
        except CheckFailed as exc:
            print_problems(exc.problems, root)
            fail(f"publish failed: {exc}")
        except PressroomError as exc:
            fail(f"publish failed: {exc}")
    for line in report.lines():
        click.echo(line)


CHANNEL_DOWN_EXIT = 3


@click.command("dispatch")
@common_options
@click.option("--once", is_flag=True, help="Deliver what is due, then exit (for cron and CI).")
@click.option("--poll", type=float, default=10.0, show_default=True,
              help="Seconds between looks at the queue when not --once.")
@click.option("--lease", type=int, default=300, show_default=True,
              help="Seconds a claimed job stays with this dispatcher before others may take it.")
def dispatch_command(root: Path, queue_file: Path | None, now_text: str | None, once: bool,
                     poll: float, lease: int) -> None:
    """Deliver due jobs; SIGTERM stops after the job in hand.

    A job that cannot be delivered is retried with growing waits, or is dead
    (`pressroom queue list --state dead` says why); either way the others go on.
    A channel that fails as a whole (server unreachable, login or sender refused,
    TLS failing, a missing secret) is paused with growing waits while the other
    channels deliver; its jobs lose no attempt.

    \b
    Exit status: 0 when the run ended with every channel working (dead jobs
    included: they are reported, not fatal); 3 when a channel is paused with
    jobs waiting (one line per channel says why and until when); 1 on other
    errors (settings, queue).
    """
    from datetime import timedelta

    from .dispatch import Dispatcher, RetryPolicy

    settings = settings_or_fail(root.resolve())
    fixed = parse_now(now_text, settings.site.zone) if now_text else None

    def clock() -> datetime:
        return fixed if fixed is not None else datetime.now(UTC)

    with closing(_open(root, queue_file)) as queue:
        dispatcher = Dispatcher(queue, settings, clock, RetryPolicy(lease=timedelta(seconds=lease)),
                                echo=click.echo)

        def stop(signum: int, frame: object) -> None:
            dispatcher.stop()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        report = dispatcher.run_once() if once else dispatcher.run_forever(poll)
        now = clock()
        down = [state for state in queue.channel_states() if state.paused(now) and state.waiting]
    stopped = " (stopped by signal)" if dispatcher.stopping and once else ""
    click.echo(f"dispatch: {report.sent} sent, {report.retrying} to retry, {report.dead} dead{stopped}")
    for state in down:
        click.echo(f"dispatch: {_channel_line(state)}", err=True)
    if down:
        sys.exit(CHANNEL_DOWN_EXIT)


def _channel_line(state: ChannelState) -> str:
    return (f"channel {state.channel} is paused until {state.paused_until:%Y-%m-%d %H:%M:%S}Z"
            f" ({state.waiting} job(s) waiting, failure {state.failures} in a row):"
            f" {state.last_error}")


@click.group("queue", invoke_without_command=True)
@click.option("--root", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="The press room (default: .).")
@click.option("--queue", "queue_file", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="The queue file (default: $PRESSROOM_QUEUE or var/queue.sqlite3).")
@click.option("--now", "now_text", default=None, metavar="ISO", help=NOW_HELP)
@click.pass_context
def queue_group(ctx: click.Context, root: Path | None, queue_file: Path | None,
                now_text: str | None) -> None:
    """Show and manage the outbox: status (default), list, retry, cancel, resend."""
    ctx.obj = {"root": root, "queue_file": queue_file, "now_text": now_text}
    if ctx.invoked_subcommand is None:
        ctx.invoke(status_command)


@queue_group.command("status")
@common_options
def status_command(root: Path, queue_file: Path | None, now_text: str | None) -> None:
    """A table of jobs by release and state."""
    from .queue import STATES

    with closing(_open(root, queue_file)) as queue:
        counts = queue.counts()
        channels = queue.channel_states()
    slugs = sorted({slug for slug, _ in counts})
    width = max([len("release"), *(len(s) for s in slugs)])
    click.echo(f"{'release':<{width}}  " + "  ".join(f"{s:>9}" for s in STATES))
    for slug in slugs:
        row = "  ".join(f"{counts.get((slug, s), 0):>9}" for s in STATES)
        click.echo(f"{slug:<{width}}  {row}")
    totals = "  ".join(f"{sum(c for (_, s), c in counts.items() if s == st):>9}" for st in STATES)
    click.echo(f"{'total':<{width}}  {totals}")
    now = parse_now(now_text, settings_or_fail(root).site.zone) if now_text else datetime.now(UTC)
    for state in channels:
        if state.paused(now):
            click.echo(_channel_line(state))


@queue_group.command("list")
@common_options
@click.option("--state", type=click.Choice(["pending", "sending", "sent", "failed", "dead",
                                            "cancelled"]), default=None)
@click.option("--slug", default=None, help="Only the jobs of this release.")
@click.option("--limit", type=int, default=None)
def list_command(root: Path, queue_file: Path | None, now_text: str | None, state: str | None,
                 slug: str | None, limit: int | None) -> None:
    """List jobs: id, state, release, list, channel, recipient, attempts, due, last error."""
    with closing(_open(root, queue_file)) as queue:
        jobs = queue.jobs(slug, state, limit)
    for job in jobs:
        click.echo(_job_line(job))


def _job_line(job: Job) -> str:
    target = job.email or "-"
    due = job.not_before.strftime("%Y-%m-%d %H:%M")
    error = f"  {job.last_error}" if job.last_error else ""
    return (f"{job.id:>6}  {job.state:<9}  {job.slug}  r{job.revision}  {job.list_name}"
            f"  {job.channel}  {target}  attempts={job.attempts}  due={due}Z{error}")


@queue_group.command("retry")
@common_options
@click.argument("job_id", metavar="ID", type=int)
def retry_command(root: Path, queue_file: Path | None, now_text: str | None, job_id: int) -> None:
    """Make a failed, dead or cancelled job due again."""
    from .errors import PressroomError

    now = parse_now(now_text, settings_or_fail(root).site.zone)
    with closing(_open(root, queue_file)) as queue:
        try:
            job = queue.retry(job_id, now)
        except PressroomError as exc:
            fail(str(exc))
    click.echo(f"retry: {_job_line(job)}")


@queue_group.command("cancel")
@common_options
@click.argument("slug")
def cancel_command(root: Path, queue_file: Path | None, now_text: str | None, slug: str) -> None:
    """Recall a release before it goes out; say what had already been sent."""
    now = parse_now(now_text, settings_or_fail(root).site.zone)
    with closing(_open(root, queue_file)) as queue:
        result = queue.cancel(slug, now)
    click.echo(f"cancel {slug}: {result.cancelled} job(s) recalled")
    _echo_jobs("already sent ({}), cannot be recalled:", result.sent)
    _echo_jobs("being sent right now ({}):", result.in_flight)


def _echo_jobs(heading: str, jobs: Sequence[Job]) -> None:
    if jobs:
        click.echo(heading.format(len(jobs)))
        for job in jobs:
            click.echo(f"  {job.email or job.channel} ({job.list_name}, {job.channel})")


@queue_group.command("resend")
@common_options
@click.argument("slug")
def resend_command(root: Path, queue_file: Path | None, now_text: str | None, slug: str) -> None:
    """Queue the current text of a release again (a correction) to all its recipients."""
    from .build import build_pressroom
    from .errors import CheckFailed, PressroomError
    from .publish import resend

    now = parse_now(now_text, settings_or_fail(root).site.zone)
    with closing(_open(root, queue_file)) as queue:
        try:
            result = build_pressroom(root, now=now, only=slug)
            revision, added, recalled = resend(result.pressroom, result.outputs, queue, slug, now)
        except CheckFailed as exc:
            print_problems(exc.problems, root)
            fail(f"resend failed: {exc}")
        except PressroomError as exc:
            fail(f"resend failed: {exc}")
    click.echo(f"resend {slug}: revision {revision} queued ({added} job(s))"
               + (f"; {recalled} unsent job(s) of the old revision recalled" if recalled else ""))
