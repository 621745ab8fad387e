"""Render a release as a Word document (DOCX) with python-docx.

The document carries the same content as the PDF, each part in a named style
(Lead, Contact, Boilerplate, Embargo...) so an editor restyles it in one place. A
reference document supplies those styles, page setup and fonts, as pandoc's does:
the press room's ``templates/reference.docx`` when it has one, else the one pressroom
ships (``pressroom reference-docx OUT`` writes that for restyling). The same release
gives the same bytes: core properties and zip timestamps come from the release, never
from the clock.
"""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import markup
from .env import record_dependency
from .labels import label
from .view import display_url, release_view

if TYPE_CHECKING:
    from docx.document import Document
    from docx.text.paragraph import Paragraph

    from ..model import Organisation, Release
    from . import RenderContext
    from .docx_markdown import MarkdownWriter
    from .view import (
        Block,
        ContactView,
        EventView,
        FunderView,
        ImageView,
        LinkView,
        OrganisationView,
        ReleaseView,
    )

REFERENCE_DOCX = Path("templates") / "reference.docx"
# The PDF's type family (release.css); the shipped reference.docx declares it too.
BODY_FONT = "DejaVu Sans"
MONO_FONT = "DejaVu Sans Mono"
LANGUAGE_TAGS = {"de": "de-DE", "en": "en-GB"}
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
ZIP_EPOCH_MOMENT = datetime(*ZIP_EPOCH)
CONTENT_TYPES = "[Content_Types].xml"

# name -> (base style, bold, italic, size in points, RGB colour); created only when absent.
PARAGRAPH_STYLES: dict[str, tuple[str, bool, bool, float | None, str | None]] = {
    "Release Label": ("Normal", True, False, 10, "595959"),
    "Dateline": ("Normal", False, False, 10, "595959"),
    "Embargo": ("Normal", True, False, 12, "C00000"),
    "Lead": ("Normal", True, False, None, None),
    "Contact": ("Normal", False, False, None, None),
    "Boilerplate": ("Normal", False, False, 9, "404040"),
    "Address": ("Normal", False, False, 9, "404040"),
}


def render_docx(release: Release, ctx: RenderContext) -> bytes:
    """Return the release as DOCX bytes, identical for identical inputs.

    Starts from the reference document (see :func:`reference_docx`): its body is
    cleared, its styles kept.
    """
    from docx import Document as open_document

    from .docx_markdown import MarkdownWriter

    settings = ctx.settings
    # The room's own reference, present or not: adding one restyles every DOCX.
    record_dependency(settings.root / REFERENCE_DOCX)
    reference = reference_docx(settings.root)
    version = reference.stat().st_mtime_ns
    base, style_ids = base_document(reference, version, release.language, settings.organisation)
    document = open_document(io.BytesIO(base))
    writer = MarkdownWriter(document, settings.releases_dir, style_ids=style_ids)
    view = release_view(release, ctx)
    write_release(writer, view)
    set_core_properties(document, view)
    return docx_bytes(document, view.published)


def reference_docx(root: Path) -> Path:
    """Return the reference document of the press room at *root*.

    Its own ``templates/reference.docx`` when present, else the one shipped with
    pressroom.
    """
    own = root / REFERENCE_DOCX
    return own if own.is_file() else default_reference_docx()


def default_reference_docx() -> Path:
    """Return the reference.docx shipped with pressroom (package data)."""
    from ..defaults import default_templates

    return default_templates() / "reference.docx"


@lru_cache(maxsize=8)
def base_document(
    reference: Path, version: int | None, language: str, organisation: Organisation
) -> tuple[bytes, dict[str, str]]:
    """Return the starting document of every release in *language*, and its style ids.

    Styles, language and letterhead are the same for every release of a press room,
    and python-docx is slow at them (it scans every style for each lookup by name),
    so they are prepared once per process and each release parses the small result
    again (cheaper than a deep copy of the tree); *version* (the reference's mtime)
    makes an edited reference.docx count.
    """
    document = new_document(reference)
    ensure_styles(document)
    set_language(document, language_tag(language))
    write_letterhead(document, language, organisation)
    style_ids = {style.name: style.style_id for style in document.styles if style.name}
    return docx_bytes(document, ZIP_EPOCH_MOMENT), style_ids


def new_document(reference: Path) -> Document:
    """Open *reference* with its body emptied."""
    from docx import Document as open_document
    from docx.opc.constants import RELATIONSHIP_TYPE as RT
    from docx.oxml.ns import qn

    document = open_document(str(reference))
    body = document.element.body
    for child in list(body):
        if child.tag != qn("w:sectPr"):  # keep the page setup, drop the content
            body.remove(child)
    # The old body's pictures and links are referenced by nothing now: drop them too.
    for r_id, rel in list(document.part.rels.items()):
        if rel.reltype in (RT.IMAGE, RT.HYPERLINK):
            document.part.drop_rel(r_id)
    _drop_thumbnail(document)
    return document


def _drop_thumbnail(document: Document) -> None:
    # The template's preview picture shows some other document; Word makes a new one.
    from docx.opc.constants import RELATIONSHIP_TYPE as RT

    rels = document.part.package.rels
    for r_id, rel in list(rels.items()):
        if rel.reltype == RT.THUMBNAIL:
            del rels[r_id]


def ensure_styles(document: Document) -> None:
    """Add the named styles pressroom uses when the document lacks them."""
    from docx.enum.style import WD_STYLE_TYPE
    from docx.enum.text import WD_UNDERLINE
    from docx.shared import Pt, RGBColor

    styles = document.styles
    # python-docx scans every style for each "in" and [name]: look them up once.
    by_name = {style.name: style for style in styles if style.name}
    for name, (base, bold, italic, size, colour) in PARAGRAPH_STYLES.items():
        if name in by_name:
            continue
        style: Any = styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        style.base_style = by_name[base]
        style.quick_style = True
        style.font.bold = bold or None
        style.font.italic = italic or None
        if size:
            style.font.size = Pt(size)
        if colour:
            style.font.color.rgb = RGBColor.from_string(colour)
    if "Hyperlink" not in by_name:
        link: Any = styles.add_style("Hyperlink", WD_STYLE_TYPE.CHARACTER)
        link.font.color.rgb = RGBColor.from_string("0563C1")
        link.font.underline = WD_UNDERLINE.SINGLE
    if "Verbatim Char" not in by_name:
        code: Any = styles.add_style("Verbatim Char", WD_STYLE_TYPE.CHARACTER)
        code.font.name = "Courier New"


def language_tag(language: str) -> str:
    """Return the BCP 47 tag Word expects: "de" -> "de-DE", "en" -> "en-GB"."""
    return LANGUAGE_TAGS.get(language, language)


def set_language(document: Document, tag: str) -> None:
    """Make *tag* the proofing language of every style (docDefaults)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    defaults = document.styles.element.find(qn("w:docDefaults"))
    if defaults is None:
        return
    r_pr = defaults.find(f"{qn('w:rPrDefault')}/{qn('w:rPr')}")
    if r_pr is None:
        return
    lang = r_pr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        r_pr.append(lang)
    lang.set(qn("w:val"), tag)


def write_letterhead(document: Document, language: str, organisation: Organisation) -> None:
    """Put the organisation in the header and footer, with "Page X of Y" fields in the footer."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    section = document.sections[0]
    section.different_first_page_header_footer = False
    address = " · ".join(line.strip() for line in organisation.address.splitlines() if line.strip())

    header = _cleared(section.header)
    top = header.paragraphs[0]
    top.style = _style(document, "Header")
    _add_logo(top, organisation)
    top.add_run(organisation.name).bold = True
    if address:
        top.add_run().add_break()
        top.add_run(address)

    footer = _cleared(section.footer)
    line = footer.paragraphs[0]
    line.style = _style(document, "Footer")
    website = display_url(organisation.website)
    line.add_run(" · ".join(part for part in (organisation.name, website) if part))
    pages = footer.add_paragraph(style=_style(document, "Footer"))
    pages.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    # Fill the label with markers, then put fields where they stand: word order stays the language's.
    text = label(language, "page_of", page="\0PAGE\0", pages="\0NUMPAGES\0")
    for part in text.split("\0"):
        if part in ("PAGE", "NUMPAGES"):
            add_field(pages, part)
        elif part:
            pages.add_run(part)


def _cleared(part: Any) -> Any:
    """Empty a header or footer (a reference.docx may bring its own) down to one paragraph."""
    part.is_linked_to_previous = False
    element = part._element
    for child in list(element):
        element.remove(child)
    part.add_paragraph()
    return part


def _add_logo(paragraph: Paragraph, organisation: Organisation) -> None:
    from docx.shared import Mm

    from .docx_markdown import add_picture

    if organisation.logo is None or not organisation.logo.is_file():
        return
    run = paragraph.add_run()
    # An SVG logo, which python-docx cannot embed, leaves the name alone as the letterhead.
    if add_picture(run, organisation.logo, organisation.name, height=Mm(15)):
        run.add_tab()


def add_field(paragraph: Paragraph, instruction: str) -> None:
    """Append a simple field (PAGE, NUMPAGES) that Word and LibreOffice fill in when showing."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), f" {instruction} \\* MERGEFORMAT ")
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "1"  # shown until the field is updated
    run.append(text)
    field.append(run)
    paragraph._p.append(field)


def write_release(writer: MarkdownWriter, view: ReleaseView) -> None:
    """Write the release itself from its view: every block the other formats show."""
    language = view.language
    if view.kicker:  # a draft without a number has no label line
        writer.paragraph("Release Label", view.kicker)
    writer.paragraph("Dateline", view.dateline)
    for notice in (view.draft_notice, view.embargo_notice):
        if notice:
            writer.paragraph("Embargo", notice)
    writer.paragraph("Title", view.title)
    if view.subtitle:
        writer.paragraph("Subtitle", view.subtitle)
    if view.lead:
        _inline_paragraph(writer, view.lead.markdown, "Lead")
    writer.base_style = "Normal"
    writer.write(markup.parse(view.body.markdown))
    write_images(writer, view.images, language)
    if view.event:
        write_event(writer, view.event)
    if view.links:
        writer.paragraph("Heading 2", view.links.heading)
        for link in view.links.items:
            _link_paragraph(writer, link)
    if view.attachments:
        writer.paragraph("Heading 2", view.attachments.heading)
        for attachment in view.attachments.items:
            writer.paragraph("List Bullet", attachment.name)
    if view.contacts:
        writer.paragraph("Heading 2", view.contacts.heading)
        for contact in view.contacts.items:
            write_contact(writer, contact, language)
    writer.base_style = writer.style("Boilerplate")
    writer.write(markup.parse(view.boilerplate.markdown))
    write_funders(writer, view.funders)
    write_address(writer, view.organisation, language)


def write_funders(writer: MarkdownWriter, funders: Block[FunderView]) -> None:
    """Write "Gefördert durch: A, B" under the boilerplate, then the funders' logos."""
    from docx.shared import Mm

    from .docx_markdown import add_picture

    if not funders:
        return
    names = ", ".join(funder.name for funder in funders.items)
    paragraph = writer.paragraph("Boilerplate", f"{funders.heading}: {names}")
    for funder in funders.items:
        if funder.logo is not None and funder.logo.is_file():
            paragraph.add_run().add_break()
            add_picture(paragraph.add_run(), funder.logo, funder.name, height=Mm(15))


def write_images(writer: MarkdownWriter, images: tuple[ImageView, ...], language: str) -> None:
    """Write each image not in the body, as wide as the text at most, and under each image
    its caption, credit and licence."""
    from .docx_markdown import add_picture, fit_width

    if not images:
        return
    writer.paragraph("Heading 2", label(language, "images"))
    for image in images:
        if not image.in_body:  # the body's own images stand where it puts them
            shape = add_picture(writer.paragraph("Normal").add_run(), image.path, image.alt, image.caption)
            if shape is not None:
                fit_width(shape, writer.text_width())
        lines = [image.caption, label(language, "photo_credit", credit=image.credit) if image.credit else "",
                 label(language, "license", license=image.license) if image.license else ""]
        caption = writer.paragraph("Caption")
        for index, line in enumerate(line for line in lines if line):
            if index:
                caption.add_run().add_break()
            caption.add_run(line)


def _style(document: Document, name: str) -> str:
    return name if name in document.styles else "Normal"


def _inline_paragraph(writer: MarkdownWriter, text: str, style: str) -> None:
    """Write one-paragraph Markdown (the lead): escapes resolved, emphasis kept."""
    paragraph = writer.paragraph(style)
    for token in markup.parser().parseInline(text.strip()):
        writer.write_inline(paragraph, token)


def _link_paragraph(writer: MarkdownWriter, link: LinkView) -> None:
    """Write a "more information" link: the title linked, its address after it for print."""
    paragraph = writer.paragraph("List Bullet")
    if link.href is None:
        paragraph.add_run(link.title)
        return
    writer.link(paragraph, link.title, link.href)
    paragraph.add_run(f" ({link.address})")


def write_event(writer: MarkdownWriter, event: EventView) -> None:
    """Write the "Termin" box: heading, then title, time, place and address in one paragraph."""
    writer.paragraph("Heading 2", event.heading)
    paragraph = writer.paragraph("Contact")
    paragraph.add_run(event.title).bold = True
    for line in (event.when, event.location, *event.address_lines):
        if line:
            paragraph.add_run().add_break()
            paragraph.add_run(line)
    if event.url:
        paragraph.add_run().add_break()
        if event.href:
            writer.link(paragraph, event.url, event.href)
        else:
            paragraph.add_run(event.url)


def write_contact(writer: MarkdownWriter, contact: ContactView, language: str) -> None:
    """Write one press contact as a single "Contact" paragraph: name, role, phone, e-mail."""
    paragraph = writer.paragraph("Contact")
    paragraph.add_run(contact.name).bold = True
    if contact.role:
        paragraph.add_run().add_break()
        paragraph.add_run(contact.role)
    if contact.phone:
        paragraph.add_run().add_break()
        text = f"{label(language, 'phone')} {contact.phone}"
        if contact.phone_href:
            writer.link(paragraph, text, contact.phone_href)
        else:
            paragraph.add_run(text)
    if contact.email:
        paragraph.add_run().add_break()
        paragraph.add_run(f"{label(language, 'email')}: ")
        writer.link(paragraph, contact.email, contact.email_href)


def write_address(writer: MarkdownWriter, organisation: OrganisationView, language: str) -> None:
    """Close with the organisation's name, postal address, phone, e-mail and website."""
    paragraph = writer.paragraph("Address")
    paragraph.add_run(organisation.name).bold = True
    for line in organisation.address_lines:
        paragraph.add_run().add_break()
        paragraph.add_run(line)
    if organisation.phone:
        paragraph.add_run().add_break()
        paragraph.add_run(f"{label(language, 'phone')} {organisation.phone}")
    if organisation.email:
        paragraph.add_run().add_break()
        paragraph.add_run(f"{label(language, 'email')}: ")
        writer.link(paragraph, organisation.email, f"mailto:{organisation.email}")
    if organisation.website:
        paragraph.add_run().add_break()
        writer.link(paragraph, organisation.website_shown, organisation.website)


def set_core_properties(document: Document, view: ReleaseView) -> None:
    """Fill the document properties from the release view alone, replacing whatever was there."""
    properties = document.core_properties
    element = properties._element
    for child in list(element):  # a reference.docx's author, dates and title must not leak
        element.remove(child)
    stamp = view.published.astimezone(UTC).replace(tzinfo=None)  # python-docx writes it as Z
    properties.title = _clip(view.title)
    properties.subject = _clip(view.description)
    properties.author = _clip(view.organisation.name)
    properties.last_modified_by = _clip(view.organisation.name)
    properties.keywords = _clip(view.keywords)
    properties.category = label(view.language, "press_release")
    properties.identifier = view.number
    properties.language = language_tag(view.language)
    properties.created = stamp
    properties.modified = stamp
    properties.revision = 1


def _clip(text: str) -> str:
    # Core properties hold at most 255 characters.
    return text if len(text) <= 255 else text[:254] + "…"


def docx_bytes(document: Document, moment: datetime) -> bytes:
    """Zip *document* once, with fixed timestamps and a stable entry order.

    python-docx's own ``save`` stamps every entry with the current time, so its
    output would need unzipping and zipping again; this writes the same parts once,
    each dated *moment* (not before 1980, the earliest a zip can say), with
    ``[Content_Types].xml`` first as Office writes it.
    """
    from docx.opc.pkgwriter import PackageWriter

    package = document.part.package
    parts = package.parts
    entries = _Entries()
    for part in parts:
        part.before_marshal()
    # python-docx's writer (untyped), pointed at a collector instead of its time-stamping zip
    writer: Any = PackageWriter
    writer._write_content_types_stream(entries, parts)
    writer._write_pkg_rels(entries, package.rels)
    writer._write_parts(entries, parts)
    stamp = max(ZIP_EPOCH, moment.timetuple()[:6])
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w") as target:
        for name in sorted(entries.blobs, key=lambda n: (n != CONTENT_TYPES, n)):
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 0
            info.external_attr = 0
            target.writestr(info, entries.blobs[name], compresslevel=6)
    return output.getvalue()


class _Entries:
    """Collects the members python-docx's PackageWriter writes (its physical-writer interface)."""

    def __init__(self) -> None:
        self.blobs: dict[str, bytes] = {}

    def write(self, pack_uri: Any, blob: bytes) -> None:
        self.blobs[pack_uri.membername] = blob
