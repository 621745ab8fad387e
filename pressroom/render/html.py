"""The web page of each release and the newsroom index, from Jinja templates.

The PDF is printed from the same ``release.html`` template (``medium="print"``),
so the page and the PDF cannot drift apart; only the navigation and the way
images are addressed differ between the two media.
"""

from __future__ import annotations

import base64
import mimetypes
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Literal

from ..model import Release
from . import RenderContext
from .labels import label, number_label
from .registry import downloads
from .view import release_view, render_room_template, render_template

Medium = Literal["screen", "print"]


def render_html(release: Release, ctx: RenderContext) -> bytes:
    """Render the web page of *release* (UTF-8 HTML5).

    It sits in its own folder next to ``<slug>.pdf`` and ``<slug>.docx`` and links
    back to ``../index.html``.
    """
    return release_page(release, ctx, "screen").encode("utf-8")


def render_index(releases: Sequence[Release], ctx: RenderContext) -> bytes:
    """Render the newsroom index of exactly *releases*, newest first (UTF-8 HTML5)."""
    site = ctx.settings.site
    ordered = sorted(releases, key=lambda r: (r.published, r.slug), reverse=True)
    html = render_room_template(
        ctx, "index.html", "an index entry lists its files as `entry.downloads`",
        lang=site.language,
        site=site,
        organisation=ctx.settings.organisation,
        releases=ordered,
        entries=[index_entry(r) for r in ordered],
        medium="screen",
        page_title=site.title,
        page_counter=page_counter_css(site.language),
        running_head=css_string(site.title),
        logo_url=asset_url(ctx.settings.organisation.logo, "screen"),
    )
    return html.encode("utf-8")


def index_entry(release: Release) -> dict[str, object]:
    """Return what the index shows of one release."""
    return {
        "release": release,
        "href": f"{release.slug}/{release.slug}.html",
        # the index sits one folder above the release pages
        "downloads": [replace(d, href=f"{release.slug}/{d.href}") for d in downloads(release.slug)],
        "number_label": number_label(release),
    }


def release_page(release: Release, ctx: RenderContext, medium: Medium) -> str:
    """Render ``release.html`` for the screen or for print (the PDF's source)."""
    return render_template(ctx, "release.html", release_view(release, ctx),
                           **release_context(release, ctx, medium))


def release_context(release: Release, ctx: RenderContext, medium: Medium) -> dict[str, object]:
    """Collect what ``release.html`` needs besides the release view: what depends on the medium."""
    view = release_view(release, ctx)
    return {
        "medium": medium,
        "downloads": downloads(view.slug),
        "organisation": view.organisation,
        "page_title": view.title,
        "funder_logos": [
            {"name": funder.name, "src": asset_url(funder.logo, medium)}
            for funder in view.funders.items
            if funder.logo is not None
        ],
        "logo_url": asset_url(view.organisation.logo, medium),
        "page_counter": page_counter_css(view.language),
        # The PDF's running head: "Org · Pressemitteilung 3/2013", or "Org" without a number.
        "running_head": css_string(" · ".join(filter(None, (view.organisation.name, view.kicker)))),
    }


def page_counter_css(language: str) -> str:
    """Return a CSS ``content`` value for "Seite X von Y" in *language*."""
    text = label(language, "page_of", page="\0page\0", pages="\0pages\0")
    parts = []
    for index, piece in enumerate(text.split("\0")):
        if index % 2:  # a counter name between the markers
            parts.append(f"counter({piece})")
        elif piece:
            parts.append(css_string(piece))
    return " ".join(parts)


def css_string(text: str) -> str:
    """Quote *text* as a CSS string literal that is also safe inside an HTML <style>."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\a ")
    escaped = escaped.replace("<", "\\3c ").replace(">", "\\3e ")
    return f'"{escaped}"'


def asset_url(path: Path | None, medium: Medium) -> str | None:
    """Address a logo: a file URL for print (served by the room fetcher), inline for the web.

    The web page is published without the press room's files next to it, so its
    logos travel inside the page as ``data:`` URLs.
    """
    if path is None:
        return None
    if medium == "print":
        return path.as_uri()
    content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return f"data:{content_type};base64,{base64.b64encode(path.read_bytes()).decode('ascii')}"


