"""Dispatchers killed with SIGKILL mid-run and started again: nothing lost, few repeats.

A dispatcher holds one job at a time (state sending, leased to it). Killed, it may
have handed that message to the server without recording it, so the job is sent
again once its lease runs out: the repeats are bounded by the jobs the killed
processes held, which the test reads from the ledger right after each kill.
"""

from __future__ import annotations

import random
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from dispatchers_support import (
    SLUG,
    Tally,
    in_flight,
    ledger_jobs,
    publish,
    start_dispatcher,
    tally,
    write_room,
)

from pressroom.queue import Location

__all__ = ["tally"]  # fixture used below

RECIPIENTS = 600
DISPATCHERS = 3
KILLS = 6
LEASE = "3"  # seconds: short, so a dead dispatcher's job is taken again soon
DEADLINE = 60.0  # seconds for the whole run; it takes about 10


def wait_for(condition: Callable[[], bool], seconds: float) -> bool:
    """Poll *condition* every 20 ms for up to *seconds*; return whether it came true."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


def test_dispatchers_killed_mid_run_lose_nothing_and_repeat_at_most_their_jobs_in_flight(
    tmp_path: Path, tally: tuple[int, Tally], ledger_location: Location
) -> None:
    port, server = tally
    server.delay = 0.02  # answers after 20 ms: messages are in flight at a kill
    room = write_room(tmp_path / "room", port, RECIPIENTS)
    done = publish(room, ledger_location)
    assert done.returncode == 0 and f"queued {SLUG}: {RECIPIENTS} job(s)" in done.stdout, done

    def dispatcher() -> subprocess.Popen[str]:
        return start_dispatcher(room, ledger_location, "--lease", LEASE, "--poll", "0.2")

    rng = random.Random(12)
    # Kill when the server has seen these many messages: random points, all mid-run.
    marks = sorted(rng.sample(range(40, RECIPIENTS - 150), KILLS))
    running = [dispatcher() for _ in range(DISPATCHERS)]
    held_at_kills: list[int] = []
    killed_jobs: set[int] = set()
    try:
        for mark in marks:
            assert wait_for(lambda: server.count >= mark, DEADLINE), (mark, server.count)  # noqa: B023
            victim = running.pop(rng.randrange(len(running)))
            victim.send_signal(signal.SIGKILL)
            victim.communicate(timeout=10)
            assert victim.returncode == -signal.SIGKILL
            assert server.count < RECIPIENTS  # killed while messages flowed
            held = in_flight(ledger_location, victim.pid)
            held_at_kills.append(len(held))
            killed_jobs.update(job.id for job in held)
            running.append(dispatcher())
        assert wait_for(lambda: len(ledger_jobs(ledger_location, "sent")) == RECIPIENTS, DEADLINE), \
            [(job.id, job.state, job.lease_owner) for job in ledger_jobs(ledger_location) if job.state != "sent"]
    finally:
        for process in running:
            process.send_signal(signal.SIGTERM)
        outputs = [process.communicate(timeout=30) for process in running]
    assert [p.returncode for p in running] == [0] * DISPATCHERS, outputs

    # Nothing lost: every address got the release, every job is recorded as sent.
    assert set(server.recipients) == set(room.addresses)
    assert {job.state for job in ledger_jobs(ledger_location)} == {"sent"}
    # Repeats only where a killed dispatcher held a job: at most one per kill.
    assert server.duplicates() <= sum(held_at_kills), (server.duplicates(), held_at_kills)
    assert server.count == RECIPIENTS + server.duplicates()
    # The kills caught jobs in hand, and those were taken again after their lease ran out.
    assert sum(held_at_kills) >= 1, held_at_kills
    retaken = [job for job in ledger_jobs(ledger_location) if job.id in killed_jobs]
    assert all(job.attempts >= 2 for job in retaken), retaken
