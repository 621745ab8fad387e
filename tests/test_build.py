"""The build: layout, embargo split, incremental and parallel rendering, atomic writes."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import feedparser
import pytest
from click.testing import CliRunner
from conftest import Room
from pypdf import PdfReader

from pressroom.build import build_pressroom
from pressroom.cli import cli
from pressroom.errors import CheckFailed
from pressroom.state import MANIFEST

BEFORE = datetime(2021, 8, 26, 7, 0, tzinfo=UTC)  # 09:00 in Rostock
AFTER = datetime(2021, 8, 26, 9, 0, tzinfo=UTC)  # 11:00 in Rostock


def snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    """Every file below *folder* with its bytes and modification time."""
    return {
        str(p.relative_to(folder)): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def pdf_text(path: Path) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(path).pages)


def test_sample_builds_every_format_with_its_period_boilerplate(sample_root: Path) -> None:
    result = build_pressroom(sample_root, now=datetime(2026, 11, 22, tzinfo=UTC), jobs=2)
    public = sample_root / "build" / "public"
    assert sorted(result.rendered) == ["2013-01-08-iq-mv-ausbau", "2021-08-26-iq-mv-10-jahre"]
    old = result.outputs("2013-01-08-iq-mv-ausbau")
    new = result.outputs("2021-08-26-iq-mv-10-jahre")
    assert old["pdf"] == public / "2013-01-08-iq-mv-ausbau" / "2013-01-08-iq-mv-ausbau.pdf"
    old_pdf, new_pdf = pdf_text(old["pdf"]), pdf_text(new["pdf"])
    assert "3/2013" in old_pdf and "Bundesagentur für Arbeit" in old_pdf
    assert "Europäischen Sozialfonds" not in old_pdf.replace("\n", " ")
    assert "Europäischen Sozialfonds" in new_pdf.replace("\n", " ")
    assert "Migrant*innen" in new["txt"].read_text(encoding="utf-8")
    feed = feedparser.parse((public / "feed.xml").read_bytes())
    assert not feed.bozo
    assert [e.title for e in feed.entries][0].startswith("Netzwerk zur Arbeitsmarktintegration")
    index = (public / "index.html").read_text(encoding="utf-8")
    assert index.index("2021-08-26-iq-mv-10-jahre.html") < index.index("2013-01-08-iq-mv-ausbau.html")


def test_embargoed_release_stays_private_until_a_build_after_its_embargo(room: Room) -> None:
    room.ready("2021-08-26-sperre", title="Gesperrte Meldung", extra="embargo: 2021-08-26T10:00:00+02:00\n")
    room.ready("2021-08-20-frei", title="Freie Meldung")
    result = build_pressroom(room.root, now=BEFORE)
    public, private = room.root / "build" / "public", room.root / "build" / "private"
    assert (private / "2021-08-26-sperre" / "2021-08-26-sperre.pdf").is_file()
    assert not (public / "2021-08-26-sperre").exists()
    for name in ("index.html", "feed.xml", "atom.xml"):
        text = (public / name).read_text(encoding="utf-8")
        assert "Gesperrte Meldung" not in text and "2021-08-26-sperre" not in text
        assert "Freie Meldung" in text
    assert "Sperrfrist" in pdf_text(result.outputs("2021-08-26-sperre")["pdf"])

    result = build_pressroom(room.root, now=AFTER)
    assert result.rendered == ("2021-08-26-sperre",)
    assert not (private / "2021-08-26-sperre").exists()
    assert "Gesperrte Meldung" in (public / "feed.xml").read_text(encoding="utf-8")
    assert "Sperrfrist" not in pdf_text(result.outputs("2021-08-26-sperre")["pdf"])


def test_drafts_render_privately_and_never_publicly(room: Room) -> None:
    room.release("2021-05-04-entwurf", "title: Geheimer Entwurf\ndate: 2021-05-04\nlead: x")
    build_pressroom(room.root, now=AFTER)
    public = room.root / "build" / "public"
    assert (room.root / "build" / "private" / "2021-05-04-entwurf" / "2021-05-04-entwurf.docx").is_file()
    assert not any("Geheimer Entwurf" in p.read_text(errors="ignore") for p in public.rglob("*") if p.is_file())


def test_rebuild_without_changes_renders_nothing_and_touches_nothing(room: Room) -> None:
    room.ready("2021-05-04-a")
    room.ready("2021-05-05-b")
    build_pressroom(room.root, now=AFTER)
    before = snapshot(room.root / "build")
    result = build_pressroom(room.root, now=AFTER)
    assert result.rendered == ()
    assert sorted(result.skipped) == ["2021-05-04-a", "2021-05-05-b"]
    assert snapshot(room.root / "build") == before


def test_a_changed_release_is_rendered_again_alone_and_a_template_change_renders_all(room: Room) -> None:
    room.ready("2021-05-04-a")
    room.ready("2021-05-05-b")
    build_pressroom(room.root, now=AFTER)
    room.ready("2021-05-05-b", title="Neuer Titel")
    assert build_pressroom(room.root, now=AFTER).rendered == ("2021-05-05-b",)
    (room.root / "templates").mkdir()
    (room.root / "templates" / "release.css").write_text("body { color: black; }")
    assert sorted(build_pressroom(room.root, now=AFTER).rendered) == ["2021-05-04-a", "2021-05-05-b"]


def test_errors_refuse_the_build_and_leave_the_previous_one_untouched(room: Room) -> None:
    room.ready("2021-05-04-a")
    build_pressroom(room.root, now=AFTER)
    before = snapshot(room.root / "build")
    room.ready("2021-05-05-kaputt", extra="contacts: [niemand]\n")
    with pytest.raises(CheckFailed) as info:
        build_pressroom(room.root, now=AFTER)
    assert [p.message for p in info.value.problems if p.is_error] == [
        "contacts: unbekannter Kontakt 'niemand' (bekannt: anna, ben)"
    ]
    assert snapshot(room.root / "build") == before


def test_cli_build_prints_located_errors_and_exits_1(room: Room) -> None:
    room.ready("2021-05-05-kaputt", extra="contacts: [niemand]\n")
    result = CliRunner().invoke(cli, ["build", "--root", str(room.root)])
    assert result.exit_code == 1
    assert "releases/2021-05-05-kaputt.md:6: contacts: unbekannter Kontakt 'niemand'" in result.output
    assert not (room.root / "build").exists()


def test_only_renders_the_named_release(room: Room) -> None:
    room.ready("2021-05-04-a")
    room.ready("2021-05-05-b")
    result = build_pressroom(room.root, now=AFTER, only="2021-05-05-b")
    assert result.rendered == ("2021-05-05-b",)
    assert not (room.root / "build" / "public" / "2021-05-04-a").exists()


def test_parallel_and_serial_builds_give_identical_bytes(room: Room, tmp_path: Path) -> None:
    for day in range(1, 5):
        room.ready(f"2021-05-0{day}-meldung-{day}", title=f"Meldung {day}", extra="tags: [Test]\n")
    build_pressroom(room.root, out=tmp_path / "one", now=AFTER, jobs=1)
    build_pressroom(room.root, out=tmp_path / "two", now=AFTER, jobs=2)
    one, two = snapshot(tmp_path / "one"), snapshot(tmp_path / "two")
    assert one.keys() == two.keys()
    for name in one:
        if not name.endswith(MANIFEST):
            assert one[name][0] == two[name][0], name


def test_deleted_release_disappears_from_the_site(room: Room) -> None:
    gone = room.ready("2021-05-04-weg", title="Bald weg")
    room.ready("2021-05-05-bleibt")
    build_pressroom(room.root, now=AFTER)
    gone.unlink()
    build_pressroom(room.root, now=AFTER)
    public = room.root / "build" / "public"
    assert not (public / "2021-05-04-weg").exists()
    assert "Bald weg" not in (public / "feed.xml").read_text(encoding="utf-8")


def test_attachments_and_images_are_copied_beside_the_release(room: Room) -> None:
    (room.releases / "fakten.pdf").write_bytes(b"%PDF-1.4 fakten")
    room.ready("2021-05-04-anhang", extra="attachments: [fakten.pdf]\n")
    result = build_pressroom(room.root, now=AFTER)
    folder = result.outputs("2021-05-04-anhang")["html"].parent
    assert (folder / "fakten.pdf").read_bytes() == b"%PDF-1.4 fakten"
    assert not list(folder.glob(".*.tmp"))
