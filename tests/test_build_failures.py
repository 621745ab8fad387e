"""A build that goes wrong: a failing render, an unwritable build folder, Ctrl-C."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
from datetime import UTC, datetime

import pytest
from conftest import Room

from pressroom.build import build_pressroom

NOW = datetime(2021, 8, 26, 9, 0, tzinfo=UTC)
A, B = "2021-05-04-a", "2021-05-05-b"


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    """Run the real command in a fresh process, as a press office would."""
    return subprocess.run(
        [sys.executable, "-m", "pressroom", *args], capture_output=True, text=True, timeout=60,
        env={**os.environ, "CI": "1"},
    )


def test_a_failing_render_is_a_record_with_its_traceback_logged_at_debug(
    room: Room, caplog: pytest.LogCaptureFixture
) -> None:
    room.ready(A)
    room.ready(B)
    (room.root / "templates").mkdir()
    (room.root / "templates" / "release.html").write_text(
        '{% extends "default/release.html" %}{% block body %}{{ nowhere }}{% endblock %}\n', encoding="utf-8"
    )
    with caplog.at_level(logging.DEBUG, logger="pressroom.build"):
        result = build_pressroom(room.root, now=NOW, jobs=2)
    assert sorted(result.failures) == [A, B]
    failure = result.failures[A]
    assert (failure.slug, failure.format) == (A, "html")
    assert "template release.html: 'nowhere' is undefined" in failure.message
    assert failure.traceback.startswith("Traceback (most recent call last):")
    assert "jinja2.exceptions.UndefinedError" in failure.traceback
    logged = [r.getMessage() for r in caplog.records if r.levelno == logging.DEBUG]
    assert any(f"rendering {A} as html failed" in m and "UndefinedError" in m for m in logged)
    assert result.rendered == () and not (room.root / "build" / "public" / A).exists()


def test_the_cli_names_the_failed_format_in_one_line_and_exits_1(room: Room) -> None:
    room.ready(A)
    (room.root / "templates").mkdir()
    (room.root / "templates" / "release.html").write_text("{{ nowhere }}\n", encoding="utf-8")
    done = run_cli("build", "--root", str(room.root), "--now", "2021-08-26T11:00")
    assert done.returncode == 1
    assert f"releases/{A}.md:1: rendering html failed: " in done.stderr
    assert "'nowhere' is undefined" in done.stderr
    assert "Traceback" not in done.stderr + done.stdout


def test_a_build_folder_that_cannot_be_made_is_one_line_before_anything_renders(room: Room) -> None:
    room.ready(A)
    blocker = room.root / "ein-file"
    blocker.write_text("kein Ordner", encoding="utf-8")
    done = run_cli("build", "--root", str(room.root), "--out", str(blocker / "build"))
    assert done.returncode == 1
    [line] = done.stderr.strip().splitlines()
    assert line.endswith(f"cannot write the build folder {blocker / 'build'}: Not a directory")
    assert "rendered" not in done.stdout and "Traceback" not in done.stderr


def test_a_build_folder_that_fails_while_placing_is_one_line_and_exit_1(room: Room) -> None:
    room.ready(A)
    (room.root / "build").mkdir()
    (room.root / "build" / "public").write_text("a file where a folder belongs", encoding="utf-8")
    done = run_cli("build", "--root", str(room.root), "--now", "2021-08-26T11:00")
    assert done.returncode == 1
    [line] = done.stderr.strip().splitlines()
    assert f"cannot write {room.root / 'build' / 'public' / A / A}.html: Not a directory" in line
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("jobs", ["2", "1"])
def test_ctrl_c_stops_a_build_quietly_with_exit_130(room: Room, jobs: str) -> None:
    for day in range(1, 13):
        room.ready(f"2021-05-{day:02d}-meldung", body="Text. " * 400 + "\n")
    build = subprocess.Popen(
        [sys.executable, "-m", "pressroom", "build", "--root", str(room.root), "--jobs", jobs],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
        env={**os.environ, "CI": "1"},
        # A test run started in the background inherits an ignored SIGINT: give the build the default
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    assert build.stdout is not None
    first = build.stdout.readline()  # workers are busy with the others now
    assert first.startswith("rendered")
    os.killpg(build.pid, signal.SIGINT)  # as a terminal does: the whole process group
    out, err = build.communicate(timeout=30)
    assert build.returncode == 130
    assert "Traceback" not in err and "ForkPoolWorker" not in err and "KeyboardInterrupt" not in err
    assert err.strip() == "build interrupted"
    assert "build:" not in out  # no summary of a build that did not finish
