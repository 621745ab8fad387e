"""The RSS 2.0 and Atom 1.0 feeds, built with feedgen: the newsroom's, and those of each
tag and language page (a :class:`Listing`, whose folder holds them); ``jsonfeed``
writes the JSON Feed beside them.

Both feeds list the same releases, newest first, with the same content as the
release page. They are reproducible: no date in them comes from the clock.

Each entry's id (Atom ``<id>``, RSS ``<guid isPermaLink="false">``) is an RFC 4151
tag URI, ``tag:<host of site.base_url>,<YYYY-MM-DD of the release date>:<slug>``,
for example ``tag:www.iq-mv.de,2021-08-26:2021-08-26-iq-mv-10-jahre``. It depends on
nothing but the host, the date and the slug, so a rebuild never changes it; moving
the site to another host, re-dating a release or renaming its file does (feed
readers then show the release as new).

feedgen 1.0 has two faults worked around here:

* it stamps ``<updated>`` (Atom) and ``<lastBuildDate>`` (RSS) with the current
  time unless told otherwise, so both are set to the newest release's date
  (for a feed without releases, see :func:`feed_updated`);
* Atom entry links lose every attribute but ``href`` (python-feedgen issues 135
  and 143): the PDF enclosure would become a second ``rel="alternate"`` link
  without type or length. ``repair_entry_links`` puts the attributes back.

Each entry's enclosures are the release's downloads (the renderer registry's
formats marked *attach*: the PDF, the DOCX, a plug-in's format). Atom carries
them all; RSS allows one enclosure per item, and carries the first (the PDF).
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit

from .. import markup
from ..model import Release, Settings
from ..urls import URL_SCHEMES
from . import RenderContext
from .labels import label
from .listing import PAGE, Listing
from .registry import downloads
from .view import ReleaseView, release_view, render_template

if TYPE_CHECKING:
    from feedgen.entry import FeedEntry
    from feedgen.feed import FeedGenerator
    from lxml import etree

ATOM_NS = "http://www.w3.org/2005/Atom"
RSS_PATH = "feed.xml"
ATOM_PATH = "atom.xml"
SUMMARY_LIMIT = 300  # characters of body text standing in for a missing lead


def render_feeds(
    releases: Sequence[Release],
    ctx: RenderContext,
    enclosure_sizes: Mapping[str, Mapping[str, int]],
    listing: Listing | None = None,
) -> tuple[bytes, bytes]:
    """Render the RSS 2.0 and Atom 1.0 feeds of exactly *releases*: ``(rss, atom)``.

    *listing* is the page the feeds belong to and stand beside (title, language,
    self links); without one, the newsroom's front page.

    *releases* are the public releases to list, in any order; the feeds list them
    newest first. *enclosure_sizes* maps each slug to the byte lengths of its
    downloads by format (``{"pdf": 48213, "docx": 9120}``), which its entry carries as
    enclosures; a missing slug is a ValueError (a feed must not announce a wrong
    length), and a format missing or of size 0 (not made) is left out rather than
    pointed at.
    """
    missing = sorted(r.slug for r in releases if r.slug not in enclosure_sizes)
    if missing:
        raise ValueError(f"no download sizes for: {', '.join(missing)}")
    settings = ctx.settings
    listing = listing or front_page(settings)
    ordered = sorted(releases, key=lambda r: (r.published, r.slug), reverse=True)
    fg = new_generator(settings, listing, feed_updated(ordered, ctx))
    entries = [add_entry(fg, release, ctx, enclosure_sizes[release.slug]) for release in ordered]

    # The self link differs between the two feeds; everything else is shared.
    fg.link(feed_links(settings, listing, ATOM_PATH, "application/atom+xml"), replace=True)
    atom = repair_entry_links(fg.atom_str(pretty=False), entries)
    for entry in entries:
        first_enclosure_for_rss(entry)
    fg.link(feed_links(settings, listing, RSS_PATH, "application/rss+xml"), replace=True)
    rss = fg.rss_str(pretty=True, encoding="UTF-8", xml_declaration=True)
    return rss, atom


def front_page(settings: Settings) -> Listing:
    """The newsroom's front page, as far as its feeds need to know it."""
    return Listing("index", "", "", settings.site.language, ())


def feed_updated(ordered: Sequence[Release], ctx: RenderContext) -> datetime:
    """Return when a feed last changed: the latest revision among its releases.

    A feed without releases (a new room) is dated by its settings file, which
    gives the feed its title and author: stable from build to build, never in
    the future, and a plausible date for the W3C validator (not 1970).
    """
    if ordered:
        return max(r.modified for r in ordered)
    changed = datetime.fromtimestamp(int(ctx.settings.path.stat().st_mtime), UTC)
    return min(changed, ctx.now.astimezone(UTC))


def new_generator(settings: Settings, listing: Listing, updated: datetime) -> FeedGenerator:
    """Create the feed with its channel-level fields; *updated* stands for the clock."""
    from feedgen.feed import FeedGenerator

    site, org = settings.site, settings.organisation
    fg = FeedGenerator()
    fg.id(site.url(listing.path(ATOM_PATH)))
    fg.title(listing.title(settings))
    fg.description(f"{label(listing.language, 'newsroom')}: {org.name}")
    fg.language(listing.language)
    author = {"name": org.name, "email": org.email} if org.email else {"name": org.name}
    fg.author(author)
    if org.email:
        # RSS wants "address (name)" here; feedgen alone would write the address only.
        fg.managingEditor(f"{org.email} ({org.name})")
    fg.generator("pressroom")
    fg.updated(updated)  # sets Atom <updated> and RSS <lastBuildDate>
    return fg


def feed_links(settings: Settings, listing: Listing, self_path: str, self_type: str) -> list[dict[str, str]]:
    """Return the feed's links: the feed itself (rel=self), then the page of its list."""
    site = settings.site
    # feedgen makes the *last* link the RSS channel's <link>: the page must come last.
    return [
        {"href": site.url(listing.path(self_path)), "rel": "self", "type": self_type},
        {"href": site.url(listing.path(PAGE)), "rel": "alternate", "type": "text/html"},
    ]


def add_entry(
    fg: FeedGenerator, release: Release, ctx: RenderContext, sizes: Mapping[str, int]
) -> FeedEntry:
    """Append *release* to the feed (callers add newest first) and return its entry."""
    settings = ctx.settings
    site = settings.site
    page_url = site.url(f"{release.slug}/{release.slug}.html")
    fe = fg.add_entry(order="append")
    fe.id(entry_id(release, settings))  # also the RSS guid, isPermaLink="false"
    fe.title(markup.plain_text(release.title))
    fe.link(href=page_url, rel="alternate", type="text/html")
    for download in (d for d in downloads(release) if sizes.get(d.name, 0) > 0):
        fe.enclosure(site.url(f"{release.slug}/{download.href}"), str(sizes[download.name]),
                     download.content_type)
    fe.published(release.published)  # also the RSS pubDate
    fe.updated(release.modified)  # the last revision (`updated:`), else when it became public
    text = summary_text(release_view(release, ctx))
    if text:
        # Order matters: feedgen's description() also sets Atom content, which
        # content() below replaces. RSS readers take <description> as HTML: escape so the text stays text.
        fe.description(html.escape(text, quote=False))
        fe.summary(text)
    fe.content(entry_content(release, ctx, page_url), type="html")
    for tag in release.tags:
        fe.category(term=tag)
    return fe


def first_enclosure_for_rss(fe: FeedEntry) -> None:
    """Make the entry's first download its RSS enclosure (RSS allows one per item).

    feedgen takes the *last* enclosure link it was given, so the links are given again
    with the first download last; the Atom feed, written before, keeps registry order.
    """
    links = fe.link()
    enclosures = [link for link in links if link.get("rel") == "enclosure"]
    if len(enclosures) > 1:
        others = [link for link in links if link.get("rel") != "enclosure"]
        fe.link([*others, *enclosures[1:], enclosures[0]], replace=True)


def entry_id(release: Release, settings: Settings) -> str:
    """Return the release's permanent id: ``tag:<host>,<YYYY-MM-DD>:<slug>`` (RFC 4151)."""
    host = urlsplit(settings.site.base_url).hostname or "localhost"
    return f"tag:{host},{release.date.isoformat()}:{release.slug}"


def summary_text(view: ReleaseView) -> str:
    """Return the plain-text summary: the lead, else the subtitle, else the body's start."""
    if view.description:
        return view.description
    for token in markup.parse(view.body.markdown):
        if token.type == "inline" and token.content.strip():
            return shorten(markup.plain_text(token.content).strip(), SUMMARY_LIMIT)
    return ""


def shorten(text: str, limit: int) -> str:
    """Cut *text* to at most *limit* characters at a word boundary, marking the cut."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(" ,;:")
    return cut + "…"


def entry_content(release: Release, ctx: RenderContext, page_url: str) -> str:
    """Return the entry's full HTML from ``feed_entry.html``: sanitized, URLs absolute
    (made once per context and release: every feed listing the release shares it)."""
    cached = ctx.feed_contents.get(release.slug)
    if cached is not None and cached[0] is release:
        return cached[1]
    fragment = render_template(ctx, "feed_entry.html", release_view(release, ctx))
    content = absolute_urls(markup.sanitize(fragment), page_url)
    ctx.feed_contents[release.slug] = (release, content)
    return content


def absolute_urls(fragment: str, base: str) -> str:
    """Resolve every relative ``href``/``src`` of sanitized HTML against *base*.

    Feed readers show content away from the page, where a relative link (even
    ``#``) leads nowhere; the W3C validator warns about them (ContainsRelRef).
    """
    import nh3

    def resolve(tag: str, attribute: str, value: str) -> str:
        return urljoin(base, value) if attribute in ("href", "src") else value

    # Same allowlists as markup.sanitize plus the rel it added: this pass only rewrites URLs.
    attributes = {tag: set(names) for tag, names in markup.ALLOWED_ATTRIBUTES.items()}
    attributes["a"] = attributes["a"] | {"rel"}
    return nh3.clean(
        fragment,
        tags=markup.ALLOWED_TAGS,
        attributes=attributes,
        attribute_filter=resolve,
        url_schemes=set(URL_SCHEMES),
        link_rel=None,
    )


def repair_entry_links(atom: bytes, entries: Sequence[FeedEntry]) -> bytes:
    """Give each Atom entry's links back the rel, type and length feedgen 1.0 drops.

    feedgen's ``atom_entry`` shadows the link's data with the new element, so
    only ``href`` survives (issues 135, 143). The entries' own link data is still
    right, so it is written onto the elements, matched by entry id and order.
    """
    from feedgen.util import xml_fromstring
    from lxml import etree

    root = xml_fromstring(atom)
    wanted = {fe.id(): fe.link() for fe in entries}
    for element in root.iterfind(f"{{{ATOM_NS}}}entry"):
        entry_id_text = element.findtext(f"{{{ATOM_NS}}}id")
        links = element.findall(f"{{{ATOM_NS}}}link")
        data = wanted[entry_id_text]
        if len(links) != len(data):
            raise AssertionError(f"{entry_id_text}: feedgen wrote {len(links)} links, not {len(data)}")
        for link_element, link in zip(links, data, strict=True):
            set_link_attributes(link_element, link)
    # lxml's stubs type tostring as Any; with an encoding it returns bytes.
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))


def set_link_attributes(element: etree._Element, link: Mapping[str, str]) -> None:
    """Set an atom:link's attributes from feedgen's link data, in Atom's usual order."""
    for name in ("href", "rel", "type", "hreflang", "title", "length"):
        if link.get(name):
            element.set(name, str(link[name]))
