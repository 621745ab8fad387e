"""The distribution commands: ``publish``, ``dispatch`` and ``queue``.

``cli.py`` registers the three command objects. Heavy modules load inside the
commands; every time decision takes ``--now`` so runs can be replayed in tests.
"""

from __future__ import annotations

import functools
import os
import signal
import sys
from collections.abc import Callable, Sequence
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import click

from .cli_common import (
    ROOT_KEY,
    PressroomCommand,
    PressroomGroup,
    fail,
    find_root,
    parse_now,
    pressroom_or_fail,
    print_check_notes,
    root_option,
    settings_or_fail,
    site_zone,
)
from .model import local_time

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

    from .model import Settings
    from .queue import ChannelState, Job, Location, Queue, State

NOW_HELP = "The moment to act at (ISO 8601; without an offset: the site's time zone). Default: now."
QUEUE_HELP = ("The queue: a file (SQLite), postgresql://user@host:port/db, or a URL of another queue"
              " backend (default: $PRESSROOM_QUEUE or var/queue.sqlite3).")
WAIT_HELP = ("Seconds to wait for another process that holds the queue, and for a PostgreSQL"
             " server to answer a connection (default: 10).")
WAIT_KEY = "pressroom.queue_wait"  # where the wrapper leaves --wait for _open


def common_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """Add --root, --queue, --now and --wait to a command (also accepted before a `queue` subcommand).

    A pressroom error (a storage fault of the queue, a failed check) rises to the
    command group, which ends the command with one line and exit status 1.
    """

    @root_option(default=None)
    @click.option("--queue", "queue_file", metavar="PATH|URL", default=None, help=QUEUE_HELP)
    @click.option("--now", "now_text", default=None, metavar="ISO", help=NOW_HELP)
    @click.option("--wait", type=click.FloatRange(min=0), default=None, metavar="SECONDS",
                  help=WAIT_HELP)
    @functools.wraps(func)
    def wrapper(root: Path | None, queue_file: str | None, now_text: str | None,
                wait: float | None, **kwargs: Any) -> Any:
        context = click.get_current_context()
        parent = context.find_object(dict) or {}
        context.meta[WAIT_KEY] = wait if wait is not None else parent.get("wait")
        root = root or parent.get("root") or find_root(Path(".")) or Path(".")
        context.meta[ROOT_KEY] = root  # problems are printed relative to it
        return func(
            root=root,
            queue_file=queue_file or parent.get("queue_file"),
            now_text=now_text or parent.get("now_text"),
            **kwargs,
        )

    return wrapper


def _open(root: Path, given: str | None, create: bool = False) -> Queue:
    """Open the queue of the press room at *root*; only ``publish`` may *create* it.

    Outside a press room this exits with one line and creates nothing; a missing
    ledger is an error, never silently a new empty one.
    """
    from .queue import DEFAULT_WAIT, open_queue, queue_location

    pressroom_or_fail(root)
    wait = click.get_current_context().meta.get(WAIT_KEY)
    return open_queue(queue_location(root, given), create=create,
                      wait=DEFAULT_WAIT if wait is None else wait)


@click.command("publish", cls=PressroomCommand)
@common_options
@click.option("--dry-run", is_flag=True,
              help="Check, then print what would be queued, to whom, through which channel and "
                   "when; build nothing, queue nothing.")
def publish_command(root: Path, queue_file: str | None, now_text: str | None,
                    dry_run: bool) -> None:
    """Check, build, then queue every ready release not queued before.

    Releases older than distribution.max_age are not queued for smtp or webhook
    channels. In CI (CI set) with such channels, a ledger inside the press room is
    refused: CI throws it away, and the next run would send everything again.
    """
    from .publish import publish
    from .queue import queue_location

    settings = settings_or_fail(root)
    now = parse_now(now_text, settings.site.zone, settings.site.language)
    # Before the dry run too: it must not promise deliveries the real run refuses.
    _refuse_a_ledger_ci_forgets(root, queue_file, settings, "publish")
    if dry_run:
        _publish_dry_run(root, queue_location(root, queue_file), now, settings)
        return
    with closing(_open(root, queue_file, create=True)) as queue:
        report = publish(root, queue, now, settings)
    print_check_notes(report.problems, report.held, root)
    for line in report.lines():
        click.echo(line)


def _refuse_a_ledger_ci_forgets(root: Path, queue_file: str | None, settings: Settings,
                                command: str) -> None:
    """Stop *command* (it queues deliveries) when CI would throw its ledger away."""
    from .queue import queue_location
    from .safeguards import ledger_refusal

    refusal = ledger_refusal(root, queue_location(root, queue_file), settings, os.environ, command)
    if refusal is not None:
        fail(refusal)


CHANNEL_DOWN_EXIT = 3


def _publish_dry_run(root: Path, ledger: Location, now: datetime, settings: Settings) -> None:
    from .dryrun import publish_plan

    lines = publish_plan(root, ledger, now, settings)
    for line in lines:
        click.echo(line)


@click.command("dispatch", cls=PressroomCommand)
@common_options
@click.option("--once", is_flag=True, help="Deliver what is due, then exit (for cron and CI).")
@click.option("--poll", type=float, default=10.0, show_default=True,
              help="Seconds between looks at the queue when not --once.")
@click.option("--lease", type=int, default=300, show_default=True,
              help="Seconds a claimed job stays with this dispatcher before others may take it.")
@click.option("--dry-run", is_flag=True,
              help="Print the jobs due at --now (or now), channel by channel; send nothing.")
def dispatch_command(root: Path, queue_file: str | None, now_text: str | None, once: bool,
                     poll: float, lease: int, dry_run: bool) -> None:
    """Deliver due jobs; SIGTERM stops after the job in hand.

    A job that cannot be delivered is retried with growing waits, or is dead
    (`pressroom queue list --state dead` says why); either way the others go on.
    A channel that fails as a whole (server unreachable, login or sender refused,
    TLS failing, a missing secret) is paused with growing waits while the other
    channels deliver; its jobs lose no attempt.

    A --now more than a minute ahead of the real clock is a simulation: only
    channels that stay on this machine (maildir) deliver; smtp and webhook jobs
    stay in the queue.

    \b
    Exit status: 0 when the run ended with every channel working (dead jobs
    included: they are reported, not fatal); 3 when a channel is paused with
    jobs waiting (one line per channel says why and until when); 1 on other
    errors (settings, queue).
    """
    from datetime import timedelta

    from .dispatch import Dispatcher, RetryPolicy
    from .gate import Gate
    from .safeguards import usable_channels

    settings = settings_or_fail(root.resolve())
    fixed = parse_now(now_text, settings.site.zone, settings.site.language) if now_text else None

    def clock() -> datetime:
        return fixed if fixed is not None else datetime.now(UTC)

    channels, notes = usable_channels(settings, clock(), datetime.now(UTC))
    if dry_run:
        _dispatch_dry_run(root, queue_file, settings, clock(), channels)
        return
    for note in notes:
        click.echo(note)
    with closing(_open(root, queue_file)) as queue:
        dispatcher = Dispatcher(queue, settings, clock, RetryPolicy(lease=timedelta(seconds=lease)),
                                echo=click.echo, gate=Gate(root.resolve()), channels=channels)

        def stop(signum: int, frame: object) -> None:
            dispatcher.stop()

        previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
        try:
            report = dispatcher.run_once() if once else dispatcher.run_forever(poll)
        finally:
            # Left behind, the handlers would outlive this dispatcher in a process that goes
            # on (the tests run commands in one process): SIGTERM would no longer stop it, nor
            # the build's forked workers, whose pool then waits for them for ever.
            for sig, handler in previous.items():
                signal.signal(sig, handler if handler is not None else signal.SIG_DFL)
        now = clock()
        down = [state for state in queue.channel_states() if state.paused(now) and state.waiting]
    stopped = " (stopped by signal)" if dispatcher.stopping and once else ""
    gated = "".join(f", {n} {what}" for n, what in ((report.held, "held"),
                                                     (report.cancelled, "cancelled")) if n)
    click.echo(f"dispatch: {report.sent} sent, {report.retrying} to retry, {report.dead} dead"
               f"{gated}{stopped}")

    for state in down:
        click.echo(f"dispatch: {_channel_line(state, settings.site.zone)}", err=True)
    if down:
        sys.exit(CHANNEL_DOWN_EXIT)


def _channel_line(state: ChannelState, zone: ZoneInfo) -> str:
    return (f"channel {state.channel} is paused until {local_time(state.paused_until, zone)}"
            f" ({state.waiting} job(s) waiting, failure {state.failures} in a row):"
            f" {state.last_error}")


def _dispatch_dry_run(root: Path, queue_file: str | None, settings: Settings, now: datetime,
                      channels: frozenset[str] | None) -> None:
    from .dryrun import dispatch_plan
    from .gate import Gate
    from .queue import queue_location

    lines = dispatch_plan(queue_location(root, queue_file), settings, now, channels,
                          Gate(root.resolve()))
    for line in lines:
        click.echo(line)


@click.group("queue", cls=PressroomGroup, invoke_without_command=True)
@root_option(default=None)
@click.option("--queue", "queue_file", metavar="PATH|URL", default=None, help=QUEUE_HELP)
@click.option("--now", "now_text", default=None, metavar="ISO", help=NOW_HELP)
@click.option("--wait", type=click.FloatRange(min=0), default=None, metavar="SECONDS",
              help=WAIT_HELP)
@click.pass_context
def queue_group(ctx: click.Context, root: Path | None, queue_file: str | None,
                now_text: str | None, wait: float | None) -> None:
    """Show and manage the outbox: status (default), list, retry, cancel, resend, send, baseline,
    migrate, and the suppression list: suppress, unsuppress, suppressed."""
    ctx.obj = {"root": root, "queue_file": queue_file, "now_text": now_text, "wait": wait}
    if ctx.invoked_subcommand is None:
        ctx.invoke(status_command)


@queue_group.command("status")
@common_options
def status_command(root: Path, queue_file: str | None, now_text: str | None) -> None:
    """A table of jobs by release and state, with the next due and last sent time."""
    from .queue import STATES

    zone = site_zone(root)
    with closing(_open(root, queue_file)) as queue:
        counts = queue.counts()
        reasons = _cancel_reasons(queue, sorted({slug for slug, st in counts if st == "cancelled"}))
        times = queue.timeline()
        baselines = queue.baselines()
        channels = queue.channel_states()
    slugs = sorted({slug for slug, _ in counts})
    width = max([len("release"), *(len(s) for s in slugs)])
    click.echo(f"{'release':<{width}}  " + "  ".join(f"{s:>9}" for s in STATES)
               + f"  {'next due':<20}  last sent")
    for slug in slugs:
        row = "  ".join(f"{counts.get((slug, s), 0):>9}" for s in STATES)
        due, sent = times.get(slug, (None, None))
        shown = [local_time(t, zone) if t else "-" for t in (due, sent)]
        click.echo(f"{slug:<{width}}  {row}  {shown[0]:<20}  {shown[1]}")
    totals = "  ".join(f"{sum(c for (_, s), c in counts.items() if s == st):>9}" for st in STATES)
    click.echo(f"{'total':<{width}}  {totals}")
    from .settings import room_language

    now = parse_now(now_text, zone, room_language(root))
    for state in channels:
        if state.paused(now):
            click.echo(_channel_line(state, zone))
    for line in reasons:
        click.echo(line)
    if baselines:
        click.echo(f"baseline: {len(baselines)} release(s) recorded as distributed without sending"
                   " (`pressroom queue baseline`)")


def _cancel_reasons(queue: Queue, slugs: Sequence[str]) -> list[str]:
    """One line per release and reason its jobs were cancelled: why they did not go out."""
    from collections import Counter

    lines = []
    for slug in slugs:
        reasons = Counter(job.last_error or "cancelled" for job in queue.jobs(slug, "cancelled"))
        lines += [f"{slug}: {n} cancelled ({reason})" for reason, n in sorted(reasons.items())]
    return lines


@queue_group.command("list")
@common_options
@click.option("--state", type=click.Choice(["pending", "sending", "sent", "failed", "dead",
                                            "cancelled"]), default=None)
@click.option("--slug", default=None, help="Only the jobs of this release.")
@click.option("--limit", type=int, default=None)
def list_command(root: Path, queue_file: str | None, now_text: str | None, state: str | None,
                 slug: str | None, limit: int | None) -> None:
    """List jobs: id, state, release, list, channel, recipient, attempts, due, last error."""
    zone = site_zone(root)
    with closing(_open(root, queue_file)) as queue:
        jobs = queue.jobs(slug, state, limit)
    for job in jobs:
        click.echo(_job_line(job, zone))


def _job_line(job: Job, zone: ZoneInfo) -> str:
    """One job for people: times in the site's time zone, the reason it failed or was cancelled."""
    target = job.email or "-"
    sent = f"  sent={local_time(job.sent_at, zone)}" if job.sent_at else ""
    error = f"  {job.last_error}" if job.last_error else ""
    return (f"{job.id:>6}  {job.state:<9}  {job.slug}  r{job.revision}  {job.list_name}"
            f"  {job.channel}  {target}  attempts={job.attempts}"
            f"  due={local_time(job.not_before, zone)}{sent}{error}")


RETRY_USAGE = ("usage: pressroom queue retry ID | --state failed|dead|cancelled [--slug SLUG]"
               " [--channel NAME] | --all-dead")


@queue_group.command("retry")
@common_options
@click.argument("job_id", metavar="[ID]", type=int, required=False)
@click.option("--state", type=click.Choice(["failed", "dead", "cancelled"]), default=None,
              help="Retry every job in this state (of the current revision of its release).")
@click.option("--slug", default=None, help="With --state: only the jobs of this release.")
@click.option("--channel", default=None, help="With --state: only the jobs of this channel.")
@click.option("--all-dead", is_flag=True, help="Retry every dead job (the same as --state dead).")
def retry_command(root: Path, queue_file: str | None, now_text: str | None, job_id: int | None,
                  state: str | None, slug: str | None, channel: str | None, all_dead: bool) -> None:
    """Make a failed, dead or cancelled job due again: one by ID, or a selection at once."""
    if all_dead and state not in (None, "dead"):
        fail(f"queue retry: --all-dead means --state dead, not --state {state}")
    state = "dead" if all_dead else state
    if job_id is not None and (state or slug or channel):
        fail("queue retry: give a job ID or a selection (--state, --all-dead), not both")
    if job_id is None and state is None:
        fail(RETRY_USAGE if not (slug or channel) else
             "queue retry: --slug and --channel narrow a selection; add --state STATE or --all-dead")
    zone = site_zone(root)  # site.timezone alone: a broken recipient list must not block a retry
    from .settings import room_language

    now = parse_now(now_text, zone, room_language(root))
    with closing(_open(root, queue_file)) as queue:
        if job_id is not None:
            job = queue.retry(job_id, now)
        else:
            jobs = queue.retry_where(now, cast("State", state), slug, channel)
    if job_id is not None:
        click.echo(f"retry: {_job_line(job, zone)}")
    else:
        _echo_retried(jobs, str(state))


def _echo_retried(jobs: Sequence[Job], state: str, shown: int = 20) -> None:
    """Say how many *state* jobs are due again and name the first *shown* of them."""
    if not jobs:
        click.echo(f"retry: no {state} job matched; nothing changed")
        return
    click.echo(f"retry: {len(jobs)} {state} job(s) due again")
    for job in jobs[:shown]:
        click.echo(f"  {job.id:>6}  {job.slug}  {job.email or '-'}  ({job.list_name}, {job.channel})")
    if len(jobs) > shown:
        click.echo(f"  ... and {len(jobs) - shown} more (pressroom queue list --state pending)")


@queue_group.command("cancel")
@common_options
@click.argument("slug")
def cancel_command(root: Path, queue_file: str | None, now_text: str | None, slug: str) -> None:
    """Recall a release before it goes out; say what had already been sent."""
    from .settings import room_language

    # site.timezone alone: recall works with a broken list
    now = parse_now(now_text, site_zone(root), room_language(root))
    with closing(_open(root, queue_file)) as queue:
        result = queue.cancel(slug, now, "recalled: pressroom queue cancel")
    click.echo(f"cancel {slug}: {result.cancelled} job(s) recalled")
    _echo_jobs("already sent ({}), cannot be recalled:", result.sent)
    _echo_jobs("in flight at the moment of the recall ({}), may have gone out:", result.in_flight)


def _echo_jobs(heading: str, jobs: Sequence[Job]) -> None:
    if jobs:
        click.echo(heading.format(len(jobs)))
        for job in jobs:
            click.echo(f"  {job.email or job.channel} ({job.list_name}, {job.channel})")


@queue_group.command("resend")
@common_options
@click.argument("slug")
def resend_command(root: Path, queue_file: str | None, now_text: str | None, slug: str) -> None:
    """Send the current text as a correction to those who received the release
    ("Korrektur:"/"Correction:", in reply to their original); who still waited gets the new text."""
    from .publish import resend_release

    settings = settings_or_fail(root)
    now = parse_now(now_text, settings.site.zone, settings.site.language)
    _refuse_a_ledger_ci_forgets(root, queue_file, settings, "resend")
    with closing(_open(root, queue_file)) as queue:
        resent = resend_release(root, queue, slug, now, settings)
    click.echo(resent.line())


@queue_group.command("send")
@common_options
@click.argument("slug")
def send_command(root: Path, queue_file: str | None, now_text: str | None, slug: str) -> None:
    """Queue a release on purpose to all its recipients, however old (see distribution.max_age)."""
    from .publish import queue_send

    settings = settings_or_fail(root)
    now = parse_now(now_text, settings.site.zone, settings.site.language)
    _refuse_a_ledger_ci_forgets(root, queue_file, settings, "send")
    with closing(_open(root, queue_file, create=True)) as queue:
        sent = queue_send(root, queue, slug, now, settings)
    click.echo(sent.line())


@queue_group.command("baseline")
@common_options
def baseline_command(root: Path, queue_file: str | None, now_text: str | None) -> None:
    """Record every public ready release as already distributed, sending nothing.

    For importing an archive: `publish` then queues only releases that come later.
    """
    from .publish import queue_baseline

    settings = settings_or_fail(root)
    now = parse_now(now_text, settings.site.zone, settings.site.language)
    with closing(_open(root, queue_file, create=True)) as queue:
        report = queue_baseline(root, queue, now, settings)
    for line in report.lines():
        click.echo(line)


@queue_group.command("migrate")
@common_options
def migrate_command(root: Path, queue_file: str | None, now_text: str | None) -> None:
    """Bring the ledger's schema up to this pressroom's version, and say from which.

    Every command does this on first use; run it on its own before deploying, or
    against a new PostgreSQL database to create the ledger's tables. Running it
    again changes nothing. A ledger of a newer pressroom is refused.
    """
    from .queue import DEFAULT_WAIT, open_queue, queue_location
    from .queue.postgres import mask

    location = queue_location(root, queue_file)
    wait = click.get_current_context().meta.get(WAIT_KEY)
    # A server database is made a ledger here; a missing SQLite file stays an error.
    with closing(open_queue(location, create=not isinstance(location, Path),
                            wait=DEFAULT_WAIT if wait is None else wait)) as queue:
        before, after = queue.schema_versions()
    shown = mask(str(location))
    note = "" if after > before else " (up to date)"
    click.echo(f"queue migrate: {shown}: schema version {before} -> {after}{note}")
