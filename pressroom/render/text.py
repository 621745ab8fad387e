"""The plain-text version of a release (for e-mail bodies and text archives).

Markdown is not re-parsed here: the tokens of ``markup.parse`` are walked once,
so escapes such as ``Migrant\\*innen`` come out exactly as in the other formats.
Lines wrap at 72 columns; links are written "text (URL)" or "<URL>".
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable

from markdown_it.token import Token
from markdown_it.tree import SyntaxTreeNode

from .. import markup
from ..model import Contact, Release
from ..urls import safe_href
from . import RenderContext
from .labels import format_moment, label, number_label

WIDTH = 72


def render_text(release: Release, ctx: RenderContext) -> bytes:
    """Render *release* as UTF-8 plain text wrapped at 72 columns."""
    lang = release.language
    blocks: list[str] = []
    if release.status == "draft":
        blocks.append(boxed(label(lang, "draft")))
    if release.is_embargoed(ctx.now):
        notice = label(lang, "embargo_notice", moment=format_moment(release.public_from, lang))
        blocks.append(boxed(notice))
    blocks.append("\n".join(filter(None, [number_label(release), release.dateline])))
    blocks.append(underlined(release.title, "="))
    if release.subtitle:
        blocks.append(wrap(release.subtitle))
    if release.lead:
        blocks.append(wrap(inline_text(markup.parser().parseInline(release.lead)[0].children or [])))
    blocks.append(markdown_to_text(release.body))
    if release.links:
        items = [link_text(link.title, link.url) for link in release.links]
        blocks.append(underlined(label(lang, "more_information"), "-") + "\n" + bullets(items))
    if release.attachments:
        names = [path.name for path in release.attachments]
        blocks.append(underlined(label(lang, "attachments"), "-") + "\n" + bullets(names))
    if release.contacts:
        heading = label(lang, "press_contacts" if len(release.contacts) > 1 else "press_contact")
        cards = "\n\n".join(contact_text(contact, lang) for contact in release.contacts)
        blocks.append(underlined(heading, "-") + "\n" + cards)
    blocks.append("-" * WIDTH)
    blocks.append(markdown_to_text(release.boilerplate.text))
    if release.boilerplate.funders:
        funders = ", ".join(funder.name for funder in release.boilerplate.funders)
        blocks.append(wrap(f"{label(lang, 'funded_by')}: {funders}"))
    blocks.append(organisation_text(ctx, lang))
    return ("\n\n".join(block for block in blocks if block.strip()) + "\n").encode("utf-8")


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


def contact_text(contact: Contact, lang: str) -> str:
    """Return a contact's lines: name, role, e-mail, phone."""
    lines = [contact.name]
    if contact.role:
        lines += textwrap.wrap(contact.role, WIDTH)
    if contact.email:
        lines.append(f"{label(lang, 'email')}: {contact.email}")
    if contact.phone:
        lines.append(f"{label(lang, 'phone')} {contact.phone}")
    return "\n".join(lines)


def organisation_text(ctx: RenderContext, lang: str) -> str:
    """Return the sender block: name, address, phone, e-mail, website."""
    org = ctx.settings.organisation
    lines = [org.name, *org.address.splitlines()]
    if org.phone:
        lines.append(f"{label(lang, 'phone')} {org.phone}")
    if org.email:
        lines.append(f"{label(lang, 'email')}: {org.email}")
    if org.website:
        lines.append(org.website)
    return "\n".join(line.strip() for line in lines if line.strip())


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
