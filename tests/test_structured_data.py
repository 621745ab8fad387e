"""What a release page tells search engines and link previews: JSON-LD, Open Graph, feed links."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import lxml.html
import pytest
from conftest import Room
from pyld import jsonld

from pressroom.render import RenderContext
from pressroom.render.html import render_html, render_list_page
from pressroom.render.listing import plan_listings
from pressroom.render.structured_data import image_object, news_article, open_graph
from pressroom.render.view import page_url, release_view

NOW = datetime(2030, 3, 1, tzinfo=UTC)
SLUG = "2030-02-10-beratung"
PAGE = f"https://presse.beispiel.example/{SLUG}/{SLUG}.html"
FRONT = """\
subtitle: Ein Untertitel
contacts: [anna, ben]
tags: [Beratung, Eröffnung]
updated: 2030-02-12T09:30:00
event:
  title: Pressegespräch
  start: 2030-03-05T10:00:00
  end: 2030-03-05T12:30:00
  location: Beratungsstelle Südstadt
  address: Lindenstraße 5, 18055 Rostock
"""
LOGO = "https://presse.beispiel.example/logo.png"
# schema.org's context, as far as a JSON-LD processor needs it here: its vocabulary. The
# tests run offline; the real context maps the same terms to the same IRIs.
SCHEMA_CONTEXT = {"@context": {"@vocab": "https://schema.org/"}}


@dataclass(frozen=True)
class Image:
    """An image of the view as the media part provides it (see structured_data.ImageLike)."""

    href: str
    alt: str
    caption: str
    credit: str
    license: str
    width: int | None
    height: int | None


def offline_loader(url: str, options: dict[str, Any]) -> dict[str, Any]:
    assert url.rstrip("/") == "https://schema.org", url
    return {"contextUrl": None, "documentUrl": url, "document": SCHEMA_CONTEXT}


def page_of(room: Room, slug: str = SLUG, now: datetime = NOW) -> lxml.html.HtmlElement:
    pressroom = room.load(now)
    html = render_html(pressroom.release(slug), RenderContext.for_settings(pressroom.settings, now))
    return lxml.html.document_fromstring(html)


def json_ld(doc: lxml.html.HtmlElement) -> dict[str, Any]:
    (script,) = doc.xpath("//script[@type='application/ld+json']")
    data = json.loads(script.text)
    assert isinstance(data, dict)
    return data


def meta(doc: lxml.html.HtmlElement) -> list[tuple[str, str]]:
    return [(m.get("property") or m.get("name"), m.get("content"))
            for m in doc.xpath("//meta[@property] | //meta[starts-with(@name, 'twitter:')]")]


def empty_values(value: Any, path: str = "") -> list[str]:
    """Return the paths of every empty value (None, "", [], {}) anywhere in *value*."""
    if value in (None, "", [], {}):
        return [path]
    if isinstance(value, dict):
        return [p for key, item in value.items() for p in empty_values(item, f"{path}.{key}")]
    if isinstance(value, list):
        return [p for index, item in enumerate(value) for p in empty_values(item, f"{path}[{index}]")]
    return []


@pytest.fixture
def public(room: Room) -> Room:
    settings = room.releases / "pressroom.yaml"
    text = settings.read_text(encoding="utf-8")
    settings.write_text(text.replace('  phone: "0381 123456"\n', f'  phone: "0381 123456"\n  logo_url: {LOGO}\n', 1),
                        encoding="utf-8")
    room.ready(SLUG, title="Beratung </script><script>alert(1)</script> öffnet", extra=FRONT)
    return room


# -- JSON-LD ---------------------------------------------------------------------------------

def test_public_page_has_a_news_article_that_a_json_ld_processor_reads(public: Room) -> None:
    data = json_ld(page_of(public))
    expanded = jsonld.expand(data, {"documentLoader": offline_loader})
    (article,) = expanded
    s = "https://schema.org/"
    assert article["@type"] == [f"{s}NewsArticle"]
    assert article[f"{s}headline"] == [{"@value": "Beratung </script><script>alert(1)</script> öffnet"}]
    assert article[f"{s}datePublished"] == [{"@value": "2030-02-10T00:00:00+01:00"}]
    assert article[f"{s}dateModified"] == [{"@value": "2030-02-12T09:30:00+01:00"}]
    assert article[f"{s}inLanguage"] == [{"@value": "de"}]
    assert article[f"{s}mainEntityOfPage"] == [{"@id": PAGE, "@type": [f"{s}WebPage"]}]
    (publisher,) = article[f"{s}publisher"]
    assert publisher["@type"] == [f"{s}Organization"]
    assert publisher[f"{s}logo"][0][f"{s}url"] == [{"@value": LOGO}]
    assert [k["@value"] for k in article[f"{s}keywords"]] == ["Beratung", "Eröffnung"]
    (event,) = article[f"{s}about"]
    assert event["@type"] == [f"{s}Event"]
    assert event[f"{s}startDate"] == [{"@value": "2030-03-05T10:00:00+01:00"}]
    assert event[f"{s}location"][0][f"{s}name"] == [{"@value": "Beratungsstelle Südstadt"}]
    quads = jsonld.to_rdf(data, {"documentLoader": offline_loader, "format": "application/n-quads"})
    assert f"<{PAGE}> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{s}WebPage>" in quads


def test_the_article_names_everything_and_nothing_empty(public: Room) -> None:
    data = json_ld(page_of(public))
    assert data["@context"] == "https://schema.org"
    assert data["url"] == PAGE
    assert data["description"] == "Der Vorspann."
    assert data["author"] == data["publisher"]
    assert data["publisher"]["name"] == "Beispiel e.V." and data["publisher"]["url"] == "https://www.beispiel.example"
    assert data["accountablePerson"]["name"] == "Anna Muster"
    assert "image" not in data  # no image: no ImageObject with empty fields
    assert empty_values(data) == []


def test_without_a_logo_url_the_publisher_has_no_logo(room: Room) -> None:
    room.ready(SLUG, extra="tags: []\n")
    data = json_ld(page_of(room))
    assert "logo" not in data["publisher"] and "keywords" not in data and "about" not in data
    assert data["dateModified"] == data["datePublished"]  # no updated: the publication is the last revision
    assert empty_values(data) == []


def test_a_title_cannot_break_out_of_the_script(public: Room) -> None:
    doc = page_of(public)
    assert len(doc.xpath("//script")) == 1
    raw = lxml.html.tostring(doc.xpath("//script")[0], encoding="unicode")
    assert "</script><script>" not in raw.removesuffix("</script>")
    assert "\\u003c/script\\u003e" in raw


def test_images_become_image_objects_and_the_og_image() -> None:
    full = Image("bilder/team.jpg", "Das Team vor der Tür", "Das Team", "Foto: Kim Li", "CC BY 4.0", 1200, 800)
    assert image_object(full, PAGE) == {
        "@type": "ImageObject",
        "url": f"https://presse.beispiel.example/{SLUG}/bilder/team.jpg",
        "contentUrl": f"https://presse.beispiel.example/{SLUG}/bilder/team.jpg",
        "width": 1200, "height": 800, "caption": "Das Team", "description": "Das Team vor der Tür",
        "creditText": "Foto: Kim Li", "license": "CC BY 4.0",
    }
    bare = Image("a.png", "Alt", "", "Foto: X", "", None, None)
    assert set(image_object(bare, PAGE)) == {"@type", "url", "contentUrl", "description", "creditText"}


def test_the_view_images_reach_the_article_and_the_preview(public: Room) -> None:
    pressroom = public.load(NOW)
    release = pressroom.release(SLUG)
    view = release_view(release, RenderContext.for_settings(pressroom.settings, NOW))
    images = (Image("team.jpg", "Das Team", "Unser Team", "Foto: Kim Li", "CC BY 4.0", 1200, 800),)
    article = news_article(release, view, pressroom.settings, PAGE, images)
    assert article["image"][0]["creditText"] == "Foto: Kim Li"
    tags = dict(open_graph(release, view, PAGE, images))
    assert tags["og:image"] == f"https://presse.beispiel.example/{SLUG}/team.jpg"
    assert (tags["og:image:alt"], tags["og:image:width"], tags["twitter:card"]) == (
        "Das Team", "1200", "summary_large_image")


# -- Open Graph, canonical, feeds ---------------------------------------------------------

def test_public_page_has_canonical_open_graph_and_card_tags(public: Room) -> None:
    doc = page_of(public)
    assert doc.xpath("//link[@rel='canonical']/@href") == [PAGE]
    tags = meta(doc)
    assert tags == [
        ("og:type", "article"),
        ("og:title", "Beratung </script><script>alert(1)</script> öffnet"),
        ("og:url", PAGE),
        ("og:description", "Der Vorspann."),
        ("og:locale", "de_DE"),
        ("og:site_name", "Beispiel e.V."),
        ("article:published_time", "2030-02-10T00:00:00+01:00"),
        ("article:modified_time", "2030-02-12T09:30:00+01:00"),
        ("article:tag", "Beratung"),
        ("article:tag", "Eröffnung"),
        ("twitter:card", "summary"),
    ]


def test_every_page_links_the_three_feeds(public: Room) -> None:
    pressroom = public.load(NOW)
    ctx = RenderContext.for_settings(pressroom.settings, NOW)
    front = plan_listings(list(pressroom.releases), pressroom.settings)[0]
    index = lxml.html.document_fromstring(render_list_page(front, [front], ctx))
    expected = [
        ("application/rss+xml", "https://presse.beispiel.example/feed.xml"),
        ("application/atom+xml", "https://presse.beispiel.example/atom.xml"),
        ("application/feed+json", "https://presse.beispiel.example/feed.json"),
    ]
    for doc in (index, page_of(public)):
        assert [(link.get("type"), link.get("href")) for link in doc.xpath("//link[@rel='alternate']")] == expected


@pytest.mark.parametrize("extra", ["status: ready\nembargo: 2030-03-10T10:00:00\n", "status: draft\n"],
                         ids=["embargoed", "draft"])
def test_a_preview_is_noindex_and_names_no_public_address(room: Room, extra: str) -> None:
    room.release(SLUG, f"title: Geheim\ndate: 2030-02-10\nlead: Vorspann.\n{extra}")
    doc = page_of(room)
    assert doc.xpath("//meta[@name='robots']/@content") == ["noindex, nofollow"]
    assert doc.xpath("//link[@rel='canonical'] | //script") == []
    assert meta(doc) == []
    assert page_url(room.load(NOW).release(SLUG), room.load(NOW).settings) not in lxml.html.tostring(doc).decode()


def test_the_pdf_source_carries_no_web_metadata(public: Room) -> None:
    from pressroom.render.html import release_page

    pressroom = public.load(NOW)
    html = release_page(pressroom.release(SLUG), RenderContext.for_settings(pressroom.settings, NOW), "print")
    doc = lxml.html.document_fromstring(html)
    assert doc.xpath("//script | //link[@rel] | //meta[@property] | //meta[@name='robots']") == []
