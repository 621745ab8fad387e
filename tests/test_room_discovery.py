"""Commands run from any folder inside a press room find it, as git finds its repository."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from conftest import Room

from pressroom.cli_common import find_root


def pressroom(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pressroom", *args], cwd=cwd, capture_output=True,
                          text=True, check=False, timeout=60)


def test_check_inside_releases_finds_the_press_room(room: Room) -> None:
    room.ready("2021-09-01-sommerfest")
    done = pressroom(room.releases, "check", "--now", "2030-01-01")
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout == "check ok: 1 release(s), 0 error(s), 0 warning(s)\n"


def test_problems_found_from_a_subfolder_are_shown_relative_to_the_press_room(room: Room) -> None:
    room.release("2021-09-01-sommerfest", "title: Sommerfest\ndate: 2021-09-01\ncontcts: [anna]")
    deeper = room.releases / "bilder" / "2021"
    deeper.mkdir(parents=True)
    done = pressroom(deeper, "check", "--now", "2030-01-01")
    assert done.returncode == 1
    assert done.stdout.splitlines()[0] == (
        "releases/2021-09-01-sommerfest.md:4: contcts: unbekannter Schlüssel, meinten Sie contacts?"
    )


def test_build_inside_releases_writes_into_the_press_rooms_build_folder(room: Room) -> None:
    room.ready("2021-09-01-sommerfest")
    done = pressroom(room.releases, "-q", "build", "--now", "2030-01-01")
    assert done.returncode == 0, done.stderr
    assert (room.root / "build/public/2021-09-01-sommerfest/2021-09-01-sommerfest.html").is_file()
    assert not (room.releases / "build").exists()


def test_root_given_still_wins(room: Room, tmp_path: Path) -> None:
    room.ready("2021-09-01-sommerfest")
    other = Room(tmp_path / "other")
    other.release("2021-09-02-kaputt", "title: Kaputt\ndate: 2021-09-02\nstatus: raedy")
    done = pressroom(room.releases, "check", "--root", str(other.root), "--now", "2030-01-01")
    assert done.returncode == 1
    assert "releases/2021-09-02-kaputt.md:4: status:" in done.stdout


def test_outside_any_press_room_the_message_says_what_to_do(tmp_path: Path) -> None:
    done = pressroom(tmp_path, "new", "Sommerfest")
    assert done.returncode == 1
    assert done.stderr == (f"no press room in {tmp_path.resolve()} (releases/pressroom.yaml not found);"
                           " pass --root DIR, or create one with `pressroom init DIR`\n")


def test_find_root_walks_up_to_the_folder_with_the_settings(room: Room) -> None:
    assert find_root(room.releases / "a" / "b") == room.root.absolute()
    assert find_root(room.root.parent) is None


def test_publish_and_queue_inside_releases_use_the_press_rooms_ledger(room: Room) -> None:
    room.ready("2021-09-01-sommerfest")
    published = pressroom(room.releases, "publish", "--now", "2021-10-01")
    assert published.returncode == 0, published.stderr
    assert "queued 2021-09-01-sommerfest: 1 job(s)" in published.stdout
    assert (room.root / "var/queue.sqlite3").is_file()
    assert not (room.releases / "var").exists()
    status = pressroom(room.releases, "queue", "--now", "2021-10-01")
    assert status.returncode == 0, status.stderr
    assert "2021-09-01-sommerfest" in status.stdout
