"""Regenerate templates/reference.docx, the Word styles pressroom ships (for maintainers).

Run ``.venv/bin/python tools/make_reference_docx.py`` after changing the house style
below; the result is committed and installed as package data. It starts from
python-docx's default document and makes it small and on-brand:

- no latent styles and no table styles but the plain grid (python-docx's default
  carries 137 and 100 of them: 800 kB of XML that every DOCX parsed, wrote and zipped
  again);
- one type family, the PDF's (release.css): DejaVu Sans, set as explicit names in the
  document defaults and the theme, and declared in the font table with its PANOSE
  class, so Word on a machine without it substitutes a similar sans serif;
- German automatic hyphenation for running text, switched off in the styles of the
  title, headings, names, contacts and addresses (as the PDF does);
- A4 pages and the pressroom styles (Lead, Contact, Boilerplate...).
"""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from pressroom.render.docx import (  # noqa: E402
    BODY_FONT,
    MONO_FONT,
    docx_bytes,
    ensure_styles,
)

OUT = REPO / "templates" / "reference.docx"
FONT_FILE = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
STAMP = datetime(2026, 1, 1)  # a fixed date: the same script writes the same bytes
INK, MUTED, ACCENT = "1D232B", "5B6470", "0B5C8E"  # release.css --ink, --muted, --accent
STYLES_WITH_EFFECTS = "http://schemas.microsoft.com/office/2007/relationships/stylesWithEffects"
KEEP_TABLE_STYLES = {"normal table", "table grid"}
NO_HYPHENATION = ("Title", "Subtitle", "Heading 1", "Heading 2", "Heading 3", "Header", "Footer",
                  "Release Label", "Dateline", "Contact", "Address")  # fmt: skip


def main() -> None:
    """Write templates/reference.docx."""
    from docx import Document
    from docx.opc.constants import RELATIONSHIP_TYPE as RT
    from docx.shared import Mm

    document: Any = Document()
    for section in document.sections:
        section.page_width, section.page_height = Mm(210), Mm(297)
        section.left_margin = section.right_margin = Mm(25)
        section.top_margin, section.bottom_margin = Mm(30), Mm(25)
    package = document.part.package
    for rels in (package.rels, document.part.rels):
        for r_id, rel in list(rels.items()):
            if rel.reltype in (RT.THUMBNAIL, RT.CUSTOM_XML, STYLES_WITH_EFFECTS):
                del rels[r_id]
    prune_styles(document)
    set_fonts(document)
    ensure_styles(document)
    house_style(document)
    hyphenation(document)
    core = document.core_properties
    core.title, core.author, core.last_modified_by = "pressroom", "pressroom", "pressroom"
    core.created = core.modified = STAMP
    core.revision = 1
    OUT.write_bytes(docx_bytes(document, STAMP))
    print(f"wrote {OUT.relative_to(REPO)} ({OUT.stat().st_size} bytes)")


def prune_styles(document: Any) -> None:
    """Drop the latent styles and the table styles a release never uses."""
    from docx.oxml.ns import qn

    root = document.styles.element
    for latent in root.findall(qn("w:latentStyles")):
        root.remove(latent)
    for style in root.findall(qn("w:style")):
        name = style.find(qn("w:name"))
        value = name.get(qn("w:val")) if name is not None else ""
        # python-docx names some built-ins in lower case in XML ("heading 2")
        if style.get(qn("w:type")) == "table" and value.lower() not in KEEP_TABLE_STYLES:
            root.remove(style)
    # A kept style may still point at a removed one ("Title" links "Title Char"): drop those.
    ids = {style.get(qn("w:styleId")) for style in root.findall(qn("w:style"))}
    for style in root.findall(qn("w:style")):
        for tag in ("w:link", "w:next", "w:basedOn"):
            ref = style.find(qn(tag))
            if ref is not None and ref.get(qn("w:val")) not in ids:
                style.remove(ref)


def set_fonts(document: Any) -> None:
    """Make DejaVu Sans the one family: document defaults, theme, every style, font table."""
    from docx.oxml.ns import qn

    root = document.styles.element
    r_fonts = root.find(f"{qn('w:docDefaults')}/{qn('w:rPrDefault')}/{qn('w:rPr')}/{qn('w:rFonts')}")
    explicit(r_fonts, BODY_FONT)
    for fonts in list(root.iter(qn("w:rFonts"))):
        if fonts is r_fonts:
            continue
        if any(k.endswith("Theme") for k in fonts.attrib):  # theme fonts: inherit instead
            fonts.getparent().remove(fonts)
        elif "Courier" in (fonts.get(qn("w:ascii")) or ""):  # code: the PDF's monospace
            explicit(fonts, MONO_FONT)
    theme = next(p for p in document.part.package.iter_parts() if p.partname.endswith("theme1.xml"))
    xml = theme.blob.decode("utf-8")
    for old in ('typeface="Calibri"', 'typeface="Cambria"', 'typeface="Calibri Light"'):
        xml = xml.replace(old, f'typeface="{BODY_FONT}"')
    theme._blob = xml.encode("utf-8")
    font_table(document)


def explicit(fonts: Any, family: str) -> None:
    from docx.oxml.ns import qn

    for key in list(fonts.attrib):
        del fonts.attrib[key]
    for key in ("ascii", "hAnsi", "cs", "eastAsia"):
        fonts.set(qn(f"w:{key}"), family)


def font_table(document: Any) -> None:
    """Declare the two families with the PANOSE numbers and class of the installed font."""
    from fontTools.ttLib import TTFont

    os2 = TTFont(FONT_FILE)["OS/2"]
    panose = "".join(f"{getattr(os2.panose, f):02X}" for f in (
        "bFamilyType", "bSerifStyle", "bWeight", "bProportion", "bContrast", "bStrokeVariation",
        "bArmStyle", "bLetterForm", "bMidline", "bXHeight"))  # fmt: skip
    part = next(p for p in document.part.package.iter_parts() if p.partname.endswith("fontTable.xml"))
    ns = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    part._blob = (
        "<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n"
        f"<w:fonts {ns}>"
        f'<w:font w:name="{BODY_FONT}"><w:panose1 w:val="{panose}"/><w:charset w:val="00"/>'
        '<w:family w:val="swiss"/><w:pitch w:val="variable"/></w:font>'
        f'<w:font w:name="{MONO_FONT}"><w:charset w:val="00"/><w:family w:val="modern"/>'
        '<w:pitch w:val="fixed"/></w:font></w:fonts>'
    ).encode()


def house_style(document: Any) -> None:
    """Sizes and colours of release.css's print rules, in Word styles."""
    from docx.shared import Pt, RGBColor

    styles = document.styles
    normal = styles["Normal"]
    normal.font.size = Pt(10)
    normal.paragraph_format.space_after = Pt(6)
    normal.paragraph_format.line_spacing = 1.2
    for name, size, colour, bold in (
        ("Title", 19, INK, True),
        ("Subtitle", 12, MUTED, False),
        ("Heading 1", 14, INK, True),
        ("Heading 2", 9, ACCENT, True),
        ("Heading 3", 10, INK, True),
        ("Release Label", 8, ACCENT, True),
        ("Dateline", 9, MUTED, False),
    ):
        style = styles[name]
        style.font.size = Pt(size)
        style.font.color.rgb = RGBColor.from_string(colour)
        style.font.bold = bold
        style.font.italic = False
    styles["Heading 2"].font.all_caps = True
    styles["Release Label"].font.all_caps = True
    styles["Verbatim Char"].font.name = MONO_FONT
    title = styles["Title"].element.get_or_add_pPr()
    for border in title.findall("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}pBdr"):
        title.remove(border)  # python-docx's Title underlines itself; the PDF's does not


def hyphenation(document: Any) -> None:
    """Hyphenate running text automatically, never titles, headings, names or addresses."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    settings = document.settings.element
    auto = OxmlElement("w:autoHyphenation")
    # w:autoHyphenation must come early in CT_Settings (after w:defaultTabStop)
    settings.find(qn("w:defaultTabStop")).addnext(auto)
    # Children of w:pPr have a fixed order: suppressAutoHyphens goes before these.
    successors = ("w:kinsoku", "w:wordWrap", "w:overflowPunct", "w:topLinePunct", "w:autoSpaceDE",
                  "w:autoSpaceDN", "w:bidi", "w:adjustRightInd", "w:snapToGrid", "w:spacing", "w:ind",
                  "w:contextualSpacing", "w:mirrorIndents", "w:suppressOverlap", "w:jc",
                  "w:textDirection", "w:textAlignment", "w:textboxTightWrap", "w:outlineLvl",
                  "w:divId", "w:cnfStyle", "w:rPr", "w:sectPr", "w:pPrChange")  # fmt: skip
    for name in NO_HYPHENATION:
        p_pr = document.styles[name].element.get_or_add_pPr()
        p_pr.insert_element_before(OxmlElement("w:suppressAutoHyphens"), *successors)


if __name__ == "__main__":
    main()
