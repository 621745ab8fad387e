"""Distribution commands where there is no press room or no ledger: one line, exit 1, nothing created."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from pressroom.cli import cli

COMMANDS = [
    ("queue",),
    ("queue", "status"),
    ("queue", "list"),
    ("queue", "retry", "--all-dead"),
    ("queue", "cancel", "2030-01-01-x"),
    ("dispatch", "--once"),
    ("publish",),
]


def one_line_failure(args: list[str]) -> str:
    done = CliRunner().invoke(cli, args)
    assert done.exception is None or isinstance(done.exception, SystemExit), done.exception
    assert done.exit_code == 1, done.output
    assert done.stdout == ""
    (line,) = done.stderr.splitlines()
    return line


@pytest.fixture(autouse=True)
def no_queue_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PRESSROOM_QUEUE", raising=False)


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_outside_a_press_room_every_distribution_command_says_so_and_creates_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: tuple[str, ...]
) -> None:
    monkeypatch.chdir(tmp_path)  # the default --root is the current folder
    line = one_line_failure(list(command))
    assert line.startswith(f"no press room in {tmp_path} (releases/pressroom.yaml not found)")
    assert list(tmp_path.iterdir()) == []


def test_an_explicit_root_that_is_no_press_room_is_named(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    line = one_line_failure(["queue", "--root", str(elsewhere), "list"])
    assert line.startswith(f"no press room in {elsewhere}")
    assert list(elsewhere.iterdir()) == []


@pytest.mark.parametrize("command", [c for c in COMMANDS if c != ("publish",)], ids=" ".join)
def test_dispatch_and_queue_never_create_a_missing_ledger(room, command: tuple[str, ...]) -> None:
    name, *rest = command
    line = one_line_failure([name, "--root", str(room.root), *rest])
    queue = room.root / "var" / "queue.sqlite3"
    assert line.startswith(f"no queue at {queue}: nothing was published yet (run `pressroom publish`)")
    assert not (room.root / "var").exists()


def test_wait_is_accepted_before_and_after_a_queue_subcommand(room) -> None:
    for args in (["queue", "--root", str(room.root), "--wait", "0.5", "status"],
                 ["queue", "status", "--root", str(room.root), "--wait", "0.5"]):
        assert one_line_failure(args).startswith("no queue at")
    refused = CliRunner().invoke(cli, ["dispatch", "--root", str(room.root), "--wait", "-1"])
    assert refused.exit_code == 2 and "--wait" in refused.stderr
