"""The one containment rule (pressroom.paths): only files inside the press room are read."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import Room

from pressroom.paths import contained, contained_file, file_named, resolved

SECRET = "OUTSIDE-SECRET-51c2"


@pytest.fixture
def room_dir(tmp_path: Path) -> Path:
    """releases/ with one image inside the room, a secret file next to the room."""
    root = tmp_path / "room"
    (root / "releases" / "bilder").mkdir(parents=True)
    (root / "releases" / "bilder" / "foto.png").write_bytes(b"png")
    (tmp_path / "secret.txt").write_text(SECRET, encoding="utf-8")
    return root


def test_a_file_inside_is_found_resolved(room_dir: Path) -> None:
    releases = room_dir / "releases"
    assert file_named(releases, "bilder/foto.png") == (releases / "bilder/foto.png").resolve()
    assert file_named(releases, "bilder/../bilder/foto.png") == (releases / "bilder/foto.png").resolve()


@pytest.mark.parametrize("name", ["../../secret.txt", "bilder/../../../secret.txt", "../releases/../../secret.txt"])
def test_dot_dot_cannot_leave_the_folder(room_dir: Path, name: str) -> None:
    assert file_named(room_dir / "releases", name) is None


def test_a_symlink_pointing_out_of_the_room_is_outside(room_dir: Path) -> None:
    link = room_dir / "releases" / "leak.png"
    link.symlink_to(room_dir.parent / "secret.txt")
    assert link.is_file()  # the operating system would happily read it
    assert file_named(room_dir / "releases", "leak.png") is None
    assert contained_file(link, room_dir) is None
    assert not contained(link, room_dir)


def test_a_symlinked_folder_out_of_the_room_is_outside(room_dir: Path, tmp_path: Path) -> None:
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "x.png").write_bytes(b"x")
    (room_dir / "releases" / "ext").symlink_to(tmp_path / "elsewhere")
    assert file_named(room_dir / "releases", "ext/x.png") is None


def test_a_room_reached_through_a_symlink_still_owns_its_files(room_dir: Path, tmp_path: Path) -> None:
    alias = tmp_path / "alias"
    alias.symlink_to(room_dir)
    assert contained_file(alias / "releases" / "bilder" / "foto.png", alias) is not None


def test_a_symlink_loop_is_no_file_and_no_crash(room_dir: Path) -> None:
    loop = room_dir / "releases" / "loop.png"
    os.symlink(loop, loop)
    assert resolved(loop) is None
    assert file_named(room_dir / "releases", "loop.png") is None


@pytest.mark.parametrize("name", ["bilder", "fehlt.png", "", "/etc/passwd", "https://example.org/x.png",
                                  "file:///etc/passwd", "data:image/png;base64,AAAA", "//host/x.png",
                                  "bilder/foto\x00.png"])
def test_folders_missing_files_and_urls_are_no_files(room_dir: Path, name: str) -> None:
    assert file_named(room_dir / "releases", name) is None


def test_the_check_reports_an_attachment_that_leaves_the_room(room: Room) -> None:
    (room.root.parent / "geheim.pdf").write_bytes(b"%PDF-1.4 secret")
    (room.releases / "anlage.pdf").symlink_to(room.root.parent / "geheim.pdf")
    room.ready("2021-05-04-eins", extra="attachments: [anlage.pdf, ../../geheim.pdf]\n")
    from pressroom.load import load_pressroom

    messages = [p.message for p in load_pressroom(room.root).errors]
    assert "attachments: anlage.pdf: diese Datei gibt es nicht im Ordner releases/" in messages
    assert "attachments: ../../geheim.pdf: diese Datei gibt es nicht im Ordner releases/" in messages


def test_the_settings_refuse_a_logo_outside_the_room(room: Room) -> None:
    (room.root.parent / "logo.png").write_bytes(b"png")
    room.add_settings("")
    text = (room.releases / "pressroom.yaml").read_text(encoding="utf-8")
    (room.releases / "pressroom.yaml").write_text(
        text.replace("organisation:\n", "organisation:\n  logo: ../../logo.png\n", 1), encoding="utf-8")
    from pressroom.settings import load_settings

    settings, problems = load_settings(room.root)
    assert settings is None
    assert any(p.message == "../../logo.png: diese Datei gibt es nicht im Pressebereich (legen Sie sie ab oder korrigieren Sie den Namen)" for p in problems)
