"""The embedded outbox: one SQLite file in WAL mode, one transaction per operation.

The statements are the shared ones of sql.py; this module holds what is SQLite's
own. Claims run under ``BEGIN IMMEDIATE``, which takes SQLite's write lock before
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

import os
import sqlite3
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from ..errors import QueueError, UserError
from .sql import ADDED_COLUMNS, MIGRATIONS, SCHEMA_VERSION, Db, Dialect, SqlQueue

# Seconds a command waits for another writer (a dispatcher, a publish) to finish
# its transaction before it gives up with a message; transactions take milliseconds.
DEFAULT_WAIT = 10.0

SQLITE = Dialect(
    name="sqlite", blob="BLOB", real="REAL", id_column="INTEGER PRIMARY KEY",
    order_column="rowid", order_declaration="",
    # BEGIN IMMEDIATE already holds the one write lock: no row locks to take.
    lock_skip="", lock_row="",
    json_text="json_extract({0}, '$.{1}')",
    columns_sql="SELECT name FROM pragma_table_info(?)",
    migration_lock="",
    greatest="max", least="min",
    relaxed_commit="",  # WAL + synchronous=NORMAL: no commit waits for the disk already
)

class SqliteQueue(SqlQueue):
    """The Queue interface on one SQLite file."""

    dialect = SQLITE

    def __init__(self, path: Path, create: bool = True, wait: float = DEFAULT_WAIT) -> None:
        """Open the queue at *path*; with *create*, make it (and its folder) if missing.

        *wait* is how many seconds a statement waits for another writer's lock.
        """
        self.path = path
        self.where = str(path)
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
                self._identity = _identity(path)
                if not create:
                    self._require_ledger()
                self._migrate()
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
    def _transaction(self, immediate: bool = True) -> Iterator[Db]:
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
    def _read(self) -> Iterator[Db]:
        """A consistent snapshot for reading, with the checks and error mapping of a write."""
        with self._transaction(immediate=False) as db:
            yield db



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


__all__ = ["ADDED_COLUMNS", "DEFAULT_WAIT", "MIGRATIONS", "SCHEMA_VERSION", "SQLITE", "SQLITE_SCHEME",
           "SqliteBackend", "SqliteQueue", "sqlite_backend", "sqlite_file"]
