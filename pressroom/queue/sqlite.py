"""The embedded outbox: one SQLite file in WAL mode, one transaction per operation.

Claims run under ``BEGIN IMMEDIATE``, which takes SQLite's write lock before
reading, so two dispatchers on one machine never lease the same job.
``synchronous=NORMAL`` keeps every commit across a crash of the process; after a
power loss the last commits may roll back, which can only repeat a delivery
(its "sent" mark is lost) or a queueing (publish queues it again), never lose one.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from ..errors import UserError
from .base import OPEN_STATES, CancelResult, ChannelState, Edition, File, Job, NewJob

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
CREATE INDEX IF NOT EXISTS jobs_due ON jobs (state, not_before);
CREATE INDEX IF NOT EXISTS jobs_lease ON jobs (state, leased_until);
CREATE INDEX IF NOT EXISTS jobs_slug ON jobs (slug, state);
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
ADDED_COLUMNS: tuple[tuple[str, str, str], ...] = ()

# Jobs that still wait for their channel: what a paused channel holds up.
WAITING_STATES = ("pending", "failed", "sending")
# A rate slot further ahead than this many intervals means the wall clock went back.
MAX_SLOTS_AHEAD = 64

JOB_COLUMNS = (
    "id, key, slug, revision, list_name, channel, email, name, state, not_before, attempts, "
    "last_error, leased_until, lease_owner, created_at, updated_at, sent_at"
)


def _ts(moment: datetime) -> float:
    if moment.tzinfo is None:
        raise ValueError("the queue stores aware datetimes only")
    return moment.timestamp()


def _dt(value: float | None) -> datetime | None:
    return None if value is None else datetime.fromtimestamp(value, UTC)


def _job(row: tuple[Any, ...]) -> Job:
    (id_, key, slug, revision, list_name, channel, email, name, state, not_before, attempts,
     last_error, leased_until, lease_owner, created_at, updated_at, sent_at) = row
    return Job(
        id=id_, key=key, slug=slug, revision=revision, list_name=list_name, channel=channel,
        email=email, name=name, state=state, not_before=datetime.fromtimestamp(not_before, UTC),
        attempts=attempts, last_error=last_error, leased_until=_dt(leased_until),
        lease_owner=lease_owner, created_at=datetime.fromtimestamp(created_at, UTC),
        updated_at=datetime.fromtimestamp(updated_at, UTC), sent_at=_dt(sent_at),
    )


class SqliteQueue:
    """The Queue interface on one SQLite file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            # Autocommit mode: every transaction below is opened explicitly.
            self.db = sqlite3.connect(path, isolation_level=None, timeout=30.0)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.execute("PRAGMA foreign_keys=ON")
            self.db.executescript(SCHEMA)
            _add_columns(self.db)
        except sqlite3.DatabaseError as exc:
            raise UserError(f"cannot open the queue: {exc}", path) from None

    def __enter__(self) -> SqliteQueue:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.db.close()

    @contextmanager
    def _transaction(self, immediate: bool = True) -> Iterator[sqlite3.Connection]:
        self.db.execute("BEGIN IMMEDIATE" if immediate else "BEGIN")
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    # --- editions -----------------------------------------------------------------

    def add_edition(self, edition: Edition, jobs: list[NewJob], now: datetime) -> int:
        """Store *edition*, its files and jobs in one transaction; return how many jobs were new."""
        stamp = _ts(now)
        with self._transaction() as db:
            db.execute(
                "INSERT OR IGNORE INTO editions (slug, revision, content_hash, meta, created_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (edition.slug, edition.revision, edition.content_hash,
                 json.dumps(edition.meta, sort_keys=True), stamp),
            )
            db.executemany(
                "INSERT OR IGNORE INTO files (slug, revision, kind, filename, content_type, data)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                [(edition.slug, edition.revision, f.kind, f.filename, f.content_type, f.data)
                 for f in edition.files.values()],
            )
            before = db.total_changes
            db.executemany(
                "INSERT OR IGNORE INTO jobs (key, slug, revision, list_name, channel, email, name,"
                " state, not_before, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?)",
                [(j.key(edition.slug, edition.revision), edition.slug, edition.revision,
                  j.list_name, j.channel, j.email, j.name, _ts(j.not_before), stamp, stamp)
                 for j in jobs],
            )
            return db.total_changes - before

    def latest_edition(self, slug: str) -> Edition | None:
        """Return the highest revision of *slug* without its files, or None."""
        row = self.db.execute(
            "SELECT slug, revision, content_hash, meta, created_at FROM editions"
            " WHERE slug = ? ORDER BY revision DESC LIMIT 1",
            (slug,),
        ).fetchone()
        if row is None:
            return None
        return Edition(row[0], row[1], row[2], json.loads(row[3]), {}, _dt(row[4]))

    def edition(self, slug: str, revision: int) -> Edition:
        """Return one edition with its files."""
        row = self.db.execute(
            "SELECT content_hash, meta, created_at FROM editions WHERE slug = ? AND revision = ?",
            (slug, revision),
        ).fetchone()
        if row is None:
            raise KeyError((slug, revision))
        files = {
            kind: File(kind, filename, content_type, bytes(data))
            for kind, filename, content_type, data in self.db.execute(
                "SELECT kind, filename, content_type, data FROM files"
                " WHERE slug = ? AND revision = ?",
                (slug, revision),
            )
        }
        return Edition(slug, revision, row[0], json.loads(row[1]), files, _dt(row[2]))

    # --- dispatch -----------------------------------------------------------------

    def claim(self, now: datetime, lease: timedelta, owner: str,
              max_attempts: int | None = None) -> Job | None:
        """Lease the job due first; expired leases of a dead dispatcher count as due since
        their lease ran out. Paused channels and spent jobs (attempts >= *max_attempts*) wait."""
        stamp = _ts(now)
        with self._transaction() as db:
            row = _next_due(db, stamp, max_attempts)
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

    def cancel(self, slug: str, now: datetime) -> CancelResult:
        """Recall the open jobs of *slug*; report what had already gone out or is in flight."""
        with self._transaction() as db:
            marks = ", ".join("?" for _ in OPEN_STATES)
            cursor = db.execute(
                f"UPDATE jobs SET state = 'cancelled', updated_at = ?"
                f" WHERE slug = ? AND state IN ({marks})",
                (_ts(now), slug, *OPEN_STATES),
            )
            cancelled = cursor.rowcount
        return CancelResult(cancelled, self.jobs(slug, "sent"), self.jobs(slug, "sending"))

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
            if job.state not in ("failed", "dead", "cancelled"):
                raise UserError(f"job {job_id} is {job.state}; only failed, dead or cancelled"
                                " jobs can be retried (a sent release: `pressroom queue resend`)")
            db.execute(
                "UPDATE jobs SET state = 'pending', not_before = ?, attempts = 0, updated_at = ?"
                " WHERE id = ?",
                (_ts(now), _ts(now), job_id),
            )
            row = db.execute(f"SELECT {JOB_COLUMNS} FROM jobs WHERE id = ?", (job_id,)).fetchone()
        return _job(row)

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
        return [_job(row) for row in self.db.execute(sql, args)]

    def counts(self) -> dict[tuple[str, str], int]:
        """Count jobs by (slug, state)."""
        rows = self.db.execute("SELECT slug, state, COUNT(*) FROM jobs GROUP BY slug, state")
        return {(slug, state): count for slug, state, count in rows}


def _add_columns(db: sqlite3.Connection) -> None:
    """Add the columns of ADDED_COLUMNS that an older ledger lacks."""
    for table, column, declaration in ADDED_COLUMNS:
        present = {row[1] for row in db.execute(f"PRAGMA table_info({table})")}
        if column not in present:
            db.execute(f"ALTER TABLE {table} ADD COLUMN {column} {declaration}")


def _next_due(db: sqlite3.Connection, stamp: float,
              max_attempts: int | None) -> tuple[Any, ...] | None:
    """Return the claimable job that became due first, or None.

    A pending or failed job is due from its ``not_before``, an expired lease from
    its ``leased_until``: ordering all three by that moment means a job that kills
    its dispatcher goes to the back each time instead of blocking the queue.
    One indexed lookup per state, each read in index order with LIMIT 1, so a claim
    costs the same with ten jobs or a hundred thousand (one OR query would sort
    every due job on every claim).
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
