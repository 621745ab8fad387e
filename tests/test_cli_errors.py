"""The CLI's one error path and its logging: one line and exit 1 for pressroom's errors,
never a traceback on bad input; -v shows debug messages with tracebacks, -q only errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner
from conftest import Room

from pressroom.cli import cli
from pressroom.cli_distribution import publish_command

NOW = "2021-06-01T12:00"


def pressroom(*args: str) -> subprocess.CompletedProcess[str]:
    """Run the installed command line as a user does, in a process of its own."""
    return subprocess.run([sys.executable, "-m", "pressroom", *args], capture_output=True,
                          text=True, check=False, timeout=60)


def test_a_wrong_request_is_one_line_on_stderr_and_exit_1(room: Room) -> None:
    room.ready("2021-05-04-eins")
    done = pressroom("build", "--root", str(room.root), "--only", "gibt-es-nicht", "--now", NOW)
    assert done.returncode == 1
    assert done.stderr == "no release with the slug 'gibt-es-nicht'\n"
    assert "Traceback" not in done.stdout + done.stderr


def test_a_failed_check_prints_its_problems_then_one_refusal(room: Room) -> None:
    # a ready release: a broken draft would be left out, not stop the build
    room.release("2021-05-04-kaputt", "title: Kaputt\ndate: 2021-05-04\ncontcts: [anna]\nstatus: ready")
    done = pressroom("build", "--root", str(room.root), "--now", NOW)
    assert done.returncode == 1
    assert "releases/2021-05-04-kaputt.md:4: contcts: unbekannter Schlüssel, meinten Sie contacts?" in done.stdout
    assert done.stderr == "build refused: 1 error(s); nothing was written\n"
    assert not (room.root / "build").exists()


def test_the_same_error_path_serves_a_command_invoked_on_its_own(room: Room, tmp_path: Path) -> None:
    # a ready release: a draft's errors would not stop publish
    room.release("2021-05-04-kaputt", "title: Kaputt\ndate: 2021-05-04\ncontcts: [anna]\nstatus: ready")
    done = CliRunner().invoke(publish_command, ["--root", str(room.root), "--queue",
                                                str(tmp_path / "q.sqlite3"), "--now", NOW])
    assert done.exit_code == 1
    assert "releases/2021-05-04-kaputt.md:4: contcts: unbekannter Schlüssel" in done.stdout
    assert done.stderr == "publish refused: 1 error(s); nothing was written\n"


def test_a_bad_now_is_one_line_naming_the_option(room: Room) -> None:
    done = pressroom("build", "--root", str(room.root), "--now", "gestern")
    assert (done.returncode, done.stderr) == (
        1, "--now: 'gestern' ist kein Zeitpunkt: schreiben Sie ihn als Jahr-Monat-Tag und Uhrzeit, "
        "etwa 2021-05-04T10:00\n")


def test_a_now_without_offset_is_read_in_the_site_time_zone(room: Room) -> None:
    # Embargoed until 12:00 Berlin time (10:00 UTC): public at 12:00 local, private a minute before.
    room.ready("2021-05-04-sperre", extra="embargo: 2021-05-04T12:00\n")
    before = CliRunner().invoke(cli, ["build", "--root", str(room.root), "--now", "2021-05-04T11:59"])
    assert before.exit_code == 0, before.output
    assert (room.root / "build/private/2021-05-04-sperre").is_dir()
    after = CliRunner().invoke(cli, ["build", "--root", str(room.root), "--now", "2021-05-04T12:00"])
    assert after.exit_code == 0, after.output
    assert (room.root / "build/public/2021-05-04-sperre").is_dir()
    assert not (room.root / "build/private/2021-05-04-sperre").exists()


def test_a_missing_ledger_is_one_line_for_the_queue_commands(room: Room) -> None:
    done = pressroom("queue", "--root", str(room.root), "list")
    assert done.returncode == 1
    assert done.stderr.startswith("no queue at ") and done.stderr.count("\n") == 1
    assert "Traceback" not in done.stderr


def broken_template(room: Room) -> None:
    """Override the page template with one that fails while rendering (an unknown variable)."""
    (room.root / "templates").mkdir()
    (room.root / "templates" / "release.html").write_text(
        "<p>{{ no_such_value }}</p>\n", encoding="utf-8")


def test_a_failing_render_is_one_line_without_v(room: Room) -> None:
    room.ready("2021-05-04-eins")
    broken_template(room)
    done = pressroom("build", "--root", str(room.root), "--now", NOW, "--jobs", "1")
    assert done.returncode == 1
    assert "releases/2021-05-04-eins.md:1: rendering html failed: " in done.stderr
    assert "'no_such_value' is undefined" in done.stderr and done.stderr.count("\n") == 1
    assert "Traceback" not in done.stderr


def test_v_shows_the_traceback_of_a_failing_render(room: Room) -> None:
    room.ready("2021-05-04-eins")
    broken_template(room)
    done = pressroom("-v", "build", "--root", str(room.root), "--now", NOW, "--jobs", "1")
    assert done.returncode == 1
    assert "debug: " in done.stderr and "rendering html failed" in done.stderr
    assert "Traceback (most recent call last):" in done.stderr
    assert "jinja2.exceptions.UndefinedError: 'no_such_value' is undefined" in done.stderr


def svg_release(room: Room) -> None:
    """A release whose image the DOCX cannot embed: a warning in pressroom's log."""
    (room.releases / "bild.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/>'
        "</svg>", encoding="utf-8")
    room.ready("2021-05-04-bild", body="Text.\n\n![Ein Bild](bild.svg)\n",
               extra="images: [{file: bild.svg, credit: Anna Muster}]\n")  # a ready image needs a credit


def test_warnings_of_the_renderers_reach_stderr_through_pressrooms_log(room: Room) -> None:
    svg_release(room)
    done = pressroom("build", "--root", str(room.root), "--now", NOW, "--jobs", "1")
    assert done.returncode == 0, done.stderr
    assert "warning: image " in done.stderr and "a format python-docx cannot embed" in done.stderr
    assert "build: 1 rendered" in done.stdout


def test_q_silences_progress_and_warnings_but_not_errors(room: Room) -> None:
    svg_release(room)
    quiet = pressroom("-q", "build", "--root", str(room.root), "--now", NOW, "--jobs", "1")
    assert (quiet.returncode, quiet.stdout, quiet.stderr) == (0, "", "")
    failed = pressroom("-q", "build", "--root", str(room.root), "--only", "nichts", "--now", NOW)
    assert (failed.returncode, failed.stderr) == (1, "no release with the slug 'nichts'\n")


def test_v_and_q_together_are_a_usage_error(room: Room) -> None:
    done = CliRunner().invoke(cli, ["-v", "-q", "check", "--root", str(room.root)])
    assert done.exit_code == 2
    assert "-v and -q exclude each other" in done.stderr
