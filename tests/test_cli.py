"""The command line: exit codes, path:line output, no tracebacks, new and init."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from pathlib import Path

from click.testing import CliRunner
from conftest import Room

from pressroom.cli import cli


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.output


def test_check_passes_on_the_sample(sample_root: Path) -> None:
    code, output = run("check", "--root", str(sample_root))
    assert code == 0
    assert output.splitlines()[-1].startswith("check ok: 2 release(s), 0 error(s)")


def test_check_strict_passes_on_the_sample_it_has_no_warnings(sample_root: Path) -> None:
    code, output = run("check", "--root", str(sample_root), "--strict")
    assert code == 0, output
    assert output.splitlines()[-1] == "check ok: 2 release(s), 0 error(s), 0 warning(s)"


def test_three_mistakes_give_three_errors_and_exit_1(room: Room) -> None:
    room.release(
        "2021-05-04-fehler", "title: T\ndate: 2021-05-04\ncontcts: [anna]\nlanguage: fr\nboilerplate: x"
    )
    result = subprocess.run(
        [sys.executable, "-m", "pressroom", "check", "--root", str(room.root)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    errors = [line for line in result.stdout.splitlines() if ": warning:" not in line]
    assert errors == [
        "releases/2021-05-04-fehler.md:4: contcts: unbekannter Schlüssel, meinten Sie contacts?",
        "releases/2021-05-04-fehler.md:5: language: die Sprache 'fr' gibt es hier nicht: schreiben Sie de oder en",
        "releases/2021-05-04-fehler.md:6: boilerplate: 'x' steht nicht unter boilerplates: (vorhanden: alt, neu)",
    ]
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("check failed: 1 release(s)") or "3 error(s)" in result.stderr


def test_new_writes_a_draft_that_checks_and_refuses_to_overwrite(room: Room) -> None:
    code, output = run("new", "Größe zählt: ein Test", "--date", "2021-05-04", "--root", str(room.root))
    assert code == 0
    path = room.releases / "2021-05-04-groesse-zaehlt-ein-test.md"
    assert output.strip() == f"angelegt: {path}"
    release = room.load().release("2021-05-04-groesse-zaehlt-ein-test")
    assert (release.title, release.status, release.place) == ("Größe zählt: ein Test", "draft", "Rostock")
    before = path.read_bytes()
    code, output = run("new", "Größe zählt: ein Test", "--date", "2021-05-04", "--root", str(room.root))
    assert code == 1
    assert "already exists" in output
    assert path.read_bytes() == before


def test_init_creates_a_press_room_that_passes_check(tmp_path: Path) -> None:
    target = tmp_path / "neu"
    code, _ = run("init", str(target))
    assert code == 0
    assert (target / "templates" / "README.md").is_file()  # the defaults are not copied (issue 9)
    assert (target / ".gitignore").read_text().split() == ["build/", "var/"]
    code, output = run("check", "--root", str(target), "--strict")
    assert code == 0, output
    assert f"{date.today().isoformat()}-unsere-erste-pressemitteilung.md" in str(
        list((target / "releases").iterdir())
    )
    code, output = run("init", str(target))
    assert code == 1
    assert "already exists" in output


def test_broken_settings_are_reported_not_raised(room: Room) -> None:
    room.write_settings("organisation: [\n")
    code, output = run("check", "--root", str(room.root))
    assert code == 1
    assert output.startswith("releases/pressroom.yaml:")
    assert "Traceback" not in output
