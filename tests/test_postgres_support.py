"""The PostgreSQL test server of postgres_support.py: real, isolated per test, with password roles."""

from __future__ import annotations

import psycopg
import pytest
from postgres_support import PostgresServer, unavailable


def test_each_test_gets_its_own_empty_database(postgres_server: PostgresServer, postgres_url: str) -> None:
    with psycopg.connect(postgres_url) as conn:
        tables = conn.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").fetchone()
        name = conn.execute("SELECT current_database()").fetchone()
    assert tables == (0,)
    assert name is not None and postgres_url.endswith("/" + name[0])
    assert postgres_url.startswith(f"postgresql://pressroom@127.0.0.1:{postgres_server.port}/")


def test_the_server_does_not_run_as_root(postgres_url: str) -> None:
    with psycopg.connect(postgres_url) as conn:
        row = conn.execute("SELECT pg_backend_pid()").fetchone()
    assert row is not None
    with open(f"/proc/{row[0]}/status") as status:
        uid = next(line for line in status if line.startswith("Uid:")).split()[1]
    assert uid != "0"


def test_a_role_with_a_password_must_give_it(postgres_server: PostgresServer, postgres_url: str) -> None:
    postgres_server.create_role("alice", "s3cret")
    try:
        dbname = postgres_url.rsplit("/", 1)[1]
        with psycopg.connect(postgres_server.url(dbname, "alice", "s3cret")) as conn:
            assert conn.execute("SELECT current_user").fetchone() == ("alice",)
        with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
            psycopg.connect(postgres_server.url(dbname, "alice", "wrong"))
    finally:
        postgres_server.execute("DROP ROLE alice")


def test_missing_postgresql_skips_locally_and_fails_in_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="initdb is missing"):
        unavailable("PostgreSQL's initdb is missing")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="cannot run in CI: PostgreSQL's initdb is missing"):
        unavailable("PostgreSQL's initdb is missing")
