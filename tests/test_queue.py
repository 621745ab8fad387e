"""The SQLite outbox: idempotent queueing, leases, backoff states, recall, concurrency."""

from __future__ import annotations

import sqlite3
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from pressroom.errors import UserError
from pressroom.queue import (
    Edition,
    EditionRecord,
    File,
    Mailbox,
    NewJob,
    Queue,
    SqliteQueue,
    job_key,
    open_queue,
    queue_location,
)

T0 = datetime(2030, 1, 1, 9, 0, tzinfo=UTC)
LEASE = timedelta(minutes=5)
RECORD = EditionRecord("A", "1/2030", "de", T0, Mailbox("Presse", "presse@example.org"), "example.org")


def edition(slug: str = "2030-01-01-a", revision: int = 1) -> Edition:
    files = {"text": File("text", f"{slug}.txt", "text/plain", b"Text"),
             "pdf": File("pdf", f"{slug}.pdf", "application/pdf", b"%PDF-1.4 x")}
    return Edition(slug, revision, "hash", RECORD, files)


def new_jobs(count: int, due: datetime = T0) -> list[NewJob]:
    return [NewJob("presse", "mail", f"r{i}@example.org", f"R {i}", due) for i in range(count)]


@pytest.fixture
def queue(ledger_location):  # type: ignore[no-untyped-def]
    q = open_queue(ledger_location)
    yield q
    q.close()


def test_queue_file_uses_wal(tmp_path: Path) -> None:  # SQLite only
    with SqliteQueue(tmp_path / "queue.sqlite3") as queue, sqlite3.connect(queue.path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_queue_location_prefers_option_then_environment(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PRESSROOM_QUEUE", raising=False)
    assert queue_location(tmp_path) == tmp_path / "var" / "queue.sqlite3"
    monkeypatch.setenv("PRESSROOM_QUEUE", str(tmp_path / "env.sqlite3"))
    assert queue_location(tmp_path) == tmp_path / "env.sqlite3"
    assert queue_location(tmp_path, str(tmp_path / "given.sqlite3")) == tmp_path / "given.sqlite3"


def test_adding_the_same_jobs_twice_queues_them_once(queue: Queue) -> None:
    assert queue.add_edition(edition(), new_jobs(3), T0) == 3
    assert queue.add_edition(edition(), new_jobs(3), T0) == 0
    assert len(queue.jobs()) == 3


def test_job_key_is_stable_and_changes_with_revision() -> None:
    assert job_key("s", "mail", "A@Example.org", 1) == job_key("s", "mail", "a@example.org ", 1)
    assert job_key("s", "mail", "a@example.org", 1) != job_key("s", "mail", "a@example.org", 2)


def test_edition_round_trips_with_its_files(queue: Queue) -> None:
    queue.add_edition(edition(), new_jobs(1), T0)
    stored = queue.edition("2030-01-01-a", 1)
    assert stored.files["pdf"].data == b"%PDF-1.4 x"
    assert stored.record == RECORD
    latest = queue.latest_edition("2030-01-01-a")
    assert latest is not None and latest.revision == 1 and latest.files == {}
    assert queue.latest_edition("other") is None


def test_claim_leases_a_job_and_expired_leases_are_claimable_again(queue: Queue) -> None:
    queue.add_edition(edition(), new_jobs(2), T0)
    first = queue.claim(T0, LEASE, "a")
    second = queue.claim(T0, LEASE, "b")
    assert first is not None and second is not None and first.id != second.id
    assert first.state == "sending" and first.attempts == 1 and first.leased_until == T0 + LEASE
    assert queue.claim(T0 + LEASE - timedelta(seconds=1), LEASE, "c") is None
    again = queue.claim(T0 + LEASE, LEASE, "c")  # dispatcher "a" died: its lease ran out
    assert again is not None and again.id == first.id and again.attempts == 2


def test_jobs_are_not_claimed_before_they_are_due(queue: Queue) -> None:
    queue.add_edition(edition(), new_jobs(1, due=T0 + timedelta(hours=1)), T0)
    assert queue.claim(T0, LEASE, "a") is None
    assert queue.claim(T0 + timedelta(hours=1), LEASE, "a") is not None


def test_failed_job_waits_for_its_retry_time_and_dead_job_never_returns(queue: Queue) -> None:
    queue.add_edition(edition(), new_jobs(2), T0)
    one, two = queue.claim(T0, LEASE, "a"), queue.claim(T0, LEASE, "a")
    assert one and two
    queue.mark_failed(one.id, "a", T0, "SMTP 421", T0 + timedelta(minutes=2))
    queue.mark_failed(two.id, "a", T0, "SMTP 550", None)
    assert queue.claim(T0 + timedelta(minutes=1), LEASE, "a") is None
    retried = queue.claim(T0 + timedelta(minutes=2), LEASE, "a")
    assert retried is not None and retried.id == one.id and retried.last_error == "SMTP 421"
    queue.mark_sent(retried.id, T0 + timedelta(minutes=2))
    assert queue.claim(T0 + timedelta(days=365), LEASE, "a") is None
    assert [j.state for j in queue.jobs(state="dead")] == ["dead"]


def test_a_stale_dispatcher_cannot_overwrite_the_job_another_took_over(queue: Queue) -> None:
    queue.add_edition(edition(), new_jobs(1), T0)
    job = queue.claim(T0, LEASE, "old")
    assert job is not None
    taken = queue.claim(T0 + LEASE, LEASE, "new")
    assert taken is not None
    queue.mark_sent(taken.id, T0 + LEASE)
    queue.mark_failed(job.id, "old", T0 + LEASE, "late failure", None)
    assert queue.jobs()[0].state == "sent"


def test_release_gives_the_job_back_without_counting_the_attempt(queue: Queue) -> None:
    queue.add_edition(edition(), new_jobs(1), T0)
    job = queue.claim(T0, LEASE, "a")
    assert job is not None
    queue.release(job.id, "a", T0)
    stored = queue.jobs()[0]
    assert stored.state == "pending" and stored.attempts == 0


def test_cancel_recalls_open_jobs_and_reports_what_was_sent(queue: Queue) -> None:
    queue.add_edition(edition(), new_jobs(3), T0)
    job = queue.claim(T0, LEASE, "a")
    assert job is not None
    queue.mark_sent(job.id, T0)
    result = queue.cancel("2030-01-01-a", T0)
    assert result.cancelled == 2
    assert [j.email for j in result.sent] == [job.email]
    assert queue.claim(T0, LEASE, "a") is None


def test_retry_makes_a_dead_job_due_and_refuses_a_sent_one(queue: Queue) -> None:
    queue.add_edition(edition(), new_jobs(2), T0)
    one, two = queue.claim(T0, LEASE, "a"), queue.claim(T0, LEASE, "a")
    assert one and two
    queue.mark_failed(one.id, "a", T0, "SMTP 550", None)
    queue.mark_sent(two.id, T0)
    later = T0 + timedelta(days=1)
    retried = queue.retry(one.id, later)
    assert retried.state == "pending" and retried.attempts == 0 and retried.not_before == later
    with pytest.raises(UserError, match="resend"):
        queue.retry(two.id, later)
    with pytest.raises(UserError, match="no job"):
        queue.retry(999, later)


def test_supersede_cancels_only_open_jobs_of_older_revisions(queue: Queue) -> None:
    queue.add_edition(edition(revision=1), new_jobs(2), T0)
    sent = queue.claim(T0, LEASE, "a")
    assert sent is not None
    queue.mark_sent(sent.id, T0)
    queue.add_edition(edition(revision=2), new_jobs(2), T0)
    assert queue.supersede("2030-01-01-a", 2, T0) == 1
    states = sorted((j.revision, j.state) for j in queue.jobs())
    assert states == [(1, "cancelled"), (1, "sent"), (2, "pending"), (2, "pending")]


def test_concurrent_dispatchers_never_claim_the_same_job(ledger_location, tmp_path: Path) -> None:
    path = ledger_location
    with open_queue(path) as q:
        q.add_edition(edition(), new_jobs(300), T0)
    claimed: list[int] = []
    lock = threading.Lock()

    def work(owner: str) -> None:
        with open_queue(path) as q:
            while (job := q.claim(T0, LEASE, owner)) is not None:
                with lock:
                    claimed.append(job.id)
                q.mark_sent(job.id, T0)

    threads = [threading.Thread(target=work, args=(f"w{i}",)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(claimed) == 300 and len(set(claimed)) == 300


def test_a_claim_limited_to_no_channel_claims_nothing(queue: Queue) -> None:
    queue.add_edition(edition(), new_jobs(1), T0)
    assert queue.claim(T0, LEASE, "a", channels=frozenset()) is None
    assert queue.claim(T0, LEASE, "a", channels=frozenset({"mail"})) is not None
