"""Walk markdown-it tokens into a python-docx document: one walker for every Markdown field.

The body, the lead and the boilerplate all go through :class:`MarkdownWriter`, so a
heading, a list or a link looks the same wherever it appears. Only ``docx.py``
imports this module, and only inside ``render_docx``: python-docx loads here at
module level without slowing down the command line.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote

from docx.document import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.image.exceptions import UnrecognizedImageError
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shape import InlineShape
from docx.shared import Emu, Length
from docx.table import _Cell
from docx.text.paragraph import Paragraph
from docx.text.run import Run
from lxml.etree import _Element
from markdown_it.token import Token

from ..paths import file_named
from ..urls import absolute_href

log = logging.getLogger(__name__)

HYPERLINK_STYLE = "Hyperlink"
CODE_STYLE = "Verbatim Char"
ALIGNMENTS = {
    "text-align:left": WD_ALIGN_PARAGRAPH.LEFT,
    "text-align:center": WD_ALIGN_PARAGRAPH.CENTER,
    "text-align:right": WD_ALIGN_PARAGRAPH.RIGHT,
}


def open_hyperlink(paragraph: Paragraph, url: str) -> _Element:
    """Append an empty ``w:hyperlink`` to *paragraph* that points at the external *url*."""
    r_id = paragraph.part.relate_to(url, RT.HYPERLINK, is_external=True)
    hyperlink = OxmlElement("w:hyperlink")
    hyperlink.set(qn("r:id"), r_id)
    hyperlink.set(qn("w:history"), "1")
    paragraph._p.append(hyperlink)
    return hyperlink


@dataclass
class _Format:
    """The character formatting in force while walking inline tokens."""

    bold: int = 0
    italic: int = 0
    strike: int = 0
    hyperlink: _Element | None = None


@dataclass
class _ListLevel:
    ordered: bool
    num_id: int | None = None  # the w:num that restarts this ordered list
    ilvl: int = 0
    item_started: bool = False


@dataclass
class MarkdownWriter:
    """Write parsed Markdown into *document* with *base_style* for plain paragraphs.

    Images are embedded only when they name a file inside *images_dir*; links
    become hyperlinks only when ``urls.absolute_href`` allows them.
    """

    document: Document
    images_dir: Path
    base_style: str = "Normal"
    _lists: list[_ListLevel] = field(default_factory=list)
    _quote_depth: int = 0
    style_ids: dict[str, str] = field(default_factory=dict)  # style name -> id

    def __post_init__(self) -> None:
        # python-docx finds a style by name by scanning every style, for every paragraph;
        # reading the names once makes rendering about twice as fast.
        if not self.style_ids:
            self.style_ids = {s.name: s.style_id for s in self.document.styles if s.name}

    def style(self, name: str, fallback: str = "Normal") -> str:
        """Return *name* when the document defines that style, else *fallback*."""
        return name if name in self.style_ids else fallback

    def paragraph(self, style: str, text: str = "") -> Paragraph:
        """Append a paragraph in *style* (Normal when the document lacks it) to the body."""
        paragraph = self.document.add_paragraph(text)
        self.set_style(paragraph, style)
        return paragraph

    def set_style(self, paragraph: Paragraph, style: str) -> None:
        """Give *paragraph* the paragraph style named *style*, if the document has it."""
        if style in self.style_ids and style != "Normal":
            paragraph._p.style = self.style_ids[style]

    def style_run(self, run: Run, style: str) -> None:
        """Give *run* the character style named *style*, if the document has it."""
        if style in self.style_ids:
            run._r.style = self.style_ids[style]

    def link(self, paragraph: Paragraph, text: str, url: str) -> None:
        """Append *text* linked to *url*, or plain *text* when the URL scheme is not allowed."""
        run = paragraph.add_run(text)
        href = absolute_href(url)
        if href is not None:
            self.style_run(run, HYPERLINK_STYLE)
            open_hyperlink(paragraph, href).append(run._r)

    # -- blocks ---------------------------------------------------------------

    def write(self, tokens: list[Token]) -> None:
        """Append the block tokens of one Markdown text to the document."""
        index = 0
        while index < len(tokens):
            token = tokens[index]
            if token.type == "table_open":
                index = self._write_table(tokens, index)
                continue
            self._write_block(token, tokens, index)
            index += 1

    def _write_block(self, token: Token, tokens: list[Token], index: int) -> None:
        kind = token.type
        if kind in ("bullet_list_open", "ordered_list_open"):
            self._open_list(token)
        elif kind in ("bullet_list_close", "ordered_list_close"):
            self._lists.pop()
        elif kind == "list_item_open":
            self._lists[-1].item_started = False
        elif kind == "blockquote_open":
            self._quote_depth += 1
        elif kind == "blockquote_close":
            self._quote_depth -= 1
        elif kind == "heading_open":
            level = min(int(token.tag[1:]), 9)
            paragraph = self.paragraph(f"Heading {level}")
            self.write_inline(paragraph, tokens[index + 1])
        elif kind == "paragraph_open":
            paragraph = self.paragraph(self._paragraph_style())
            self._number(paragraph)
            self.write_inline(paragraph, tokens[index + 1])
        elif kind in ("fence", "code_block"):
            paragraph = self.paragraph(self._paragraph_style())
            self._number(paragraph)
            self.style_run(paragraph.add_run(token.content.rstrip("\n")), CODE_STYLE)
        elif kind == "hr":
            add_rule(self.paragraph(self.base_style))
        elif kind == "html_block":
            # Unreachable with html disabled; if it ever comes, it stays inert text.
            self.paragraph(self._paragraph_style(), token.content.strip())

    def _open_list(self, token: Token) -> None:
        level = _ListLevel(ordered=token.type == "ordered_list_open")
        if level.ordered:
            start = int(token.attrs.get("start", 1) or 1)
            style = self._list_style(level, len(self._lists) + 1)
            level.num_id, level.ilvl = self._restart_numbering(style, start)
        self._lists.append(level)

    def _list_style(self, level: _ListLevel, depth: int, continued: bool = False) -> str:
        """Return "List Bullet", "List Number 2", "List Continue 3"... for a list at *depth*."""
        kind = "List Continue" if continued else "List Number" if level.ordered else "List Bullet"
        name = kind if depth == 1 else f"{kind} {min(depth, 3)}"
        return self.style(name, fallback=self.style(kind, fallback=self.base_style))

    def _paragraph_style(self) -> str:
        if self._lists:
            level = self._lists[-1]
            # Only the first paragraph of an item carries the bullet or number.
            return self._list_style(level, len(self._lists), continued=level.item_started)
        if self._quote_depth:
            return self.style("Quote")
        return self.style(self.base_style)

    def _number(self, paragraph: Paragraph) -> None:
        if not self._lists:
            return
        level = self._lists[-1]
        if level.ordered and not level.item_started and level.num_id is not None:
            num_pr = paragraph._p.get_or_add_pPr().get_or_add_numPr()
            num_pr.get_or_add_ilvl().val = level.ilvl
            num_pr.get_or_add_numId().val = level.num_id
        level.item_started = True

    def _restart_numbering(self, style_name: str, start: int) -> tuple[int | None, int]:
        """Give an ordered list its own w:num so it counts from *start*, not on from the last."""
        num_pr = self.document.styles[style_name].element.pPr
        num_pr = num_pr.numPr if num_pr is not None else None
        if num_pr is None or num_pr.numId is None:
            return None, 0  # a reference.docx whose list style has no numbering
        ilvl = num_pr.ilvl.val if num_pr.ilvl is not None else 0
        numbering = self.document.part.numbering_part.element
        num = numbering.num_having_numId(num_pr.numId.val)
        fresh = numbering.add_num(num.abstractNumId.val)
        fresh.add_lvlOverride(ilvl=ilvl).add_startOverride(start)
        return fresh.numId, ilvl

    def _write_table(self, tokens: list[Token], index: int) -> int:
        rows: list[list[tuple[Token, str, bool]]] = []
        while tokens[index].type != "table_close":
            token = tokens[index]
            if token.type == "tr_open":
                rows.append([])
            elif token.type in ("th_open", "td_open"):
                style = str(token.attrs.get("style", ""))
                rows[-1].append((tokens[index + 1], style, token.type == "th_open"))
            index += 1
        columns = max((len(row) for row in rows), default=0)
        if rows and columns:
            table = self.document.add_table(rows=len(rows), cols=columns)
            if "Table Grid" in self.style_ids:
                table.style = self.document.styles["Table Grid"]
            for row_index, row in enumerate(rows):
                for column, (inline, style, header) in enumerate(row):
                    self._write_cell(table.cell(row_index, column), inline, style, header)
            if rows[0] and rows[0][0][2]:
                mark_header_row(table.rows[0]._tr)
        return index + 1

    def _write_cell(self, cell: _Cell, inline: Token, style: str, header: bool) -> None:
        paragraph = cell.paragraphs[0]
        self.set_style(paragraph, self.base_style)
        if style in ALIGNMENTS:
            paragraph.alignment = ALIGNMENTS[style]
        self.write_inline(paragraph, inline, bold=header)

    # -- inline ---------------------------------------------------------------

    def write_inline(self, paragraph: Paragraph, inline: Token, bold: bool = False) -> None:
        """Append the runs of one inline token (text, emphasis, code, links, images)."""
        state = _Format(bold=int(bold))
        for child in inline.children or []:
            self._write_child(paragraph, child, state)

    def _write_child(self, paragraph: Paragraph, child: Token, state: _Format) -> None:
        kind = child.type
        if kind in ("text", "text_special", "html_inline"):
            # html_inline cannot occur with html disabled; if it did, it stays literal text.
            self._run(paragraph, child.content, state)
        elif kind == "softbreak":
            self._run(paragraph, " ", state)
        elif kind == "hardbreak":
            self._run(paragraph, "", state).add_break()
        elif kind == "code_inline":
            self._run(paragraph, child.content, state, code=True)
        elif kind in ("strong_open", "strong_close"):
            state.bold += 1 if kind.endswith("open") else -1
        elif kind in ("em_open", "em_close"):
            state.italic += 1 if kind.endswith("open") else -1
        elif kind in ("s_open", "s_close"):
            state.strike += 1 if kind.endswith("open") else -1
        elif kind == "link_open":
            href = str(child.attrs.get("href", ""))
            link = absolute_href(href)
            state.hyperlink = open_hyperlink(paragraph, link) if link is not None else None
        elif kind == "link_close":
            state.hyperlink = None
        elif kind == "image":
            self._image(paragraph, child, state)

    def _run(self, paragraph: Paragraph, text: str, state: _Format, code: bool = False) -> Run:
        run = paragraph.add_run(text)
        if state.bold:
            run.bold = True
        if state.italic:
            run.italic = True
        if state.strike:
            run.font.strike = True
        if state.hyperlink is not None:
            self.style_run(run, HYPERLINK_STYLE)
            state.hyperlink.append(run._r)  # moves the run into the link
        elif code:
            self.style_run(run, CODE_STYLE)
        return run

    def _image(self, paragraph: Paragraph, token: Token, state: _Format) -> None:
        alt = "".join(c.content for c in token.children or []) or token.content
        src = unquote(str(token.attrs.get("src", "")))
        path = file_named(self.images_dir, src)
        if path is None:
            log.warning("image %s is not a file inside %s: writing its alt text", src, self.images_dir)
            self._run(paragraph, alt, state)
            return
        run = self._run(paragraph, "", state)
        title = str(token.attrs.get("title") or "")
        shape = add_picture(run, path, alt, title)
        if shape is None:
            run.text = alt
        else:
            fit_width(shape, self.text_width())

    def text_width(self) -> int:
        """Return the width between the margins of the last section, in EMU."""
        section = self.document.sections[-1]
        return int(section.page_width or 0) - int(section.left_margin or 0) - int(
            section.right_margin or 0
        )


def add_picture(
    run: Run, path: Path, alt: str, title: str = "", height: Length | None = None
) -> InlineShape | None:
    """Embed the image at *path* in *run* with its alt text; None if python-docx cannot read it."""
    try:
        shape = run.add_picture(str(path), height=height)
    except UnrecognizedImageError:  # SVG, for one
        log.warning("image %s: a format python-docx cannot embed", path)
        return None
    describe_picture(shape._inline, alt, title)
    return shape


def fit_width(shape: InlineShape, width: int) -> None:
    """Scale a picture down, keeping its aspect ratio, so it fits *width* EMU."""
    if width > 0 and shape.width > width:
        shape.height = Emu(int(shape.height * width / shape.width))
        shape.width = Emu(width)


def describe_picture(inline: _Element, alt: str, title: str = "") -> None:
    """Set the alt text (``descr``) that screen readers and Word's Alt Text pane show."""
    for element in (inline.docPr, inline.graphic.graphicData.pic.nvPicPr.cNvPr):
        element.set("descr", alt)
        if title:
            element.set("title", title)


def mark_header_row(tr: _Element) -> None:
    """Repeat the row on every page the table spans and mark it as a header for readers."""
    tr_pr = tr.get_or_add_trPr()
    tr_pr.append(OxmlElement("w:tblHeader"))


def add_rule(paragraph: Paragraph) -> None:
    """Draw a thematic break as a bottom border under an empty paragraph."""
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("w:val", "single"), ("w:sz", "6"), ("w:space", "1"), ("w:color", "auto")):
        bottom.set(qn(key), value)
    borders.append(bottom)
    paragraph._p.get_or_add_pPr().append(borders)
