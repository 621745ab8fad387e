"""The release web page and the newsroom index, read back with lxml."""

from __future__ import annotations

import dataclasses
import json
import re
from datetime import UTC, datetime
from pathlib import Path

import lxml.html
import pytest
from conftest import NOW, PERIOD_TEXTS, SLUG_2013, SLUG_2021, Room, load_sample

from pressroom.model import Pressroom
from pressroom.render import RenderContext
from pressroom.render.html import page_counter_css, render_html, render_list_page
from pressroom.render.listing import plan_listings

SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20"><rect width="40" height="20"/></svg>'


def page(pressroom: Pressroom, slug: str, now: datetime = NOW) -> lxml.html.HtmlElement:
    ctx = RenderContext.for_settings(pressroom.settings, now)
    return lxml.html.document_fromstring(render_html(pressroom.release(slug), ctx))


def text_of(element: lxml.html.HtmlElement) -> str:
    return " ".join(element.text_content().split())


def test_release_page_carries_the_release_and_its_navigation(sample_root: Path) -> None:
    doc = page(load_sample(sample_root), SLUG_2021)
    assert doc.get("lang") == "de"
    assert doc.findtext(".//title").startswith("Netzwerk zur Arbeitsmarktintegration von Migrant*innen")
    assert text_of(doc.find_class("dateline")[0]) == "Rostock, 26.08.2021"
    assert text_of(doc.find_class("kicker")[0]) == "Pressemitteilung 1/2021"
    assert text_of(doc.find_class("lead")[0]).startswith("Seit nunmehr 10 Jahren")
    hrefs = doc.xpath("//a/@href")
    assert {"../index.html", f"{SLUG_2021}.pdf", f"{SLUG_2021}.docx"} <= set(hrefs)
    assert "https://anchor.fm/iq-netzwerk-mv" in hrefs
    assert {"mailto:kuntzsch@migra-mv.de", "mailto:fakhouri@migra-mv.de"} <= set(hrefs)
    assert [text_of(n) for n in doc.find_class("contact-name")] == ["Maja Kuntzsch", "Dr. Maher Fakhouri"]
    letterhead = text_of(doc.find_class("letterhead")[0])
    assert "migra e.V." in letterhead and "18057 Rostock" in letterhead and "www.migra-mv.de" in letterhead


def test_backslash_escapes_come_out_as_the_character(sample_root: Path) -> None:
    body = text_of(page(load_sample(sample_root), SLUG_2021).find_class("body")[0])
    assert "Migrant*innen dabei" in body and "Einwohner*innen" in body
    assert "\\" not in body


@pytest.mark.parametrize(("slug", "present", "absent"), PERIOD_TEXTS)
def test_boilerplate_is_the_one_of_the_release_period(
    sample_root: Path, slug: str, present: str, absent: str
) -> None:
    footer = text_of(page(load_sample(sample_root), slug).find_class("boilerplate")[0])
    assert present in footer
    assert absent not in footer


def test_funder_names_of_the_period_are_listed(sample_root: Path) -> None:
    doc = page(load_sample(sample_root), SLUG_2013)
    names = [text_of(li) for li in doc.xpath("//ul[@class='funder-names']/li")]
    assert names == [
        "Bundesministerium für Arbeit und Soziales",
        "Bundesministerium für Bildung und Forschung",
        "Bundesagentur für Arbeit",
    ]


def test_embargo_notice_shows_only_while_the_embargo_holds(room: Room) -> None:
    room.ready("2029-12-30-sperre", extra="embargo: 2030-01-02T10:00:00\n")
    pressroom = room.load(NOW)
    before = page(pressroom, "2029-12-30-sperre", NOW)
    notice = text_of(before.find_class("embargo")[0])
    assert "Sperrfrist: 02.01.2030, 10:00 Uhr" in notice
    after = page(pressroom, "2029-12-30-sperre", datetime(2030, 1, 3, tzinfo=UTC))
    assert after.find_class("embargo") == []


def test_draft_banner_marks_drafts_only(room: Room) -> None:
    room.release("2024-01-01-entwurf", "title: Entwurf\ndate: 2024-01-01\nstatus: draft")
    room.ready("2024-01-02-fertig")
    pressroom = room.load(NOW)
    assert "nicht zur Veröffentlichung" in text_of(page(pressroom, "2024-01-01-entwurf").find_class("draft-banner")[0])
    assert page(pressroom, "2024-01-02-fertig").find_class("draft-banner") == []


def test_english_release_uses_english_labels(room: Room) -> None:
    room.ready("2024-03-01-english", title="An English release", extra="language: en\nnumber: 7/2024\n")
    doc = page(room.load(NOW), "2024-03-01-english")
    assert doc.get("lang") == "en"
    assert text_of(doc.find_class("kicker")[0]) == "Press release 7/2024"
    assert text_of(doc.find_class("dateline")[0]) == "Rostock, 1 March 2024"


def test_attachments_are_linked_by_file_name(room: Room) -> None:
    (room.releases / "factsheet.pdf").write_bytes(b"%PDF-1.4\n")
    room.ready("2024-01-01-anhang", extra="attachments: [factsheet.pdf]\n")
    doc = page(room.load(NOW), "2024-01-01-anhang")
    assert doc.xpath("//section[@class='attachments']//a/@href") == ["factsheet.pdf"]


def test_logos_travel_inside_the_page_as_data_urls(room: Room) -> None:
    (room.releases / "logo.svg").write_text(SVG, encoding="utf-8")
    (room.releases / "esf.svg").write_text(SVG, encoding="utf-8")
    settings = (room.releases / "pressroom.yaml").read_text(encoding="utf-8")
    settings = settings.replace("  name: Beispiel e.V.\n", "  name: Beispiel e.V.\n  logo: logo.svg\n")
    settings = settings.replace(
        "    text: Gefördert vom Neuen Programm und dem ESF.\n",
        "    text: Gefördert vom Neuen Programm und dem ESF.\n    funders: [{name: ESF, logo: esf.svg}, BMAS]\n",
    )
    room.write_settings(settings)
    room.ready("2024-01-01-logo")
    doc = page(room.load(NOW), "2024-01-01-logo")
    assert doc.xpath("//img[@class='logo']/@alt") == ["Beispiel e.V."]
    assert doc.xpath("//img[@class='logo']/@src")[0].startswith("data:image/svg+xml;base64,")
    assert doc.xpath("//p[@class='funder-logos']/img/@alt") == ["ESF"]


HOSTILE = """\
<script>alert(1)</script>

<img src="file:///etc/passwd">

![x](file:///etc/passwd)

[x](javascript:alert(1)) and [y](JaVaScRiPt:alert(2)) and [z](data:text/html,<script>alert(3)</script>)

<style>@import url(http://127.0.0.1:9/x.css)</style>

<link rel="attachment" href="file:///etc/passwd">
"""


def test_hostile_body_yields_no_active_content_or_local_urls(room: Room) -> None:
    room.ready("2024-01-01-boese", title="<script>alert('t')</script>")
    pressroom = room.load(NOW)
    release = dataclasses.replace(pressroom.release("2024-01-01-boese"), body=HOSTILE)
    ctx = RenderContext.for_settings(pressroom.settings, NOW)
    html = render_html(release, ctx).decode("utf-8")
    doc = lxml.html.document_fromstring(html)
    # The one script is data (JSON-LD), holding the hostile title as text, never markup.
    (data,) = doc.xpath("//script")
    assert data.get("type") == "application/ld+json"
    assert json.loads(data.text)["headline"] == "<script>alert('t')</script>"
    assert "<script>alert" not in data.text
    assert doc.xpath("//body//style | //body//link | //*[@rel='attachment']") == []
    targets = doc.xpath("//@href | //@src")
    assert not [t for t in targets if re.match(r"\s*(javascript|file|data|vbscript):", t, re.I)]
    assert "<script>alert('t')</script>" in text_of(doc.find_class("title")[0])  # shown, not run


def test_front_matter_links_with_unsafe_schemes_lose_their_href(room: Room) -> None:
    room.ready(
        "2024-01-01-links",
        extra="links:\n  - {title: Gut, url: 'https://example.org/a'}\n  - {title: Böse, url: 'javascript:alert(1)'}\n",
    )
    doc = page(room.load(NOW), "2024-01-01-links")
    items = doc.xpath("//section[@class='links']//li")
    assert [text_of(li) for li in items][1] == "Böse"
    assert doc.xpath("//section[@class='links']//a/@href") == ["https://example.org/a"]


def test_page_counter_is_localised_css() -> None:
    assert page_counter_css("de") == '"Seite " counter(page) " von " counter(pages)'
    assert page_counter_css("en") == '"Page " counter(page) " of " counter(pages)'


def test_index_lists_exactly_the_given_releases_newest_first(sample_root: Path) -> None:
    pressroom = load_sample(sample_root)
    ctx = RenderContext.for_settings(pressroom.settings, NOW)
    oldest_first = sorted(pressroom.releases, key=lambda r: r.published)
    front = plan_listings(oldest_first, pressroom.settings)[0]
    doc = lxml.html.document_fromstring(render_list_page(front, [front], ctx))
    assert doc.xpath("//h2[@class='entry-title']/a/@href") == [
        f"{SLUG_2021}/{SLUG_2021}.html",
        f"{SLUG_2013}/{SLUG_2013}.html",
    ]
    assert f"{SLUG_2013}/{SLUG_2013}.pdf" in doc.xpath("//a/@href")
    assert f"{SLUG_2013}/{SLUG_2013}.docx" in doc.xpath("//a/@href")
    # Absolute, as on every page: the same links from the index, a release page or a tag page.
    site = "https://www.iq-mv.de/presse/"
    assert doc.xpath("//link[@rel='alternate' and @type='application/rss+xml']/@href") == [f"{site}feed.xml"]
    assert doc.xpath("//link[@rel='alternate' and @type='application/atom+xml']/@href") == [f"{site}atom.xml"]
    assert doc.xpath("//link[@rel='alternate' and @type='application/feed+json']/@href") == [f"{site}feed.json"]
    metas = [text_of(p) for p in doc.find_class("entry-meta")]
    assert metas == ["Pressemitteilung 1/2021 26.08.2021", "Pressemitteilung 3/2013 08.01.2013"]
    assert text_of(doc.find_class("entry-lead")[0]).startswith("Seit nunmehr 10 Jahren")

    one = plan_listings(oldest_first[:1], pressroom.settings)[0]
    only_one = lxml.html.document_fromstring(render_list_page(one, [one], ctx))
    assert len(only_one.find_class("entry")) == 1
