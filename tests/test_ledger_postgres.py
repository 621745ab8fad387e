"""The ledger on PostgreSQL: connection faults are one line without the password, a
connection lost mid-dispatch marks nothing sent that was not delivered, the commands
print the same for the same ledger on both backends, and the writes that many
dispatchers and publish runs make at once (claims, rate slots, queueing) stay correct."""

from __future__ import annotations

import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import psycopg
import pytest
from click.testing import CliRunner
from distribution_support import (
    NOW,
    PAST,
    SmtpRecorder,
    free_port,
    publish_fake,
    running_smtp,
    smtp_distribution,
    smtp_server,
)
from postgres_support import PostgresServer

from pressroom.cli import cli
from pressroom.errors import QueueError
from pressroom.queue import Edition, EditionRecord, File, Mailbox, NewJob, Queue, open_queue
from pressroom.queue.postgres import mask

__all__ = ["smtp_server"]  # fixture used below

T = TypeVar("T")

T0 = datetime(2030, 1, 1, 9, 0, tzinfo=UTC)
LEASE = timedelta(minutes=5)
PASSWORD = "Geheim-9f3k"
RECIPIENTS = [f"redaktion{i:02d}@zeitung.example" for i in range(12)]


def queue_cli(room, location, *args: str, now: str = "2030-01-01T10:00"):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(cli, ["queue", "--root", str(room.root), "--queue", str(location),
                                    "--now", now, *args])


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pressroom", *args], capture_output=True, text=True,
                          timeout=60)


def one_line_failure(done: Any, *fragments: str) -> str:
    """The single stderr line of a failed command, checked for *fragments* and the password."""
    code = done.returncode if isinstance(done, subprocess.CompletedProcess) else done.exit_code
    assert code == 1, (done.stdout, done.stderr)
    stdout, stderr = done.stdout, done.stderr
    assert "Traceback" not in stdout + stderr
    assert PASSWORD not in stdout + stderr
    (line,) = stderr.splitlines()
    for fragment in fragments:
        assert fragment in line, line
    return str(line)


def test_mask_hides_the_password_of_a_url_and_of_a_parameter() -> None:
    assert mask(f"postgresql://anna:{PASSWORD}@db:5432/presse") == "postgresql://anna:***@db:5432/presse"
    assert mask(f"postgres://db/presse?sslmode=require&password={PASSWORD}") == (
        "postgres://db/presse?sslmode=require&password=***")
    assert mask("postgresql://anna@db/presse") == "postgresql://anna@db/presse"


@pytest.mark.parametrize("scheme", ["postgresql", "postgres"])
def test_both_url_schemes_and_the_environment_select_postgresql(
        room, postgres_url: str, scheme: str, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    url = postgres_url.replace("postgresql://", f"{scheme}://")
    assert queue_cli(room, url, "migrate").exit_code == 0
    monkeypatch.setenv("PRESSROOM_QUEUE", url)
    done = CliRunner().invoke(cli, ["queue", "--root", str(room.root), "status"])
    assert done.exit_code == 0, done.output
    assert done.output.splitlines()[-1].split()[0] == "total"


def test_a_wrong_port_is_one_line_naming_the_server(room) -> None:  # type: ignore[no-untyped-def]
    url = f"postgresql://anna:{PASSWORD}@127.0.0.1:{free_port()}/presse"
    done = queue_cli(room, url, "status")
    line = one_line_failure(done, "cannot connect to the queue postgresql://anna:***@127.0.0.1:",
                            "Connection refused")
    assert line.startswith("cannot connect")


def test_a_wrong_password_is_one_line_without_the_password(room, postgres_server: PostgresServer,
                                                           postgres_url: str) -> None:  # type: ignore[no-untyped-def]
    postgres_server.create_role("anna", "richtig")
    try:
        url = postgres_server.url(postgres_url.rsplit("/", 1)[1], "anna", PASSWORD)
        one_line_failure(queue_cli(room, url, "list"), 'password authentication failed for user "anna"',
                         "anna:***@")
    finally:
        postgres_server.execute("DROP ROLE anna")


def test_a_missing_database_is_one_line(room, postgres_server: PostgresServer) -> None:  # type: ignore[no-untyped-def]
    one_line_failure(queue_cli(room, postgres_server.url("gibt_es_nicht"), "status"),
                     'database "gibt_es_nicht" does not exist')


def test_a_database_nothing_was_published_to_is_not_read_as_an_empty_ledger(room, postgres_url: str) -> None:  # type: ignore[no-untyped-def]
    one_line_failure(queue_cli(room, postgres_url, "status"), "nothing was published to this database yet")


def test_a_server_that_is_down_is_one_line_for_status_and_dispatch(
        room, postgres_server: PostgresServer, postgres_url: str) -> None:  # type: ignore[no-untyped-def]
    room.add_settings(smtp_distribution(9, RECIPIENTS[:1]))
    assert queue_cli(room, postgres_url, "migrate").exit_code == 0
    postgres_server.stop()
    try:
        one_line_failure(queue_cli(room, postgres_url, "status"), "Connection refused")
        done = run("dispatch", "--once", "--root", str(room.root), "--queue", postgres_url)
        assert done.returncode == 1
        one_line_failure(done, "cannot connect to the queue")
    finally:
        postgres_server.start()


def test_an_open_queue_whose_server_goes_away_raises_one_queue_error(
        postgres_server: PostgresServer, postgres_url: str) -> None:
    with open_queue(postgres_url) as queue:
        postgres_server.stop()
        try:
            with pytest.raises(QueueError) as raised:
                queue.claim(T0, LEASE, "me")
        finally:
            postgres_server.start()
    assert str(raised.value).startswith(f"cannot use the queue {postgres_url}:")
    assert "\n" not in str(raised.value)


class KillsTheLedgerConnection(SmtpRecorder):
    """Accepts each message, but first ends every session of the dispatcher's database:
    the message is out, and the dispatcher cannot record it."""

    def __init__(self, server: PostgresServer, dbname: str) -> None:
        super().__init__()
        self.server, self.dbname = server, dbname
        self.armed = True

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        reply = await super().handle_DATA(server, session, envelope)
        if self.armed:
            self.armed = False
            self.server.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                                f" WHERE datname = '{self.dbname}' AND pid <> pg_backend_pid()")
        return reply


def test_a_connection_lost_mid_dispatch_marks_nothing_sent_that_was_not_delivered(
        room, tmp_path: Path, postgres_server: PostgresServer, postgres_url: str) -> None:  # type: ignore[no-untyped-def]
    handler = KillsTheLedgerConnection(postgres_server, postgres_url.rsplit("/", 1)[1])
    with running_smtp(handler) as smtp:
        room.add_settings(smtp_distribution(smtp.port, RECIPIENTS))
        room.ready("2026-01-05-eins")
        with open_queue(postgres_url) as queue:
            publish_fake(room.load(PAST), queue, tmp_path, PAST)
        args = ("dispatch", "--once", "--root", str(room.root), "--queue", postgres_url)
        first = run(*args, "--now", "2026-01-05T10:00")  # a past moment: real sends, not a simulation
        one_line_failure(first, "was delivered but could not be marked sent")
        with open_queue(postgres_url) as queue:
            states = Counter(job.state for job in queue.jobs())
            sent = {job.email for job in queue.jobs(state="sent")}
        delivered = Counter(a for r in handler.received for a in r.rcpt_tos)
        assert handler.count == 1 and states["sent"] == 0 and states["sending"] == 1
        assert sent <= set(delivered)
        # After the lease: everything goes out; the one in hand at the loss at most twice.
        second = run(*args, "--now", "2026-01-05T10:30")
        assert second.returncode == 0, second.stderr
    delivered = Counter(a for r in handler.received for a in r.rcpt_tos)
    assert set(delivered) == set(RECIPIENTS)  # 0 lost
    assert sum(delivered.values()) == len(RECIPIENTS) + 1  # 1 duplicate: the message in hand
    with open_queue(postgres_url) as queue:
        assert Counter(job.state for job in queue.jobs()) == {"sent": len(RECIPIENTS)}


def build_ledger(room, location, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The same ledger wherever it lives: two releases, some sent, one failed, one dead,
    one cancelled, a suppression and a paused channel."""
    with open_queue(location) as queue:
        publish_fake(room.load(NOW), queue, tmp_path)
        jobs = queue.jobs()
        queue.mark_sent(jobs[0].id, NOW + timedelta(minutes=1))
        claimed = queue.claim(NOW, LEASE, "test")
        assert claimed is not None
        queue.mark_failed(claimed.id, "test", NOW, "451 later", NOW + timedelta(hours=1))
        claimed = queue.claim(NOW, LEASE, "test")
        assert claimed is not None
        queue.mark_failed(claimed.id, "test", NOW, "550 no such mailbox", None)
        queue.suppress(RECIPIENTS[3], "manual", "Anruf", NOW)
        queue.cancel("2030-01-02-zwei", NOW, "zurückgezogen")
        queue.pause_channel("mail", NOW, "relay down", lambda failures: timedelta(hours=2))


def test_queue_status_and_list_print_the_same_for_the_same_ledger_on_both_backends(
        room, tmp_path: Path, postgres_url: str) -> None:  # type: ignore[no-untyped-def]
    room.add_settings(smtp_distribution(9, RECIPIENTS[:4]))
    room.ready("2030-01-01-eins")
    room.ready("2030-01-02-zwei", title="Zwei")
    sqlite_file = tmp_path / "same.sqlite3"
    build_ledger(room, sqlite_file, tmp_path / "a")
    build_ledger(room, postgres_url, tmp_path / "b")
    for command in (["status"], ["list"], ["list", "--state", "failed"], ["suppressed"]):
        on_sqlite = queue_cli(room, sqlite_file, *command)
        on_postgres = queue_cli(room, postgres_url, *command)
        assert on_sqlite.exit_code == on_postgres.exit_code == 0, (on_sqlite.output, on_postgres.output)
        assert on_postgres.output == on_sqlite.output, command
    status = queue_cli(room, postgres_url, "status").output
    assert "zurückgezogen" in status and "relay down" in status


def together(count: int, work: Callable[[Queue], T], location: Path | str) -> list[T]:
    """Run *work* in *count* threads at once, each on its own connection to the ledger;
    return their results (any exception fails the test)."""
    start = threading.Barrier(count)
    results: list[T] = []
    errors: list[BaseException] = []

    def one() -> None:
        try:
            with open_queue(location) as queue:  # type: ignore[attr-defined]
                start.wait()
                results.append(work(queue))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=one) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == [] and len(results) == count
    return results


RECORD = EditionRecord("A", "1/2030", "de", T0, Mailbox("Presse", "presse@example.org"), "example.org")


def test_concurrent_publish_runs_queue_each_job_once(ledger_location) -> None:  # type: ignore[no-untyped-def]
    edition = Edition("2030-01-01-a", 1, "hash", RECORD, {"text": File("text", "a.txt", "text/plain", b"T")})
    jobs = [NewJob("presse", "mail", f"r{i}@example.org", f"R {i}", T0) for i in range(300)]
    open_queue(ledger_location).close()
    added = together(4, lambda queue: queue.add_edition(edition, jobs, T0), ledger_location)
    assert sorted(added) == [0, 0, 0, 300]
    with open_queue(ledger_location) as queue:
        assert len(queue.jobs()) == 300 and queue.numbers() == {"1/2030": "2030-01-01-a"}


def test_rate_slots_taken_at_once_by_four_dispatchers_are_all_an_interval_apart(ledger_location) -> None:  # type: ignore[no-untyped-def]
    open_queue(ledger_location).close()
    # 60 in all: within the 64 slots a channel may book ahead
    taken = together(4, lambda queue: [queue.take_slot("mail", 0.1, 1000.0) for _ in range(15)], ledger_location)
    slots = [slot for run in taken for slot in run]
    slots.sort()
    assert len(slots) == 60 and slots[0] == 1000.0
    # 600 a minute in total: every slot at least 0.1 s after the one before, whoever took it.
    assert min(b - a for a, b in zip(slots, slots[1:], strict=False)) >= 0.1 - 1e-6


def table_count(url: str) -> int:
    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
                           ).fetchone()
    assert row is not None
    return int(row[0])


def test_publish_dry_run_on_postgresql_writes_nothing_to_the_ledger(room, tmp_path: Path,
                                                                    postgres_url: str) -> None:  # type: ignore[no-untyped-def]
    room.add_settings(smtp_distribution(9, RECIPIENTS[:2]))
    room.ready("2030-01-01-zwei", title="Zwei")
    args = ["publish", "--root", str(room.root), "--queue", postgres_url, "--now", "2030-01-01T10:00",
            "--dry-run"]
    empty = CliRunner().invoke(cli, args)
    assert empty.exit_code == 0, empty.output
    assert "would queue 2030-01-01-zwei -> redaktion00@zeitung.example" in empty.output
    assert table_count(postgres_url) == 0  # the scratch transaction was rolled back: not even tables
    room.ready("2030-01-01-eins", title="Eins")
    with open_queue(postgres_url) as queue:
        publish_fake(room.load(NOW), queue, tmp_path)
        before = [(j.id, j.state, j.updated_at) for j in queue.jobs()]
    room.ready("2030-01-01-drei", title="Drei")
    again = CliRunner().invoke(cli, args)
    assert again.exit_code == 0, again.output
    assert "would queue 2030-01-01-drei" in again.output and "would queue 2030-01-01-eins" not in again.output
    with open_queue(postgres_url) as queue:
        assert [(j.id, j.state, j.updated_at) for j in queue.jobs()] == before


def test_the_cli_imports_psycopg_only_when_a_postgresql_ledger_is_opened() -> None:
    code = ("import sys, pressroom.cli, pressroom.queue; assert 'psycopg' not in sys.modules;"
            " from pressroom.queue import open_queue; import tempfile, pathlib;"
            " open_queue(pathlib.Path(tempfile.mkdtemp()) / 'q.sqlite3').close();"
            " assert 'psycopg' not in sys.modules")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


def test_without_psycopg_a_postgresql_ledger_is_one_line_naming_the_extra(room) -> None:  # type: ignore[no-untyped-def]
    code = ("import sys; sys.modules['psycopg'] = None; from pressroom.cli import main;"
            f" sys.argv = ['pressroom', 'queue', '--root', {str(room.root)!r}, '--queue',"
            f" 'postgresql://anna:{PASSWORD}@127.0.0.1:5/presse', 'status']; main()")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    line = one_line_failure(done, "needs psycopg", "pip install 'pressroom[postgresql]'")
    assert line.startswith("the ledger postgresql://anna:***@127.0.0.1:5/presse is on PostgreSQL")


def two_jobs(url: str) -> None:
    edition = Edition("2030-01-01-a", 1, "hash", RECORD, {})
    with open_queue(url) as queue:
        queue.add_edition(edition, [NewJob("presse", "mail", f"r{i}@example.org", "R", T0) for i in (1, 2)], T0)


def test_a_claim_passes_over_a_job_another_session_holds_instead_of_waiting(postgres_url: str) -> None:
    two_jobs(postgres_url)
    with psycopg.connect(postgres_url) as other:  # a dispatcher in the middle of its claim
        other.execute("SELECT id FROM jobs WHERE email = 'r1@example.org' FOR UPDATE")
        with open_queue(postgres_url, wait=0.2) as queue:
            job = queue.claim(T0, LEASE, "me")
            assert job is not None and job.email == "r2@example.org"
            assert queue.claim(T0, LEASE, "me") is None  # r1 is held: skipped, not waited for
    with open_queue(postgres_url) as queue:
        job = queue.claim(T0, LEASE, "me")  # released with the other session's transaction
        assert job is not None and job.email == "r1@example.org"


def test_a_write_blocked_by_another_session_gives_up_after_wait_in_one_line(postgres_url: str) -> None:
    two_jobs(postgres_url)
    with psycopg.connect(postgres_url) as other:
        other.execute("SELECT id FROM jobs FOR UPDATE")
        with open_queue(postgres_url, wait=0.2) as queue, pytest.raises(QueueError) as raised:
            queue.cancel("2030-01-01-a", T0)
    assert str(raised.value) == (f"the queue {postgres_url} is locked by another session (a dispatcher or"
                                 " publish still running?); gave up after 0.2 s")
    with open_queue(postgres_url) as queue:
        assert {job.state for job in queue.jobs()} == {"pending"}  # the cancel was rolled back whole


def test_rate_slots_taken_at_once_by_eight_sessions_stay_an_interval_apart(ledger_location) -> None:  # type: ignore[no-untyped-def]
    open_queue(ledger_location).close()
    taken = together(8, lambda queue: [queue.take_slot("mail", 0.25, 5000.0) for _ in range(8)], ledger_location)
    slots = sorted(slot for run in taken for slot in run)
    assert len(slots) == 64 and slots[0] == 5000.0
    assert min(b - a for a, b in zip(slots, slots[1:], strict=False)) >= 0.25 - 1e-6


def test_eight_sessions_claiming_at_once_never_get_the_same_job(ledger_location) -> None:  # type: ignore[no-untyped-def]
    edition = Edition("2030-01-01-a", 1, "hash", RECORD, {"text": File("text", "a.txt", "text/plain", b"T")})
    jobs = [NewJob("presse", "mail", f"r{i}@example.org", f"R {i}", T0) for i in range(240)]
    with open_queue(ledger_location) as queue:
        queue.add_edition(edition, jobs, T0)

    def claim_all(queue: Queue) -> list[int]:
        got = []
        while (job := queue.claim(T0, LEASE, f"host:{threading.get_ident()}:")) is not None:
            got.append(job.id)
        return got

    claimed = [job_id for run in together(8, claim_all, ledger_location) for job_id in run]
    assert len(claimed) == 240 and len(set(claimed)) == 240  # each job once, none twice
