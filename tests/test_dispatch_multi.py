"""Four `pressroom dispatch` processes on one queue: every message once, the rate shared.

Real processes of the CLI, a real queue (a SQLite file, or a database on the
PostgreSQL server the suite starts) and a loopback aiosmtpd that counts what
each address received.
"""

from __future__ import annotations

import re
from pathlib import Path

from dispatchers_support import (
    SLUG,
    LoadRoom,
    Tally,
    busiest,
    ledger_jobs,
    publish,
    start_dispatcher,
    tally,
    write_room,
)

from pressroom.queue import Location

__all__ = ["tally"]  # fixture used below

DISPATCHERS = 4


def published(root: Path, port: int, count: int, ledger: Location, rate: int | None = None) -> LoadRoom:
    """Write a press room for *count* recipients and queue its release with `pressroom publish`."""
    room = write_room(root, port, count) if rate is None else write_room(root, port, count, rate)
    done = publish(room, ledger)
    assert done.returncode == 0, done.stderr
    assert f"queued {SLUG}: {count} job(s)" in done.stdout
    return room


def run_dispatchers(room: LoadRoom, ledger: Location, count: int = DISPATCHERS) -> list[int]:
    """Run *count* `dispatch --once` processes together to the end; return what each sent."""
    processes = [start_dispatcher(room, ledger, "--once") for _ in range(count)]
    outputs = [p.communicate(timeout=120) for p in processes]
    assert [p.returncode for p in processes] == [0] * count, outputs
    assert not any(err for _, err in outputs), outputs
    found = [re.search(r"dispatch: (\d+) sent, 0 to retry, 0 dead", out) for out, _ in outputs]
    assert all(found), outputs
    return [int(match.group(1)) for match in found if match]


def test_four_dispatchers_deliver_each_of_2000_messages_exactly_once(
    tmp_path: Path, tally: tuple[int, Tally], ledger_location: Location
) -> None:
    port, server = tally
    room = published(tmp_path / "room", port, 2000, ledger_location)
    sent = run_dispatchers(room, ledger_location)
    assert sum(sent) == 2000
    assert sorted(sent)[1] > 0, sent  # they overlapped: at least two shared the queue
    # At the server: every address exactly once (none lost, none twice).
    assert server.recipients == {address: 1 for address in room.addresses}
    assert server.count == 2000
    # In the ledger: every job sent, none left leased or failed.
    jobs = ledger_jobs(ledger_location)
    assert len(jobs) == 2000
    assert {job.state for job in jobs} == {"sent"}


RATE_PER_MINUTE = 3000  # 50 a second: far below what four dispatchers manage unchecked


def test_four_dispatchers_together_keep_to_the_channels_rate_per_minute(
    tmp_path: Path, tally: tuple[int, Tally], ledger_location: Location
) -> None:
    port, server = tally
    count = 300
    room = published(tmp_path / "room", port, count, ledger_location, rate=RATE_PER_MINUTE)
    sent = run_dispatchers(room, ledger_location)
    assert sum(sent) == count and sorted(sent)[1] > 0, sent
    assert server.recipients == {address: 1 for address in room.addresses}
    # The queue hands out one slot per 60/rate seconds to all dispatchers together, so a
    # window of W seconds holds at most W*rate/60 slots, +1 for the edges; each dispatcher
    # may deliver inside it one message whose slot it took just before (the README's bound).
    per_second = RATE_PER_MINUTE / 60
    slack = 1 + DISPATCHERS
    times = sorted(server.times)
    for window in (1.0, 3.0):
        assert busiest(times, window) <= per_second * window + slack, (window, busiest(times, window))
    # Over the whole run: the total rate is at or under the limit (four dispatchers each
    # keeping the rate alone would send four times as fast).
    span = times[-1] - times[0]
    assert count <= per_second * span + slack, (count, span)
