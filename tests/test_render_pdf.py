"""The release PDF, read back with pdftotext (poppler) and pypdf."""

from __future__ import annotations

import dataclasses
import io
import re
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pypdf
import pytest
from conftest import NOW, SLUG_2013, SLUG_2021, Room, load_sample

from pressroom.model import Pressroom, Release
from pressroom.render import RenderContext
from pressroom.render.html import release_page
from pressroom.render.pdf import render_pdf


def pdf_of(pressroom: Pressroom, release: Release, now: datetime = NOW) -> bytes:
    return render_pdf(release, RenderContext.for_settings(pressroom.settings, now))


def pdftotext(pdf: bytes, *pages: int) -> str:
    """Extract the text of *pages* (1-based; all when none), undoing hyphenation."""
    args = ["pdftotext", "-enc", "UTF-8"]
    if pages:
        args += ["-f", str(min(pages)), "-l", str(max(pages))]
    text = subprocess.run([*args, "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    text = text.replace("\u2010\n", "")  # WeasyPrint hyphenates with U+2010
    return " ".join(text.split())


@pytest.fixture(scope="module")
def sample_pdfs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """Both sample releases rendered once for the read-only tests of this module."""
    import shutil

    root = tmp_path_factory.mktemp("sample")
    repo = Path(__file__).resolve().parents[1]
    shutil.copytree(repo / "releases", root / "releases")
    shutil.copytree(repo / "templates", root / "templates")
    pressroom = load_sample(root)
    return {r.slug: pdf_of(pressroom, r) for r in pressroom.releases}


def test_pdf_text_carries_the_release(sample_pdfs: dict[str, bytes]) -> None:
    text = pdftotext(sample_pdfs[SLUG_2021])
    assert "Netzwerk zur Arbeitsmarktintegration von Migrant*innen in Mecklenburg-Vorpommern" in text
    assert "Rostock, 26.08.2021" in text
    assert "PRESSEMITTEILUNG1/2021" in text.replace(" ", "")
    assert "Seit nunmehr 10 Jahren engagiert sich das IQ Netzwerk" in text
    assert "Maja Kuntzsch" in text and "Dr. Maher Fakhouri" in text
    assert "Factsheet mit wichtigen Zahlen" in text
    assert "migra e.V." in text and "Waldemarstraße 32" in text


def test_backslash_escapes_survive_into_the_pdf(sample_pdfs: dict[str, bytes]) -> None:
    text = pdftotext(sample_pdfs[SLUG_2021])
    assert "Einwohner*innen" in text and "Arbeitnehmer*innen" in text
    assert "\\*" not in text


@pytest.mark.parametrize(
    ("slug", "present", "absent"),
    [
        (SLUG_2013, "Das Programm wird gefördert durch das Bundesministerium für Arbeit und Soziales",
         "Europäischen Sozialfonds"),
        (SLUG_2021, "Europäischen Sozialfonds (ESF) gefördert", "Das Programm wird gefördert durch"),
    ],
)
def test_pdf_boilerplate_is_the_one_of_the_release_period(
    sample_pdfs: dict[str, bytes], slug: str, present: str, absent: str
) -> None:
    text = pdftotext(sample_pdfs[slug])
    assert present in text
    assert absent not in text


def test_2013_pdf_names_its_funders(sample_pdfs: dict[str, bytes]) -> None:
    text = pdftotext(sample_pdfs[SLUG_2013])
    assert "Gefördert durch:" in text
    assert "Bundesagentur für Arbeit" in text.split("Gefördert durch:")[1]


def test_pdf_metadata_comes_from_the_release(sample_pdfs: dict[str, bytes]) -> None:
    reader = pypdf.PdfReader(io.BytesIO(sample_pdfs[SLUG_2021]))
    meta = reader.metadata
    assert meta is not None
    assert meta.title is not None and meta.title.startswith("Netzwerk zur Arbeitsmarktintegration von Migrant*innen")
    assert meta.author == "migra e.V."
    assert meta.subject is not None and meta.subject.startswith("Seit nunmehr 10 Jahren")
    assert meta["/Keywords"] == "Jubiläum, Fachkräftesicherung"
    assert meta["/CreationDate"].startswith("D:20210826")
    assert reader.trailer["/Root"]["/Lang"] == "de"


def test_pdf_is_tagged_pdf_ua_1(sample_pdfs: dict[str, bytes]) -> None:
    root = pypdf.PdfReader(io.BytesIO(sample_pdfs[SLUG_2021])).trailer["/Root"]
    assert "/StructTreeRoot" in root
    assert root["/MarkInfo"]["/Marked"] in (True, "true")
    xmp = root["/Metadata"].get_object().get_data().decode("utf-8")
    assert 'pdfuaid:part="1"' in xmp
    assert "<dc:creator><rdf:Seq><rdf:li>migra e.V.</rdf:li>" in xmp


def test_pdf_is_a4_with_localised_page_numbers(sample_pdfs: dict[str, bytes]) -> None:
    reader = pypdf.PdfReader(io.BytesIO(sample_pdfs[SLUG_2021]))
    width, height = float(reader.pages[0].mediabox.width), float(reader.pages[0].mediabox.height)
    assert (round(width), round(height)) == (595, 842)
    pages = len(reader.pages)
    assert pages >= 2
    assert f"Seite 1 von {pages}" in pdftotext(sample_pdfs[SLUG_2021], 1)
    assert f"Seite {pages} von {pages}" in pdftotext(sample_pdfs[SLUG_2021], pages)


def test_pdf_links_point_to_the_web_never_to_local_files(sample_pdfs: dict[str, bytes]) -> None:
    """The 2013 body links to "#": resolved against file:// they would leak build paths."""
    reader = pypdf.PdfReader(io.BytesIO(sample_pdfs[SLUG_2013]))
    uris = [
        annot.get_object()["/A"]["/URI"]
        for page in reader.pages
        for annot in page.get("/Annots") or []
        if "/A" in annot.get_object()
    ]
    assert "mailto:kuntzsch@migra-mv.de" in uris
    assert uris and all(re.match(r"(https?|mailto|tel):", uri) for uri in uris)


def test_rendering_twice_gives_identical_bytes(sample_root: Path) -> None:
    pressroom = load_sample(sample_root)
    release = pressroom.release(SLUG_2021)
    first = pdf_of(pressroom, release)
    later = pdf_of(pressroom, release, datetime(2031, 6, 1, tzinfo=UTC))
    assert first == later


def test_embargo_notice_is_on_page_one_only_while_the_embargo_holds(room: Room) -> None:
    room.ready("2029-12-30-sperre", title="Gesperrte Meldung", extra="embargo: 2030-01-02T10:00:00\n")
    pressroom = room.load(NOW)
    release = pressroom.release("2029-12-30-sperre")
    before = pdftotext(pdf_of(pressroom, release, NOW), 1)
    assert "Sperrfrist: 02.01.2030, 10:00 Uhr" in before
    after = pdftotext(pdf_of(pressroom, release, datetime(2030, 1, 2, 9, 0, 1, tzinfo=UTC)))
    assert "Sperrfrist" not in after
    assert "Gesperrte Meldung" in after


def test_english_pdf_numbers_pages_in_english(room: Room) -> None:
    room.ready("2024-03-01-english", title="An English release", extra="language: en\n")
    pressroom = room.load(NOW)
    pdf = pdf_of(pressroom, pressroom.release("2024-03-01-english"))
    assert "Page 1 of 1" in pdftotext(pdf)
    assert pypdf.PdfReader(io.BytesIO(pdf)).trailer["/Root"]["/Lang"] == "en"


def test_body_images_inside_releases_are_embedded(room: Room) -> None:
    from PIL import Image

    Image.new("RGB", (60, 40), (200, 30, 30)).save(room.releases / "foto.png")
    room.ready("2024-01-01-bild", body='![Ein Foto](foto.png "Bildunterschrift")\n',
               extra="images: [{file: foto.png, credit: Anna Muster}]\n")
    pressroom = room.load(NOW)
    reader = pypdf.PdfReader(io.BytesIO(pdf_of(pressroom, pressroom.release("2024-01-01-bild"))))
    assert len(reader.pages[0].images) == 1


MARKER = "LEAKED-MARKER-5e1d0c"
SECRET_SVG = f"""<svg xmlns="http://www.w3.org/2000/svg" width="400" height="40">
<text x="5" y="30" font-size="20">{MARKER}</text></svg>"""
HOSTILE = """\
<script>alert(1)</script>

<img src="file:///etc/passwd">

![x](file:///etc/passwd) ![leak](leak.svg) ![up](../../secret.svg)

[x](javascript:alert(1))

<style>@import url(http://127.0.0.1:9/x.css)</style>

<link rel="attachment" href="file:///etc/passwd">
"""


def test_hostile_release_cannot_pull_outside_files_into_the_pdf(room: Room, tmp_path: Path) -> None:
    secret = tmp_path / "secret.svg"
    secret.write_text(SECRET_SVG, encoding="utf-8")
    (room.releases / "leak.svg").symlink_to(secret)
    room.ready("2024-01-01-boese")
    pressroom = room.load(NOW)
    release = dataclasses.replace(pressroom.release("2024-01-01-boese"), body=HOSTILE)

    pdf = pdf_of(pressroom, release)

    assert MARKER.encode() not in pdf
    assert MARKER not in pdftotext(pdf)
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    assert list(reader.attachments) == []
    assert "root:" not in pdftotext(pdf)  # nothing of /etc/passwd
    assert "javascript" not in " ".join(
        str(annot.get_object().get("/A")) for page in reader.pages for annot in page.get("/Annots") or []
    )


def test_hostile_fixture_would_leak_without_the_room_fetcher(room: Room, tmp_path: Path) -> None:
    """Control: WeasyPrint's own fetcher follows the symlink, so the test above has teeth."""
    import weasyprint

    secret = tmp_path / "secret.svg"
    secret.write_text(SECRET_SVG, encoding="utf-8")
    (room.releases / "leak.svg").symlink_to(secret)
    room.ready("2024-01-01-boese")
    pressroom = room.load(NOW)
    release = dataclasses.replace(pressroom.release("2024-01-01-boese"), body="![leak](leak.svg)\n")
    ctx = RenderContext.for_settings(pressroom.settings, NOW)
    html = release_page(release, ctx, "print")
    pdf = weasyprint.HTML(string=html, base_url=room.releases.as_uri() + "/").write_pdf()
    assert pdf is not None
    assert MARKER in pdftotext(pdf)
