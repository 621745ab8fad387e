"""What a public release page tells search engines and link previews, from its view.

``page_head`` gathers it: the canonical URL, the Open Graph and card tags, and one
JSON-LD ``NewsArticle`` (schema.org) with its publisher, author, dates, keywords,
images and the press event it announces. Only a public page gets any of it: a
preview (a draft, a release under embargo) sits under ``build/private/``, and its
public address does not exist yet; naming it would announce the release early, so
previews get ``noindex`` and nothing else (see ``release_context``).

Every value comes from the release view, so the page, the feeds and these tags
cannot disagree; no field is written with an empty value.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urljoin

from markupsafe import Markup

from ..model import Release, Settings
from .view import EventView, ReleaseView

SCHEMA_ORG = "https://schema.org"
# og:locale wants language_TERRITORY
LOCALES = {"de": "de_DE", "en": "en_US"}
# The site-wide feeds every page links to: (file, media type, label key).
SITE_FEEDS = (
    ("feed.xml", "application/rss+xml", "feed_rss"),
    ("atom.xml", "application/atom+xml", "feed_atom"),
    ("feed.json", "application/feed+json", "feed_json"),
)
# Inside <script>, "</script>" or "<!--" would end or confuse the element: JSON may
# write these characters as escapes instead, and the data stays the same.
_SCRIPT_SAFE = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026"})


class ImageLike(Protocol):
    """What the structured data reads of an image of the view (``view.images``)."""

    @property
    def href(self) -> str: ...  # relative to the release page
    @property
    def alt(self) -> str: ...
    @property
    def caption(self) -> str: ...
    @property
    def credit(self) -> str: ...
    @property
    def license(self) -> str: ...
    @property
    def width(self) -> int | None: ...
    @property
    def height(self) -> int | None: ...


@dataclass(frozen=True)
class FeedLink:
    """A ``<link rel="alternate">`` to a feed."""

    href: str
    type: str
    title: str


@dataclass(frozen=True)
class PageHead:
    """The head of a public release page: canonical URL, meta tags, JSON-LD."""

    canonical: str
    meta: tuple[tuple[str, str], ...]  # (property, content) for <meta property=...>
    json_ld: Markup  # ready for <script type="application/ld+json">


def feed_links(settings: Settings, language: str) -> tuple[FeedLink, ...]:
    """Return the alternate links to the site's feeds (absolute: the same on every page)."""
    from .labels import label

    return tuple(
        FeedLink(settings.site.url(path), media_type, label(language, key))
        for path, media_type, key in SITE_FEEDS
    )


def page_head(release: Release, view: ReleaseView, settings: Settings) -> PageHead | None:
    """Return the canonical link, Open Graph tags and JSON-LD of a release page; None for
    a preview (the view has no canonical URL: the release is not public)."""
    page = view.canonical_url
    if page is None:
        return None
    images = tuple(getattr(view, "images", ()))  # the media part of the view, where present
    return PageHead(page, open_graph(release, view, page, images), script_json(
        news_article(release, view, settings, page, images)))


def open_graph(
    release: Release, view: ReleaseView, page: str, images: Sequence[ImageLike]
) -> tuple[tuple[str, str], ...]:
    """Return the Open Graph, article and card tags as (property, content) pairs."""
    tags: list[tuple[str, str]] = [
        ("og:type", "article"),
        ("og:title", view.title),
        ("og:url", page),
        ("og:description", view.description),
        ("og:locale", LOCALES.get(view.language, view.language)),
        ("og:site_name", view.organisation.name),
    ]
    for image in images[:1]:
        tags += [
            ("og:image", urljoin(page, image.href)),
            ("og:image:alt", image.alt),
            ("og:image:width", str(image.width or "")),
            ("og:image:height", str(image.height or "")),
        ]
    tags += [
        ("article:published_time", release.public_from.isoformat()),
        ("article:modified_time", release.modified.isoformat()),
        *(("article:tag", tag) for tag in release.tags),
        ("twitter:card", "summary_large_image" if images else "summary"),
    ]
    return tuple((name, value) for name, value in tags if value)


def news_article(
    release: Release, view: ReleaseView, settings: Settings, page: str, images: Sequence[ImageLike]
) -> dict[str, Any]:
    """Return the schema.org NewsArticle of a public release, empty values left out."""
    publisher = organisation(settings)
    first = view.contacts.items[0] if view.contacts else None
    article = {
        "@context": SCHEMA_ORG,
        "@type": "NewsArticle",
        "headline": view.title,
        "alternativeHeadline": view.subtitle,
        "description": view.description,
        "datePublished": release.public_from.isoformat(),
        "dateModified": release.modified.isoformat(),
        "inLanguage": view.language,
        "url": page,
        "mainEntityOfPage": {"@type": "WebPage", "@id": page},
        "identifier": release.number,
        "publisher": publisher,
        # The release speaks for the organisation; its first contact answers for it.
        "author": publisher,
        "accountablePerson": {"@type": "Person", "name": first.name, "jobTitle": first.role,
                              "email": first.email} if first else None,
        "keywords": list(release.tags),
        "image": [image_object(image, page) for image in images],
        "about": event_object(view.event, page) if view.event else None,
    }
    return compact(article)


def organisation(settings: Settings) -> dict[str, Any]:
    """Return the publishing Organization; its logo only where the settings give a public URL."""
    org = settings.organisation
    return {
        "@type": "Organization",
        "name": org.name,
        "url": org.website,
        "email": org.email,
        "logo": {"@type": "ImageObject", "url": org.logo_url} if org.logo_url else None,
    }


def image_object(image: ImageLike, page: str) -> dict[str, Any]:
    """Map an image of the view to a schema.org ImageObject (URLs absolute against *page*)."""
    url = urljoin(page, image.href)
    return compact({
        "@type": "ImageObject",
        "url": url,
        "contentUrl": url,
        "width": image.width,
        "height": image.height,
        "caption": image.caption,
        "description": image.alt,
        "creditText": image.credit,
        "license": image.license,
    })


def event_object(event: EventView, page: str) -> dict[str, Any]:
    """Map the view's press event to a schema.org Event."""
    place = {
        "@type": "Place",
        "name": event.location,
        "address": ", ".join(event.address_lines),
    }
    return compact({
        "@type": "Event",
        "name": event.title,
        "startDate": event.start.isoformat(),
        "endDate": event.end.isoformat() if event.end else None,
        "location": place,
        "url": event.href or page,
        "eventAttendanceMode": f"{SCHEMA_ORG}/OfflineEventAttendanceMode",
        "eventStatus": f"{SCHEMA_ORG}/EventScheduled",
    })


def compact(data: Mapping[str, Any]) -> dict[str, Any]:
    """Return *data* without empty values (see ``without_empty``)."""
    kept = without_empty(data)
    return kept if isinstance(kept, dict) else {}


def without_empty(value: Any) -> Any:
    """Drop every None, "", empty list and empty mapping, at every depth (and a Place
    left with nothing but its type)."""
    if isinstance(value, Mapping):
        kept = {key: without_empty(item) for key, item in value.items()}
        kept = {key: item for key, item in kept.items() if item not in (None, "", [], {})}
        return {} if set(kept) <= {"@type"} else kept
    if isinstance(value, list):
        return [kept for item in value if (kept := without_empty(item)) not in (None, "", [], {})]
    return value


def script_json(data: Mapping[str, Any]) -> Markup:
    """Serialise *data* for a ``<script>`` element: ``<``, ``>`` and ``&`` as JSON escapes."""
    return Markup(json.dumps(data, ensure_ascii=False, indent=1).translate(_SCRIPT_SAFE))
