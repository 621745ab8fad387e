"""A broken draft does not stop building and publishing the ready releases (issue 10).

Its problems are reported and its files are not built; ``--strict`` and an error in
a ready release (embargoed or not) still stop everything. Build and publish show the
warnings' count and the first few.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from click.testing import CliRunner, Result
from conftest import Room

from pressroom.cli import cli
from pressroom.load import is_draft_text

NOW = "2021-10-01T12:00"
READY = "2021-09-01-fertig"
DRAFT = "2021-09-02-entwurf"


def build(room: Room, *args: str) -> Result:
    return CliRunner().invoke(cli, ["-q", "build", "--root", str(room.root), "--now", NOW, *args])


def publish(room: Room, *args: str) -> Result:
    return CliRunner().invoke(cli, ["publish", "--root", str(room.root), "--now", NOW,
                                    "--queue", str(room.root / "var/q.sqlite3"), *args])


def built(room: Room, slug: str) -> bool:
    return any((room.root / "build" / folder / slug / f"{slug}.html").is_file()
               for folder in ("public", "private"))


def broken_draft(room: Room) -> None:
    room.release(DRAFT, "title: Entwurf\ndate: 2021-09-02\ncontcts: [anna]")


def test_a_broken_draft_is_reported_and_left_out_while_the_ready_release_builds(room: Room) -> None:
    room.ready(READY)
    broken_draft(room)
    result = build(room)
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines() == [
        f"releases/{DRAFT}.md:4: contcts: unbekannter Schlüssel, meinten Sie contacts?",
        f"left out: 1 draft(s) with errors, not built: {DRAFT}.md",
    ]
    assert built(room, READY)
    assert not built(room, DRAFT)


def test_check_still_fails_on_a_drafts_error(room: Room) -> None:
    room.ready(READY)
    broken_draft(room)
    result = CliRunner().invoke(cli, ["check", "--root", str(room.root), "--now", NOW])
    assert result.exit_code == 1
    assert f"releases/{DRAFT}.md:4: contcts: unbekannter Schlüssel, meinten Sie contacts?" in result.stdout


def test_strict_still_blocks_on_a_broken_draft(room: Room) -> None:
    room.ready(READY)
    broken_draft(room)
    result = build(room, "--strict")
    assert result.exit_code == 1
    assert result.stderr == "build refused: 1 error(s); nothing was written\n"
    assert not (room.root / "build").exists()


def test_an_error_in_a_ready_release_blocks_everything(room: Room) -> None:
    room.ready(READY, extra="contcts: [anna]\n")
    room.release(DRAFT, "title: Entwurf\ndate: 2021-09-02")
    result = build(room)
    assert result.exit_code == 1
    assert result.stderr == "build refused: 1 error(s); nothing was written\n"
    assert not (room.root / "build").exists()


def test_an_embargoed_ready_release_with_an_error_blocks_everything(room: Room) -> None:
    room.ready(READY)
    room.ready("2021-10-05-gesperrt", extra="embargo: 2021-10-05T10:00\ndistribution: [presse]\n")
    result = build(room)
    assert result.exit_code == 1
    assert "releases/2021-10-05-gesperrt.md:7: distribution: unbekannte Verteilerliste 'presse'" \
        in result.stdout
    assert not (room.root / "build").exists()


def test_a_file_whose_status_cannot_be_read_counts_as_ready(room: Room) -> None:
    room.ready(READY)
    (room.releases / f"{DRAFT}.md").write_text("---\ntitle: Entwurf: neu\ndate: 2021-09-02\nstatus: ready\n---\nT.\n",
                                                encoding="utf-8")
    assert build(room).exit_code == 1
    assert not (room.root / "build").exists()


def test_a_file_with_broken_yaml_that_says_status_draft_is_left_out(room: Room) -> None:
    room.ready(READY)
    (room.releases / f"{DRAFT}.md").write_text("---\ntitle: Entwurf: neu\ndate: 2021-09-02\nstatus: draft\n---\nT.\n",
                                                encoding="utf-8")
    result = build(room)
    assert result.exit_code == 0, result.output
    assert built(room, READY)


def test_what_counts_as_a_draft_when_the_front_matter_is_broken() -> None:
    assert is_draft_text("---\ntitle: a: b\nstatus: draft\n---\n")
    assert is_draft_text("---\ntitle: a: b\n---\n")  # no status: the default, draft
    assert not is_draft_text("---\ntitle: a: b\nstatus: ready\n---\n")
    assert not is_draft_text("---\ntitle: a: b\nstatus: raedy\n---\n")  # unreadable: not left out


def test_publish_queues_the_ready_release_and_nothing_of_the_broken_draft(room: Room) -> None:
    room.ready(READY)
    broken_draft(room)
    result = publish(room)
    assert result.exit_code == 0, result.output
    assert f"left out: 1 draft(s) with errors, not built: {DRAFT}.md" in result.stderr.splitlines()
    with sqlite3.connect(room.root / "var/q.sqlite3") as db:
        slugs = {row[0] for row in db.execute("select slug from jobs")}
    assert slugs == {READY}


def test_build_shows_the_warnings_count_and_the_first_five(room: Room) -> None:
    for day in range(1, 8):  # seven ready releases without a lead: one warning each
        room.release(f"2021-09-0{day}-m{day}", f"title: M{day}\ndate: 2021-09-0{day}\nstatus: ready")
    result = build(room)
    assert result.exit_code == 0, result.output
    lines = result.stderr.splitlines()
    assert lines[0] == "7 warning(s):"
    assert lines[1:6] == [f"releases/2021-09-0{day}-m{day}.md:2: warning: lead: kein Vorspann (der fett gedruckte erste Absatz): fügen Sie eine Zeile lead: hinzu"
                          for day in range(1, 6)]
    assert lines[6:] == ["... and 2 more: run pressroom check"]


def test_publish_shows_the_warnings_too(room: Room) -> None:
    room.release(READY, "title: Fertig\ndate: 2021-09-01\nstatus: ready")
    result = publish(room)
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines()[:2] == [
        "1 warning(s):", f"releases/{READY}.md:2: warning: lead: kein Vorspann (der fett gedruckte erste Absatz): fügen Sie eine Zeile lead: hinzu"
    ]


def test_a_clean_build_prints_no_notes(room: Room) -> None:
    room.ready(READY)
    result = build(room)
    assert (result.exit_code, result.stderr) == (0, "")
    assert Path(room.root / "build").is_dir()


def test_in_the_sample_room_a_half_written_draft_does_not_stop_the_two_releases(sample_root: Path) -> None:
    (sample_root / "releases" / "2026-11-23-sommerfest.md").write_text(
        "---\ntitle: Sommerfest: im Netzwerk\nstatus: draft\n---\nHier kommt noch Text.\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["-q", "build", "--root", str(sample_root), "--now", "2026-11-23T12:00"])
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines()[:2] == [
        "releases/2026-11-23-sommerfest.md:2: Doppelpunkt im Wert: setzen Sie den Wert in Anführungszeichen, "
        'so: title: "Sommerfest: im Netzwerk"',
        "left out: 1 draft(s) with errors, not built: 2026-11-23-sommerfest.md",
    ]
    for slug in ("2013-01-08-iq-mv-ausbau", "2021-08-26-iq-mv-10-jahre"):
        assert (sample_root / "build/public" / slug / f"{slug}.pdf").is_file()


def test_a_status_line_in_the_body_does_not_decide() -> None:
    assert is_draft_text("---\ntitle: a: b\n---\nstatus: ready\n")
