"""Where the queue lives decides its backend: a file path is SQLite, a URL names a
backend by its scheme (``sqlite://`` built in, others through the entry point group
``pressroom.queues``); an unknown scheme is one line naming the known ones."""

from __future__ import annotations

import importlib
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from pressroom.cli import cli
from pressroom.errors import QueueError
from pressroom.queue import SqliteQueue, open_queue, queue_location

NOW = "2030-01-01T12:00"
DISTRIBUTION = """\
distribution:
  channels:
    outbox: {type: maildir}
  lists:
    presse: {channel: outbox, recipients: [{email: nord@zeitung.example}]}
  default_lists: [presse]
"""

# A second backend as a third party writes it: one module, registered by scheme.
BACKEND = '''
"""Ledgers in named folders: folder:///srv/ledgers/NAME keeps its SQLite file in that folder."""

from pathlib import Path

from pressroom.queue import SqliteQueue, sqlite_backend


def _file(location):
    return Path(location.removeprefix("folder://")) / "ledger.sqlite3"


def open(location, create, wait):
    return SqliteQueue(_file(location), create=create, wait=wait)


def scratch(location):
    return sqlite_backend.scratch(str(_file(location)))
'''


@pytest.fixture(autouse=True)
def no_queue_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PRESSROOM_QUEUE", raising=False)


@pytest.fixture
def folder_backend(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    site = tmp_path / "site-packages"
    site.mkdir()
    (site / "pressroom_folderqueue.py").write_text(textwrap.dedent(BACKEND), encoding="utf-8")
    info = site / "pressroom_folderqueue-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: pressroom-folderqueue\nVersion: 1.0\n",
                                   encoding="utf-8")
    (info / "entry_points.txt").write_text("[pressroom.queues]\nfolder = pressroom_folderqueue\n",
                                           encoding="utf-8")
    monkeypatch.syspath_prepend(str(site))
    importlib.invalidate_caches()
    yield
    sys.modules.pop("pressroom_folderqueue", None)


def test_a_path_is_a_file_and_a_url_stays_a_url(tmp_path: Path) -> None:
    assert queue_location(tmp_path, "ledger.sqlite3") == Path("ledger.sqlite3")
    assert queue_location(tmp_path, "C:ledger") == Path("C:ledger")  # no "://": a file name
    assert queue_location(tmp_path, "postgresql://db.example/presse") == "postgresql://db.example/presse"


def test_a_sqlite_url_in_the_checkout_is_refused_in_ci_like_the_path_it_names(room) -> None:
    room.add_settings(DISTRIBUTION.replace("outbox: {type: maildir}",
                                           "outbox: {type: smtp, host: 127.0.0.1, port: 25}"))
    room.ready("2030-01-01-ort", title="Ein Ort")
    ledger = room.root / "var" / "queue.sqlite3"
    assert queue_location(room.root, f"sqlite://{ledger}") == ledger
    done = CliRunner(env={"CI": "true"}).invoke(
        cli, ["publish", "--root", str(room.root), "--queue", f"sqlite://{ledger}", "--now", NOW])
    assert done.exit_code == 1
    assert done.stderr.startswith("publish refused: the ledger var/queue.sqlite3 lives in this checkout")
    assert not ledger.exists()


def test_a_sqlite_url_opens_the_file_it_names(tmp_path: Path) -> None:
    ledger = tmp_path / "ledger.sqlite3"
    queue = open_queue(f"sqlite://{ledger}")
    try:
        assert isinstance(queue, SqliteQueue) and queue.path == ledger
    finally:
        queue.close()
    assert ledger.is_file()


def test_an_unknown_scheme_is_a_queue_error_naming_the_known_ones(tmp_path: Path) -> None:
    with pytest.raises(QueueError) as raised:
        open_queue("mysql://db.example/presse")
    assert str(raised.value) == ("unknown queue location 'mysql://db.example/presse': no backend for "
                                 "mysql:// (known: a file path, postgres://, postgresql://, sqlite://)")


def test_the_cli_says_an_unknown_scheme_in_one_line_and_exits_1(room) -> None:
    done = CliRunner().invoke(cli, ["queue", "--root", str(room.root), "--queue", "redis://localhost/0",
                                    "status"])
    assert done.exit_code == 1
    assert done.stdout == ""
    assert done.stderr.splitlines() == [
        "unknown queue location 'redis://localhost/0': no backend for redis:// (known: a file path,"
        " postgres://, postgresql://, sqlite://)"]


def test_a_backend_registered_by_entry_point_carries_publish_dispatch_and_dry_runs(
        room, tmp_path: Path, folder_backend: None) -> None:
    room.add_settings(DISTRIBUTION)
    room.ready("2030-01-01-ort", title="Ein Ort")
    location = f"folder://{tmp_path / 'ledgers' / 'presse'}"
    common = ["--root", str(room.root), "--queue", location, "--now", NOW]
    runner = CliRunner()

    plan = runner.invoke(cli, ["publish", "--dry-run", *common])
    assert plan.exit_code == 0, plan.output
    assert "would queue 2030-01-01-ort -> nord@zeitung.example via outbox" in plan.output
    assert not (tmp_path / "ledgers").exists()  # a dry run writes no ledger

    published = runner.invoke(cli, ["publish", *common])
    assert published.exit_code == 0, published.output
    assert (tmp_path / "ledgers" / "presse" / "ledger.sqlite3").is_file()
    due = runner.invoke(cli, ["dispatch", "--dry-run", *common])
    assert "would send 2030-01-01-ort -> nord@zeitung.example" in due.output
    sent = runner.invoke(cli, ["dispatch", "--once", *common])
    assert "dispatch: 1 sent" in sent.output, sent.output
    status = runner.invoke(cli, ["queue", *common, "status"])
    assert status.exit_code == 0 and "2030-01-01-ort" in status.output
    assert len(list((room.root / "build" / "outbox" / "new").iterdir())) == 1


def test_check_reads_the_numbers_from_a_queue_given_as_url(room, tmp_path: Path) -> None:
    room.add_settings(DISTRIBUTION)
    room.ready("2030-01-01-ort", title="Ein Ort")
    ledger = tmp_path / "ledger.sqlite3"
    runner = CliRunner()
    published = runner.invoke(cli, ["publish", "--root", str(room.root), "--queue", str(ledger),
                                    "--now", NOW])
    assert published.exit_code == 0, published.output
    checked = runner.invoke(cli, ["check", "--root", str(room.root), "--queue", f"sqlite://{ledger}"])
    assert checked.exit_code == 0, checked.output
