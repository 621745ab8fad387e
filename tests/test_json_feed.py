"""JSON Feed 1.1 (feed.json): read back with json and checked against the spec's schema
(feed_rules.JSON_FEED_SCHEMA, with jsonschema), next to the RSS and Atom feeds it matches."""

from __future__ import annotations

import json
import time
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import feedparser
import pytest
from feed_rules import json_feed_problems

from pressroom.build import build_pressroom
from pressroom.model import Pressroom, Release
from pressroom.render import RenderContext
from pressroom.render.feed import render_feeds
from pressroom.render.jsonfeed import render_json_feed
from pressroom.render.listing import plan_listings

if TYPE_CHECKING:
    from conftest import Room

NOW = datetime(2030, 1, 1, tzinfo=UTC)
BASE = "https://presse.beispiel.example"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def sizes_for(releases: Sequence[Release]) -> dict[str, dict[str, int]]:
    return {r.slug: {"pdf": 10_000 + i, "docx": 20_000 + i} for i, r in enumerate(releases)}


def render(pressroom: Pressroom, sizes: Mapping[str, Mapping[str, int]] | None = None) -> dict[str, object]:
    ctx = RenderContext.for_settings(pressroom.settings, NOW)
    chosen = pressroom.releases
    data = render_json_feed(chosen, ctx, sizes_for(chosen) if sizes is None else sizes)
    assert json_feed_problems(data, f"{BASE}/feed.json", NOW) == []
    parsed: dict[str, object] = json.loads(data)
    return parsed


@pytest.fixture
def two(room: Room) -> Pressroom:
    room.ready("2021-05-01-a", title="Für Bürger*innen", extra="tags: [A, B]\n")
    room.ready(
        "2022-03-04-b",
        title="Zweite Meldung",
        extra="language: en\nsubtitle: Der Untertitel\n",
        body="Absatz mit [Anker](#oben).\n\nZweiter Absatz.\n",
    )
    return room.load(NOW)


def test_feed_level_fields(two: Pressroom) -> None:
    feed = render(two)
    assert feed["version"] == "https://jsonfeed.org/version/1.1"
    assert feed["title"] == "Beispiel Pressemitteilungen"
    assert feed["home_page_url"] == f"{BASE}/index.html"
    assert feed["feed_url"] == f"{BASE}/feed.json"
    assert feed["language"] == "de"
    assert feed["authors"] == [{"name": "Beispiel e.V.", "url": "https://www.beispiel.example"}]


def test_items_carry_every_field_newest_first(two: Pressroom) -> None:
    items = render(two)["items"]
    assert isinstance(items, list)
    newest, oldest = items
    assert newest["id"] == "tag:presse.beispiel.example,2022-03-04:2022-03-04-b"
    assert newest["url"] == f"{BASE}/2022-03-04-b/2022-03-04-b.html"
    assert newest["title"] == "Zweite Meldung"
    assert newest["summary"] == "Der Vorspann."
    assert newest["language"] == "en"
    assert newest["date_published"] == "2022-03-04T00:00:00+01:00"
    assert newest["date_modified"] == newest["date_published"]
    assert "tags" not in newest  # none given: left out, not an empty list
    assert f'href="{newest["url"]}#oben"' in newest["content_html"]  # absolute, as in the other feeds
    assert oldest["title"] == "Für Bürger*innen"  # plain text: a gender star stays a star
    assert oldest["tags"] == ["A", "B"]


def test_ids_match_the_atom_and_rss_feeds(two: Pressroom) -> None:
    ctx = RenderContext.for_settings(two.settings, NOW)
    rss, atom = render_feeds(two.releases, ctx, {r.slug: {"pdf": 1} for r in two.releases})
    ids = [item["id"] for item in render(two)["items"]]  # type: ignore[attr-defined]
    assert ids == [e.id for e in feedparser.parse(atom).entries] == [e.id for e in feedparser.parse(rss).entries]


def test_attachments_are_the_downloadable_formats_with_type_and_size(two: Pressroom) -> None:
    items = render(two)["items"]
    assert isinstance(items, list)
    assert [(a["url"], a["mime_type"], a["size_in_bytes"]) for a in items[0]["attachments"]] == [
        (f"{BASE}/2022-03-04-b/2022-03-04-b.pdf", "application/pdf", 10_000),
        (f"{BASE}/2022-03-04-b/2022-03-04-b.docx", DOCX, 20_000),
    ]


def test_a_format_not_built_is_not_offered(two: Pressroom) -> None:
    items = render(two, {"2022-03-04-b": {"pdf": 5}, "2021-05-01-a": {}})["items"]
    assert isinstance(items, list)
    assert [a["mime_type"] for a in items[0]["attachments"]] == ["application/pdf"]
    assert "attachments" not in items[1]


def test_empty_feed_is_valid(room: Room) -> None:
    feed = render(room.load(NOW))
    assert feed["items"] == []


def test_list_feeds_name_their_page_and_title(two: Pressroom) -> None:
    ctx = RenderContext.for_settings(two.settings, NOW)
    english = next(listing for listing in plan_listings(two.releases, two.settings) if listing.folder == "lang/en/")
    data = render_json_feed(english.releases, ctx, sizes_for(two.releases), english)
    assert json_feed_problems(data, f"{BASE}/lang/en/feed.json", NOW) == []
    feed = json.loads(data)
    assert feed["title"] == "Beispiel Pressemitteilungen – Language: English"
    assert feed["language"] == "en"
    assert [item["title"] for item in feed["items"]] == ["Zweite Meldung"]


def test_rendering_is_reproducible(two: Pressroom) -> None:
    ctx = RenderContext.for_settings(two.settings, NOW)
    first = render_json_feed(two.releases, ctx, sizes_for(two.releases))
    time.sleep(1.1)
    later = RenderContext.for_settings(two.settings, datetime(2031, 1, 1, tzinfo=UTC))
    assert render_json_feed(list(reversed(two.releases)), later, sizes_for(two.releases)) == first


def test_built_feed_announces_the_real_file_sizes(room: Room) -> None:
    room.ready("2021-05-01-a")
    build_pressroom(room.root, now=NOW, jobs=1)
    public: Path = room.root / "build" / "public"
    feed = json.loads((public / "feed.json").read_bytes())
    attachments = feed["items"][0]["attachments"]
    assert [a["mime_type"] for a in attachments] == ["application/pdf", DOCX]
    for attachment in attachments:
        built = public / attachment["url"].removeprefix(f"{BASE}/")
        assert attachment["size_in_bytes"] == built.stat().st_size > 0
