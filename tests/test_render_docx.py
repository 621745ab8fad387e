"""The DOCX renderer, read back with python-docx and zipfile."""

from __future__ import annotations

import io
import zipfile
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import docx
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml.ns import qn
from PIL import Image

from pressroom.load import load_pressroom
from pressroom.model import Pressroom, Release
from pressroom.render import RenderContext
from pressroom.render.docx import render_docx

NOW = datetime(2030, 1, 1, tzinfo=UTC)


def render(pressroom: Pressroom, slug: str, now: datetime = NOW) -> docx.document.Document:
    release = pressroom.release(slug)
    return read(render_docx(release, RenderContext.for_settings(pressroom.settings, now)))


def render_release(pressroom: Pressroom, release: Release) -> docx.document.Document:
    return read(render_docx(release, RenderContext.for_settings(pressroom.settings, NOW)))


def read(data: bytes) -> docx.document.Document:
    return docx.Document(io.BytesIO(data))


def styled(document: docx.document.Document) -> list[tuple[str, str]]:
    return [(p.style.name, p.text) for p in document.paragraphs]


def hyperlinks(document: docx.document.Document) -> dict[str, str]:
    """Map link text to target, from the w:hyperlink elements and their relationships."""
    links = {}
    rels = document.part.rels
    for element in document.element.body.iter(qn("w:hyperlink")):
        rel = rels[element.get(qn("r:id"))]
        assert rel.reltype == RT.HYPERLINK and rel.is_external
        text = "".join(t.text or "" for t in element.iter(qn("w:t")))
        links[text] = rel.target_ref
    return links


def sample(sample_root: Path) -> Pressroom:
    result = load_pressroom(sample_root, NOW)
    assert result.pressroom is not None
    return result.pressroom


BODY = """\
Erster Absatz mit **fett**, *kursiv* und `code`.

## Zwischentitel

- Punkt eins
- Punkt zwei

1. Schritt eins
2. Schritt zwei

Letzter Absatz.
"""


def test_parts_come_in_order_each_in_its_named_style(room) -> None:
    room.ready("2024-03-01-meldung", title="Großer Titel", extra="subtitle: Der Untertitel\n", body=BODY)
    document = render(room.load(), "2024-03-01-meldung")
    names = [name for name, _ in styled(document)]
    expected = [
        "Release Label", "Dateline", "Title", "Subtitle", "Lead", "Normal", "Heading 2",
        "List Bullet", "List Bullet", "List Number", "List Number", "Normal", "Heading 2",
        "Contact", "Boilerplate", "Address",
    ]
    assert names == expected
    texts = dict(styled(document))
    assert texts["Release Label"] == "Pressemitteilung 1/2024"
    assert texts["Dateline"] == "Rostock, 01.03.2024"
    assert texts["Title"] == "Großer Titel"
    assert texts["Lead"] == "Der Vorspann."
    assert texts["Contact"].startswith("Anna Muster\nPressesprecherin")
    assert texts["Boilerplate"] == "Gefördert vom Neuen Programm und dem ESF."


def test_lead_style_is_bold_and_defined_once_in_the_styles(room) -> None:
    room.ready("2024-03-01-meldung")
    document = render(room.load(), "2024-03-01-meldung")
    for name in ("Lead", "Contact", "Boilerplate", "Embargo"):
        assert document.styles[name].type == docx.enum.style.WD_STYLE_TYPE.PARAGRAPH
    assert document.styles["Lead"].font.bold is True
    lead = next(p for p in document.paragraphs if p.style.name == "Lead")
    assert all(run.bold is None for run in lead.runs)  # the style, not direct formatting


def test_inline_markdown_becomes_bold_italic_and_code_runs(room) -> None:
    room.ready("2024-03-01-meldung", body=BODY)
    document = render(room.load(), "2024-03-01-meldung")
    first = next(p for p in document.paragraphs if p.text.startswith("Erster"))
    runs = {run.text: run for run in first.runs}
    assert runs["fett"].bold is True
    assert runs["kursiv"].italic is True
    assert runs["code"].style.name == "Verbatim Char"


def test_backslash_escapes_come_out_as_the_literal_character(room) -> None:
    room.ready("2024-03-01-meldung", body="Alle Migrant\\*innen und Einwohner\\*innen.\n")
    document = render(room.load(), "2024-03-01-meldung")
    body = next(p.text for p in document.paragraphs if p.style.name == "Normal")
    assert body == "Alle Migrant*innen und Einwohner*innen."


def test_links_in_body_and_links_list_are_working_external_hyperlinks(room) -> None:
    links = "links:\n  - {title: Unsere Website, url: 'https://www.beispiel.example/info'}\n"
    body = "Siehe [den Bericht](https://example.org/bericht?a=1&b=2) oder <mailto:info@example.org>.\n"
    room.ready("2024-03-01-meldung", extra=links, body=body)
    document = render(room.load(), "2024-03-01-meldung")
    found = hyperlinks(document)
    assert found["den Bericht"] == "https://example.org/bericht?a=1&b=2"
    assert found["mailto:info@example.org"] == "mailto:info@example.org"
    assert found["Unsere Website"] == "https://www.beispiel.example/info"
    assert found["anna@beispiel.example"] == "mailto:anna@beispiel.example"
    heading = [p.text for p in document.paragraphs if p.style.name == "Heading 2"]
    assert heading == ["Mehr Informationen", "Pressekontakt"]
    link_runs = [r for r in document.element.body.iter(qn("w:hyperlink"))][0].iter(qn("w:rStyle"))
    assert [s.get(qn("w:val")) for s in link_runs] == ["Hyperlink"]


def test_unsafe_links_and_raw_html_stay_inert_text(room) -> None:
    body = (
        "Klick [hier](javascript:alert(1)) und [dort](#) und [da](ftp://example.org/x).\n\n"
        '<script>alert("x")</script> <a href="https://evil.example">Böse</a>\n'
    )
    room.ready("2024-03-01-meldung", body=body)
    document = render(room.load(), "2024-03-01-meldung")
    targets = [rel.target_ref for rel in document.part.rels.values() if rel.reltype == RT.HYPERLINK]
    assert not any(t.startswith(("javascript", "ftp", "#", "https://evil")) for t in targets)
    texts = [p.text for p in document.paragraphs]
    assert "Klick [hier](javascript:alert(1)) und dort und da." in texts
    assert '<script>alert("x")</script> <a href="https://evil.example">Böse</a>' in texts


def test_markdown_table_becomes_a_word_table_with_bold_header(room) -> None:
    body = "| Jahr | Beratungen |\n|------|-----------:|\n| 2020 | 1.234 |\n| 2021 | **2.345** |\n"
    room.ready("2024-03-01-meldung", body=body)
    document = render(room.load(), "2024-03-01-meldung")
    assert len(document.tables) == 1
    table = document.tables[0]
    cells = [[cell.text for cell in row.cells] for row in table.rows]
    assert cells == [["Jahr", "Beratungen"], ["2020", "1.234"], ["2021", "2.345"]]
    assert all(run.bold for run in table.rows[0].cells[0].paragraphs[0].runs)
    right = table.rows[1].cells[1].paragraphs[0].alignment
    assert right == docx.enum.text.WD_ALIGN_PARAGRAPH.RIGHT
    assert table.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None


def write_png(path: Path, size: tuple[int, int] = (40, 20)) -> bytes:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size, (200, 30, 30)).save(path, format="PNG")
    return path.read_bytes()


def test_image_from_releases_is_embedded_with_its_alt_text(room) -> None:
    png = write_png(room.releases / "bilder" / "foto.png")
    room.ready("2024-03-01-meldung", body="![Das Team beim Fachtag](bilder/foto.png)\n",
               extra="images: [{file: bilder/foto.png, credit: Anna Muster}]\n")
    document = render(room.load(), "2024-03-01-meldung")
    assert len(document.inline_shapes) == 1
    inline = document.inline_shapes[0]._inline
    assert inline.docPr.get("descr") == "Das Team beim Fachtag"
    blip = inline.graphic.graphicData.pic.blipFill.blip
    assert document.part.related_parts[blip.embed].blob == png


def test_wide_image_is_scaled_to_the_text_width(room) -> None:
    write_png(room.releases / "breit.png", size=(4000, 1000))
    room.ready("2024-03-01-meldung", body="![Breit](breit.png)\n",
               extra="images: [{file: breit.png, credit: Anna Muster}]\n")
    document = render(room.load(), "2024-03-01-meldung")
    section = document.sections[0]
    shape = document.inline_shapes[0]
    assert shape.width == section.page_width - section.left_margin - section.right_margin
    assert abs(shape.width / shape.height - 4.0) < 0.01


def test_image_outside_releases_is_never_embedded(room, tmp_path) -> None:
    write_png(tmp_path / "geheim.png")
    room.ready("2024-03-01-meldung")
    pressroom = room.load()
    # load refuses such a body; the renderer must hold the line on its own as well.
    release = replace(pressroom.release("2024-03-01-meldung"), body="![Geheim](../../geheim.png)\n")
    (room.releases / "link.png").symlink_to(tmp_path / "geheim.png")
    linked = replace(release, body="![Verlinkt](link.png)\n")
    for sneaky, alt in ((release, "Geheim"), (linked, "Verlinkt")):
        document = render_release(pressroom, sneaky)
        assert len(document.inline_shapes) == 0
        assert alt in [p.text for p in document.paragraphs]


def test_core_properties_come_from_the_release(room) -> None:
    extra = "subtitle: Unter\ntags: [Jubiläum, Fachkräfte]\n"
    room.ready("2024-03-01-meldung", title="Ein *Titel*", extra=extra)
    properties = render(room.load(), "2024-03-01-meldung").core_properties
    assert properties.title == "Ein *Titel*"  # titles are plain text in every format
    assert properties.author == "Beispiel e.V."
    assert properties.last_modified_by == "Beispiel e.V."
    assert properties.subject == "Der Vorspann."
    assert properties.keywords == "Jubiläum, Fachkräfte"
    assert properties.language == "de-DE"
    assert properties.created == datetime(2024, 2, 29, 23, 0, tzinfo=UTC)  # midnight in Berlin
    assert properties.modified == properties.created
    assert properties.revision == 1


def test_header_and_footer_carry_letterhead_and_page_fields(room) -> None:
    room.ready("2024-03-01-meldung")
    section = render(room.load(), "2024-03-01-meldung").sections[0]
    header = "\n".join(p.text for p in section.header.paragraphs)
    assert "Beispiel e.V." in header and "Hauptstraße 1 · 18055 Rostock" in header
    footer = section.footer._element
    assert "Beispiel e.V." in "".join(t.text or "" for t in footer.iter(qn("w:t")))
    fields = [f.get(qn("w:instr")).split()[0] for f in footer.iter(qn("w:fldSimple"))]
    assert fields == ["PAGE", "NUMPAGES"]
    page_line = section.footer.paragraphs[-1]
    assert [r.text for r in page_line.runs] == ["Seite ", " von "]


def test_english_release_gets_english_labels(room) -> None:
    room.ready("2024-03-01-release", extra="language: en\n")
    document = render(room.load(), "2024-03-01-release")
    assert document.paragraphs[0].text == "Press release 1/2024"
    assert [r.text for r in document.sections[0].footer.paragraphs[-1].runs] == ["Page ", " of "]
    assert document.core_properties.language == "en-GB"


def test_sample_releases_carry_the_boilerplate_of_their_funding_period(sample_root) -> None:
    pressroom = sample(sample_root)
    old = render(pressroom, "2013-01-08-iq-mv-ausbau")
    new = render(pressroom, "2021-08-26-iq-mv-10-jahre")
    old_text = " ".join(p.text for p in old.paragraphs if p.style.name == "Boilerplate")
    new_text = " ".join(p.text for p in new.paragraphs if p.style.name == "Boilerplate")
    assert "regionale Netzwerke" in old_text and "Europäischen Sozialfonds" not in old_text
    assert "Europäischen Sozialfonds" in new_text and "regionale Netzwerke" not in new_text
    assert hyperlinks(new)["www.netzwerk-iq.de"] == "http://www.netzwerk-iq.de"
    assert "Migrant*innen" in new.paragraphs[2].text  # the title, escapes resolved


def test_sample_2013_placeholder_links_stay_plain_text(sample_root) -> None:
    document = render(sample(sample_root), "2013-01-08-iq-mv-ausbau")
    assert "VSP gGmbH" not in hyperlinks(document)
    assert any("[VSP" not in p.text and "VSP gGmbH" in p.text for p in document.paragraphs)


def test_embargo_notice_shows_while_embargoed_and_not_after(room) -> None:
    room.ready("2024-03-01-meldung", extra="embargo: 2024-03-01 10:00\n")
    pressroom = room.load(datetime(2024, 2, 1, tzinfo=UTC))
    before = render(pressroom, "2024-03-01-meldung", now=datetime(2024, 3, 1, 8, 59, tzinfo=UTC))
    after = render(pressroom, "2024-03-01-meldung", now=datetime(2024, 3, 1, 9, 0, tzinfo=UTC))
    notices = [p.text for p in before.paragraphs if p.style.name == "Embargo"]
    assert notices == [
        "Sperrfrist: 01.03.2024, 10:00 Uhr. Veröffentlichung erst nach Ablauf der Sperrfrist."
    ]
    assert [p for p in after.paragraphs if p.style.name == "Embargo"] == []


def test_rendering_twice_gives_identical_bytes_dated_by_the_release(sample_root) -> None:
    pressroom = sample(sample_root)
    release = pressroom.release("2021-08-26-iq-mv-10-jahre")
    first = render_docx(release, RenderContext.for_settings(pressroom.settings, NOW))
    second = render_docx(release, RenderContext.for_settings(pressroom.settings, NOW))
    assert first == second
    with zipfile.ZipFile(io.BytesIO(first)) as archive:
        assert archive.testzip() is None
        assert archive.namelist()[0] == "[Content_Types].xml"
        assert {info.date_time for info in archive.infolist()} == {(2021, 8, 26, 0, 0, 0)}
        assert not any(name.startswith("docProps/thumbnail") for name in archive.namelist())


def test_ordered_lists_each_count_from_their_own_start(room) -> None:
    room.ready("2024-03-01-meldung", body="1. a\n2. b\n\nText.\n\n3. c\n4. d\n")
    document = render(room.load(), "2024-03-01-meldung")
    numbered = [p for p in document.paragraphs if p.style.name == "List Number"]
    num_ids = [p._p.pPr.numPr.numId.val for p in numbered]
    assert num_ids[0] == num_ids[1] != num_ids[2] == num_ids[3]
    numbering = document.part.numbering_part.element
    second = numbering.num_having_numId(num_ids[2])
    assert second.find(f"{qn('w:lvlOverride')}/{qn('w:startOverride')}").get(qn("w:val")) == "3"


def test_reference_docx_supplies_the_styles_and_loses_its_content(room) -> None:
    reference = docx.Document()
    reference.styles["Normal"].font.name = "Georgia"
    reference.styles["Normal"].font.size = docx.shared.Pt(13)
    reference.add_paragraph("Text aus der Vorlage")
    reference.core_properties.author = "Vorlagen-Autorin"
    (room.root / "templates").mkdir()
    reference.save(str(room.root / "templates" / "reference.docx"))
    room.ready("2024-03-01-meldung", body="Mein Text.\n")
    document = render(room.load(), "2024-03-01-meldung")
    assert document.styles["Normal"].font.name == "Georgia"
    assert document.styles["Normal"].font.size == docx.shared.Pt(13)
    texts = [p.text for p in document.paragraphs]
    assert "Text aus der Vorlage" not in texts and "Mein Text." in texts
    assert document.core_properties.author == "Beispiel e.V."
    assert "Lead" in document.styles  # added where the reference lacks it


def test_draft_is_marked_prominently(room) -> None:
    room.release("2024-03-01-meldung", "title: T\ndate: 2024-03-01\nstatus: draft\n")
    document = render(room.load(), "2024-03-01-meldung")
    assert ("Embargo", "Entwurf – nicht zur Veröffentlichung") in styled(document)


def test_nested_lists_quotes_and_code_get_their_word_styles(room) -> None:
    body = "- außen\n  - innen\n\n> Ein Zitat.\n\n```\nzeile 1\nzeile 2\n```\n\n---\n"
    room.ready("2024-03-01-meldung", body=body)
    document = render(room.load(), "2024-03-01-meldung")
    found = styled(document)
    assert ("List Bullet", "außen") in found and ("List Bullet 2", "innen") in found
    assert ("Quote", "Ein Zitat.") in found
    code = next(p for p in document.paragraphs if p.text == "zeile 1\nzeile 2")
    assert code.runs[0].style.name == "Verbatim Char"
    rules = [p for p in document.paragraphs if p._p.find(f".//{qn('w:pBdr')}") is not None]
    assert len(rules) == 1


def test_organisation_and_funder_logos_are_embedded_with_their_names(room) -> None:
    write_png(room.releases / "logo.png")
    write_png(room.releases / "esf.png", size=(30, 30))
    settings = (room.releases / "pressroom.yaml").read_text(encoding="utf-8")
    settings = settings.replace('  phone: "0381 123456"\n', '  phone: "0381 123456"\n  logo: logo.png\n')
    settings = settings.replace(
        "    text: Gefördert vom Neuen Programm und dem ESF.\n",
        "    text: Gefördert vom Neuen Programm und dem ESF.\n"
        "    funders: [{name: Europäischer Sozialfonds, logo: esf.png}, Ohne Logo]\n",
    )
    room.write_settings(settings)
    room.ready("2024-03-01-meldung")
    document = render(room.load(), "2024-03-01-meldung")
    header_pictures = list(document.sections[0].header._element.iter(qn("wp:docPr")))
    assert [p.get("descr") for p in header_pictures] == ["Beispiel e.V."]
    assert [s._inline.docPr.get("descr") for s in document.inline_shapes] == ["Europäischer Sozialfonds"]
    funded = [p.text for p in document.paragraphs if p.style.name == "Boilerplate"]
    assert funded[-1].startswith("Gefördert durch")


def test_image_names_with_spaces_and_umlauts_are_found(room) -> None:
    png = write_png(room.releases / "Bilder" / "Fachtag München.png")
    room.ready("2024-03-01-meldung")
    pressroom = room.load()
    # markdown-it percent-encodes the path; the renderer decodes it before looking.
    body = "![Fachtag](<Bilder/Fachtag München.png>)\n"
    release = replace(pressroom.release("2024-03-01-meldung"), body=body)
    document = render_release(pressroom, release)
    blip = document.inline_shapes[0]._inline.graphic.graphicData.pic.blipFill.blip
    assert document.part.related_parts[blip.embed].blob == png
