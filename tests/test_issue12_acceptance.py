"""Issue 12 acceptance: what an operator meets with the ledger on either backend (CLI as a user runs it)."""

from __future__ import annotations

import socket
import sqlite3
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

from click.testing import CliRunner
from postgres_support import PostgresServer

from pressroom.cli import cli
from pressroom.queue import queue_location

PASSWORD = "Geheim-7zq2"


def foreign_database(location: Path | str, postgres_server: PostgresServer) -> None:
    """Give the empty database at *location* a table of some other program: not a ledger."""
    if isinstance(location, Path):
        with sqlite3.connect(location) as db:
            db.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, amount REAL)")
        return
    postgres_server.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, amount REAL)",
                            dbname=urlsplit(location).path.lstrip("/"))


def table_names(location: Path | str, postgres_server: PostgresServer) -> set[str]:
    if isinstance(location, Path):
        with sqlite3.connect(location) as db:
            return {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    import psycopg
    with psycopg.connect(location) as conn:
        rows = conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'").fetchall()
    return {row[0] for row in rows}


def test_queue_status_and_list_refuse_a_database_that_holds_no_ledger_and_leave_it_alone(
        room, ledger_location, postgres_server: PostgresServer) -> None:  # type: ignore[no-untyped-def]
    # PRESSROOM_QUEUE pointed at the wrong database: the reading commands must say so, on
    # both backends alike, not show an empty queue and write the ledger's tables into it.
    foreign_database(ledger_location, postgres_server)
    for command in (["status"], ["list"], ["suppressed"]):
        done = CliRunner().invoke(cli, ["queue", *command, "--root", str(room.root),
                                        "--queue", str(ledger_location)])
        assert done.exit_code == 1, (command, done.output)
        (line,) = done.stderr.splitlines()
        assert line.startswith(f"no queue in {ledger_location}: nothing was published to this database yet")
        assert "Traceback" not in done.output
    assert table_names(ledger_location, postgres_server) == {"invoices"}


def test_a_server_that_accepts_but_never_answers_is_given_up_in_one_line(room) -> None:  # type: ignore[no-untyped-def]
    # A firewalled or hung database host: the TCP handshake completes (the kernel's
    # backlog), then nothing. Without a connect timeout every command would hang.
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        port = silent.getsockname()[1]
        url = f"postgresql://anna:{PASSWORD}@127.0.0.1:{port}/presse"
        # The subprocess timeout is the hang guard; --wait 1 makes pressroom give up after 2 s.
        done = subprocess.run([sys.executable, "-m", "pressroom", "queue", "status", "--wait", "1",
                               "--root", str(room.root), "--queue", url],
                              capture_output=True, text=True, timeout=30)
    assert done.returncode == 1, (done.stdout, done.stderr)
    assert "Traceback" not in done.stderr and PASSWORD not in done.stdout + done.stderr
    (line,) = done.stderr.splitlines()
    assert line == (f"cannot connect to the queue postgresql://anna:***@127.0.0.1:{port}/presse:"
                    " connection timeout expired")


def test_a_queue_url_pasted_with_spaces_or_a_newline_is_still_the_database(
        postgres_url: str, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # A CI variable or an env file easily keeps a space or the newline of the paste. Taken
    # as it is, " postgresql://…" was a relative file path: publish quietly made a SQLite
    # ledger in a folder named " postgresql:" in the checkout.
    monkeypatch.chdir(tmp_path)
    assert queue_location(tmp_path, f" {postgres_url}\n") == postgres_url
    assert queue_location(tmp_path, f"\t{tmp_path}/q.sqlite3 ") == tmp_path / "q.sqlite3"
    done = CliRunner(env={"PRESSROOM_QUEUE": f" {postgres_url}\n"}).invoke(cli, ["queue", "migrate"])
    assert done.exit_code == 0, done.output
    assert done.output == f"queue migrate: {postgres_url}: schema version 0 -> 3\n"
    assert list(tmp_path.iterdir()) == []
