"""Precise rebuilds: each output renders again only when something it used changed."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from conftest import Room
from docx import Document

from pressroom.build import BuildResult, build_pressroom
from pressroom.state import MANIFEST

NOW = datetime(2021, 8, 26, 9, 0, tzinfo=UTC)
A, B = "2021-05-04-a", "2021-05-05-b"
EVERY = ("html", "pdf", "docx", "txt")
LIST = """\
distribution:
  channels:
    outbox: {type: maildir, path: build/outbox}
  lists:
    presse: {channel: outbox, csv: liste.csv}
"""


def build(room: Room, jobs: int = 1) -> BuildResult:
    return build_pressroom(room.root, now=NOW, jobs=jobs)


@pytest.fixture
def built(room: Room) -> Room:
    """A room with release A (the default contact anna) and B (ben), built once."""
    (room.releases / "liste.csv").write_text("name,email\nNord,nord@zeitung.example\n", encoding="utf-8")
    room.add_settings(LIST)
    room.ready(A)
    room.ready(B, extra="contacts: [ben]\n")
    assert dict(build(room).rendered_formats) == {A: EVERY, B: EVERY}
    return room


def test_a_settings_comment_a_new_recipient_and_an_unused_template_render_nothing(built: Room) -> None:
    settings = built.releases / "pressroom.yaml"
    settings.write_text("# Eine Notiz der Pressestelle\n" + settings.read_text(encoding="utf-8"), encoding="utf-8")
    assert dict(build(built).rendered_formats) == {}
    with (built.releases / "liste.csv").open("a", encoding="utf-8") as csv:
        csv.write("Neu,neu@zeitung.example\n")
    assert dict(build(built).rendered_formats) == {}
    (built.root / "templates").mkdir()
    (built.root / "templates" / "email.html").write_text("<p>{{ release.title }}</p>\n", encoding="utf-8")
    result = build(built)
    assert dict(result.rendered_formats) == {}
    assert sorted(result.skipped) == [A, B]


def test_a_changed_contact_renders_only_the_releases_that_show_it(built: Room) -> None:
    settings = built.releases / "pressroom.yaml"
    text = settings.read_text(encoding="utf-8")
    settings.write_text(text.replace('phone: "0381 2"', 'phone: "0381 99"'), encoding="utf-8")
    result = build(built)
    assert dict(result.rendered_formats) == {B: EVERY}
    paragraphs = [p.text for p in Document(str(result.outputs(B)["docx"])).paragraphs]
    assert any("0381 99" in text for text in paragraphs)


def test_a_changed_release_css_renders_html_and_pdf_but_not_docx_or_text(built: Room) -> None:
    docx = build(built).outputs(A)["docx"]
    before = docx.stat().st_mtime_ns
    (built.root / "templates").mkdir()
    css = built.root / "templates" / "release.css"
    css.write_text("body { color: #111; }\n", encoding="utf-8")  # a new override counts
    result = build(built)
    assert dict(result.rendered_formats) == {A: ("html", "pdf"), B: ("html", "pdf")}
    assert "color: #111" in result.outputs(A)["html"].read_text(encoding="utf-8")
    css.write_text("body { color: #222; }\n", encoding="utf-8")  # and so does an edit
    assert dict(build(built).rendered_formats) == {A: ("html", "pdf"), B: ("html", "pdf")}
    assert docx.stat().st_mtime_ns == before


def test_a_template_pulled_in_by_extends_counts_for_the_pages_that_use_it(built: Room) -> None:
    (built.root / "templates").mkdir()
    base = built.root / "templates" / "base.html"
    base.write_text('{% extends "default/base.html" %}\n', encoding="utf-8")
    assert dict(build(built).rendered_formats) == {A: ("html", "pdf"), B: ("html", "pdf")}
    base.write_text('{% extends "default/base.html" %}{% block title %}X{% endblock %}\n', encoding="utf-8")
    assert dict(build(built).rendered_formats) == {A: ("html", "pdf"), B: ("html", "pdf")}


def test_a_changed_release_and_a_deleted_output_render_only_what_they_touch(built: Room) -> None:
    built.ready(A, title="Ein neuer Titel")
    assert dict(build(built).rendered_formats) == {A: EVERY}
    build(built).outputs(B)["txt"].unlink()
    assert dict(build(built).rendered_formats) == {B: ("txt",)}


def test_the_manifest_lists_what_each_format_read(built: Room) -> None:
    data = json.loads((built.root / "build" / MANIFEST).read_text(encoding="utf-8"))
    formats = data["releases"][A]["formats"]
    assert set(formats) == set(EVERY)
    names = {fmt: {Path(f).name for f in entry["files"]} for fmt, entry in formats.items()}
    assert {"release.html", "base.html", "release.css", f"{A}.md"} <= names["pdf"]
    assert "release.css" not in names["docx"] and "reference.docx" in names["docx"]
    assert names["txt"] == {f"{A}.md", "release.txt"}  # the text comes from its template alone
    assert not any(name in ("pressroom.yaml", "liste.csv", "email.html") for n in names.values() for name in n)


@pytest.mark.parametrize(
    "old", ['{"2021-05-04-a": {"hash": "x", "visibility": "public"}}', "{not json", '{"version": 2}', "[]"]
)
def test_an_old_or_damaged_manifest_is_ignored_and_everything_renders_once(built: Room, old: str) -> None:
    (built.root / "build" / MANIFEST).write_text(old, encoding="utf-8")
    assert dict(build(built).rendered_formats) == {A: EVERY, B: EVERY}
    assert dict(build(built).rendered_formats) == {}


def test_precise_rebuilds_keep_parallel_and_serial_bytes_identical(built: Room, tmp_path: Path) -> None:
    (built.root / "templates").mkdir()
    (built.root / "templates" / "release.css").write_text("p { margin: 0; }\n", encoding="utf-8")
    build_pressroom(built.root, now=NOW, jobs=2)
    serial = build_pressroom(built.root, out=tmp_path / "serial", now=NOW, jobs=1)
    for slug in (A, B):
        for fmt, path in serial.outputs(slug).items():
            assert path.read_bytes() == (built.root / "build" / "public" / slug / path.name).read_bytes(), fmt


SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10" fill="{}"/></svg>'


def test_a_changed_funder_logo_renders_only_its_periods_releases_and_an_image_only_its_release(
    room: Room,
) -> None:
    (room.releases / "esf.svg").write_text(SVG.format("blue"), encoding="utf-8")
    (room.releases / "bild.svg").write_text(SVG.format("red"), encoding="utf-8")
    settings = (room.releases / "pressroom.yaml").read_text(encoding="utf-8")
    room.write_settings(settings.replace(
        "    text: Gefördert vom Neuen Programm und dem ESF.\n",
        "    text: Gefördert vom Neuen Programm und dem ESF.\n    funders: [{name: ESF, logo: esf.svg}]\n",
    ))
    old, new, pictured = "2015-03-02-alt", "2021-05-04-neu", "2021-05-05-bild"
    room.ready(old)
    room.ready(new)
    room.ready(pictured, body="Text.\n\n![Ein Bild](bild.svg)\n",
               extra="images: [{file: bild.svg, credit: Anna Muster}]\n")
    assert set(build(room).rendered_formats) == {old, new, pictured}
    (room.releases / "esf.svg").write_text(SVG.format("green"), encoding="utf-8")
    assert dict(build(room).rendered_formats) == {new: EVERY, pictured: EVERY}
    (room.releases / "bild.svg").write_text(SVG.format("black"), encoding="utf-8")
    assert dict(build(room).rendered_formats) == {pictured: EVERY}
