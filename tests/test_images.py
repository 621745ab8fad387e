"""Images with caption, credit and licence: checked, shown in every format, offered for
download one by one and in one reproducible ZIP per release; logos where the settings give them."""

from __future__ import annotations

import dataclasses
import io
import subprocess
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import lxml.html
import pytest
from conftest import NOW, Room
from docx import Document
from PIL import Image as PILImage
from pypdf import PdfReader

from pressroom.build import build_pressroom
from pressroom.load import load_pressroom
from pressroom.release_zip import release_zip, zip_members
from pressroom.render import RenderContext
from pressroom.render.docx import render_docx
from pressroom.render.pdf import render_pdf
from pressroom.render.text import render_text
from pressroom.render.view import release_view

SLUG = "2021-05-04-bilder"
LISTED = """\
images:
  - {file: fotos/team.png, alt: Das Team vor dem Haus, caption: Das Team am Eröffnungstag,
     credit: Jana Beispiel, license: CC BY 4.0}
  - file: fotos/plakat.png
    alt: Das Plakat zur Woche
    credit: Beispiel e.V.
"""
BODY = 'Text.\n\n![Der Saal](fotos/saal.png "Der volle Saal")\n'


def png(path: Path, size: tuple[int, int] = (120, 80), colour: tuple[int, int, int] = (30, 90, 160)) -> bytes:
    """Write a real PNG of *size* at *path* and return its bytes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    PILImage.new("RGB", size, colour).save(path, format="PNG")
    return path.read_bytes()


def pictured(room: Room, extra: str = LISTED, body: str = BODY) -> None:
    """A ready release with two listed images and one body image (credited in the list)."""
    png(room.releases / "fotos" / "team.png", (300, 200))
    png(room.releases / "fotos" / "plakat.png", (100, 140), (200, 40, 40))
    png(room.releases / "fotos" / "saal.png", (160, 90), (40, 160, 40))
    room.ready(SLUG, extra=extra + "  - {file: fotos/saal.png, credit: Ben Beispiel, license: CC0}\n",
               body=body)


def problems(room: Room) -> list[str]:
    return [p.format(room.root) for p in load_pressroom(room.root, NOW).problems]


# -- check ---------------------------------------------------------------------------------

def test_ready_release_with_an_image_without_credit_or_alt_is_an_error_at_its_line(room: Room) -> None:
    png(room.releases / "a.png")
    png(room.releases / "b.png")
    room.ready(SLUG, extra="images:\n  - {file: a.png, alt: Ein Bild}\n  - {file: b.png, credit: X}\n",
               body="Text.\n\n![](a.png)\n")  # the list's alt text covers the body's empty one
    assert [p for p in problems(room) if "Bild " in p] == [
        f"releases/{SLUG}.md:7: Bild a.png hat keine Bildquelle: nennen Sie unter credit: die Fotografin oder den Fotografen",
        f"releases/{SLUG}.md:8: Bild b.png hat keinen Alternativtext: beschreiben Sie unter alt: in einem Satz, was darauf zu sehen ist",
    ]


def test_body_image_not_listed_is_an_error_at_its_body_line(room: Room) -> None:
    png(room.releases / "saal.png")
    room.ready(SLUG, body="Erster Absatz.\n\nZweiter.\n\n![](saal.png)\n")
    assert [p for p in problems(room) if "Bild " in p] == [
        f"releases/{SLUG}.md:11: Bild saal.png hat keine Bildquelle: nennen Sie unter credit: die Fotografin oder den Fotografen",
        f"releases/{SLUG}.md:11: Bild saal.png hat keinen Alternativtext: beschreiben Sie unter alt: in einem Satz, was darauf zu sehen ist",
    ]


def test_a_draft_gets_warnings_not_errors(room: Room) -> None:
    png(room.releases / "a.png")
    room.release(SLUG, "title: T\ndate: 2021-05-04\nlead: L\nimages: [{file: a.png}]\n")
    result = load_pressroom(room.root, NOW)
    assert not result.errors
    assert [p.format(room.root) for p in result.problems] == [
        f"releases/{SLUG}.md:5: warning: Bild a.png hat keine Bildquelle: nennen Sie unter credit: die Fotografin oder den Fotografen",
        f"releases/{SLUG}.md:5: warning: Bild a.png hat keinen Alternativtext: beschreiben Sie unter alt: in einem Satz, was darauf zu sehen ist",
    ]


def test_check_command_exits_1_with_the_located_line_and_no_traceback(room: Room) -> None:
    from click.testing import CliRunner

    from pressroom.cli import cli

    png(room.releases / "a.png")
    room.ready(SLUG, extra="images: [{file: a.png, alt: Ein Bild}]\n")
    result = CliRunner().invoke(cli, ["check", "--root", str(room.root)])
    assert result.exit_code == 1
    assert f"releases/{SLUG}.md:6: Bild a.png hat keine Bildquelle: nennen Sie unter credit: die Fotografin oder den Fotografen" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("name", ["fehlt.png", "../../etc/passwd", "https://example.org/x.png"])
def test_an_image_that_is_no_file_inside_releases_is_located(room: Room, name: str) -> None:
    room.ready(SLUG, extra=f"images:\n  - file: '{name}'\n    alt: A\n    credit: C\n")
    assert problems(room) == [f"releases/{SLUG}.md:7: images: {name}: diese Datei gibt es nicht im Ordner releases/"]


def test_an_unknown_image_key_is_located_with_a_suggestion(room: Room) -> None:
    png(room.releases / "a.png")
    room.ready(SLUG, extra="images:\n  - file: a.png\n    alt: A\n    credits: C\n")
    assert problems(room) == [
        f"releases/{SLUG}.md:9: images[0].credits: unbekannter Schlüssel, meinten Sie credit?",
    ]


# -- the view ---------------------------------------------------------------------------------

def test_view_lists_the_images_with_pixel_size_and_body_images_take_caption_from_title(room: Room) -> None:
    pictured(room)
    pressroom = room.load()
    view = release_view(pressroom.release(SLUG), RenderContext.for_settings(pressroom.settings, NOW))
    rows = [(i.file, i.href, i.alt, i.caption, i.credit, i.license, i.width, i.height, i.in_body)
            for i in view.images]
    assert rows == [
        ("fotos/team.png", "fotos/team.png", "Das Team vor dem Haus", "Das Team am Eröffnungstag",
         "Jana Beispiel", "CC BY 4.0", 300, 200, False),
        ("fotos/plakat.png", "fotos/plakat.png", "Das Plakat zur Woche", "", "Beispiel e.V.", "", 100, 140,
         False),
        # listed for its credit, shown by the body: alt text and caption (the title) from the body
        ("fotos/saal.png", "fotos/saal.png", "Der Saal", "Der volle Saal", "Ben Beispiel", "CC0", 160, 90,
         True),
    ]


def test_an_svg_has_no_pixel_size_and_still_renders(room: Room) -> None:
    (room.releases / "logo.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>',
        encoding="utf-8")
    room.ready(SLUG, extra="images: [{file: logo.svg, alt: Logo, credit: C}]\n")
    pressroom = room.load()
    ctx = RenderContext.for_settings(pressroom.settings, NOW)
    (image,) = release_view(pressroom.release(SLUG), ctx).images
    assert (image.width, image.height) == (None, None)
    assert "Foto: C" in render_text(pressroom.release(SLUG), ctx).decode("utf-8")


# -- every format -----------------------------------------------------------------------------

def test_page_shows_figures_with_caption_credit_and_licence_and_a_download_block(room: Room) -> None:
    pictured(room)
    out = build_pressroom(room.root, now=NOW, jobs=1).out
    page = lxml.html.parse(str(out / "public" / SLUG / f"{SLUG}.html")).getroot()
    figures = page.xpath("//section[@class='images']/figure")
    captions = [" ".join(f.find("figcaption").text_content().split()) for f in figures]
    assert captions == [
        "Das Team am Eröffnungstag Foto: Jana Beispiel Lizenz: CC BY 4.0",
        "Foto: Beispiel e.V.",
        "Der volle Saal Foto: Ben Beispiel Lizenz: CC0",
    ]
    # the body shows the third picture already: its figure does not repeat it
    assert [[img.get("src") for img in f.iter("img")] for f in figures] == [
        ["fotos/team.png"], ["fotos/plakat.png"], []]
    assert [img.get("alt") for img in page.xpath("//div[@class='body']//img")] == ["Der Saal"]
    links = [(a.get("href"), " ".join(a.getparent().text_content().split()))
             for a in page.xpath("//section[@class='download-block']//a")]
    assert links == [
        (f"{SLUG}.zip", "Alles als ZIP (PDF, DOCX, Bilder)"),
        ("fotos/team.png", "fotos/team.png (300 × 200 Pixel)"),
        ("fotos/plakat.png", "fotos/plakat.png (100 × 140 Pixel)"),
        ("fotos/saal.png", "fotos/saal.png (160 × 90 Pixel)"),
    ]
    for href, _ in links:  # every link of the block leads to a built file
        assert (out / "public" / SLUG / href).is_file(), href
    assert (out / "public" / SLUG / "fotos" / "team.png").read_bytes() == (
        room.releases / "fotos" / "team.png").read_bytes()  # full size, as given


def test_pdf_embeds_every_image_and_prints_their_credits(room: Room, tmp_path: Path) -> None:
    pictured(room)
    pressroom = room.load()
    data = render_pdf(pressroom.release(SLUG), RenderContext.for_settings(pressroom.settings, NOW))
    reader = PdfReader(io.BytesIO(data))
    sizes = {(i.image.width, i.image.height) for page in reader.pages for i in page.images}
    assert sizes == {(100, 140), (160, 90), (300, 200)}
    (tmp_path / "r.pdf").write_bytes(data)
    text = subprocess.run(["pdftotext", str(tmp_path / "r.pdf"), "-"], check=True, capture_output=True,
                          text=True).stdout
    for line in ("Das Team am Eröffnungstag", "Foto: Jana Beispiel", "Lizenz: CC BY 4.0", "Foto: Ben Beispiel"):
        assert line in text


def test_docx_embeds_each_picture_once_with_alt_text_and_credit_lines(room: Room) -> None:
    pictured(room)
    pressroom = room.load()
    document = Document(io.BytesIO(render_docx(pressroom.release(SLUG),
                                               RenderContext.for_settings(pressroom.settings, NOW))))
    described = [shape._inline.docPr.get("descr") for shape in document.inline_shapes]
    assert described == ["Der Saal", "Das Team vor dem Haus", "Das Plakat zur Woche"]
    texts = [p.text for p in document.paragraphs]
    assert "Das Team am Eröffnungstag\nFoto: Jana Beispiel\nLizenz: CC BY 4.0" in texts
    assert "Der volle Saal\nFoto: Ben Beispiel\nLizenz: CC0" in texts


def test_text_names_each_image_with_its_size_caption_credit_and_licence(room: Room) -> None:
    pictured(room)
    pressroom = room.load()
    text = render_text(pressroom.release(SLUG), RenderContext.for_settings(pressroom.settings, NOW))
    assert (
        "Bildmaterial\n------------\nfotos/team.png (300 × 200 Pixel)\nDas Team am Eröffnungstag\n"
        "Foto: Jana Beispiel\nLizenz: CC BY 4.0\n\nfotos/plakat.png (100 × 140 Pixel)\nFoto: Beispiel e.V.\n"
    ) in text.decode("utf-8")


# -- the ZIP -----------------------------------------------------------------------------------

def test_zip_holds_pdf_docx_and_images_and_two_builds_give_identical_bytes(room: Room, tmp_path: Path) -> None:
    pictured(room)
    first = build_pressroom(room.root, tmp_path / "one", now=NOW, jobs=1)
    second = build_pressroom(room.root, tmp_path / "two", now=NOW, jobs=2)
    one = (first.out / "public" / SLUG / f"{SLUG}.zip").read_bytes()
    assert one == (second.out / "public" / SLUG / f"{SLUG}.zip").read_bytes()
    folder = first.out / "public" / SLUG
    with zipfile.ZipFile(io.BytesIO(one)) as archive:
        assert archive.testzip() is None
        assert archive.namelist() == [f"{SLUG}.pdf", f"{SLUG}.docx", "fotos/team.png", "fotos/plakat.png",
                                      "fotos/saal.png"]
        assert archive.read(f"{SLUG}.pdf") == (folder / f"{SLUG}.pdf").read_bytes()
        assert archive.read(f"{SLUG}.docx") == (folder / f"{SLUG}.docx").read_bytes()
        assert archive.read("fotos/team.png") == (room.releases / "fotos" / "team.png").read_bytes()
        assert {info.date_time for info in archive.infolist()} == {(2021, 5, 4, 0, 0, 0)}


def test_zip_follows_a_changed_image_and_is_left_alone_otherwise(room: Room, tmp_path: Path) -> None:
    pictured(room)
    out = tmp_path / "build"
    build_pressroom(room.root, out, now=NOW, jobs=1)
    target = out / "public" / SLUG / f"{SLUG}.zip"
    before, stamp = target.read_bytes(), target.stat().st_mtime_ns
    build_pressroom(room.root, out, now=NOW, jobs=1)
    assert target.stat().st_mtime_ns == stamp  # nothing rendered: the ZIP untouched
    new = png(room.releases / "fotos" / "team.png", (300, 200), (0, 0, 0))
    build_pressroom(room.root, out, now=NOW, jobs=1)
    with zipfile.ZipFile(target) as archive:
        assert archive.read("fotos/team.png") == new
    assert target.read_bytes() != before
    target.unlink()  # a missing ZIP is made again even when every format is current
    build_pressroom(room.root, out, now=NOW, jobs=1)
    assert target.is_file()


def test_zip_never_takes_a_file_from_outside_the_room(room: Room, tmp_path: Path) -> None:
    pictured(room)
    pressroom = room.load()
    release = pressroom.release(SLUG)
    outside = tmp_path / "geheim.png"
    png(outside)
    # load refuses such a file; the ZIP step holds the line on its own (a file swapped for
    # a symbolic link after the check, say)
    (room.releases / "fotos" / "plakat.png").unlink()
    (room.releases / "fotos" / "plakat.png").symlink_to(outside)
    smuggled = dataclasses.replace(release.images[0], path=outside, file="geheim.png")
    release = dataclasses.replace(release, images=(smuggled, *release.images))
    folder = tmp_path / "folder"
    folder.mkdir()
    names = [name for name, _ in zip_members(release, folder, pressroom.settings.releases_dir)]
    assert names == ["fotos/team.png", "fotos/saal.png"]


def test_zip_dates_before_1980_are_clamped_to_the_zip_epoch(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_bytes(b"a")
    data = release_zip([("a.txt", (tmp_path / "a.txt").read_bytes())], datetime(1970, 1, 1, tzinfo=UTC))
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.infolist()[0].date_time == (1980, 1, 1, 0, 0, 0)


# -- nothing leaks -----------------------------------------------------------------------------

SECRET = "geheimbild-7f3a"


def test_images_and_zips_of_drafts_and_embargoed_releases_stay_out_of_public(room: Room) -> None:
    png(room.releases / "frei.png")
    png(room.releases / f"{SECRET}-sperr.png")
    png(room.releases / f"{SECRET}-entwurf.png")
    room.ready("2029-12-01-frei", extra="images: [{file: frei.png, alt: Frei, credit: C}]\n")
    room.ready("2029-12-02-sperr", title=f"Sperrfrist {SECRET}",
               extra=f"embargo: 2030-02-01T10:00:00+01:00\nimages: [{{file: {SECRET}-sperr.png, alt: "
                     f"{SECRET}, caption: {SECRET}, credit: {SECRET}}}]\n")
    room.release("2029-12-03-entwurf", f"title: Entwurf {SECRET}\ndate: 2029-12-03\nlead: L\n"
                 f"images: [{{file: {SECRET}-entwurf.png, alt: {SECRET}, credit: {SECRET}}}]\n")
    out = build_pressroom(room.root, now=NOW, jobs=1).out
    public = [p for p in (out / "public").rglob("*") if p.is_file()]
    assert (out / "public" / "2029-12-01-frei" / "2029-12-01-frei.zip") in public
    assert [p for p in public if SECRET in str(p.relative_to(out))] == []
    for path in public:
        if path.suffix == ".zip":
            with zipfile.ZipFile(path) as archive:
                assert all(SECRET not in name for name in archive.namelist())
                assert all(SECRET.encode() not in archive.read(name) for name in archive.namelist())
        elif path.suffix in (".html", ".xml", ".txt"):
            assert SECRET not in path.read_text(encoding="utf-8"), path
    private = out / "private"
    assert (private / "2029-12-02-sperr" / f"{SECRET}-sperr.png").is_file()
    assert (private / "2029-12-03-entwurf" / "2029-12-03-entwurf.zip").is_file()


# -- logos ---------------------------------------------------------------------------------------

LOGO_SETTINGS = """\
organisation:
  name: Beispiel e.V.
  address: Hauptstraße 1, 18055 Rostock
  website: https://www.beispiel.example
  logo: logo.png
site:
  base_url: https://presse.beispiel.example
  title: Beispiel Pressemitteilungen
  default_place: Rostock
contacts:
  anna: {name: Anna Muster, email: anna@beispiel.example}
boilerplates:
  neu:
    valid_from: 2019-01-01
    text: Gefördert vom ESF.
    funders: [{name: Europäischer Sozialfonds, logo: esf.png}]
"""


def logo_room(room: Room) -> tuple[bytes, bytes]:
    room.write_settings(LOGO_SETTINGS)
    org = png(room.releases / "logo.png", (90, 30), (10, 10, 120))
    esf = png(room.releases / "esf.png", (60, 40), (250, 200, 0))
    room.ready(SLUG, extra="contacts: [anna]\n")
    return org, esf


def test_page_header_shows_the_organisation_logo_and_the_footer_the_funder_logo(room: Room) -> None:
    logo_room(room)
    out = build_pressroom(room.root, now=NOW, jobs=1).out
    page = lxml.html.parse(str(out / "public" / SLUG / f"{SLUG}.html")).getroot()
    (org,) = page.xpath("//header[@class='letterhead']//img[@class='logo']")
    assert org.get("alt") == "Beispiel e.V." and org.get("src").startswith("data:image/png;base64,")
    (funder,) = page.xpath("//footer//p[@class='funder-logos']/img")
    assert funder.get("alt") == "Europäischer Sozialfonds"


def test_pdf_carries_the_organisation_and_funder_logos(room: Room) -> None:
    logo_room(room)
    pressroom = room.load()
    reader = PdfReader(io.BytesIO(render_pdf(pressroom.release(SLUG),
                                             RenderContext.for_settings(pressroom.settings, NOW))))
    sizes = {(i.image.width, i.image.height) for page in reader.pages for i in page.images}
    assert sizes == {(90, 30), (60, 40)}


def test_docx_carries_the_organisation_logo_in_its_header_and_the_funder_logo(room: Room) -> None:
    org, esf = logo_room(room)
    pressroom = room.load()
    document = Document(io.BytesIO(render_docx(pressroom.release(SLUG),
                                               RenderContext.for_settings(pressroom.settings, NOW))))
    header = document.sections[0].header.part
    header_images = [part.blob for part in header.related_parts.values() if part.content_type == "image/png"]
    assert header_images == [org]
    body_images = [document.part.related_parts[s._inline.graphic.graphicData.pic.blipFill.blip.embed].blob
                   for s in document.inline_shapes]
    assert body_images == [esf]


def test_feed_entry_shows_the_image_at_its_public_address_with_its_credit_lines(room: Room) -> None:
    import feedparser

    from pressroom.render.feed import render_feeds

    pictured(room)
    pressroom = room.load()
    release = pressroom.release(SLUG)
    _, atom = render_feeds([release], RenderContext.for_settings(pressroom.settings, NOW), {SLUG: {}})
    (entry,) = feedparser.parse(atom).entries
    content = lxml.html.fragment_fromstring(entry.content[0].value, create_parent="div")
    heading = next(h for h in content.iter("h2") if h.text == "Bildmaterial")
    first = heading.getnext()
    assert [img.get("src") for img in first.iter("img")] == [
        f"https://presse.beispiel.example/{SLUG}/fotos/team.png"]
    assert [text.strip() for text in first.itertext() if text.strip()] == [
        "Das Team am Eröffnungstag", "Foto: Jana Beispiel", "Lizenz: CC BY 4.0"]
