"""The ledger's SQL, shared by every SQL backend: statements, row mapping, schema versions.

``SqlQueue`` implements every ``Queue`` method once, on a ``Db`` (what a DB-API
connection offers: ``execute`` and ``executemany`` with ``?`` placeholders) that a
backend's ``_transaction`` / ``_read`` yield. A backend keeps only what differs:
connecting, transactions and locking, error mapping, and its ``Dialect`` (column
types, row locks, JSON access). SQLite (sqlite.py) serialises writers with its
write lock; PostgreSQL (postgres.py) locks rows (``FOR UPDATE SKIP LOCKED`` for
claims), so the statements here are written to be correct under both.

The schema is versioned: ``schema_migrations`` holds one row per applied
migration of ``MIGRATIONS``; ``migrate`` applies the missing ones in order under
the backend's write lock. A ledger from before versions (no table) is version 0:
every migration is written to be safe on it (tables IF NOT EXISTS, columns added
only where missing), so an old ledger is migrated, never misread. A ledger with a
version above ``SCHEMA_VERSION`` was written by a newer pressroom and is refused.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

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


class Cursor(Protocol):
    """What the statements read back: rows and the count of changed rows."""

    @property
    def rowcount(self) -> int: ...

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...

    def __iter__(self) -> Iterator[Any]: ...


class Db(Protocol):
    """A connection inside one transaction, taking ``?`` placeholders."""

    def execute(self, sql: str, parameters: Sequence[Any] = (), /) -> Cursor: ...

    def executemany(self, sql: str, parameters: Sequence[Sequence[Any]], /) -> Cursor: ...


@dataclass(frozen=True)
class Dialect:
    """What the same ledger looks like in one SQL engine."""

    name: str
    blob: str  # the type of binary columns
    real: str  # the type of the epoch-seconds columns
    id_column: str  # an integer primary key that numbers itself
    order_column: str  # what orders rows by insertion (SQLite's rowid; a column on PostgreSQL)
    order_declaration: str  # that column's declaration, "" when the engine has one built in
    lock_skip: str  # appended to a claim's SELECT: lock the row, pass over rows others hold
    lock_row: str  # appended to a SELECT whose row the transaction will update
    json_text: str  # the text at key {1} of the JSON text column {0}
    columns_sql: str  # the column names of table ? ("" rows: no such table)
    migration_lock: str  # taken first in the migrating transaction ("" : the write lock is enough)
    greatest: str  # the larger of its arguments (SQLite's scalar max)
    least: str  # the smaller of its arguments (SQLite's scalar min)
    # Run first in a dispatcher's hot-path transaction: a commit that need not wait for
    # the disk ("" where commits already do not: SQLite's WAL with synchronous=NORMAL).
    relaxed_commit: str

    def json_field(self, column: str, key: str) -> str:
        """SQL for the text of *key* in the JSON text in *column*."""
        return self.json_text.format(column, key)


# --- schema versions ---------------------------------------------------------------

def _create_tables(db: Db, d: Dialect) -> None:
    """The ledger's tables as they first shipped (IF NOT EXISTS: a pre-version ledger has them)."""
    for statement in TABLES.format(blob=d.blob, real=d.real, id=d.id_column,
                                   order=d.order_declaration).split(";"):
        if statement.strip():
            db.execute(statement)


def _add_columns(db: Db, d: Dialect) -> None:
    """Add the columns of ADDED_COLUMNS that an older ledger lacks."""
    for table, column, declaration in ADDED_COLUMNS:
        present = {row[0] for row in db.execute(d.columns_sql, (table,))}
        if column not in present:
            db.execute(f"ALTER TABLE {table} ADD COLUMN {column} {declaration.format(real=d.real)}")


def _backfill_numbers(db: Db, d: Dialect) -> None:
    """Fill an empty numbers table from the editions: a ledger from before the table.

    Oldest edition first: where an old renumbering gave one number to two
    releases, the release that had it first keeps it.
    """
    if db.execute("SELECT 1 FROM numbers LIMIT 1").fetchone() is not None:
        return
    number = d.json_field("meta", "number")
    db.execute(
        "INSERT INTO numbers (number, slug, recorded_at, source)"
        f" SELECT {number}, slug, created_at, 'queued' FROM editions"
        f" WHERE COALESCE({number}, '') != '' ORDER BY created_at, revision ON CONFLICT DO NOTHING"
    )


@dataclass(frozen=True)
class Migration:
    """One step of the schema: applied once, in order, in the migrating transaction."""

    version: int
    title: str
    apply: Callable[[Db, Dialect], None]


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "the ledger's tables", _create_tables),
    Migration(2, "jobs.replaces and editions.baseline_at", _add_columns),
    Migration(3, "release numbers recorded from the editions", _backfill_numbers),
)
SCHEMA_VERSION = MIGRATIONS[-1].version

TABLES = """
CREATE TABLE IF NOT EXISTS editions (
    slug TEXT NOT NULL,
    revision INTEGER NOT NULL,
    content_hash TEXT NOT NULL,
    meta TEXT NOT NULL,
    created_at {real} NOT NULL,
    PRIMARY KEY (slug, revision)
);
CREATE TABLE IF NOT EXISTS files (
    slug TEXT NOT NULL,
    revision INTEGER NOT NULL,
    kind TEXT NOT NULL,
    filename TEXT NOT NULL,
    content_type TEXT NOT NULL,
    data {blob} NOT NULL,
    PRIMARY KEY (slug, revision, kind),
    FOREIGN KEY (slug, revision) REFERENCES editions (slug, revision)
);
CREATE TABLE IF NOT EXISTS jobs (
    id {id},
    key TEXT NOT NULL UNIQUE,
    slug TEXT NOT NULL,
    revision INTEGER NOT NULL,
    list_name TEXT NOT NULL,
    channel TEXT NOT NULL,
    email TEXT NOT NULL,
    name TEXT NOT NULL,
    state TEXT NOT NULL,
    not_before {real} NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT NOT NULL DEFAULT '',
    leased_until {real},
    lease_owner TEXT NOT NULL DEFAULT '',
    created_at {real} NOT NULL,
    updated_at {real} NOT NULL,
    sent_at {real},
    FOREIGN KEY (slug, revision) REFERENCES editions (slug, revision)
);
-- Release numbers that went public or out: each belongs to its slug for good.
CREATE TABLE IF NOT EXISTS numbers (
    {order}number TEXT PRIMARY KEY,
    slug TEXT NOT NULL,
    recorded_at {real} NOT NULL,
    source TEXT NOT NULL  -- public | queued | sent: where the number first appeared
);
CREATE INDEX IF NOT EXISTS jobs_due ON jobs (state, not_before);
CREATE INDEX IF NOT EXISTS jobs_lease ON jobs (state, leased_until);
CREATE INDEX IF NOT EXISTS jobs_slug ON jobs (slug, state);
CREATE TABLE IF NOT EXISTS suppressions (
    address TEXT PRIMARY KEY,  -- normalised
    reason TEXT NOT NULL,
    source TEXT NOT NULL,  -- manual | bounce | unsubscribe | smtp
    created_at {real} NOT NULL
);
CREATE TABLE IF NOT EXISTS ledger_meta (
    name TEXT PRIMARY KEY,
    value {blob} NOT NULL
);
CREATE TABLE IF NOT EXISTS channel_state (
    channel TEXT PRIMARY KEY,
    paused_until {real} NOT NULL,
    failures INTEGER NOT NULL,
    last_error TEXT NOT NULL,
    updated_at {real} NOT NULL
);
CREATE TABLE IF NOT EXISTS rate_slots (
    channel TEXT PRIMARY KEY,
    next_at {real} NOT NULL
)
"""

# Columns added after a table first shipped: (table, column, declaration).
ADDED_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("jobs", "replaces", "TEXT NOT NULL DEFAULT ''"),
    # When `queue baseline` recorded the edition as distributed without sending it.
    ("editions", "baseline_at", "{real}"),
)

VERSIONS_TABLE = ("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY,"
                  " title TEXT NOT NULL, applied_at {real} NOT NULL)")

# Jobs that still wait for their channel: what a paused channel holds up.
WAITING_STATES = ("pending", "failed", "sending")
# A rate slot further ahead than this many intervals means the wall clock went back.
MAX_SLOTS_AHEAD = 64

JOB_COLUMNS = (
    "id, key, slug, revision, list_name, channel, email, name, state, not_before, attempts, "
    "last_error, leased_until, lease_owner, created_at, updated_at, sent_at, replaces"
)


def stored_version(db: Db, d: Dialect) -> int:
    """The schema version of the ledger *db* holds: 0 before versions (or when empty)."""
    if not db.execute(d.columns_sql, ("schema_migrations",)).fetchall():
        return 0
    row = db.execute("SELECT MAX(version) FROM schema_migrations").fetchone()
    return int(row[0] or 0)


def refuse_newer(version: int, where: str) -> None:
    """Stop at a ledger a newer pressroom wrote: this one would misread it."""
    if version > SCHEMA_VERSION:
        raise QueueError(f"the ledger {where} has schema version {version}, but this pressroom knows"
                         f" versions up to {SCHEMA_VERSION}: it was written by a newer pressroom;"
                         " upgrade pressroom to use it")


def apply_migrations(db: Db, d: Dialect, where: str, now: datetime) -> tuple[int, int]:
    """Bring the ledger in *db* (a write transaction) to SCHEMA_VERSION; return (from, to)."""
    if d.migration_lock:
        db.execute(d.migration_lock)
    db.execute(VERSIONS_TABLE.format(real=d.real))
    current = stored_version(db, d)
    refuse_newer(current, where)
    for migration in MIGRATIONS:
        if migration.version > current:
            migration.apply(db, d)
            db.execute("INSERT INTO schema_migrations (version, title, applied_at) VALUES (?, ?, ?)",
                       (migration.version, migration.title, _ts(now)))
    return current, max(current, SCHEMA_VERSION)


# --- rows ----------------------------------------------------------------------------

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



class SqlQueue:
    """Every Queue method, once, on the ``Db`` a backend's transactions yield.

    A backend sets ``dialect`` and ``where`` (the ledger as messages name it) and
    provides ``_transaction`` (a write: on SQLite its write lock first) and
    ``_read`` (a consistent read); each maps its engine's errors to QueueError.
    """

    dialect: Dialect
    where: str
    # The schema version the ledger had when it was opened, and the one it has now.
    opened_version: int = SCHEMA_VERSION
    schema_version: int = SCHEMA_VERSION

    def _transaction(self) -> AbstractContextManager[Db]:
        raise NotImplementedError

    def _read(self) -> AbstractContextManager[Db]:
        raise NotImplementedError

    def _statement(self) -> AbstractContextManager[Db]:
        """A read of one statement: no transaction needed where the engine allows it."""
        return self._read()

    @contextmanager
    def _hot_transaction(self) -> Iterator[Db]:
        """A dispatcher's claim, slot, sent-mark or give-back: a transaction whose commit
        may be lost in a crash of the database server (never torn), which can only repeat
        a delivery, never lose one or send one nobody meant to send."""
        with self._transaction() as db:
            if self.dialect.relaxed_commit:
                db.execute(self.dialect.relaxed_commit)
            yield db

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> SqlQueue:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _require_ledger(self) -> None:
        """Refuse a database without the ledger's tables (a command that must not create one).

        An existing database of some other program, or an empty one, is not an empty
        ledger: reading it as one would show an empty queue, and migrating it would write
        the ledger's tables into it.
        """
        with self._read() as db:
            if not db.execute(self.dialect.columns_sql, ("jobs",)).fetchall():
                raise QueueError(f"no queue in {self.where}: nothing was published to this database yet"
                                 " (run `pressroom publish`)")

    def _migrate(self, now: datetime | None = None) -> None:
        """Bring the schema up to date if it is behind (a write only then); refuse a newer one."""
        with self._read() as db:
            version = stored_version(db, self.dialect)
        refuse_newer(version, self.where)
        self.opened_version = self.schema_version = version
        if version < SCHEMA_VERSION:
            with self._transaction() as db:
                self.opened_version, self.schema_version = apply_migrations(
                    db, self.dialect, self.where, now or datetime.now(UTC))

    def schema_versions(self) -> tuple[int, int]:
        """The schema version the ledger had when opened, and the one it has now."""
        return self.opened_version, self.schema_version

    # --- editions -----------------------------------------------------------------

    def add_edition(self, edition: Edition, jobs: list[NewJob], now: datetime) -> int:
        """Store *edition*, its files and jobs in one transaction; return how many jobs were new."""
        stamp = _ts(now)
        with self._transaction() as db:
            _insert_edition(db, edition, stamp)
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
            # The key is unique: a job queued before (by this run or a concurrent one) is kept.
            added = db.executemany(
                "INSERT INTO jobs (key, slug, revision, list_name, channel, email, name,"
                " state, last_error, not_before, created_at, updated_at, replaces)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                rows,
            ).rowcount if rows else 0
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
        with self._statement() as db:
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
        with self._hot_transaction() as db:
            lock = self.dialect.lock_skip
            row = _next_due(db, stamp, max_attempts, channels, lock)
            while row is not None and _cancel_if_suppressed(db, row, stamp):
                row = _next_due(db, stamp, max_attempts, channels, lock)  # that address opted out
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
        lock = self.dialect.lock_skip
        with self._transaction() as db:
            rows = [
                *db.execute(spent + " AND leased_until <= ?" + lock, (max_attempts, "sending", stamp)),
                *db.execute(spent + " AND not_before <= ?" + lock, (max_attempts, "failed", stamp)),
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
        with self._hot_transaction() as db:
            db.execute(
                "UPDATE jobs SET state = 'sent', sent_at = ?, updated_at = ?, leased_until = NULL,"
                " last_error = '' WHERE id = ?",
                (stamp, stamp, job_id),
            )
            # The delivered message carries the edition's number: it is taken for good.
            number = self.dialect.json_field("e.meta", "number")
            db.execute(
                "INSERT INTO numbers (number, slug, recorded_at, source)"
                f" SELECT {number}, e.slug, ?, 'sent'"
                " FROM jobs j JOIN editions e ON e.slug = j.slug AND e.revision = j.revision"
                f" WHERE j.id = ? AND COALESCE({number}, '') != '' ON CONFLICT DO NOTHING",
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
        with self._hot_transaction() as db:
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
            row = db.execute("SELECT failures FROM channel_state WHERE channel = ?"
                             + self.dialect.lock_row, (channel,)).fetchone()
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
        with self._read() as db:
            rows = db.execute(
                "SELECT channel, paused_until, failures, last_error FROM channel_state ORDER BY channel"
            ).fetchall()
            return [ChannelState(channel, datetime.fromtimestamp(until, UTC), failures, error,
                                 _waiting(db, channel))
                    for channel, until, failures, error in rows]

    def take_slot(self, channel: str, interval: float, now: float) -> float:
        """Reserve the next send of *channel*: at *now* or *interval* after the last reserved
        one, whichever is later; return that moment (epoch seconds)."""
        d = self.dialect
        # One statement, so the channel's row is locked only for its own short transaction
        # (dispatchers on other machines take their slots one after the other; on SQLite
        # the write lock does it). It returns the slot's end; the slot is that - interval.
        with self._hot_transaction() as db:
            (next_at,) = db.execute(
                "INSERT INTO rate_slots (channel, next_at) VALUES (?, ?) ON CONFLICT (channel)"
                f" DO UPDATE SET next_at = {d.greatest}(?, {d.least}(rate_slots.next_at, ?)) + ?"
                " RETURNING next_at",
                (channel, now + interval, now, now + MAX_SLOTS_AHEAD * interval, interval),
            ).fetchone()
        slot = max(now, next_at - interval)  # max: float rounding never moves a slot before now
        return float(slot)

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
        with self._hot_transaction() as db:
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
                "INSERT INTO suppressions (address, reason, source, created_at)"
                " VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
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
            db.execute("INSERT INTO ledger_meta (name, value) VALUES (?, ?) ON CONFLICT DO NOTHING",
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
            rows = db.execute("SELECT number, slug FROM numbers"
                              f" ORDER BY recorded_at, {self.dialect.order_column}")
            return {number: slug for number, slug in rows}

    def record_numbers(self, assignments: Mapping[str, str], now: datetime, source: str) -> None:
        """Record each number -> slug of *assignments*; a number already recorded keeps its owner."""
        with self._transaction() as db:
            _insert_numbers(db, assignments, _ts(now), source)




def _insert_numbers(db: Db, assignments: Mapping[str, str], stamp: float,
                    source: str) -> None:
    rows = [(number, slug, stamp, source) for number, slug in assignments.items() if number]
    if rows:
        db.executemany("INSERT INTO numbers (number, slug, recorded_at, source) VALUES (?, ?, ?, ?)"
                       " ON CONFLICT DO NOTHING", rows)


def _insert_edition(db: Db, edition: Edition, stamp: float) -> None:
    """Store *edition* and its files unless that revision is stored already."""
    db.execute(
        "INSERT INTO editions (slug, revision, content_hash, meta, created_at)"
        " VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        (edition.slug, edition.revision, edition.content_hash,
         json.dumps(edition.record.to_json(), sort_keys=True), stamp),
    )
    files = [(edition.slug, edition.revision, f.kind, f.filename, f.content_type, f.data)
             for f in edition.files.values()]
    if files:
        db.executemany("INSERT INTO files (slug, revision, kind, filename, content_type, data)"
                       " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING", files)


SUPPRESSION_COLUMNS = "address, source, reason, created_at"


def _suppression(row: tuple[Any, ...]) -> Suppression:
    address, source, reason, created_at = row
    return Suppression(address, source, reason, datetime.fromtimestamp(created_at, UTC))


def _suppressions(db: Db) -> dict[str, Suppression]:
    rows = db.execute(f"SELECT {SUPPRESSION_COLUMNS} FROM suppressions")
    return {row[0]: _suppression(row) for row in rows}


def _cancel_if_suppressed(db: Db, row: tuple[Any, ...], stamp: float) -> bool:
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


def _next_due(db: Db, stamp: float, max_attempts: int | None,
              channels: Collection[str] | None = None, lock: str = "") -> tuple[Any, ...] | None:
    """Return the claimable job that became due first, or None.

    A pending or failed job is due from its ``not_before``, an expired lease from
    its ``leased_until``: ordering all three by that moment means a job that kills
    its dispatcher goes to the back each time instead of blocking the queue.
    One indexed lookup per state, each read in index order with LIMIT 1, so a claim
    costs the same with ten jobs or a hundred thousand (one OR query would sort
    every due job on every claim). *channels* limits the claim to those channels.
    *lock* (PostgreSQL: FOR UPDATE SKIP LOCKED) locks each candidate and passes over
    rows another dispatcher is claiming right now.
    """
    where = ""
    args: list[Any] = []
    if max_attempts is not None:
        where += " AND attempts < ?"
        args.append(max_attempts)
    # Paused channels as a subquery, not a lookup first: one round trip less per claim.
    where += " AND channel NOT IN (SELECT channel FROM channel_state WHERE paused_until > ?)"
    args.append(stamp)
    if channels is not None:
        names = sorted(channels)
        if not names:
            return None  # no channel may be used: nothing to claim (and `IN ()` is not SQL everywhere)
        where += f" AND channel IN ({', '.join('?' for _ in names)})"
        args.extend(names)
    lookups = [("sending", "leased_until"), ("pending", "not_before"), ("failed", "not_before")]
    candidates = [
        db.execute(
            f"SELECT {JOB_COLUMNS}, {due} FROM jobs WHERE state = ? AND {due} <= ?{where}"
            f" ORDER BY {due}, id LIMIT 1{lock}",
            (state, stamp, *args),
        ).fetchone()
        for state, due in lookups
    ]
    found = [tuple(c) for c in candidates if c is not None]
    if not found:
        return None
    return min(found, key=lambda row: (row[-1], row[0]))[:-1]


def _waiting(db: Db, channel: str) -> int:
    marks = ", ".join("?" for _ in WAITING_STATES)
    row = db.execute(f"SELECT COUNT(*) FROM jobs WHERE channel = ? AND state IN ({marks})",
                     (channel, *WAITING_STATES)).fetchone()
    return int(row[0])


def _replace_claimed(job: Job, until: float, owner: str) -> Job:
    return replace(job, state="sending", leased_until=_dt(until), lease_owner=owner,
                   attempts=job.attempts + 1)

