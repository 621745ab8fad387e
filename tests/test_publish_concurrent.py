"""Two `pressroom publish` runs at the same moment, as two CI jobs of two pushes: each job once.

Each run has its own checkout (a copy of the press room, as two CI jobs have) and
both write one ledger. The test holds the ledger's write lock while both check and
build, so both find the release not queued yet and try to queue it together when
the lock goes: the idempotency key, unique in the ledger_location, keeps the second from
queueing anything the first did.
"""

from __future__ import annotations

import re
import shutil
import sqlite3
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import closing, contextmanager
from pathlib import Path

from dispatchers_support import (
    SLUG,
    LoadRoom,
    Tally,
    ledger_jobs,
    start_dispatcher,
    start_publish,
    tally,
    write_room,
)

from pressroom.queue import Location, open_queue

__all__ = ["tally"]  # fixture used below

RECIPIENTS = 300


@contextmanager
def holding_writes(ledger: Location) -> Iterator[None]:
    """Hold back every write to the editions of *ledger* (reads go on) until the block ends."""
    if isinstance(ledger, Path):
        db = sqlite3.connect(ledger, isolation_level=None)
        try:
            db.execute("BEGIN IMMEDIATE")  # SQLite's one write lock
            yield
            db.execute("ROLLBACK")
        finally:
            db.close()
        return
    import psycopg

    with psycopg.connect(ledger) as conn, conn.transaction():
        # EXCLUSIVE lets plain SELECTs through and stops every INSERT until the transaction ends.
        conn.execute("LOCK TABLE editions IN EXCLUSIVE MODE")
        yield


def cpu_ticks(pid: int) -> int:
    """Return the CPU time process *pid* has used so far, in clock ticks (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime, stime


def wait_until_idle(pids: Sequence[int], seconds: float, quiet: float = 0.5) -> bool:
    """Wait until the processes *pids* used no CPU for *quiet* seconds (they wait on a
    lock); return False if that did not happen within *seconds*."""
    end = time.monotonic() + seconds
    last, since = [cpu_ticks(pid) for pid in pids], time.monotonic()
    while time.monotonic() < end:
        time.sleep(0.05)
        now = [cpu_ticks(pid) for pid in pids]
        if now != last:
            last, since = now, time.monotonic()
        elif time.monotonic() - since >= quiet:
            return True
    return False


def test_two_publish_runs_started_together_queue_every_job_exactly_once(
    tmp_path: Path, tally: tuple[int, Tally], ledger_location: Location
) -> None:
    port, server = tally
    first = write_room(tmp_path / "checkout-1", port, RECIPIENTS)
    shutil.copytree(first.root, tmp_path / "checkout-2")
    second = LoadRoom(tmp_path / "checkout-2", RECIPIENTS)
    with closing(open_queue(ledger_location)):
        pass  # the ledger exists (an empty one, as before a first publish)

    with holding_writes(ledger_location):
        runs = [start_publish(room, ledger_location) for room in (first, second)]
        # Both have read the ledger (the release is not in it) and wait to write.
        assert wait_until_idle([run.pid for run in runs], 60)
    outputs = [run.communicate(timeout=120) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], outputs
    # Both queued the release; between them, each job once (the later one added 0).
    reported = [int(m) for out, _ in outputs for m in re.findall(rf"queued {SLUG}: (\d+) job", out)]
    assert sorted(reported) == [0, RECIPIENTS], outputs

    jobs = ledger_jobs(ledger_location)
    assert len(jobs) == RECIPIENTS
    assert set(Counter(job.key for job in jobs).values()) == {1}
    assert sorted(job.email for job in jobs) == sorted(first.addresses)
    assert {job.revision for job in jobs} == {1}

    dispatch = start_dispatcher(first, ledger_location, "--once")
    out, err = dispatch.communicate(timeout=120)
    assert dispatch.returncode == 0, (out, err)
    assert server.recipients == {address: 1 for address in first.addresses}
