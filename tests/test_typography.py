"""Typography: where words may break, and one type family in the PDF and the DOCX.

Read back with real parsers: pdftotext for the PDF's lines, pypdf for its fonts,
python-docx for the Word styles, WeasyPrint's own layout for the web page's title.
"""

from __future__ import annotations

import io
import re
import subprocess

import docx
import pypdf
import pytest
from conftest import NOW, SLUG_2021, Room, load_sample
from docx.oxml.ns import qn

from pressroom.render import RenderContext
from pressroom.render.docx import render_docx
from pressroom.render.html import render_html
from pressroom.render.pdf import render_pdf

HYPHEN = "\u2010"  # what WeasyPrint puts at the end of a hyphenated line
# Long compounds that German hyphenation would split in an 80 mm contact column or a
# heading; none of them occurs in the running text, so any break of them is a failure.
NAME = "Dr. Konstantin Wiedergutmacher-Vorpommersberg"
ROLE = "Referentin für Anerkennungsberatungsstellenkoordination und Öffentlichkeitsarbeit"
HEADING = "Die Landesregierung beschließt die Zuwanderungsberatungsstellenfinanzierungsvereinbarung"
TITLE = "Fachkräfteeinwanderung: Anerkennungsberatungsstellen im Land werden deutlich erweitert"
RUNNING = """\
Seit nunmehr zehn Jahren engagiert sich das Landesnetzwerk für die Arbeitsmarktintegration von
Migrantinnen und Migranten. Neben beruflichen Beratungen und Qualifizierungen nehmen die Partner
auch Jobcenter und kleine und mittlere Unternehmen in den Fokus und fördern mit interkulturellen
Trainings die Verständigung zwischen Zugewanderten und Aufnahmegesellschaft. Seit dem Jahr 2016
fördert das Netzwerk in Form von Trainings und Öffnungsprozessen landesweit die interkulturelle
Kompetenzentwicklung der zentralen Arbeitsmarktakteure; die Beratungsstelle klärt Geflüchtete über
ihre Rechte als Arbeitnehmerinnen auf, und Strukturen zur Umsetzung des Fachkräfteeinwanderungsgesetzes
werden aufgebaut.
"""


def protected_room(room: Room) -> RenderContext:
    room.write_settings(
        f"""\
        organisation:
          name: Beispiel e.V.
          address: |
            Hauptstraße 1
            18055 Rostock
          website: https://www.beispiel.example
        site:
          base_url: https://presse.beispiel.example
          title: Beispiel Pressemitteilungen
          language: de
          timezone: Europe/Berlin
          default_place: Rostock
        contacts:
          lang: {{name: "{NAME}", role: "{ROLE}", email: a@beispiel.example, phone: "0381 1"}}
          zwei: {{name: "{NAME} Zwei", role: "{ROLE}", email: b@beispiel.example}}
        boilerplates:
          neu: {{valid_from: 2019-01-01, text: Gefördert vom Programm.}}
        """
    )
    room.ready(
        "2024-03-01-meldung",
        title=f'"{TITLE}"',
        extra="contacts: [lang, zwei]\n",
        body=f"{RUNNING}\n\n## {HEADING}\n\n{RUNNING}\n",
    )
    return RenderContext.for_settings(room.load().settings, NOW)


def hyphenated_words(pdf: bytes) -> list[str]:
    """Return each word the PDF breaks with a hyphen at a line end, joined again."""
    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()
    return [a + b for a, b in re.findall(rf"(\w+){HYPHEN}\n\s*(\w+)", text)]


def test_pdf_hyphenates_running_text_but_never_names_contacts_or_headings(room: Room) -> None:
    ctx = protected_room(room)
    pdf = render_pdf(room.load().release("2024-03-01-meldung"), ctx)
    broken = hyphenated_words(pdf)
    protected = set(re.findall(r"\w+", f"{NAME} {ROLE} {HEADING} {TITLE}"))
    running = set(re.findall(r"\w+", RUNNING))
    assert running & set(broken), "German hyphenation of the running text is gone"
    assert not protected & set(broken), broken


def test_sample_pdf_breaks_no_contact_name_or_role(sample_root) -> None:
    pressroom = load_sample(sample_root)
    pdf = render_pdf(pressroom.release(SLUG_2021), RenderContext.for_settings(pressroom.settings, NOW))
    words = " ".join(f"{c.name} {c.role}" for c in pressroom.release(SLUG_2021).contacts).split()
    broken = hyphenated_words(pdf)
    # "Fak-houri" and "Mecklenburg-Vor-pommern" were printed before
    assert not {w for w in broken if any(w in word.replace("-", "") for word in words)}


def pdf_families(pdf: bytes) -> set[str]:
    """The families of the fonts the PDF embeds, from their PostScript names."""
    families = set()
    for page in pypdf.PdfReader(io.BytesIO(pdf)).pages:
        for font in page["/Resources"]["/Font"].values():
            name = str(font.get_object()["/BaseFont"]).lstrip("/").split("+")[-1]
            families.add(normal(re.sub(r"-(Bold|Oblique|Italic|BoldOblique|BoldItalic)$", "", name)))
    return families


def normal(family: str) -> str:
    return re.sub(r"[^a-z0-9]", "", family.lower())


def docx_family(document: docx.document.Document) -> str:
    """The family of the DOCX's running text: the document defaults, unless Normal names one."""
    defaults = document.styles.element.find(qn("w:docDefaults"))
    assert defaults is not None
    fonts = defaults.find(f"{qn('w:rPrDefault')}/{qn('w:rPr')}/{qn('w:rFonts')}")
    assert fonts is not None
    return str(document.styles["Normal"].font.name or fonts.get(qn("w:ascii")))


def test_docx_and_pdf_set_the_text_in_the_same_family(room: Room) -> None:
    room.ready("2024-03-01-meldung", body="Ein **fetter** Satz.\n")
    release = room.load().release("2024-03-01-meldung")
    ctx = RenderContext.for_settings(room.load().settings, NOW)
    document = docx.Document(io.BytesIO(render_docx(release, ctx)))
    family = docx_family(document)
    assert pdf_families(render_pdf(release, ctx)) == {normal(family)}
    # no style of the text switches to another family (code keeps its monospace)
    named = {s.name: s.font.name for s in document.styles if getattr(s, "font", None) and s.font.name}
    assert set(named.values()) <= {family, f"{family} Mono"}, named


def title_lines(html: str, width: int) -> list[tuple[str, float, float]]:
    """Lay *html* out on a page *width* CSS px wide as a screen.

    Returns each line of the title: its text, its width and the width it may take.
    """
    import weasyprint

    page = weasyprint.CSS(string=f"@page {{ size: {width}px 3000px !important; margin: 0 !important }}")
    document = weasyprint.HTML(string=html, media_type="screen").render(stylesheets=[page])

    def find(box):  # type: ignore[no-untyped-def]
        if getattr(box, "element_tag", None) == "h1":
            return box
        for child in getattr(box, "children", None) or []:
            if (found := find(child)) is not None:
                return found
        return None

    def text(box) -> str:  # type: ignore[no-untyped-def]
        return getattr(box, "text", None) or "".join(text(c) for c in getattr(box, "children", None) or [])

    title = find(document.pages[0]._page_box)
    assert title is not None
    return [(text(line), line.width, title.width) for line in title.children]


@pytest.mark.parametrize("width", [320, 390, 768, 1280])
def test_web_title_never_breaks_inside_a_word(sample_root, width: int) -> None:
    pressroom = load_sample(sample_root)
    release = pressroom.release(SLUG_2021)
    html = render_html(release, RenderContext.for_settings(pressroom.settings, NOW)).decode()
    lines = [line.strip() for line, _, _ in title_lines(html, width)]
    assert " ".join(lines).replace("- ", "-") == release.title
    for line in lines[:-1]:
        # a line ends between words, or after a hyphen the title itself has
        assert line.endswith("-") or f"{line} " in release.title, (width, lines)


def test_title_words_fit_a_390_px_phone_without_overflow(sample_root) -> None:
    pressroom = load_sample(sample_root)
    html = render_html(pressroom.release(SLUG_2021), RenderContext.for_settings(pressroom.settings, NOW))
    lines = title_lines(html.decode(), 390)
    # the fluid size keeps "Arbeitsmarktintegration" whole and inside the column
    assert any("Arbeitsmarktintegration" in line.split() for line, _, _ in lines)
    assert all(width <= room for _, width, room in lines), lines


def test_docx_hyphenates_running_text_but_not_titles_headings_or_contacts(room: Room) -> None:
    room.ready("2024-03-01-meldung")
    release = room.load().release("2024-03-01-meldung")
    document = docx.Document(
        io.BytesIO(render_docx(release, RenderContext.for_settings(room.load().settings, NOW)))
    )
    assert document.settings.element.find(qn("w:autoHyphenation")) is not None

    def suppressed(name: str) -> bool:
        p_pr = document.styles[name].element.pPr
        return p_pr is not None and p_pr.find(qn("w:suppressAutoHyphens")) is not None

    assert not any(suppressed(name) for name in ("Normal", "Lead", "Boilerplate"))
    assert all(
        suppressed(name) for name in ("Title", "Subtitle", "Heading 2", "Contact", "Address", "Dateline")
    )
