"""A real PostgreSQL server for the tests: Debian's binaries, started by the suite itself.

The server (``initdb`` + ``postgres`` from ``/usr/lib/postgresql/*/bin``, which
.ci/system-deps installs with Debian's ``postgresql``) lives in a temporary folder,
listens on a free loopback port and on a unix socket in that folder, runs with the
settings a throwaway test server may have (fsync off, no full-page writes) and is
stopped, and its folder removed, when the session ends. initdb refuses to run as root:
when the suite runs as root, the server runs as the unprivileged ``postgres`` user that
Debian's package creates (``runuser -u postgres --``), its folder chowned to it.

Without the binaries (or psycopg) the PostgreSQL tests skip with the reason locally
and fail in CI (CI=true): a green CI run must have run them.

Fixture API (the fixtures are registered in conftest.py, so every test module sees them):

``postgres_server`` (session scope) -> :class:`PostgresServer`
    ``.host`` ("127.0.0.1"), ``.port``, ``.socket_dir`` (Path), ``.superuser``
    ("pressroom": trusted, no password), ``.bin_dir`` (Path);
    ``.url(dbname, user=None, password=None)`` -> ``postgresql://user[:pw]@127.0.0.1:PORT/dbname``;
    ``.create_database(name=None)`` -> the URL of a new empty database (a fresh
    unique name when none is given);
    ``.execute(sql, dbname="postgres")`` runs one statement as the superuser (autocommit);
    ``.create_role(name, password)`` makes a login role that must give its password
    (scram-sha-256; every role but the superuser needs one over TCP), owning nothing.
    ``.stop()`` / ``.start()`` take the server down and up again on the same port
    (for the tests of a server that goes away; the session fixture restarts it if a
    test left it down).

``postgres_url`` (function scope) -> str
    A fresh empty database for this test: ``postgresql://pressroom@127.0.0.1:PORT/t_<n>``,
    dropped (WITH (FORCE)) after the test.

``ledger_location`` (function scope, parametrized "sqlite" / "postgresql") -> Path | str
    The same test once per queue backend: ``tmp_path / "queue.sqlite3"``, then a
    ``postgres_url``. Open it with ``open_queue(location)``; give it to the CLI as
    ``--queue str(location)``.
"""

from __future__ import annotations

import glob
import itertools
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from browser_support import in_ci
from distribution_support import free_port

SUPERUSER = "pressroom"
RUN_AS = "postgres"  # Debian's package creates this unprivileged user
# Throwaway server: durability is worth nothing here, speed is.
SETTINGS = {
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "max_connections": "200",
    "shared_buffers": "32MB",
    "listen_addresses": "127.0.0.1",
    "log_min_messages": "warning",
    "logging_collector": "off",
    "max_locks_per_transaction": "128",
}
HBA = f"""\
local all {SUPERUSER} trust
host all {SUPERUSER} 127.0.0.1/32 trust
local all all scram-sha-256
host all all 127.0.0.1/32 scram-sha-256
"""


def unavailable(reason: str) -> None:
    """Skip with *reason* locally; fail with it in CI."""
    if in_ci():
        pytest.fail(f"PostgreSQL tests cannot run in CI: {reason}", pytrace=False)
    pytest.skip(reason)


def find_bin_dir() -> Path | None:
    """The newest Debian PostgreSQL bin folder that has initdb and postgres, or None."""
    found = sorted(
        (Path(p).parent for p in glob.glob("/usr/lib/postgresql/*/bin/initdb")),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
    )
    found = [p for p in found if (p / "postgres").is_file() and (p / "pg_ctl").is_file()]
    return found[-1] if found else None


def missing_tools() -> str | None:
    """Why the PostgreSQL tests cannot run here, or None when they can."""
    if find_bin_dir() is None:
        return "PostgreSQL's initdb is missing: run `make install` (.ci/system-deps installs Debian's postgresql)"
    if os.geteuid() == 0:
        try:
            import pwd

            pwd.getpwnam(RUN_AS)
        except KeyError:
            return f"running as root and there is no {RUN_AS!r} user to run the server as"
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return "psycopg is missing: run `make install` (pip install -e '.[test,postgresql]')"
    return None


@dataclass
class PostgresServer:
    """One running test server; see the module docstring for the API."""

    bin_dir: Path
    root: Path
    port: int
    host: str = "127.0.0.1"
    superuser: str = SUPERUSER
    _names: Iterator[int] = field(default_factory=itertools.count)

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def socket_dir(self) -> Path:
        return self.root

    def _as_server_user(self, argv: list[str]) -> list[str]:
        return ["runuser", "-u", RUN_AS, "--", *argv] if os.geteuid() == 0 else argv

    def _run(self, argv: list[str]) -> None:
        done = subprocess.run(self._as_server_user(argv), capture_output=True, text=True, timeout=60)
        if done.returncode != 0:
            raise RuntimeError(f"{argv[0]} failed ({done.returncode}): {done.stdout}\n{done.stderr}")

    def init(self) -> None:
        """initdb the data folder and write the test settings."""
        self._run([str(self.bin_dir / "initdb"), "-D", str(self.data_dir), "-U", SUPERUSER,
                   "--auth=trust", "--no-sync", "-E", "UTF8", "--locale=C.UTF-8"])
        (self.data_dir / "pg_hba.conf").write_text(HBA)
        settings = {**SETTINGS, "port": str(self.port), "unix_socket_directories": str(self.socket_dir)}
        with (self.data_dir / "postgresql.conf").open("a") as conf:
            conf.writelines(f"{k} = '{v}'\n" for k, v in settings.items())

    def start(self) -> None:
        """Start the server and wait until it accepts connections."""
        log = self.root / "server.log"
        try:
            self._run([str(self.bin_dir / "pg_ctl"), "-D", str(self.data_dir), "-l", str(log),
                       "-w", "-t", "30", "start"])
        except RuntimeError as error:
            raise RuntimeError(f"{error}\nserver log:\n{log.read_text() if log.exists() else '(none)'}") from None

    def stop(self) -> None:
        """Stop the server at once (fast shutdown: open sessions are ended)."""
        self._run([str(self.bin_dir / "pg_ctl"), "-D", str(self.data_dir), "-m", "fast", "-w", "stop"])

    def is_running(self) -> bool:
        """Whether the postmaster is up (its pid file is there; root may look into the 0700 folder)."""
        return (self.data_dir / "postmaster.pid").exists()

    def url(self, dbname: str, user: str | None = None, password: str | None = None) -> str:
        """A postgresql:// URL for *dbname* on this server (the superuser unless *user*)."""
        who = user or self.superuser
        if password is not None:
            who = f"{who}:{password}"
        return f"postgresql://{who}@{self.host}:{self.port}/{dbname}"

    def execute(self, sql: str, dbname: str = "postgres") -> None:
        """Run one statement as the superuser, outside a transaction."""
        import psycopg

        with psycopg.connect(host=str(self.socket_dir), port=self.port, user=self.superuser,
                             dbname=dbname, autocommit=True) as conn:
            conn.execute(sql.encode())

    def create_database(self, name: str | None = None) -> str:
        """Create an empty database (a unique name unless *name*); return its URL."""
        name = name or f"t_{os.getpid()}_{next(self._names)}"
        self.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def drop_database(self, name: str) -> None:
        """Drop *name*, ending whatever sessions still use it."""
        self.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def create_role(self, name: str, password: str) -> None:
        """A login role that must give *password* (scram-sha-256) and may create tables in public."""
        escaped = password.replace("'", "''")
        self.execute(f"CREATE ROLE \"{name}\" LOGIN PASSWORD '{escaped}'")


def start_server() -> Iterator[PostgresServer]:
    """Start a server in a fresh temporary folder; stop it and remove the folder afterwards."""
    bin_dir = find_bin_dir()
    assert bin_dir is not None
    # Not under pytest's tmp_path: that folder is 0700 root, which the postgres user cannot enter.
    root = Path(tempfile.mkdtemp(prefix="pressroom-pg-"))
    if os.geteuid() == 0:
        shutil.chown(root, RUN_AS, RUN_AS)
    server = PostgresServer(bin_dir=bin_dir, root=root, port=free_port())
    try:
        server.init()
        for attempt in range(3):
            try:
                server.start()
                break
            except RuntimeError:
                if attempt == 2:
                    raise
                server.port = free_port()  # someone took the port between the check and the start
                with (server.data_dir / "postgresql.conf").open("a") as conf:
                    conf.write(f"port = {server.port}\n")
                time.sleep(0.2)
        yield server
    finally:
        if server.is_running():
            server.stop()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A running PostgreSQL test server for the whole session (see the module docstring)."""
    reason = missing_tools()
    if reason:
        unavailable(reason)
    yield from start_server()


@pytest.fixture
def postgres_url(postgres_server: PostgresServer) -> Iterator[str]:
    """A fresh empty database on the test server, dropped after the test."""
    if not postgres_server.is_running():  # an earlier test stopped it and failed before starting it again
        postgres_server.start()
    url = postgres_server.create_database()
    yield url
    postgres_server.drop_database(url.rsplit("/", 1)[1])


@pytest.fixture(params=["sqlite", "postgresql"])
def ledger_location(request: pytest.FixtureRequest, tmp_path: Path) -> Path | str:
    """Where a test's ledger lives, once per backend: a SQLite file in tmp_path, then
    a fresh database on the PostgreSQL test server (its URL). Open it with
    ``pressroom.queue.open_queue``; pass it to the CLI as ``--queue str(location)``."""
    if request.param == "sqlite":
        return tmp_path / "queue.sqlite3"
    return str(request.getfixturevalue("postgres_url"))
