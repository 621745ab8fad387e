"""Queue faults end as one clear line and a non-zero exit, and nothing is marked sent that was not
delivered: a locked queue, a read-only one, a full disk, a damaged file, a file deleted underneath
a running dispatcher.

The dispatcher runs as the real CLI in a subprocess against aiosmtpd on loopback; the server's
handler breaks the queue at a chosen message, so the fault lands mid-run. What the server received
is compared with what the ledger says was sent.

SQLite only: each fault here is one of the ledger *file* (its lock, its folder, its disk, its
bytes). The PostgreSQL ledger's faults (server down, wrong port, password or database, a
connection lost mid-dispatch, a blocked write) are in test_ledger_postgres.py.
"""

from __future__ import annotations

import errno
import os
import shutil
import sqlite3
import subprocess
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from distribution_support import (
    NOW,
    PAST,
    SmtpRecorder,
    SmtpServer,
    free_port,
    publish_fake,
    running_smtp,
    smtp_distribution,
)

from pressroom.dispatch import Dispatcher
from pressroom.errors import QueueError
from pressroom.queue import SqliteQueue

SLUG = "2026-01-05-meldung"
AT = "2026-01-05T10:00"  # PAST in the site's time zone (Europe/Berlin)
AFTER_LEASE = "2026-01-05T10:06"  # the default lease of 5 minutes has run out
LEASE = timedelta(minutes=5)


def addresses(count: int) -> list[str]:
    return [f"redaktion{i:03d}@zeitung.example" for i in range(count)]


@dataclass
class Saboteur(SmtpRecorder):
    """Records like SmtpRecorder; after accepting message number *after*, runs *act* (breaks the queue)."""

    after: int = 0
    act: Callable[[], None] | None = None

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        answer = await super().handle_DATA(server, session, envelope)
        if self.act is not None and self.count == self.after:
            self.act()  # before the 250 goes out: the client sees a delivery, then a broken queue
        return answer


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    """aiosmtpd on 127.0.0.1 with a Saboteur handler (it does nothing until told to)."""
    with running_smtp(Saboteur()) as server:
        yield server


def prepare(room, queue: Path, port: int, recipients: list[str]):  # type: ignore[no-untyped-def]
    """Write settings with an smtp channel and one ready release, and queue it at *queue*."""
    room.add_settings(smtp_distribution(port, recipients))
    room.ready(SLUG, title="Zahlen")
    pressroom = room.load(PAST)
    with SqliteQueue(queue) as ledger:
        publish_fake(pressroom, ledger, room.root, PAST)
    return pressroom.settings


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    """Run `pressroom ARGS` as a process, the way cron or CI runs it."""
    return subprocess.run([sys.executable, "-m", "pressroom", *args], capture_output=True, text=True,
                          timeout=60)


def dispatch(root: Path, queue: Path, at: str = AT, *extra: str) -> subprocess.CompletedProcess[str]:
    return cli("dispatch", "--root", str(root), "--queue", str(queue), "--once", "--now", at, *extra)


def assert_one_line_failure(done: subprocess.CompletedProcess[str], *fragments: str) -> str:
    """The command failed with exit 1, one line on stderr holding *fragments*, and no traceback."""
    assert "Traceback" not in done.stdout + done.stderr, done.stderr
    assert done.returncode == 1, (done.stdout, done.stderr)
    (line,) = done.stderr.strip().splitlines()
    for fragment in fragments:
        assert fragment in line, line
    return line


def ledger(queue: Path) -> dict[str, list[str]]:
    """Return the recipients of the jobs in each state."""
    found: dict[str, list[str]] = {}
    with SqliteQueue(queue, create=False) as opened:
        for job in opened.jobs():
            found.setdefault(job.state, []).append(job.email)
    return found


def received(handler: SmtpRecorder) -> Counter[str]:
    return Counter(a for r in handler.received for a in r.rcpt_tos)


# --- small disks, mounted for the test --------------------------------------------------

@contextmanager
def tmpfs(folder: Path, size: str) -> Iterator[Path]:
    """Mount a tmpfs of *size* on *folder* (root only; the test is skipped, saying why, otherwise)."""
    if os.geteuid() != 0:
        pytest.skip("needs root to mount a small tmpfs (a real full or read-only disk); "
                    "run the suite as root to include this test")
    if shutil.which("mount") is None:
        pytest.skip("needs the mount command to make a small tmpfs")
    folder.mkdir(parents=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({done.stderr.strip()})")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def fill(folder: Path) -> Path:
    """Write a file into *folder* until its disk has no byte left; return it (delete it to free)."""
    filler = folder / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        for chunk in (1 << 16, 1 << 12, 1):
            try:
                while True:
                    os.write(fd, bytes(chunk))
            except OSError as exc:
                assert exc.errno == errno.ENOSPC
    finally:
        os.close(fd)
    return filler


# --- locked -------------------------------------------------------------------------------

@contextmanager
def write_lock(queue: Path) -> Iterator[None]:
    """Hold the queue's write lock from another connection, as a running publish would."""
    holder = sqlite3.connect(queue, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def test_a_locked_queue_waits_the_given_time_then_raises_one_clear_error(room, tmp_path: Path) -> None:
    queue = tmp_path / "queue.sqlite3"
    prepare(room, queue, free_port(), addresses(2))
    with SqliteQueue(queue, wait=0.2) as opened, write_lock(queue):
        with pytest.raises(QueueError, match=r"is locked by another process .* gave up after 0\.2 s"):
            opened.claim(NOW, LEASE, "me")
        assert len(opened.jobs()) == 2  # reading goes on beside a writer (WAL)
    assert ledger(queue) == {"pending": addresses(2)}


def test_dispatch_on_a_locked_queue_says_so_in_one_line_and_sends_nothing(
    room, tmp_path: Path, smtp: SmtpServer
) -> None:
    queue = tmp_path / "queue.sqlite3"
    prepare(room, queue, smtp.port, addresses(3))
    with write_lock(queue):
        done = dispatch(room.root, queue, AT, "--wait", "0.3")
        status = cli("queue", "--root", str(room.root), "--queue", str(queue), "status")
    assert_one_line_failure(done, f"the queue {queue} is locked by another process",
                            "gave up after 0.3 s")
    assert status.returncode == 0 and status.stdout.splitlines()[-1].split()[1] == "3"
    assert smtp.handler.count == 0
    with SqliteQueue(queue) as opened:
        assert {(j.state, j.attempts) for j in opened.jobs()} == {("pending", 0)}
    assert dispatch(room.root, queue).returncode == 0  # the lock gone, everything goes out
    assert received(smtp.handler) == Counter(addresses(3))


# --- read-only ----------------------------------------------------------------------------

@pytest.fixture
def read_only_folder(tmp_path: Path) -> Iterator[tuple[Path, Callable[[], None]]]:
    """A folder and a function that makes it and its files read-only (for root too: a tmpfs)."""
    if os.geteuid() == 0:  # root writes through permission bits: remount the disk read-only
        with tmpfs(tmp_path / "ro", "8m") as folder:
            yield folder, lambda: subprocess.run(["mount", "-o", "remount,ro", str(folder)],
                                                 check=True)
        return
    folder = tmp_path / "ro"
    folder.mkdir()

    def protect() -> None:
        for path in folder.iterdir():
            path.chmod(0o444)
        folder.chmod(0o555)

    yield folder, protect
    folder.chmod(0o755)


def test_dispatch_on_a_read_only_queue_says_so_in_one_line_and_sends_nothing(
    room, read_only_folder: tuple[Path, Callable[[], None]], smtp: SmtpServer
) -> None:
    folder, protect = read_only_folder
    queue = folder / "queue.sqlite3"
    prepare(room, queue, smtp.port, addresses(2))
    protect()
    with pytest.raises(QueueError, match="is read-only"):
        SqliteQueue(queue, create=False).claim(NOW, LEASE, "me")
    assert_one_line_failure(dispatch(room.root, queue), f"the queue {queue} is read-only")
    assert smtp.handler.count == 0


# --- full disk ----------------------------------------------------------------------------

def test_a_full_disk_mid_run_stops_dispatch_in_one_line_and_repeats_only_the_message_in_hand(
    room, tmp_path: Path, smtp: SmtpServer
) -> None:
    recipients = addresses(12)
    with tmpfs(tmp_path / "disk", "1m") as disk:
        queue = disk / "queue.sqlite3"
        prepare(room, queue, smtp.port, recipients)
        fillers: list[Path] = []
        smtp.handler.after, smtp.handler.act = 4, lambda: fillers.append(fill(disk))
        line = assert_one_line_failure(dispatch(room.root, queue), "is full",
                                       "was delivered but could not be marked sent")
        fillers[0].unlink()
        got = received(smtp.handler)
        assert sum(got.values()) == 4  # it stopped at once
        states = ledger(queue)
        # Nothing is marked sent that was not delivered; the one in hand is still leased.
        assert set(states["sent"]) < set(got) and len(states["sent"]) == 3
        (in_hand,) = states["sending"]
        assert in_hand in got and in_hand in line
        assert dispatch(room.root, queue, AFTER_LEASE).returncode == 0
        assert ledger(queue) == {"sent": recipients}
    final = received(smtp.handler)
    assert set(final) == set(recipients)
    assert [a for a, n in final.items() if n > 1] == [in_hand]  # repeated once, nobody else
    assert len({r.message["Message-ID"] for r in smtp.handler.to(in_hand)}) == 1


# --- damaged ------------------------------------------------------------------------------

def damage_header(path: Path) -> None:
    with path.open("r+b") as f:
        f.write(os.urandom(100))


def damage_pages(path: Path) -> None:
    """Overwrite every page but the first (the schema) with garbage."""
    size = path.stat().st_size
    with path.open("r+b") as f:
        f.seek(4096)
        f.write(os.urandom(size - 4096))


def truncate(path: Path) -> None:
    with path.open("r+b") as f:
        f.truncate(path.stat().st_size // 3)


@pytest.mark.parametrize("damage", [damage_header, damage_pages, truncate])
def test_a_damaged_queue_is_one_clear_error(room, tmp_path: Path,
                                            damage: Callable[[Path], None]) -> None:
    queue = tmp_path / "queue.sqlite3"
    prepare(room, queue, free_port(), addresses(40))
    damage(queue)
    with pytest.raises(QueueError, match=f"the queue {queue} is damaged"), \
            SqliteQueue(queue, create=False) as opened:
        opened.claim(NOW, LEASE, "me")


def test_dispatch_and_queue_status_on_a_damaged_queue_fail_in_one_line_and_send_nothing(
    room, tmp_path: Path, smtp: SmtpServer
) -> None:
    queue = tmp_path / "queue.sqlite3"
    prepare(room, queue, smtp.port, addresses(40))
    damage_pages(queue)
    assert_one_line_failure(dispatch(room.root, queue), f"the queue {queue} is damaged")
    assert_one_line_failure(cli("queue", "--root", str(room.root), "--queue", str(queue)),
                            "is damaged")
    assert smtp.handler.count == 0


def test_a_damaged_edition_stops_the_dispatcher_and_kills_no_job(room, tmp_path: Path,
                                                                   smtp: SmtpServer) -> None:
    queue = tmp_path / "queue.sqlite3"
    recipients = addresses(5)
    settings = prepare(room, queue, smtp.port, recipients)
    with sqlite3.connect(queue) as db:
        ((page,),) = db.execute("SELECT rootpage FROM sqlite_master WHERE name = 'files'")
    with queue.open("r+b") as f:  # only the stored files are hit: the jobs read fine
        f.seek((page - 1) * 4096)
        f.write(os.urandom(4096))
    with SqliteQueue(queue, create=False) as opened:
        with pytest.raises(QueueError, match="is damaged"):
            Dispatcher(opened, settings, lambda: NOW).run_once()
        jobs = opened.jobs()
    # The queue's fault is not the recipients': nobody is marked dead, the claimed job comes back.
    assert Counter(j.state for j in jobs) == Counter(pending=4, sending=1)
    assert smtp.handler.count == 0


# --- deleted or replaced underneath -------------------------------------------------------

def test_a_queue_deleted_while_dispatch_runs_stops_it_and_is_not_recreated(
    room, tmp_path: Path, smtp: SmtpServer
) -> None:
    queue = tmp_path / "var" / "queue.sqlite3"
    recipients = addresses(30)
    prepare(room, queue, smtp.port, recipients)
    smtp.handler.after, smtp.handler.act = 2, queue.unlink
    line = assert_one_line_failure(dispatch(room.root, queue),
                                   f"the queue file {queue} was deleted or replaced",
                                   "stopped so that nothing is sent twice")
    got = received(smtp.handler)
    assert sum(got.values()) == 2 and all(n == 1 for n in got.values())
    assert any(address in line for address in got)  # it names the message it could not record
    assert not queue.exists()
    again = dispatch(room.root, queue)
    assert_one_line_failure(again, f"no queue at {queue}", "pressroom publish")
    status = cli("queue", "--root", str(room.root), "--queue", str(queue), "status")
    assert_one_line_failure(status, f"no queue at {queue}")
    assert not queue.exists() and smtp.handler.count == 2
    # SQLite left the deleted queue's log behind: a new queue there would replay it.
    with pytest.raises(QueueError, match="is gone but its log .* is still there"):
        SqliteQueue(queue, create=True)


def test_a_queue_replaced_while_a_dispatcher_runs_stops_it(room, tmp_path: Path,
                                                            smtp: SmtpServer) -> None:
    queue = tmp_path / "queue.sqlite3"
    settings = prepare(room, queue, smtp.port, addresses(10))
    other = tmp_path / "other.sqlite3"
    SqliteQueue(other).close()
    smtp.handler.after, smtp.handler.act = 3, lambda: os.replace(other, queue)
    with SqliteQueue(queue) as opened:
        dispatcher = Dispatcher(opened, settings, lambda: NOW)
        with pytest.raises(QueueError, match="was deleted or replaced"):
            dispatcher.run_once()
    assert smtp.handler.count == 3  # nothing more went out after the swap
