"""The one Markdown pipeline every output shares: CommonMark + tables, sanitized.

Release bodies are untrusted: raw HTML is escaped by the parser, and the HTML it
produces goes through an allowlist sanitizer (nh3) that also drops every URL
scheme but http, https, mailto and tel.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

from markdown_it import MarkdownIt
from markdown_it.token import Token

from .urls import URL_SCHEMES

ALLOWED_TAGS = {
    "p",
    "br",
    "hr",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "strong",
    "em",
    "del",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "a",
    "img",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "ol": {"start"},
    "th": {"style"},
    "td": {"style"},
}


@lru_cache(maxsize=1)
def parser() -> MarkdownIt:
    """Return the configured parser: CommonMark, tables, raw HTML off."""
    return MarkdownIt("commonmark", {"html": False, "typographer": False}).enable("table")


# A bullet pasted from Word: "•", "–" (en dash), "▪", "·", "◦", or Word's Symbol-font bullet
# (U+F0B7), at the start of a line and followed by a space, a tab or a non-breaking space.
_WORD_BULLET = re.compile(r"^([ ]{0,3})([•–▪·◦\uf0b7])[ \t\u00a0]+(?=\S)", re.MULTILINE)
# Each kind of Word bullet gets its own Markdown bullet: a "–" list after a "•" list is
# a list of its own, as it was in Word, not one loose list with the first.
_MARKDOWN_BULLET = {"•": "-", "◦": "-", "\uf0b7": "-", "–": "*", "▪": "+", "·": "+"}
_FENCE = re.compile(r"^[ ]{0,3}(```|~~~)")


def word_lists(text: str) -> str:
    """Turn bullets pasted from Word into Markdown list items ("• Text" -> "- Text").

    Done on the Markdown, before parsing, so every format gets a real list; the lines
    stay where they are (line numbers of problems do not move); code blocks are left alone.
    "•", "▪", "◦", "·" and Word's symbol bullet never start prose, so a line starting with
    one is always an item. A line starting with "– " (en dash) is an item only when it
    starts a paragraph or stands next to another "– " line: a German sentence wrapped
    onto a line that begins with a Gedankenstrich stays text.
    """
    if not _WORD_BULLET.search(text):
        return text
    lines = text.split("\n")
    bullets: list[re.Match[str] | None] = []
    fenced = False
    for line in lines:
        if _FENCE.match(line):
            fenced = not fenced
        bullets.append(None if fenced else _WORD_BULLET.match(line))
    out = []
    for number, (line, bullet) in enumerate(zip(lines, bullets, strict=True)):
        if bullet is not None and _is_item(lines, bullets, number):
            line = _as_markdown_bullet(bullet) + line[bullet.end():]
        out.append(line)
    return "\n".join(out)


def _is_item(lines: list[str], bullets: list[re.Match[str] | None], number: int) -> bool:
    """Whether the Word bullet on line `number` makes a list item (see word_lists)."""
    kind = _kind(bullets[number])
    if kind != "–":
        return True
    starts_paragraph = number == 0 or not lines[number - 1].strip()
    return (starts_paragraph
            or _kind(bullets[number - 1]) == kind
            or (number + 1 < len(lines) and _kind(bullets[number + 1]) == kind))


def _kind(bullet: re.Match[str] | None) -> str | None:
    return None if bullet is None else bullet.group(2)


def _as_markdown_bullet(match: re.Match[str]) -> str:
    return f"{match.group(1)}{_MARKDOWN_BULLET[match.group(2)]} "


def parse(text: str) -> list[Token]:
    """Parse Markdown into markdown-it block tokens (Word bullets as list items)."""
    return parser().parse(word_lists(text))


def may_reference(text: str) -> bool:
    """False when *text* can hold no link and no image, so checking them needs no parse.

    CommonMark writes every link and image with "[" (inline and reference forms) or
    "<" (autolinks); the parser has no linkify. Loading skips the parse, about a
    quarter of a no-op rebuild, for the many bodies that are prose only.
    """
    return "[" in text or "<" in text


def sanitize(html: str) -> str:
    """Keep only allowlisted tags, attributes and URL schemes."""
    import nh3

    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=set(URL_SCHEMES),
        filter_style_properties={"text-align"},
        link_rel="noopener noreferrer",
    )


def to_html(text: str) -> str:
    """Render Markdown to sanitized HTML."""
    return sanitize(parser().render(word_lists(text)))


def inline_to_html(text: str) -> str:
    """Render one paragraph of Markdown to sanitized inline HTML (no <p>)."""
    return sanitize(parser().renderInline(text))


@dataclass(frozen=True)
class Reference:
    """A link or image found in Markdown, with the 0-based line it starts on."""

    kind: str  # "link" or "image"
    target: str
    text: str
    line: int
    title: str = ""  # an image's Markdown title: ![alt](file "title")


def iter_references(tokens: list[Token]) -> Iterator[Reference]:
    """Yield every link and image of the parsed body, located by line."""
    for block in tokens:
        if block.type != "inline" or not block.children:
            continue
        line = block.map[0] if block.map else 0
        children = block.children
        for index, child in enumerate(children):
            if child.type == "image":
                alt = "".join(c.content for c in child.children or [])
                title = str(child.attrs.get("title", "") or "")
                yield Reference("image", str(child.attrs.get("src", "")), alt, line, title)
            elif child.type == "link_open":
                text = []
                for follower in children[index + 1 :]:
                    if follower.type == "link_close":
                        break
                    text.append(follower.content)
                yield Reference("link", str(child.attrs.get("href", "")), "".join(text), line)
            elif child.type == "softbreak":
                line += 1


def plain_text(text: str) -> str:
    """Strip inline Markdown to the text a reader sees (for titles, summaries, metadata)."""
    tokens = parser().parseInline(text)
    parts: list[str] = []
    for token in tokens:
        for child in token.children or []:
            if child.type in ("text", "code_inline"):
                parts.append(child.content)
            elif child.type in ("softbreak", "hardbreak"):
                parts.append(" ")
    return "".join(parts)
