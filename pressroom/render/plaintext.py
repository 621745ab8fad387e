"""Markdown as plain text: the one walker the text, the e-mail and the view share.

Markdown is not re-parsed here: the tokens of ``markup.parse`` are walked once,
so escapes such as ``Migrant\\*innen`` come out exactly as in the other formats.
Lines wrap at 72 columns; links are written "text (URL)" or "<URL>". The small
layout helpers (``wrap``, ``underlined``, ``boxed``, ``bullets``) are also the
filters of ``templates/release.txt``.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from markdown_it.token import Token
from markdown_it.tree import SyntaxTreeNode

from .. import markup
from ..urls import safe_href

if TYPE_CHECKING:
    from .view import LinkView

WIDTH = 72


def markdown_to_text(text: str, width: int = WIDTH) -> str:
    """Render Markdown as wrapped plain text by walking its token tree."""
    root = SyntaxTreeNode(markup.parse(text))
    return "\n\n".join(render_blocks(root.children, width))


def render_blocks(nodes: Iterable[SyntaxTreeNode], width: int) -> list[str]:
    """Render block nodes, one string per block."""
    return [text for node in nodes if (text := render_block(node, width))]


def render_block(node: SyntaxTreeNode, width: int) -> str:
    """Render one block node (paragraph, heading, list, quote, code, rule, table)."""
    kind = node.type
    if kind == "paragraph":
        return wrap(node_inline_text(node), width)
    if kind == "heading":
        text = node_inline_text(node)
        level = int(node.tag[1])
        if level > 2:
            return wrap(text.upper(), width)
        return underlined(text, "=" if level == 1 else "-", width)
    if kind in ("bullet_list", "ordered_list"):
        return render_list(node, width)
    if kind == "blockquote":
        inner = "\n\n".join(render_blocks(node.children, width - 2))
        return "\n".join(f"> {line}".rstrip() for line in inner.splitlines())
    if kind in ("fence", "code_block"):
        return "\n".join(f"    {line}".rstrip() for line in node.content.rstrip("\n").splitlines())
    if kind == "hr":
        return "* * *"
    if kind == "table":
        return render_table(node)
    return "\n\n".join(render_blocks(node.children, width))


def render_list(node: SyntaxTreeNode, width: int) -> str:
    """Render a list: "- " or "1. " markers, continuation lines indented under the text."""
    start = int(node.attrs.get("start", 1)) if node.type == "ordered_list" else 1
    # markdown-it hides the paragraphs of tight lists
    tight = any(
        child.type == "paragraph" and child.hidden for item in node.children for child in item.children
    )
    items = []
    for offset, item in enumerate(node.children):
        marker = f"{start + offset}. " if node.type == "ordered_list" else "- "
        inner_width = max(width - len(marker), 20)
        joiner = "\n" if tight else "\n\n"
        inner = joiner.join(render_blocks(item.children, inner_width))
        lines = inner.splitlines() or [""]
        indent = " " * len(marker)
        items.append("\n".join([marker + lines[0]] + [(indent + line).rstrip() for line in lines[1:]]))
    return ("\n" if tight else "\n\n").join(items)


def render_table(node: SyntaxTreeNode) -> str:
    """Render a table row by row, cells separated by " | " (no wrapping)."""
    rows = []
    for section in node.children:
        for row in section.children:
            rows.append(" | ".join(node_inline_text(cell) for cell in row.children))
    return "\n".join(rows)


def node_inline_text(node: SyntaxTreeNode) -> str:
    """Return the plain text of the inline content under *node*."""
    for child in node.children:
        if child.type == "inline":
            return inline_text(child.token.children or [] if child.token else [])
    return ""


def inline_text(tokens: list[Token]) -> str:
    """Flatten inline tokens; a link becomes "text (URL)", or "<URL>" when text is the URL."""
    parts: list[str] = []
    links: list[tuple[str, int]] = []  # (href, where its text starts in parts)
    for token in tokens:
        if token.type in ("text", "code_inline", "html_inline"):
            parts.append(token.content)
        elif token.type == "softbreak":
            parts.append(" ")
        elif token.type == "hardbreak":
            parts.append("\n")
        elif token.type == "image":
            alt = inline_text(token.children or [])
            parts.append(f"[{alt}]" if alt else "")
        elif token.type == "link_open":
            links.append((str(token.attrs.get("href", "")), len(parts)))
        elif token.type == "link_close" and links:
            href, start = links.pop()
            text = "".join(parts[start:])
            del parts[start:]
            parts.append(link_text(text, href))
    return "".join(parts)


def link_text(text: str, url: str) -> str:
    """Write a link for readers of plain text; unsafe or empty targets keep only the text."""
    href = safe_href(url)
    if href is None:
        return text
    if not text.strip() or text.strip() == href or f"http://{text.strip()}" == href:
        return f"<{href}>"
    return f"{text} ({href})"


def bullets(items: Iterable[str]) -> str:
    """Return a "- " list, continuation lines indented."""
    return "\n".join(
        textwrap.fill(item, WIDTH, initial_indent="- ", subsequent_indent="  ",
                      break_long_words=False, break_on_hyphens=False)
        for item in items
    )


def underlined(text: str, rule: str, width: int = WIDTH) -> str:
    """Wrap *text* and underline it with *rule* as long as its longest line."""
    wrapped = wrap(text, width)
    return f"{wrapped}\n{rule * max(len(line) for line in wrapped.splitlines())}"


def boxed(text: str) -> str:
    """Frame a notice between lines of asterisks so it cannot be overlooked."""
    return f"{'*' * WIDTH}\n{wrap(text, WIDTH)}\n{'*' * WIDTH}"


def wrap(text: str, width: int = WIDTH) -> str:
    """Wrap each line of *text* at *width* without breaking words, URLs or hyphens."""
    return "\n".join(
        textwrap.fill(line, width, break_long_words=False, break_on_hyphens=False) or ""
        for line in text.split("\n")
    )


def link_line(link: LinkView) -> str:
    """Write a "more information" link as a line of text: "title (URL)" or the title alone."""
    return link_text(link.title, link.href or "")


# The filters templates/release.txt (and a press room's override of it) can use.
TEXT_FILTERS: dict[str, Callable[..., str]] = {
    "wrap": wrap,
    "underlined": underlined,
    "boxed": boxed,
    "bullets": bullets,
    "link_line": link_line,
}
