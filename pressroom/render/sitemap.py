"""``sitemap.xml`` (the sitemaps.org protocol 0.9) and the ``robots.txt`` that points at it.

The sitemap lists every public page of the website with the moment it last
changed; it is built from the same planned lists and public releases as the pages,
so nothing a build keeps private is named in it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from ..model import Settings

SITEMAP_PATH = "sitemap.xml"
ROBOTS_PATH = "robots.txt"
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
# The protocol's limit per file; past it a sitemap index would be needed.
MAX_URLS = 50_000


def render_sitemap(pages: Sequence[tuple[str, datetime]], settings: Settings) -> bytes:
    """Render the sitemap of *pages*: (path below the site root, last change), in the given order.

    Raises ValueError past the protocol's 50,000 URLs rather than write a sitemap
    search engines reject.
    """
    from lxml import etree

    if len(pages) > MAX_URLS:
        raise ValueError(f"{len(pages)} pages: a sitemap holds at most {MAX_URLS}")
    urlset = etree.Element(f"{{{SITEMAP_NS}}}urlset", nsmap={None: SITEMAP_NS})
    for path, changed in pages:
        url = etree.SubElement(urlset, f"{{{SITEMAP_NS}}}url")
        etree.SubElement(url, f"{{{SITEMAP_NS}}}loc").text = settings.site.url(path)
        # W3C Datetime, as the protocol asks: 2021-08-26T10:00:00+02:00
        etree.SubElement(url, f"{{{SITEMAP_NS}}}lastmod").text = changed.isoformat(timespec="seconds")
    # lxml's stubs type tostring as Any; with an encoding it returns bytes.
    return bytes(etree.tostring(urlset, xml_declaration=True, encoding="UTF-8", pretty_print=True))


def render_robots(settings: Settings) -> bytes:
    """Render ``robots.txt``: everything may be crawled; the sitemap is named by its absolute URL."""
    return f"User-agent: *\nAllow: /\n\nSitemap: {settings.site.url(SITEMAP_PATH)}\n".encode()
