"""The shipped reference.docx, `pressroom reference-docx OUT`, and a room restyling it."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import docx
from conftest import NOW, Room
from docx.shared import Pt, RGBColor

from pressroom.build import build_pressroom
from pressroom.render.docx import BODY_FONT

PRESSROOM = [sys.executable, "-m", "pressroom"]


def reference_docx(out: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*PRESSROOM, "reference-docx", str(out), *extra], capture_output=True, text=True)


def test_reference_docx_command_writes_the_house_styles(tmp_path: Path) -> None:
    out = tmp_path / "hausstil.docx"
    result = reference_docx(out)
    assert result.returncode == 0, result.stderr
    document = docx.Document(str(out))
    names = {style.name for style in document.styles}
    assert {"Title", "Lead", "Contact", "Boilerplate", "Dateline", "Release Label"} <= names
    assert document.styles["Title"].font.size == Pt(19)
    fonts = document.styles.element.find(".//w:docDefaults//w:rFonts", document.styles.element.nsmap)
    assert fonts is not None and fonts.get(docx.oxml.ns.qn("w:ascii")) == BODY_FONT
    assert document.paragraphs == [] or all(not p.text for p in document.paragraphs)


def test_reference_docx_refuses_to_overwrite_without_force(tmp_path: Path) -> None:
    out = tmp_path / "hausstil.docx"
    out.write_bytes(b"restyled by the press office")
    result = reference_docx(out)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [f"{out}: exists already (--force replaces it)"]
    assert out.read_bytes() == b"restyled by the press office"
    assert reference_docx(out, "--force").returncode == 0
    assert docx.Document(str(out)).styles["Lead"] is not None


def test_reference_docx_into_a_missing_folder_is_one_line(tmp_path: Path) -> None:
    result = reference_docx(tmp_path / "fehlt" / "hausstil.docx")
    assert result.returncode == 1
    assert len(result.stderr.strip().splitlines()) == 1 and "cannot write" in result.stderr


def built_docx(room: Room, slug: str) -> docx.document.Document:
    out = room.root / "build"
    build_pressroom(room.root, out=out, now=NOW, jobs=1)
    return docx.Document(io.BytesIO((out / "public" / slug / f"{slug}.docx").read_bytes()))


def test_restyled_reference_in_templates_changes_the_built_docx(room: Room, tmp_path: Path) -> None:
    room.ready("2024-03-01-meldung")
    default = built_docx(room, "2024-03-01-meldung")
    assert default.styles["Lead"].font.color.rgb is None

    out = tmp_path / "hausstil.docx"
    assert reference_docx(out).returncode == 0
    restyled = docx.Document(str(out))
    restyled.styles["Normal"].font.name = "Liberation Serif"
    restyled.styles["Lead"].font.color.rgb = RGBColor.from_string("8B0000")
    (room.root / "templates").mkdir(exist_ok=True)
    restyled.save(str(room.root / "templates" / "reference.docx"))

    document = built_docx(room, "2024-03-01-meldung")
    assert document.styles["Normal"].font.name == "Liberation Serif"
    assert document.styles["Lead"].font.color.rgb == RGBColor.from_string("8B0000")
    assert default.styles["Normal"].font.name != "Liberation Serif"
