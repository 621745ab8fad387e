"""The website's site-wide files, written by every build after the releases.

Below ``public/``:

* ``index.html`` with ``feed.xml`` (RSS), ``atom.xml`` and ``feed.json`` beside it:
  the newest ``site.front_page_size`` releases on the page, the newest ``FEED_SIZE`` in the feeds;
* ``tags/<tag-slug>/`` and ``lang/<code>/``: the same four files for each tag and
  each language of a public release;
* ``archive/<year>/index.html``: every year's releases, once there are more
  public releases than the front page shows;
* ``sitemap.xml`` naming every page above and every release page, and ``robots.txt``.

Everything is made from the public releases only. The files are rewritten by each
build (``write_atomic`` leaves a file alone when its bytes did not change), and the
lists no longer planned (a tag dropped, a release withdrawn) are removed.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path

from .model import Pressroom, Release

# Feeds carry full content: readers want the recent releases, not the whole archive.
FEED_SIZE = 50
# The folders of public/ that hold lists, not releases (release slugs start with a date).
SITE_FOLDERS = ("tags", "lang", "archive")

Write = Callable[[Path, bytes], None]


def write_site(public: Path, pressroom: Pressroom, now: datetime, write: Write) -> None:
    """Write the list pages, their feeds, the sitemap and robots.txt of the releases public
    at *now* into *public*, each file through *write*; remove lists no longer planned."""
    from .render import RenderContext
    from .render.feed import ATOM_PATH, RSS_PATH, feed_updated, render_feeds
    from .render.html import list_entries, render_list_page
    from .render.jsonfeed import JSON_PATH, render_json_feed
    from .render.listing import PAGE, plan_listings
    from .render.sitemap import ROBOTS_PATH, SITEMAP_PATH, render_robots, render_sitemap

    settings = pressroom.settings
    context = RenderContext.for_settings(settings, now)
    public_releases = [r for r in pressroom.releases if r.is_public(now)]  # newest first
    listings = plan_listings(public_releases, settings)
    sizes = built_sizes(public, public_releases)
    pages: list[tuple[str, datetime]] = []
    entries = list_entries(public_releases)  # each release as every page lists it, made once
    for listing in listings:
        write(public / listing.path(PAGE), render_list_page(listing, listings, context, entries))
        pages.append((listing.path(PAGE), feed_updated(listing.releases, context)))
        if not listing.has_feeds:
            continue
        latest = listing.releases[:FEED_SIZE]
        rss, atom = render_feeds(latest, context, {r.slug: sizes[r.slug] for r in latest}, listing)
        write(public / listing.path(RSS_PATH), rss)
        write(public / listing.path(ATOM_PATH), atom)
        write(public / listing.path(JSON_PATH), render_json_feed(latest, context, sizes, listing))
    pages += [(f"{r.slug}/{r.slug}.html", r.modified) for r in public_releases]
    write(public / SITEMAP_PATH, render_sitemap(pages, settings))
    write(public / ROBOTS_PATH, render_robots(settings))
    remove_unplanned(public, {listing.folder for listing in listings})


def built_sizes(public: Path, releases: Sequence[Release]) -> dict[str, dict[str, int]]:
    """Return slug -> format -> byte size of each downloadable format built for *releases*
    (the registered renderers offered as attachments); a format not built is left out."""
    from .render.registry import load_renderers

    downloadable = [r for r in load_renderers() if r.attach]
    sizes: dict[str, dict[str, int]] = {}
    for release in releases:
        own = sizes[release.slug] = {}
        for renderer in downloadable:
            path = public / release.slug / f"{release.slug}.{renderer.suffix}"
            if path.is_file():
                own[renderer.name] = path.stat().st_size
    return sizes


def remove_unplanned(public: Path, planned: set[str]) -> None:
    """Remove list folders of an earlier build that this build did not plan: a tag no
    public release carries any more must not keep a page naming its releases."""
    for name in SITE_FOLDERS:
        base = public / name
        if not base.is_dir():
            continue
        for folder in base.iterdir():
            if f"{name}/{folder.name}/" not in planned:
                if folder.is_dir():
                    shutil.rmtree(folder)
                else:
                    folder.unlink()
        if not any(base.iterdir()):
            base.rmdir()

