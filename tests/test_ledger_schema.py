"""Schema versions of the ledger, on both backends: an older ledger is migrated and read
right, `pressroom queue migrate` says from which version to which (and changes nothing
the second time), and a ledger written by a newer pressroom is refused in one line."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
from click.testing import CliRunner

from pressroom.cli import cli
from pressroom.queue import open_queue
from pressroom.queue.sql import MIGRATIONS, SCHEMA_VERSION

NOW = datetime(2030, 1, 1, 9, 0, tzinfo=UTC)

# The ledger as the first pressroom wrote it: no version marker, jobs without
# `replaces`, editions without `baseline_at`, none of the later tables.
OLD_SCHEMA = """
CREATE TABLE editions (slug TEXT NOT NULL, revision INTEGER NOT NULL, content_hash TEXT NOT NULL,
    meta TEXT NOT NULL, created_at REAL NOT NULL, PRIMARY KEY (slug, revision));
CREATE TABLE files (slug TEXT NOT NULL, revision INTEGER NOT NULL, kind TEXT NOT NULL,
    filename TEXT NOT NULL, content_type TEXT NOT NULL, data BLOB NOT NULL,
    PRIMARY KEY (slug, revision, kind));
CREATE TABLE jobs (id INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE, slug TEXT NOT NULL,
    revision INTEGER NOT NULL, list_name TEXT NOT NULL, channel TEXT NOT NULL, email TEXT NOT NULL,
    name TEXT NOT NULL, state TEXT NOT NULL, not_before REAL NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0, last_error TEXT NOT NULL DEFAULT '', leased_until REAL,
    lease_owner TEXT NOT NULL DEFAULT '', created_at REAL NOT NULL, updated_at REAL NOT NULL,
    sent_at REAL);
CREATE INDEX jobs_due ON jobs (state, not_before);
"""
META = {"title": "Alt", "number": "7/2029", "language": "de", "published": "2029-12-01T09:00:00+00:00",
        "from_name": "Presse", "from_email": "presse@example.org", "host": "example.org"}


def old_ledger(path: Path) -> Path:
    """A ledger an older pressroom wrote: one edition, one job sent, one pending."""
    stamp = NOW.timestamp()
    with sqlite3.connect(path) as db:
        db.executescript(OLD_SCHEMA)
        db.execute("INSERT INTO editions VALUES ('2029-12-01-alt', 1, 'h', ?, ?)", (json.dumps(META), stamp))
        db.execute("INSERT INTO files VALUES ('2029-12-01-alt', 1, 'text', 'alt.txt', 'text/plain', ?)",
                   (b"Text",))
        db.executemany(
            "INSERT INTO jobs (key, slug, revision, list_name, channel, email, name, state, not_before,"
            " created_at, updated_at, sent_at) VALUES (?, '2029-12-01-alt', 1, 'presse', 'mail', ?, ?, ?, ?,"
            " ?, ?, ?)",
            [("k1", "a@example.org", "A", "sent", stamp, stamp, stamp, stamp),
             ("k2", "b@example.org", "B", "pending", stamp, stamp, stamp, None)])
    db.close()
    return path


def queue_cli(room, location, *args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(cli, ["queue", "--root", str(room.root), "--queue", str(location), *args])


def set_version(location: Path | str, version: int) -> None:
    """Record *version* in the ledger as a pressroom that knows it would."""
    sql = "INSERT INTO schema_migrations (version, title, applied_at) VALUES (99, 'from the future', 0)"
    sql = sql.replace("99", str(version))
    if isinstance(location, Path):
        with sqlite3.connect(location) as db:
            db.execute(sql)
        db.close()
    else:
        with psycopg.connect(location, autocommit=True) as conn:
            conn.execute(sql.encode())


def test_the_migrations_are_numbered_one_after_the_other() -> None:
    assert [m.version for m in MIGRATIONS] == list(range(1, SCHEMA_VERSION + 1))


def test_an_old_sqlite_ledger_without_a_version_is_migrated_and_read_right(tmp_path: Path) -> None:
    path = old_ledger(tmp_path / "old.sqlite3")
    with open_queue(path) as queue:
        assert queue.schema_versions() == (0, SCHEMA_VERSION)
        jobs = {job.email: job for job in queue.jobs()}
        assert {e: (j.state, j.replaces) for e, j in jobs.items()} == {
            "a@example.org": ("sent", ""), "b@example.org": ("pending", "")}
        assert queue.numbers() == {"7/2029": "2029-12-01-alt"}  # taken from its edition
        assert queue.baselines() == {}
        assert queue.suppress("b@example.org", "manual", "", NOW)  # the later tables are there
        claimed = queue.claim(NOW + timedelta(minutes=1), timedelta(minutes=5), "me")
        assert claimed is None  # b@ is suppressed now: cancelled, not claimed
        assert queue.jobs(state="cancelled")[0].email == "b@example.org"
        assert queue.edition("2029-12-01-alt", 1).files["text"].data == b"Text"
    with open_queue(path) as queue:
        assert queue.schema_versions() == (SCHEMA_VERSION, SCHEMA_VERSION)


def test_queue_migrate_brings_an_old_sqlite_ledger_up_to_date_once(room, tmp_path: Path) -> None:
    path = old_ledger(tmp_path / "old.sqlite3")
    first = queue_cli(room, path, "migrate")
    assert first.exit_code == 0, first.output
    assert first.output == f"queue migrate: {path}: schema version 0 -> {SCHEMA_VERSION}\n"
    again = queue_cli(room, path, "migrate")
    assert again.output == (f"queue migrate: {path}: schema version {SCHEMA_VERSION} -> {SCHEMA_VERSION}"
                            " (up to date)\n")
    with sqlite3.connect(path) as db:
        versions = [row[0] for row in db.execute("SELECT version FROM schema_migrations ORDER BY version")]
    db.close()
    assert versions == list(range(1, SCHEMA_VERSION + 1))


def test_queue_migrate_creates_the_ledger_in_an_empty_postgresql_database(room, postgres_url: str) -> None:
    first = queue_cli(room, postgres_url, "migrate")
    assert first.exit_code == 0, first.output
    assert first.output == f"queue migrate: {postgres_url}: schema version 0 -> {SCHEMA_VERSION}\n"
    again = queue_cli(room, postgres_url, "migrate")
    assert again.output.endswith(f"schema version {SCHEMA_VERSION} -> {SCHEMA_VERSION} (up to date)\n")
    with psycopg.connect(postgres_url) as conn:
        tables = {row[0] for row in conn.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'")}
    assert tables == {"editions", "files", "jobs", "numbers", "suppressions", "ledger_meta",
                      "channel_state", "rate_slots", "schema_migrations"}


def test_queue_migrate_does_not_make_a_missing_sqlite_ledger(room, tmp_path: Path) -> None:
    done = queue_cli(room, tmp_path / "none.sqlite3", "migrate")
    assert done.exit_code == 1
    assert "no queue at" in done.stderr and "Traceback" not in done.output
    assert not (tmp_path / "none.sqlite3").exists()


def test_a_ledger_of_a_newer_pressroom_is_refused_in_one_line(ledger_location, room) -> None:  # type: ignore[no-untyped-def]
    open_queue(ledger_location).close()
    set_version(ledger_location, SCHEMA_VERSION + 1)
    for command in ("status", "list", "migrate"):
        done = queue_cli(room, ledger_location, command)
        assert done.exit_code == 1, done.output
        assert done.stdout == ""
        (line,) = done.stderr.splitlines()
        assert f"has schema version {SCHEMA_VERSION + 1}" in line and "newer pressroom" in line
    with psycopg.connect(ledger_location) if isinstance(ledger_location, str) else sqlite3.connect(
            ledger_location) as db:
        rows = db.execute("SELECT MAX(version) FROM schema_migrations").fetchone()
    assert rows[0] == SCHEMA_VERSION + 1  # refused, not rewritten
