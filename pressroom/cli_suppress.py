"""The opt-out commands: ``queue suppress``, ``unsuppress``, ``suppressed`` and ``inbox``.

``cli.py`` registers them (the three under ``queue``). A suppressed address gets
nothing from any list; the ledger keeps who, since when, from which source and why.
"""

from __future__ import annotations

import sys
from contextlib import closing
from pathlib import Path

import click

from .cli_common import PressroomCommand, fail, parse_now, site_zone
from .cli_distribution import _open, common_options
from .model import local_time


@click.command("suppress", cls=PressroomCommand)
@common_options
@click.argument("address")
@click.option("--reason", default="", help="Why, for the record (who asked, when, how).")
def suppress_command(root: Path, queue_file: str | None, now_text: str | None, address: str,
                     reason: str) -> None:
    """Send ADDRESS nothing from any list, from now on (jobs already queued to it too)."""
    from .suppression import normalise

    if "@" not in address:
        fail(f"suppress: {address!r} is not an e-mail address")
    from .settings import room_language

    now = parse_now(now_text, site_zone(root), room_language(root))
    with closing(_open(root, queue_file, create=True)) as queue:
        added = queue.suppress(address, "manual", reason, now)
    verb = "suppressed" if added else "already suppressed"
    click.echo(f"{verb}: {normalise(address)}")


@click.command("unsuppress", cls=PressroomCommand)
@common_options
@click.argument("address")
def unsuppress_command(root: Path, queue_file: str | None, now_text: str | None, address: str) -> None:
    """Take ADDRESS off the suppression list (cancelled jobs stay cancelled: `queue retry` them)."""
    from .suppression import normalise

    with closing(_open(root, queue_file)) as queue:
        removed = queue.unsuppress(address)
    if not removed:
        fail(f"unsuppress: {normalise(address)} is not suppressed")
    click.echo(f"unsuppressed: {normalise(address)}")


@click.command("suppressed", cls=PressroomCommand)
@common_options
@click.option("--csv", "as_csv", is_flag=True,
              help="Write CSV (address, since, source, reason) to stdout, for the record.")
def suppressed_command(root: Path, queue_file: str | None, now_text: str | None, as_csv: bool) -> None:
    """List the suppressed addresses: since when, from which source, why."""
    zone = site_zone(root)
    with closing(_open(root, queue_file)) as queue:
        entries = queue.suppressions()
    if as_csv:
        import csv

        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(["address", "since", "source", "reason"])
        for entry in entries:
            writer.writerow([entry.address, entry.created_at.astimezone(zone).isoformat(),
                             entry.source, entry.reason])
        return
    width = max([len("address"), *(len(e.address) for e in entries)])
    click.echo(f"{'address':<{width}}  {'since':<20}  {'source':<11}  reason")
    for entry in entries:
        click.echo(f"{entry.address:<{width}}  {local_time(entry.created_at, zone):<20}"
                   f"  {entry.source:<11}  {entry.reason}")
    click.echo(f"{len(entries)} suppressed address(es)")


@click.command("inbox", cls=PressroomCommand)
@common_options
@click.argument("maildir", type=click.Path(file_okay=False, path_type=Path))
def inbox_command(root: Path, queue_file: str | None, now_text: str | None, maildir: Path) -> None:
    """Read the replies and bounces in MAILDIR; suppress hard bounces and unsubscribe requests."""
    from .inbox import read_inbox
    from .settings import room_language


    now = parse_now(now_text, site_zone(root), room_language(root))
    with closing(_open(root, queue_file, create=True)) as queue:
        report = read_inbox(maildir, queue, now)
    click.echo(report.line())
