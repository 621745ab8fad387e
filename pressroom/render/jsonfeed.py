"""JSON Feed 1.1 (https://www.jsonfeed.org/version/1.1/) beside the RSS and Atom feeds.

It lists the same releases as the other two feeds of its list, with the same ids
(``feed.entry_id``), summaries and HTML content, and offers each release's
downloadable formats (the registered renderers that are e-mail attachments: PDF
and DOCX, plus any plug-in's) as ``attachments`` with their MIME type and size.
Like the other feeds it takes no date from the clock, so a rebuild writes the same bytes.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from ..model import Release
from . import RenderContext
from .feed import entry_content, entry_id, front_page, summary_text
from .labels import label
from .listing import PAGE, Listing
from .registry import load_renderers
from .view import release_view

JSON_PATH = "feed.json"
VERSION = "https://jsonfeed.org/version/1.1"
JSON_TYPE = "application/feed+json"


def render_json_feed(
    releases: Sequence[Release],
    ctx: RenderContext,
    file_sizes: Mapping[str, Mapping[str, int]],
    listing: Listing | None = None,
) -> bytes:
    """Render the JSON Feed of exactly *releases*, newest first, for *listing* (default: the front page).

    *file_sizes* maps each slug to the byte length of each built format (``{"pdf": 12345}``);
    a downloadable format missing there or of size 0 (not built) is left out rather
    than announced with a wrong size.
    """
    settings = ctx.settings
    site, org = settings.site, settings.organisation
    listing = listing or front_page(settings)
    ordered = sorted(releases, key=lambda r: (r.published, r.slug), reverse=True)
    author: dict[str, str] = {"name": org.name}
    if org.website:
        author["url"] = org.website
    feed: dict[str, Any] = {
        "version": VERSION,
        "title": listing.title(settings),
        "home_page_url": site.url(listing.path(PAGE)),
        "feed_url": site.url(listing.path(JSON_PATH)),
        "description": f"{label(listing.language, 'newsroom')}: {org.name}",
        "language": listing.language,
        "authors": [author],
        # JSON Feed has no feed-level date (nothing to invent for an empty feed).
        "items": [item(release, ctx, file_sizes.get(release.slug, {})) for release in ordered],
    }
    return (json.dumps(feed, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def item(release: Release, ctx: RenderContext, sizes: Mapping[str, int]) -> dict[str, Any]:
    """Return the JSON Feed item of *release*."""
    from .. import markup

    site = ctx.settings.site
    page_url = site.url(f"{release.slug}/{release.slug}.html")
    entry: dict[str, Any] = {
        "id": entry_id(release, ctx.settings),
        "url": page_url,
        "title": markup.plain_text(release.title),
    }
    summary = summary_text(release_view(release, ctx))
    if summary:
        entry["summary"] = summary
    entry["content_html"] = entry_content(release, ctx, page_url)
    entry["date_published"] = release.published.isoformat()
    entry["date_modified"] = release.modified.isoformat()
    entry["language"] = release.language
    if release.tags:
        entry["tags"] = list(release.tags)
    attachments = [
        {
            "url": site.url(f"{release.slug}/{release.slug}.{renderer.suffix}"),
            "mime_type": renderer.content_type,
            "title": f"{markup.plain_text(release.title)} ({renderer.name.upper()})",
            "size_in_bytes": sizes[renderer.name],
        }
        for renderer in load_renderers()
        if renderer.attach and sizes.get(renderer.name, 0) > 0
    ]
    if attachments:
        entry["attachments"] = attachments
    return entry
