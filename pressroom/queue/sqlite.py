"""The embedded outbox: one SQLite file in WAL mode, one transaction per operation.

Claims run under ``BEGIN IMMEDIATE``, which takes SQLite's write lock before
reading, so two dispatchers on one machine never lease the same job.
``synchronous=NORMAL`` keeps every commit across a crash of the process; after a
power loss the last commits may roll back, which can only repeat a delivery
(its "sent" mark is lost) or a queueing (publish queues it again), never lose one.

Storage faults become one ``QueueError`` with a plain sentence, in one place: every
public method runs its statements inside ``_transaction`` (writes) or ``_read``
(reads), which first checks that the file at ``path`` is still the one opened
(deleted or replaced underneath: stop, or a new ledger would send everything
again) and maps SQLite's errors (locked, full, damaged, read-only) to QueueError.
"""

from __future__ import annotations

import json
import os
import sqlite3
import tempfile
from collections.abc import Callable, Collection, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from ..errors import QueueError, UserError
from ..suppression import normalise
from .base import (
    OPEN_STATES,
    RETRYABLE_STATES,
    UNSENT_STATES,
    CancelResult,
    ChannelState,
    Edition,
    EditionRecord,
    File,
    Job,
    NewJob,
    State,
    Suppression,
    SuppressionSource,
)

# Seconds a command waits for another writer (a dispatcher, a publish) to finish
# its transaction before it gives up with a message; transactions take milliseconds.
DEFAULT_WAIT = 10.0

SCHEMA = """
CREATE TABLE IF NOT EXISTS editions (
    slug TEXT NOT NULL,
    revision INTEGER NOT NULL,
    content_hash TEXT NOT NULL,
    meta TEXT NOT NULL,
    created_at REAL NOT NULL,
    PRIMARY KEY (slug, revision)
);
CREATE TABLE IF NOT EXISTS files (
    slug TEXT NOT NULL,
    revision INTEGER NOT NULL,
    kind TEXT NOT NULL,
    filename TEXT NOT NULL,
    content_type TEXT NOT NULL,
    data BLOB NOT NULL,
    PRIMARY KEY (slug, revision, kind),
    FOREIGN KEY (slug, revision) REFERENCES editions (slug, revision)
);
CREATE TABLE IF NOT EXISTS jobs (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL UNIQUE,
    slug TEXT NOT NULL,
    revision INTEGER NOT NULL,
    list_name TEXT NOT NULL,
    channel TEXT NOT NULL,
    email TEXT NOT NULL,
    name TEXT NOT NULL,
    state TEXT NOT NULL,
    not_before REAL NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT NOT NULL DEFAULT '',
    leased_until REAL,
    lease_owner TEXT NOT NULL DEFAULT '',
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    sent_at REAL,
    FOREIGN KEY (slug, revision) REFERENCES editions (slug, revision)
);
-- Release numbers that went public or out: each belongs to its slug for good.
CREATE TABLE IF NOT EXISTS numbers (
    number TEXT PRIMARY KEY,
    slug TEXT NOT NULL,
    recorded_at REAL NOT NULL,
    source TEXT NOT NULL  -- public | queued | sent: where the number first appeared
);
CREATE INDEX IF NOT EXISTS jobs_due ON jobs (state, not_before);
CREATE INDEX IF NOT EXISTS jobs_lease ON jobs (state, leased_until);
CREATE INDEX IF NOT EXISTS jobs_slug ON jobs (slug, state);
CREATE TABLE IF NOT EXISTS suppressions (
    address TEXT PRIMARY KEY,  -- normalised
    reason TEXT NOT NULL,
    source TEXT NOT NULL,  -- manual | bounce | unsubscribe | smtp
    created_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS ledger_meta (
    name TEXT PRIMARY KEY,
    value BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS channel_state (
    channel TEXT PRIMARY KEY,
    paused_until REAL NOT NULL,
    failures INTEGER NOT NULL,
    last_error TEXT NOT NULL,
    updated_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS rate_slots (
    channel TEXT PRIMARY KEY,
    next_at REAL NOT NULL
);
"""

# Columns added after a table first shipped: (table, column, declaration). A ledger
# written by an older pressroom gets them on open, so it is migrated, never misread.
ADDED_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("jobs", "replaces", "TEXT NOT NULL DEFAULT ''"),
    # When `queue baseline` recorded the edition as distributed without sending it.
    ("editions", "baseline_at", "REAL"),
)

# Jobs that still wait for their channel: what a paused channel holds up.
WAITING_STATES = ("pending", "failed", "sending")
# A rate slot further ahead than this many intervals means the wall clock went back.
MAX_SLOTS_AHEAD = 64

JOB_COLUMNS = (
    "id, key, slug, revision, list_name, channel, email, name, state, not_before, attempts, "
    "last_error, leased_until, lease_owner, created_at, updated_at, sent_at, replaces"
)


def _ts(moment: datetime) -> float:
    if moment.tzinfo is None:
        raise ValueError("the queue stores aware datetimes only")
    return moment.timestamp()


def _dt(value: float | None) -> datetime | None:
    return None if value is None else datetime.fromtimestamp(value, UTC)


def _job(row: tuple[Any, ...]) -> Job:
    (id_, key, slug, revision, list_name, channel, email, name, state, not_before, attempts,
     last_error, leased_until, lease_owner, created_at, updated_at, sent_at, replaces) = row
    return Job(
        id=id_, key=key, slug=slug, revision=revision, list_name=list_name, channel=channel,
        email=email, name=name, state=state, not_before=datetime.fromtimestamp(not_before, UTC),
        attempts=attempts, last_error=last_error, leased_until=_dt(leased_until),
        lease_owner=lease_owner, created_at=datetime.fromtimestamp(created_at, UTC),
        updated_at=datetime.fromtimestamp(updated_at, UTC), sent_at=_dt(sent_at),
        replaces=replaces,
    )


class SqliteQueue:
    """The Queue interface on one SQLite file."""

    def __init__(self, path: Path, create: bool = True, wait: float = DEFAULT_WAIT) -> None:
        """Open the queue at *path*; with *create*, make it (and its folder) if missing.

        *wait* is how many seconds a statement waits for another writer's lock.
        """
        self.path = path
        self.wait = wait
        if not create and not path.is_file():
            raise QueueError(f"no queue at {path}: nothing was published yet (run `pressroom publish`)"
                             " or the ledger was moved")
        leftover = path.with_name(f"{path.name}-wal")
        if not path.exists() and leftover.exists():
            # SQLite would replay another file's log into the new queue.
            raise QueueError(f"the queue {path} is gone but its log {leftover} is still there"
                             f" (the queue was deleted while in use); move {leftover.name} and"
                             f" {path.name}-shm away before a new queue is made there")
        if create:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise QueueError(f"cannot make the folder of the queue {path}: {exc.strerror}") from exc
        # mode=rw never creates a file, so a ledger deleted after the check above stays gone.
        uri = f"{path.resolve().as_uri()}?mode={'rwc' if create else 'rw'}"
        with self._mapped():
            # Autocommit mode: every transaction below is opened explicitly.
            self.db = sqlite3.connect(uri, uri=True, isolation_level=None, timeout=wait)
            try:
                self.db.execute("PRAGMA journal_mode=WAL")
                self.db.execute("PRAGMA synchronous=NORMAL")
                self.db.execute("PRAGMA foreign_keys=ON")
                self.db.executescript(SCHEMA)
                _add_columns(self.db)
                _backfill_numbers(self.db)
                self._identity = _identity(path)
            except BaseException:
                self.db.close()
                raise

    def __enter__(self) -> SqliteQueue:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        with self._mapped():
            self.db.close()

    @contextmanager
    def _mapped(self) -> Iterator[None]:
        """Turn SQLite's and the file system's errors into one QueueError sentence."""
        try:
            yield
        except (sqlite3.ProgrammingError, sqlite3.InterfaceError):
            raise  # a misuse of the connection is a bug, not a storage fault
        except sqlite3.DatabaseError as exc:
            raise QueueError(_describe(self.path, self.wait, exc)) from exc
        except OSError as exc:
            raise QueueError(f"cannot use the queue {self.path}: {exc.strerror or exc}") from exc

    def _check_unmoved(self) -> None:
        """Refuse to go on when the file at ``path`` is no longer the one this connection holds.

        SQLite keeps writing to a deleted file's inode without a word; the next run
        would then find no ledger (or another one) and send everything again. One
        stat() per transaction: about 3 microseconds, next to 300 for a claim.
        """
        try:
            current = _identity(self.path)
        except FileNotFoundError:
            current = None
        if current != self._identity:
            raise QueueError(f"the queue file {self.path} was deleted or replaced while pressroom"
                             " used it; stopped so that nothing is sent twice")

    @contextmanager
    def _transaction(self, immediate: bool = True) -> Iterator[sqlite3.Connection]:
        """Run the body as one transaction (a write lock first when *immediate*).

        Every statement of the body is covered: a fault rolls everything back and
        surfaces as QueueError. A new method gets this by running its statements on
        the connection this yields (writes) or on ``_read()`` (reads), never on
        ``self.db`` directly.
        """
        with self._mapped():
            self._check_unmoved()
            self.db.execute("BEGIN IMMEDIATE" if immediate else "BEGIN")
            try:
                yield self.db
                self.db.execute("COMMIT")
            except BaseException:
                # SQLite rolls back by itself after some errors (a full disk, say).
                if self.db.in_transaction:
                    with suppress(sqlite3.Error):
                        self.db.execute("ROLLBACK")
                raise

    @contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        """A consistent snapshot for reading, with the checks and error mapping of a write."""
        with self._transaction(immediate=False) as db:
            yield db

    # --- editions -----------------------------------------------------------------

    def add_edition(self, edition: Edition, jobs: list[NewJob], now: datetime) -> int:
        """Store *edition*, its files and jobs in one transaction; return how many jobs were new."""
        stamp = _ts(now)
        with self._transaction() as db:
            _insert_edition(db, edition, stamp)
            before = db.total_changes
            # A job to a suppressed address is stored cancelled, saying why: the ledger
            # shows who did not get the release, and nothing can send it by mistake.
            suppressed = _suppressions(db)
            rows = []
            for j in jobs:
                gone = suppressed.get(normalise(j.email)) if j.email else None
                rows.append((j.key(edition.slug, edition.revision), edition.slug, edition.revision,
                             j.list_name, j.channel, j.email, j.name,
                             "cancelled" if gone else "pending", gone.why() if gone else "",
                             _ts(j.not_before), stamp, stamp, j.replaces))
            db.executemany(
                "INSERT OR IGNORE INTO jobs (key, slug, revision, list_name, channel, email, name,"
                " state, last_error, not_before, created_at, updated_at, replaces)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
            added = db.total_changes - before
            # Queued means on its way out: from now on the number is this release's.
            _insert_numbers(db, {edition.record.number: edition.slug}, stamp, "queued")
            return added

    def record_baseline(self, edition: Edition, now: datetime) -> bool:
        """Store *edition* without jobs, marked as distributed outside pressroom.

        Returns False (and changes nothing) when *slug* already has an edition.
        """
        stamp = _ts(now)
        with self._transaction() as db:
            if db.execute("SELECT 1 FROM editions WHERE slug = ?", (edition.slug,)).fetchone():
                return False
            _insert_edition(db, edition, stamp)
            db.execute("UPDATE editions SET baseline_at = ? WHERE slug = ? AND revision = ?",
                       (stamp, edition.slug, edition.revision))
            # Distributed outside pressroom is distributed: the number is this release's.
            _insert_numbers(db, {edition.record.number: edition.slug}, stamp, "public")
            return True

    def baselines(self) -> dict[str, datetime]:
        """Return the releases recorded by ``record_baseline``, with when."""
        with self._read() as db:
            rows = db.execute(
                "SELECT slug, MIN(baseline_at) FROM editions WHERE baseline_at IS NOT NULL"
                " GROUP BY slug ORDER BY slug")
            return {slug: datetime.fromtimestamp(stamp, UTC) for slug, stamp in rows}

    def latest_edition(self, slug: str) -> Edition | None:
        """Return the highest revision of *slug* without its files, or None."""
        with self._read() as db:
            row = db.execute(
                "SELECT slug, revision, content_hash, meta, created_at FROM editions"
                " WHERE slug = ? ORDER BY revision DESC LIMIT 1",
                (slug,),
            ).fetchone()
        if row is None:
            return None
        return Edition(row[0], row[1], row[2], EditionRecord.from_json(json.loads(row[3])), {}, _dt(row[4]))

    def edition(self, slug: str, revision: int) -> Edition:
        """Return one edition with its files."""
        with self._read() as db:
            row = db.execute(
                "SELECT content_hash, meta, created_at FROM editions WHERE slug = ? AND revision = ?",
                (slug, revision),
            ).fetchone()
            if row is None:
                raise KeyError((slug, revision))
            files = {
                kind: File(kind, filename, content_type, bytes(data))
                for kind, filename, content_type, data in db.execute(
                    "SELECT kind, filename, content_type, data FROM files"
                    " WHERE slug = ? AND revision = ?",
                    (slug, revision),
                )
            }
        return Edition(slug, revision, row[0], EditionRecord.from_json(json.loads(row[1])), files,
                       _dt(row[2]))

    # --- dispatch -----------------------------------------------------------------

    def claim(self, now: datetime, lease: timedelta, owner: str,
              max_attempts: int | None = None,
              channels: Collection[str] | None = None) -> Job | None:
        """Lease the job due first; expired leases of a dead dispatcher count as due since
        their lease ran out. Paused channels and spent jobs (attempts >= *max_attempts*) wait;
        with *channels*, only jobs of those channels are taken. A job to a suppressed
        address is cancelled, saying why, and the next one is taken."""
        stamp = _ts(now)
        with self._transaction() as db:
            row = _next_due(db, stamp, max_attempts, channels)
            while row is not None and _cancel_if_suppressed(db, row, stamp):
                row = _next_due(db, stamp, max_attempts, channels)  # that address opted out
            if row is None:
                return None
            until = _ts(now + lease)
            # The attempt counts at claim time, so a job that kills its dispatcher
            # every time still runs out of attempts instead of looping forever.
            db.execute(
                "UPDATE jobs SET state = 'sending', leased_until = ?, lease_owner = ?,"
                " attempts = attempts + 1, updated_at = ? WHERE id = ?",
                (until, owner, stamp, row[0]),
            )
        job = _job(row)
        return _replace_claimed(job, until, owner)

    def give_up(self, now: datetime, max_attempts: int) -> list[Job]:
        """Mark dead the claimable jobs whose attempts reached *max_attempts*; return them.

        An expired lease at the maximum means the dispatcher died on every attempt
        (the job may crash it). Pending jobs are not looked at: they have not been
        tried (release gives the attempt back).
        """
        stamp = _ts(now)
        spent = f"SELECT {JOB_COLUMNS} FROM jobs WHERE attempts >= ? AND state = ?"
        with self._transaction() as db:
            rows = [
                *db.execute(spent + " AND leased_until <= ?", (max_attempts, "sending", stamp)),
                *db.execute(spent + " AND not_before <= ?", (max_attempts, "failed", stamp)),
            ]
            given_up = []
            for row in rows:
                job = _job(tuple(row))
                if job.state == "sending":
                    error = (f"gave up after {job.attempts} attempts"
                             " (the dispatcher died while sending)")
                else:
                    error = f"{job.last_error} (gave up after {job.attempts} attempts)".lstrip()
                db.execute(
                    "UPDATE jobs SET state = 'dead', last_error = ?, leased_until = NULL,"
                    " updated_at = ? WHERE id = ?",
                    (error, stamp, job.id),
                )
                given_up.append(replace(job, state="dead", last_error=error, leased_until=None))
        return given_up

    def mark_sent(self, job_id: int, now: datetime) -> None:
        """Record a delivery (whoever holds the lease: the message is out either way)."""
        stamp = _ts(now)
        with self._transaction() as db:
            db.execute(
                "UPDATE jobs SET state = 'sent', sent_at = ?, updated_at = ?, leased_until = NULL,"
                " last_error = '' WHERE id = ?",
                (stamp, stamp, job_id),
            )
            # The delivered message carries the edition's number: it is taken for good.
            db.execute(
                "INSERT OR IGNORE INTO numbers (number, slug, recorded_at, source)"
                " SELECT json_extract(e.meta, '$.number'), e.slug, ?, 'sent'"
                " FROM jobs j JOIN editions e ON e.slug = j.slug AND e.revision = j.revision"
                " WHERE j.id = ? AND COALESCE(json_extract(e.meta, '$.number'), '') != ''",
                (stamp, job_id),
            )

    def mark_failed(self, job_id: int, owner: str, now: datetime, error: str,
                    retry_at: datetime | None) -> None:
        """Record a failed attempt, unless another dispatcher has taken the job since."""
        state = "dead" if retry_at is None else "failed"
        not_before = _ts(retry_at) if retry_at is not None else None
        with self._transaction() as db:
            db.execute(
                "UPDATE jobs SET state = ?, last_error = ?, not_before = COALESCE(?, not_before),"
                " leased_until = NULL, updated_at = ?"
                " WHERE id = ? AND state = 'sending' AND lease_owner = ?",
                (state, error[:2000], not_before, _ts(now), job_id, owner),
            )

    def release(self, job_id: int, owner: str, now: datetime) -> None:
        """Give a claimed job back untried; its attempt does not count."""
        with self._transaction() as db:
            db.execute(
                "UPDATE jobs SET state = 'pending', leased_until = NULL, attempts = attempts - 1,"
                " updated_at = ? WHERE id = ? AND state = 'sending' AND lease_owner = ?",
                (_ts(now), job_id, owner),
            )

    # --- channels -----------------------------------------------------------------

    def pause_channel(self, channel: str, now: datetime, error: str,
                      backoff: Callable[[int], timedelta]) -> ChannelState:
        """Pause *channel* for ``backoff(failures in a row)`` from *now*, recording *error*."""
        with self._transaction() as db:
            row = db.execute("SELECT failures FROM channel_state WHERE channel = ?",
                             (channel,)).fetchone()
            failures = (row[0] if row else 0) + 1
            until = now + backoff(failures)
            db.execute(
                "INSERT INTO channel_state (channel, paused_until, failures, last_error, updated_at)"
                " VALUES (?, ?, ?, ?, ?) ON CONFLICT (channel) DO UPDATE SET"
                " paused_until = excluded.paused_until, failures = excluded.failures,"
                " last_error = excluded.last_error, updated_at = excluded.updated_at",
                (channel, _ts(until), failures, error[:2000], _ts(now)),
            )
            waiting = _waiting(db, channel)
        return ChannelState(channel, until, failures, error[:2000], waiting)

    def channel_ok(self, channel: str) -> None:
        """Forget the failures and the pause of *channel*: it delivered."""
        with self._transaction() as db:
            db.execute("DELETE FROM channel_state WHERE channel = ?", (channel,))

    def channel_states(self) -> list[ChannelState]:
        """Return every channel that failed as a whole and has not delivered since."""
        rows = self.db.execute(
            "SELECT channel, paused_until, failures, last_error FROM channel_state ORDER BY channel"
        ).fetchall()
        return [ChannelState(channel, datetime.fromtimestamp(until, UTC), failures, error,
                             _waiting(self.db, channel))
                for channel, until, failures, error in rows]

    def take_slot(self, channel: str, interval: float, now: float) -> float:
        """Reserve the next send of *channel*: at *now* or *interval* after the last reserved
        one, whichever is later; return that moment (epoch seconds)."""
        with self._transaction() as db:
            row = db.execute("SELECT next_at FROM rate_slots WHERE channel = ?",
                             (channel,)).fetchone()
            slot = now if row is None else max(now, min(row[0], now + MAX_SLOTS_AHEAD * interval))
            db.execute(
                "INSERT INTO rate_slots (channel, next_at) VALUES (?, ?)"
                " ON CONFLICT (channel) DO UPDATE SET next_at = excluded.next_at",
                (channel, slot + interval),
            )
        return slot

    # --- management ---------------------------------------------------------------

    def cancel(self, slug: str, now: datetime, reason: str = "recalled") -> CancelResult:
        """Recall every unsent job of *slug*, also one leased by a dispatcher that died.

        A job under a live lease is cancelled too and reported as in flight: if its
        dispatcher does deliver it, ``mark_sent`` records that, because it went out.
        """
        stamp = _ts(now)
        marks = ", ".join("?" for _ in UNSENT_STATES)
        with self._transaction() as db:
            in_flight = [_job(row) for row in db.execute(
                f"SELECT {JOB_COLUMNS} FROM jobs WHERE slug = ? AND state = 'sending'"
                " AND leased_until > ? ORDER BY id",
                (slug, stamp),
            )]
            cursor = db.execute(
                f"UPDATE jobs SET state = 'cancelled', leased_until = NULL, last_error = ?,"
                f" updated_at = ? WHERE slug = ? AND state IN ({marks})",
                (reason[:2000], stamp, slug, *UNSENT_STATES),
            )
            cancelled = cursor.rowcount
        return CancelResult(cancelled, self.jobs(slug, "sent"), in_flight)

    def mark_cancelled(self, job_id: int, owner: str, now: datetime, reason: str) -> None:
        """Cancel a claimed job with *reason*, unless another dispatcher has taken it since."""
        with self._transaction() as db:
            db.execute(
                "UPDATE jobs SET state = 'cancelled', last_error = ?, leased_until = NULL,"
                " updated_at = ? WHERE id = ? AND state = 'sending' AND lease_owner = ?",
                (reason[:2000], _ts(now), job_id, owner),
            )

    def reschedule(self, job_id: int, owner: str, not_before: datetime, now: datetime,
                   reason: str) -> None:
        """Give a claimed job back untried, due at *not_before*; its attempt does not count."""
        with self._transaction() as db:
            db.execute(
                "UPDATE jobs SET state = 'pending', leased_until = NULL, attempts = attempts - 1,"
                " not_before = ?, last_error = ?, updated_at = ?"
                " WHERE id = ? AND state = 'sending' AND lease_owner = ?",
                (_ts(not_before), reason[:2000], _ts(now), job_id, owner),
            )

    def supersede(self, slug: str, below_revision: int, now: datetime) -> int:
        """Cancel the open jobs of revisions of *slug* older than *below_revision*."""
        marks = ", ".join("?" for _ in OPEN_STATES)
        with self._transaction() as db:
            cursor = db.execute(
                f"UPDATE jobs SET state = 'cancelled', updated_at = ?, last_error = 'superseded'"
                f" WHERE slug = ? AND revision < ? AND state IN ({marks})",
                (_ts(now), slug, below_revision, *OPEN_STATES),
            )
            return cursor.rowcount

    def retry(self, job_id: int, now: datetime) -> Job:
        """Make a failed, dead or cancelled job due at *now* with fresh attempts."""
        with self._transaction() as db:
            row = db.execute(f"SELECT {JOB_COLUMNS} FROM jobs WHERE id = ?", (job_id,)).fetchone()
            if row is None:
                raise UserError(f"no job {job_id} in the queue")
            job = _job(row)
            if job.state not in RETRYABLE_STATES:
                raise UserError(f"job {job_id} is {job.state}; only failed, dead or cancelled"
                                " jobs can be retried (a sent release: `pressroom queue resend`)")
            db.execute(
                "UPDATE jobs SET state = 'pending', not_before = ?, attempts = 0, updated_at = ?"
                " WHERE id = ?",
                (_ts(now), _ts(now), job_id),
            )
            row = db.execute(f"SELECT {JOB_COLUMNS} FROM jobs WHERE id = ?", (job_id,)).fetchone()
        return _job(row)

    def retry_where(self, now: datetime, state: State, slug: str | None = None,
                    channel: str | None = None) -> list[Job]:
        """Make every *state* job (of *slug*, on *channel*) of a current revision due at *now*."""
        if state not in RETRYABLE_STATES:
            raise UserError(f"only failed, dead or cancelled jobs can be retried, not {state}")
        # A job of an older revision was replaced by a correction: retrying it
        # would send the old text to people who get the new one.
        where = ["state = ?",
                 "revision = (SELECT MAX(revision) FROM editions e WHERE e.slug = jobs.slug)"]
        args: list[Any] = [_ts(now), _ts(now), state]
        for column, value in (("slug", slug), ("channel", channel)):
            if value is not None:
                where.append(f"{column} = ?")
                args.append(value)
        with self._transaction() as db:
            rows = db.execute(
                "UPDATE jobs SET state = 'pending', not_before = ?, attempts = 0, updated_at = ?"
                f" WHERE {' AND '.join(where)} RETURNING {JOB_COLUMNS}",
                args,
            ).fetchall()
        return sorted((_job(row) for row in rows), key=lambda job: job.id)

    def jobs(self, slug: str | None = None, state: str | None = None,
             limit: int | None = None) -> list[Job]:
        """List jobs, oldest first, optionally of one release and/or state."""
        where, args = [], []
        if slug is not None:
            where.append("slug = ?")
            args.append(slug)
        if state is not None:
            where.append("state = ?")
            args.append(state)
        sql = f"SELECT {JOB_COLUMNS} FROM jobs"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY id"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        with self._read() as db:
            return [_job(row) for row in db.execute(sql, args)]

    def counts(self) -> dict[tuple[str, str], int]:
        """Count jobs by (slug, state)."""
        with self._read() as db:
            rows = db.execute("SELECT slug, state, COUNT(*) FROM jobs GROUP BY slug, state")
            return {(slug, state): count for slug, state, count in rows}


    def timeline(self) -> dict[str, tuple[datetime | None, datetime | None]]:
        """Per release: when its next open job is due, and when its last delivery went out."""
        marks = ", ".join("?" for _ in OPEN_STATES)
        with self._read() as db:
            rows = db.execute(
                f"SELECT slug, MIN(CASE WHEN state IN ({marks}) THEN not_before END), MAX(sent_at)"
                f" FROM jobs GROUP BY slug",
                OPEN_STATES,
            )
            return {slug: (_dt(due), _dt(sent)) for slug, due, sent in rows}

    # --- suppression list ---------------------------------------------------------

    def suppress(self, address: str, source: SuppressionSource, reason: str,
                 now: datetime) -> bool:
        """Add *address* to the suppression list; False if it was on it already (kept as it was)."""
        with self._transaction() as db:
            cursor = db.execute(
                "INSERT OR IGNORE INTO suppressions (address, reason, source, created_at)"
                " VALUES (?, ?, ?, ?)",
                (normalise(address), reason[:2000], source, _ts(now)),
            )
            return cursor.rowcount == 1

    def unsuppress(self, address: str) -> bool:
        """Take *address* off the suppression list; False if it was not on it."""
        with self._transaction() as db:
            cursor = db.execute("DELETE FROM suppressions WHERE address = ?", (normalise(address),))
            return cursor.rowcount == 1

    def suppressions(self) -> list[Suppression]:
        """List the suppressed addresses, oldest first."""
        with self._read() as db:
            found = _suppressions(db)
        return sorted(found.values(), key=lambda s: (s.created_at, s.address))

    def secret(self, name: str) -> bytes:
        """Return the ledger's random key *name*, created on first use and never changed."""
        import secrets

        with self._transaction() as db:
            db.execute("INSERT OR IGNORE INTO ledger_meta (name, value) VALUES (?, ?)",
                       (name, secrets.token_bytes(32)))
            (value,) = db.execute("SELECT value FROM ledger_meta WHERE name = ?", (name,)).fetchone()
        return bytes(value)

    def addresses(self) -> list[str]:
        """Return every address the ledger has a job for, normalised, once each."""
        with self._read() as db:
            rows = db.execute("SELECT DISTINCT email FROM jobs WHERE email != ''").fetchall()
        return sorted({normalise(email) for (email,) in rows})

    # --- numbers ------------------------------------------------------------------

    def numbers(self) -> dict[str, str]:
        """Return every recorded release number and the slug owning it, oldest record first."""
        with self._read() as db:
            rows = db.execute("SELECT number, slug FROM numbers ORDER BY recorded_at, rowid")
            return {number: slug for number, slug in rows}

    def record_numbers(self, assignments: Mapping[str, str], now: datetime, source: str) -> None:
        """Record each number -> slug of *assignments*; a number already recorded keeps its owner."""
        with self._transaction() as db:
            _insert_numbers(db, assignments, _ts(now), source)


def _identity(path: Path) -> tuple[int, int]:
    """Return what tells one file from another at the same path: device and inode."""
    info = os.stat(path)
    return info.st_dev, info.st_ino


def _describe(path: Path, wait: float, exc: sqlite3.DatabaseError) -> str:
    """Say in one sentence what an SQLite error means for the queue at *path*."""
    name = getattr(exc, "sqlite_errorname", "") or ""
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")):
        return (f"the queue {path} is locked by another process (a dispatcher or publish still"
                f" running?); gave up after {wait:g} s")
    if name.startswith("SQLITE_FULL"):
        return (f"the disk holding the queue {path} is full, so the last step was not recorded;"
                " free some space and run again")
    if name.startswith(("SQLITE_CORRUPT", "SQLITE_NOTADB")):
        return (f"the queue {path} is damaged ({exc}); restore it from a backup"
                f" (`sqlite3 {path} .recover` may save what it holds)")
    if name.startswith(("SQLITE_READONLY", "SQLITE_CANTOPEN", "SQLITE_PERM", "SQLITE_AUTH")):
        if not _writable(path):
            return (f"the queue {path} is read-only (the file or its folder cannot be written);"
                    " pressroom must write it")
        return f"cannot open the queue {path} ({exc})"
    if name.startswith("SQLITE_IOERR"):
        return f"the queue {path} could not be read or written ({exc}); check the disk"
    return f"the queue {path} failed: {exc}"


def _writable(path: Path) -> bool:
    """Tell whether the queue file and its folder (for the -wal and -shm files) can be written."""
    return all(os.access(p, os.W_OK) for p in (path, path.parent) if p.exists())


def _insert_numbers(db: sqlite3.Connection, assignments: Mapping[str, str], stamp: float,
                    source: str) -> None:
    db.executemany(
        "INSERT OR IGNORE INTO numbers (number, slug, recorded_at, source) VALUES (?, ?, ?, ?)",
        [(number, slug, stamp, source) for number, slug in assignments.items() if number],
    )


def _backfill_numbers(db: sqlite3.Connection) -> None:
    """Fill an empty numbers table from the editions: a ledger from before the table.

    Every edition records its number when it is added, so an empty table beside
    editions means an older ledger (or a crash right after the table was created).
    Oldest edition first: where an old renumbering gave one number to two
    releases, the release that had it first keeps it.
    """
    if db.execute("SELECT 1 FROM numbers LIMIT 1").fetchone() is not None:
        return
    db.execute(
        "INSERT OR IGNORE INTO numbers (number, slug, recorded_at, source)"
        " SELECT json_extract(meta, '$.number'), slug, created_at, 'queued' FROM editions"
        " WHERE COALESCE(json_extract(meta, '$.number'), '') != '' ORDER BY created_at, revision"
    )


def _insert_edition(db: sqlite3.Connection, edition: Edition, stamp: float) -> None:
    """Store *edition* and its files unless that revision is stored already."""
    db.execute(
        "INSERT OR IGNORE INTO editions (slug, revision, content_hash, meta, created_at)"
        " VALUES (?, ?, ?, ?, ?)",
        (edition.slug, edition.revision, edition.content_hash,
         json.dumps(edition.record.to_json(), sort_keys=True), stamp),
    )
    db.executemany(
        "INSERT OR IGNORE INTO files (slug, revision, kind, filename, content_type, data)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        [(edition.slug, edition.revision, f.kind, f.filename, f.content_type, f.data)
         for f in edition.files.values()],
    )


def _add_columns(db: sqlite3.Connection) -> None:
    """Add the columns of ADDED_COLUMNS that an older ledger lacks."""
    for table, column, declaration in ADDED_COLUMNS:
        present = {row[1] for row in db.execute(f"PRAGMA table_info({table})")}
        if column not in present:
            db.execute(f"ALTER TABLE {table} ADD COLUMN {column} {declaration}")


SUPPRESSION_COLUMNS = "address, source, reason, created_at"


def _suppression(row: tuple[Any, ...]) -> Suppression:
    address, source, reason, created_at = row
    return Suppression(address, source, reason, datetime.fromtimestamp(created_at, UTC))


def _suppressions(db: sqlite3.Connection) -> dict[str, Suppression]:
    rows = db.execute(f"SELECT {SUPPRESSION_COLUMNS} FROM suppressions")
    return {row[0]: _suppression(row) for row in rows}


def _cancel_if_suppressed(db: sqlite3.Connection, row: tuple[Any, ...], stamp: float) -> bool:
    """Cancel the due job *row* if its address is suppressed (saying why); return whether it was."""
    email = row[6]
    if not email:
        return False
    found = db.execute(f"SELECT {SUPPRESSION_COLUMNS} FROM suppressions WHERE address = ?",
                       (normalise(email),)).fetchone()
    if found is None:
        return False
    gone = _suppression(found)
    db.execute("UPDATE jobs SET state = 'cancelled', last_error = ?, leased_until = NULL,"
               " updated_at = ? WHERE id = ?", (gone.why(), stamp, row[0]))
    return True


def _next_due(db: sqlite3.Connection, stamp: float, max_attempts: int | None,
              channels: Collection[str] | None = None) -> tuple[Any, ...] | None:
    """Return the claimable job that became due first, or None.

    A pending or failed job is due from its ``not_before``, an expired lease from
    its ``leased_until``: ordering all three by that moment means a job that kills
    its dispatcher goes to the back each time instead of blocking the queue.
    One indexed lookup per state, each read in index order with LIMIT 1, so a claim
    costs the same with ten jobs or a hundred thousand (one OR query would sort
    every due job on every claim). *channels* limits the claim to those channels.
    """
    where = ""
    args: list[Any] = []
    if max_attempts is not None:
        where += " AND attempts < ?"
        args.append(max_attempts)
    paused = [row[0] for row in db.execute(
        "SELECT channel FROM channel_state WHERE paused_until > ?", (stamp,))]
    if paused:
        where += f" AND channel NOT IN ({', '.join('?' for _ in paused)})"
        args.extend(paused)
    if channels is not None:
        names = sorted(channels)
        where += f" AND channel IN ({', '.join('?' for _ in names)})"
        args.extend(names)
    lookups = [("sending", "leased_until"), ("pending", "not_before"), ("failed", "not_before")]
    candidates = [
        db.execute(
            f"SELECT {JOB_COLUMNS}, {due} FROM jobs WHERE state = ? AND {due} <= ?{where}"
            f" ORDER BY {due}, id LIMIT 1",
            (state, stamp, *args),
        ).fetchone()
        for state, due in lookups
    ]
    found = [tuple(c) for c in candidates if c is not None]
    if not found:
        return None
    return min(found, key=lambda row: (row[-1], row[0]))[:-1]


def _waiting(db: sqlite3.Connection, channel: str) -> int:
    marks = ", ".join("?" for _ in WAITING_STATES)
    row = db.execute(f"SELECT COUNT(*) FROM jobs WHERE channel = ? AND state IN ({marks})",
                     (channel, *WAITING_STATES)).fetchone()
    return int(row[0])


def _replace_claimed(job: Job, until: float, owner: str) -> Job:
    return replace(job, state="sending", leased_until=_dt(until), lease_owner=owner,
                   attempts=job.attempts + 1)


class SqliteBackend:
    """SQLite as a queue backend: a file path, or a ``sqlite://PATH`` URL."""

    def open(self, location: str, create: bool, wait: float) -> SqliteQueue:
        """Open the ledger file *location* names."""
        return SqliteQueue(sqlite_file(location), create=create, wait=wait)

    @contextmanager
    def scratch(self, location: str) -> Iterator[SqliteQueue]:
        """Yield a queue on a temporary copy of the ledger (empty if none exists).

        The copy is read through a read-only connection with SQLite's backup API, which
        gives a consistent snapshot even while a dispatcher writes.
        """
        path = sqlite_file(location)
        with tempfile.TemporaryDirectory(prefix="pressroom-dry-run-") as folder:
            copy = Path(folder) / "ledger.sqlite3"
            if path.exists():
                _snapshot(path, copy)
            with SqliteQueue(copy) as queue:
                yield queue


sqlite_backend = SqliteBackend()
SQLITE_SCHEME = "sqlite"


def sqlite_file(location: str) -> Path:
    """Return the file a location names: ``sqlite:///abs/path``, ``sqlite://rel/path`` or a path."""
    return Path(location.removeprefix(f"{SQLITE_SCHEME}://"))


def _snapshot(path: Path, copy: Path) -> None:
    try:
        source = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise UserError(f"cannot read the queue: {exc}", path) from None
    target = sqlite3.connect(copy)
    try:
        source.backup(target)
    except sqlite3.Error as exc:
        raise UserError(f"cannot read the queue: {exc}", path) from None
    finally:
        source.close()
        target.close()
