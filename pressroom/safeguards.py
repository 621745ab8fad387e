"""What keeps a run from sending what the press office did not mean to send.

Two facts outside the press room decide whether a run may reach journalists and
websites: where the ledger lives (CI throws its checkout away after the run, and a
ledger in it forgets what was sent) and whether the clock is real (a ``--now`` in
the future is a rehearsal). Maildir channels only write files on this machine, so
they stay usable either way: a fresh clone still fills ``build/outbox``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from pathlib import Path

from .model import Channel, Settings
from .queue import Location

# A --now this far ahead of the real clock is a simulation; less is clock skew.
SIMULATION_TOLERANCE = timedelta(seconds=60)


def reaches_outside(channel: Channel) -> bool:
    """True for channels whose deliveries leave the machine (mail servers, websites)."""
    return channel.transport.reaches_outside


def in_ci(environ: Mapping[str, str]) -> bool:
    """True when *environ* says this is a CI run (CI set, and not to "false" or "0")."""
    return environ.get("CI", "").strip().lower() not in ("", "false", "0")


def ledger_refusal(root: Path, location: Location, settings: Settings,
                   environ: Mapping[str, str], command: str = "publish") -> str | None:
    """Return why *command* (one that queues deliveries: publish, queue send/resend)
    must not trust the ledger at *location*, or None if it may (a URL names a server,
    which outlives the run).

    A SQLite ledger inside the checkout does not survive a CI run: the next push
    would find it empty and queue every release again. That only matters when a
    channel reaches outside; a Maildir-only room (the sample) may publish anyway.
    """
    if not in_ci(environ):
        return None
    if not any(reaches_outside(c) for c in settings.distribution.channels.values()):
        return None
    if not isinstance(location, Path):
        return None
    base = root.resolve()
    ledger = location.resolve()
    if not ledger.is_relative_to(base):
        return None
    return (f"{command} refused: the ledger {ledger.relative_to(base)} lives in this checkout, "
            "which CI throws away after the run; every release would be sent again on the "
            "next push. Point PRESSROOM_QUEUE (or --queue) at a durable place (a PostgreSQL "
            "database, postgresql://user@host:port/db, or a path outside the checkout)")


def is_simulation(now: datetime, real_now: datetime) -> bool:
    """True when *now* (a --now) lies ahead of the real clock by more than the tolerance."""
    return now > real_now + SIMULATION_TOLERANCE


def usable_channels(settings: Settings, now: datetime,
                    real_now: datetime) -> tuple[frozenset[str] | None, list[str]]:
    """Return the channels a dispatch at *now* may use (None: all) and why others are not.

    At a simulated moment only the channels that stay on this machine deliver (Maildir, or
    a plug-in channel with ``reaches_outside = False``): a mail server or a website
    reached before the moment would break the embargo that moment stands for.
    """
    if not is_simulation(now, real_now):
        return None, []
    channels = settings.distribution.channels.values()
    local = sorted(c.name for c in channels if not reaches_outside(c))
    staying = (f"only the channels that stay on this machine deliver: {', '.join(local)}" if local
               else "no channel stays on this machine, so none delivers")
    notes = [f"--now is in the future: simulation; channel {c.name!r} not used "
             f"({c.transport.early_delivery(c.settings, c.name)}); {staying}"
             for c in channels if reaches_outside(c)]
    return frozenset(local), notes
