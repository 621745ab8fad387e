"""The website's lists of releases: the front page, one page per tag, per language, per year.

Each list is a :class:`Listing`: a folder below ``public/`` holding its page
(``index.html``) and, except for the yearly archives, its feeds (``feed.xml``,
``atom.xml``, ``feed.json``). :func:`plan_listings` decides which lists exist
from the public releases only, so a draft or embargoed release never names a tag,
a language or a year on the website.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from ..model import Release, Settings
from .labels import label

Kind = Literal["index", "tag", "language", "archive"]
PAGE = "index.html"


@dataclass(frozen=True)
class Listing:
    """One list of releases on the website: where it lives, what it is called, what it lists."""

    kind: Kind
    folder: str  # "" for the front page, else relative to public/ and ending in "/"
    name: str  # the tag as first written, the language code, the year; "" for the front page
    language: str  # of the page and its feeds
    releases: tuple[Release, ...]  # newest first: every public release the list is about
    limit: int | None = None  # the page shows only this many (the front page)

    @property
    def has_feeds(self) -> bool:
        """Archives are pages only: the front page's feeds already carry the newest releases."""
        return self.kind != "archive"

    @property
    def shown(self) -> tuple[Release, ...]:
        """The releases the page itself lists."""
        return self.releases if self.limit is None else self.releases[: self.limit]

    @property
    def root(self) -> str:
        """The relative way from this list's folder back to ``public/``: "" or "../../"."""
        return "../" * self.folder.count("/")

    def path(self, name: str) -> str:
        """Return the path of the file *name* of this list, relative to ``public/``."""
        return self.folder + name

    def heading(self, settings: Settings) -> str:
        """Return the page's heading, which also names its feeds after the site title."""
        if self.kind == "index":
            return settings.site.title
        if self.kind == "language":  # in its own language, like the whole page: "Language: English"
            return label(self.language, "language_title", name=language_name(self.name, self.language))
        return label(self.language, f"{self.kind}_title", name=self.name)

    def title(self, settings: Settings) -> str:
        """Return the title of the page and its feeds: "Site title – heading"."""
        if self.kind == "index":
            return settings.site.title
        return f"{settings.site.title} – {self.heading(settings)}"


def language_name(code: str, language: str) -> str:
    """Return the name of the language *code* in *language*: ("en", "de") -> "Englisch"."""
    from babel import Locale  # locale data: only when a language page is made

    name = Locale.parse(code).get_display_name(language)
    return name[:1].upper() + name[1:] if name else code


def tag_slug(tag: str) -> str:
    """Return the folder name of *tag*: "Berufliche Bildung" -> "berufliche-bildung"."""
    from slugify import slugify

    return slugify(tag) or "tag"


def newest_first(releases: Sequence[Release]) -> tuple[Release, ...]:
    return tuple(sorted(releases, key=lambda r: (r.published, r.slug), reverse=True))


def plan_listings(public: Sequence[Release], settings: Settings) -> tuple[Listing, ...]:
    """Return every list of the website built from *public* (the public releases only).

    The front page shows the newest ``site.front_page_size`` releases; when there
    are more, every year with a public release gets an archive page. Tags that
    differ only in case or punctuation share one page (one slug), named as first written.
    """
    ordered = newest_first(public)
    site = settings.site
    listings = [Listing("index", "", "", site.language, ordered, site.front_page_size)]
    tags: dict[str, tuple[str, list[Release]]] = {}
    languages: dict[str, list[Release]] = {}
    years: dict[int, list[Release]] = {}
    slugs: dict[str, str] = {}  # slugify is slow (about 0.2 ms): once per tag, not per use
    for release in ordered:
        for tag in release.tags:
            slug = slugs.get(tag) or slugs.setdefault(tag, tag_slug(tag))
            entry = tags.setdefault(slug, (tag, []))
            if not entry[1] or entry[1][-1] is not release:  # two of its tags share a slug
                entry[1].append(release)
        languages.setdefault(release.language, []).append(release)
        years.setdefault(release.date.year, []).append(release)
    for slug, (tag, tagged) in sorted(tags.items()):
        listings.append(Listing("tag", f"tags/{slug}/", tag, site.language, tuple(tagged)))
    for code, written in sorted(languages.items()):
        listings.append(Listing("language", f"lang/{code}/", code, code, tuple(written)))
    if len(ordered) > site.front_page_size:
        for year, dated in sorted(years.items(), reverse=True):
            listings.append(Listing("archive", f"archive/{year}/", str(year), site.language, tuple(dated)))
    return tuple(listings)
