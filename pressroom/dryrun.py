"""Dry runs of ``publish`` and ``dispatch``: the real decisions, on a throwaway ledger.

A dry run takes a throwaway copy of the ledger from its backend (SQLite: a
consistent snapshot through a read-only connection, even while a dispatcher writes)
and runs the same code as the real command against the copy, so the plan it
prints is the one the command would carry out. The ledger itself, and build/,
are never written; without a ledger no file is created.
"""

from __future__ import annotations

import tempfile
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import CheckFailed
from .model import Pressroom, Settings, local_time
from .queue import Job, Location, scratch_queue
from .render.registry import load_renderers, renderers_for

if TYPE_CHECKING:
    from .gate import Gate
    from .publish import Outputs

DRY_RUN_OWNER = "dry-run"


def publish_plan(root: Path, ledger: Location, now: datetime,
                 settings: Settings | None = None) -> list[str]:
    """Return what ``publish`` at *now* would queue, to whom, through which channel, when.

    Checks the press room (raises CheckFailed on errors) and plans from the loaded
    model: nothing is rendered, so build/ stays as it is. *settings* the caller loaded
    already are not loaded again.
    """
    from .load import load_pressroom
    from .publish import queue_releases

    with scratch_queue(ledger) as queue, tempfile.TemporaryDirectory() as stand_ins:
        result = load_pressroom(root, now, frozen=queue.numbers(), settings=settings)
        if result.failed(False) or result.pressroom is None:
            raise CheckFailed(result.problems)
        settings = result.pressroom.settings
        known = {job.id for job in queue.jobs()}
        report = queue_releases(result.pressroom, _stand_ins(Path(stand_ins), result.pressroom), queue, now)
        planned = [job for job in queue.jobs() if job.id not in known]
    zone = settings.site.zone
    lines = [f"publish --dry-run at {local_time(now, zone)}: nothing is built, queued or sent"]
    lines += [f"would queue {job.slug} -> {target(job, settings)} via {job.channel} "
              f"({job.list_name}), due {local_time(job.not_before, zone)}" for job in planned]
    return [*lines, "publish would report:", *(f"  {line}" for line in report.lines())]


def dispatch_plan(ledger: Location, settings: Settings, now: datetime,
                  channels: frozenset[str] | None, gate: Gate | None = None) -> list[str]:
    """Return the jobs due at *now*, channel by channel, as ``dispatch`` would take them.

    Channels outside *channels* (a simulated --now) are listed as not used; with a
    *gate*, a job it would hold or cancel says so instead of "would send". A channel
    paused at *now* (it failed as a whole) is named with its waiting jobs and why.
    """
    due: dict[str, list[Job]] = {}
    refused: dict[int, str] = {}
    with scratch_queue(ledger) as queue:
        while (job := queue.claim(now, timedelta(days=1), DRY_RUN_OWNER)) is not None:
            due.setdefault(job.channel, []).append(job)
            verdict = gate.check(job, queue, now) if gate is not None else None
            if verdict is not None and verdict.action != "go":
                refused[job.id] = f"would {verdict.action} ({verdict.reason})"
        # claim() passes over a paused channel's jobs: name them, or they would look absent.
        paused = [state for state in queue.channel_states() if state.paused(now) and state.waiting]
    zone = settings.site.zone
    lines = [f"dispatch --dry-run at {local_time(now, zone)}: nothing is sent"]
    for channel, jobs in sorted(due.items()):
        unused = channels is not None and channel not in channels
        note = " (not used: --now is in the future)" if unused else ""
        lines.append(f"channel {channel!r}: {len(jobs)} due{note}")
        lines += [f"  {refused.get(job.id, 'would send')} {job.slug} -> {target(job, settings)}"
                  f" ({job.list_name}), due {local_time(job.not_before, zone)}" for job in jobs]
    lines += [f"channel {state.channel!r}: paused until {local_time(state.paused_until, zone)}"
              f" ({state.waiting} job(s) waiting, none would be sent): {state.last_error}"
              for state in paused]
    total = sum(len(jobs) for jobs in due.values())
    lines.append(f"dispatch --dry-run: {total} job(s) due")
    return lines


def target(job: Job, settings: Settings) -> str:
    """Return whom a job reaches: the address, or the URL of a webhook."""
    if job.email:
        return job.email
    channel = settings.distribution.channels.get(job.channel)
    return channel.settings.destination(channel.name) if channel is not None else job.channel




def _stand_ins(folder: Path, pressroom: Pressroom) -> Outputs:
    """Return an ``outputs(slug)`` of empty stand-ins: a plan needs no rendering.

    Like a build, a release gets only the formats it applies to (no ``.ics`` without an event).
    """

    def outputs(slug: str) -> dict[str, Path]:
        renderers = renderers_for(pressroom.release(slug), load_renderers())
        files = {r.name: folder / slug / f"{slug}.{r.suffix}" for r in renderers}
        files["txt"].parent.mkdir(parents=True, exist_ok=True)
        files["txt"].write_bytes(b"")
        return files

    return outputs
