"""The web page of each release and the newsroom index, from Jinja templates.

The PDF is printed from the same ``release.html`` template (``medium="print"``),
so the page and the PDF cannot drift apart; only the navigation and the way
images are addressed differ between the two media.
"""

from __future__ import annotations

import base64
import mimetypes
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Literal

from ..model import Release, Settings
from . import RenderContext
from .labels import label, number_label
from .listing import PAGE, Listing, language_name
from .registry import downloads
from .structured_data import SITE_FEEDS, FeedLink, feed_links, page_head
from .view import release_view, render_room_template, render_template

Medium = Literal["screen", "print"]


def render_html(release: Release, ctx: RenderContext) -> bytes:
    """Render the web page of *release* (UTF-8 HTML5).

    It sits in its own folder next to ``<slug>.pdf`` and ``<slug>.docx`` and links
    back to ``../index.html``.
    """
    return release_page(release, ctx, "screen").encode("utf-8")


def render_list_page(
    listing: Listing,
    listings: Sequence[Listing],
    ctx: RenderContext,
    entries: Mapping[str, Mapping[str, object]] | None = None,
) -> bytes:
    """Render the page of *listing* from ``index.html`` (UTF-8 HTML5): the front page,
    a tag's, a language's or a year's releases, newest first, with links to its feeds
    and to the other lists of the site (*listings*, as planned for the whole site).

    *entries* (slug -> :func:`list_entries`) lets the pages of one build share what
    they show of a release, made once; without it, the page makes its own.
    """
    settings = ctx.settings
    lang = listing.language
    shown = entries if entries is not None else list_entries(listing.shown)
    html = render_room_template(
        ctx, "index.html", "an index entry lists its files as `entry.downloads`",
        lang=lang,
        site=settings.site,
        organisation=settings.organisation,
        listing=listing,
        heading=listing.heading(settings),
        root=listing.root,
        releases=listing.shown,
        entries=[shown[r.slug] for r in listing.shown],
        feeds=list_feeds(listing, settings, lang) or feed_links(settings, lang),
        nav=site_nav(listing, listings),
        medium="screen",
        page_title=listing.title(settings),
        page_counter=page_counter_css(lang),
        running_head=css_string(settings.site.title),
        logo_url=asset_url(settings.organisation.logo, "screen"),
    )
    return html.encode("utf-8")


def list_feeds(listing: Listing, settings: Settings, language: str) -> tuple[FeedLink, ...]:
    """Return the feeds of a list's page by their public address (none for a yearly archive)."""
    if not listing.has_feeds:
        return ()
    return tuple(
        FeedLink(settings.site.url(listing.path(name)), media_type, label(language, key))
        for name, media_type, key in SITE_FEEDS
    )


def site_nav(here: Listing, listings: Sequence[Listing]) -> dict[str, list[dict[str, object]]]:
    """Return the links to the site's other lists, by kind ("tag", "language", "archive"),
    each ``{"name", "href", "current", "lang"}`` with *href* relative to *here*'s folder
    (the front page is reached through the organisation's name in the header)."""
    nav: dict[str, list[dict[str, object]]] = {"tag": [], "language": [], "archive": []}
    for listing in listings:
        if listing.kind == "index":
            continue
        # A language is named in itself ("English", "Deutsch"), marked with its lang.
        name = language_name(listing.name, listing.name) if listing.kind == "language" else listing.name
        href = here.root + listing.path(PAGE)
        current = listing is here
        nav[listing.kind].append({"name": name, "href": href, "current": current, "lang": listing.language})
    if len(nav["language"]) < 2:  # one language: its page would repeat the front page
        nav["language"] = []
    return nav


def list_entries(releases: Sequence[Release]) -> dict[str, dict[str, object]]:
    """Return slug -> what a list page shows of each release; links relative to the site
    root (the template puts ``root`` before them), the lead as HTML."""
    from markupsafe import Markup

    from .. import markup

    return {
        release.slug: {
            "release": release,
            "href": f"{release.slug}/{release.slug}.html",
            # relative to the site's top folder, one above the release pages
            "downloads": [replace(d, href=f"{release.slug}/{d.href}") for d in downloads(release)],
            "number_label": number_label(release),
            "lead_html": Markup(markup.inline_to_html(release.lead)) if release.lead else None,
        }
        for release in releases
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
        # Search engines and link previews: only a public page has a public address to name.
        "head": page_head(release, view, ctx.settings) if medium == "screen" else None,
        "noindex": medium == "screen" and view.canonical_url is None,
        "feeds": feed_links(ctx.settings, view.language) if medium == "screen" else (),
        "downloads": downloads(release),
        # Each tag links its tag page, which lists public releases only: a public web page's tags.
        "tags": tag_links(release) if medium == "screen" and view.canonical_url is not None else (),
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


def tag_links(release: Release) -> tuple[dict[str, str], ...]:
    """Return each tag of *release* with the address of its tag page, relative to the release page."""
    from .listing import tag_slug

    return tuple({"name": tag, "href": f"../tags/{tag_slug(tag)}/index.html"} for tag in release.tags)


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


