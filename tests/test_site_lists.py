"""The built website's lists: front page, tag, language and yearly archive pages, each
with RSS, Atom and JSON feeds, read back from build/public/ with lxml, feedparser and
the feed validator's rules (feed_rules)."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit

import feedparser
import lxml.html
import pytest
from feed_rules import atom_problems, json_feed_problems, rss_problems

from pressroom.build import build_pressroom
from pressroom.load import load_pressroom

if TYPE_CHECKING:
    from conftest import Room

NOW = datetime(2026, 11, 22, tzinfo=UTC)
BASE = "https://presse.beispiel.example"


def with_front_page_size(room: Room, size: int | str) -> None:
    text = (room.releases / "pressroom.yaml").read_text(encoding="utf-8")
    text = re.sub(r"  front_page_size: .*\n", "", text)
    room.write_settings(text.replace("  default_place: Rostock\n", f"  default_place: Rostock\n  front_page_size: {size}\n"))


@pytest.fixture
def site(room: Room) -> Path:
    """Four public releases over two years, two languages, tags that share a slug."""
    room.ready("2021-03-01-a", title="Bildung und Arbeit", extra="tags: [Bildung, Arbeit]\n")
    room.ready("2021-06-01-b", title="Education news", extra="language: en\ntags: [bildung]\n")
    room.ready("2022-02-01-c", title="Arbeit im Land", extra="tags: [Arbeit]\n")
    room.ready("2022-05-01-d", title="Ohne Thema")
    with_front_page_size(room, 2)
    build_pressroom(room.root, now=NOW, jobs=1)
    return room.root / "build" / "public"


def titles(page: Path) -> list[str]:
    doc = lxml.html.parse(str(page)).getroot()
    return [a.text_content() for a in doc.xpath("//main//h2[@class='entry-title']/a")]


def test_front_page_shows_the_newest_releases_and_links_every_year_archive(site: Path) -> None:
    assert titles(site / "index.html") == ["Ohne Thema", "Arbeit im Land"]
    doc = lxml.html.parse(str(site / "index.html")).getroot()
    archive_links = doc.xpath("//nav[@aria-labelledby='nav-archive']//a/@href")
    assert archive_links == ["archive/2022/index.html", "archive/2021/index.html"]
    assert titles(site / "archive" / "2022" / "index.html") == ["Ohne Thema", "Arbeit im Land"]
    assert titles(site / "archive" / "2021" / "index.html") == ["Education news", "Bildung und Arbeit"]
    # An archive is a page only; the front page's feeds carry all releases up to FEED_SIZE.
    assert sorted(p.name for p in (site / "archive" / "2021").iterdir()) == ["index.html"]
    assert len(feedparser.parse((site / "feed.xml").read_bytes()).entries) == 4


def test_each_tag_has_a_page_and_feeds_listing_its_releases(site: Path) -> None:
    assert sorted(p.name for p in (site / "tags").iterdir()) == ["arbeit", "bildung"]
    # "Bildung" and "bildung" are one topic: one page, named as first written (newest first).
    assert titles(site / "tags" / "bildung" / "index.html") == ["Education news", "Bildung und Arbeit"]
    assert titles(site / "tags" / "arbeit" / "index.html") == ["Arbeit im Land", "Bildung und Arbeit"]
    for name in ("feed.xml", "atom.xml"):
        parsed = feedparser.parse((site / "tags" / "arbeit" / name).read_bytes())
        assert [e.title for e in parsed.entries] == ["Arbeit im Land", "Bildung und Arbeit"]
        assert parsed.feed.title == "Beispiel Pressemitteilungen – Thema: Arbeit"
    feed = json.loads((site / "tags" / "arbeit" / "feed.json").read_bytes())
    assert [item["title"] for item in feed["items"]] == ["Arbeit im Land", "Bildung und Arbeit"]
    assert feed["home_page_url"] == f"{BASE}/tags/arbeit/index.html"


def test_each_language_has_a_page_in_that_language_and_feeds(site: Path) -> None:
    assert sorted(p.name for p in (site / "lang").iterdir()) == ["de", "en"]
    english = lxml.html.parse(str(site / "lang" / "en" / "index.html")).getroot()
    assert english.get("lang") == "en"
    assert english.findtext(".//h1") == "Language: English"
    assert titles(site / "lang" / "en" / "index.html") == ["Education news"]
    assert titles(site / "lang" / "de" / "index.html") == ["Ohne Thema", "Arbeit im Land", "Bildung und Arbeit"]
    rss = feedparser.parse((site / "lang" / "en" / "feed.xml").read_bytes())
    assert rss.feed.language == "en"
    assert [e.title for e in rss.entries] == ["Education news"]
    assert json.loads((site / "lang" / "en" / "feed.json").read_bytes())["language"] == "en"
    # The front page offers both languages, each named in itself.
    front = lxml.html.parse(str(site / "index.html")).getroot()
    assert [(li.get("lang"), li.text_content().strip()) for li in front.xpath("//nav[@aria-labelledby='nav-language']//li")] == [
        ("de", "Deutsch"), ("en", "English")
    ]


def test_every_feed_of_the_site_passes_the_validator_rules(site: Path) -> None:
    checks = {"feed.xml": rss_problems, "atom.xml": atom_problems, "feed.json": json_feed_problems}
    found = {}
    for name, check in checks.items():
        for path in sorted(site.rglob(name)):
            url = f"{BASE}/{path.relative_to(site).as_posix()}"
            found[url] = check(path.read_bytes(), url, NOW)
    assert len(found) == 3 * (1 + 2 + 2)  # front page, two tags, two languages
    assert {url: problems for url, problems in found.items() if problems} == {}


def test_feeds_of_all_lists_share_each_release_id(site: Path) -> None:
    ids = set()
    for path in [site / "feed.json", *site.glob("*/*/feed.json")]:
        for item in json.loads(path.read_bytes())["items"]:
            if item["url"].endswith("2021-03-01-a.html"):
                ids.add(item["id"])
    for path in site.rglob("atom.xml"):
        for entry in feedparser.parse(path.read_bytes()).entries:
            if entry.link.endswith("2021-03-01-a.html"):
                ids.add(entry.id)
    assert ids == {"tag:presse.beispiel.example,2021-03-01:2021-03-01-a"}


def test_every_link_on_every_list_page_leads_to_a_built_file(site: Path) -> None:
    pages = sorted(site.glob("index.html")) + sorted(site.glob("*/*/index.html"))
    assert len(pages) == 1 + 2 + 2 + 2
    for page in pages:
        doc = lxml.html.parse(str(page)).getroot()
        refs = doc.xpath("//a/@href | //link[@rel='alternate']/@href")
        assert refs
        for ref in refs:
            # Feed links in the head are absolute (the same on every page): the site's own.
            ref = ref.replace(f"{BASE}/", site.as_uri() + "/")
            target = urlsplit(urljoin(page.as_uri(), ref)).path
            assert Path(target).is_file(), f"{page.relative_to(site)}: {ref}"


def test_every_list_page_has_the_structure_of_the_front_page(site: Path) -> None:
    # What axe-core checks in a browser (tests of the a11y helper), in its plain parts:
    # a language, one h1 in main, landmarks with distinct names, headings without gaps.
    for page in [site / "index.html", *sorted(site.glob("*/*/index.html"))]:
        doc = lxml.html.parse(str(page)).getroot()
        where = page.relative_to(site).as_posix()
        assert doc.get("lang") in ("de", "en"), where
        assert len(doc.xpath("//main")) == 1 and len(doc.xpath("//h1")) == 1, where
        assert doc.xpath("//main/h1"), where
        levels = [int(h.tag[1]) for h in doc.iter("h1", "h2", "h3", "h4")]
        assert all(b <= a + 1 for a, b in zip(levels, levels[1:], strict=False)), where
        names = [n.get("aria-label") or n.get("aria-labelledby") for n in doc.iter("nav")]
        assert all(names) and len(set(names)) == len(names), where
        # outside the landmarks only the skip link, which axe allows there
        outside = "//body/*[not(self::header or self::main or self::nav or @class='skip-link')]"
        assert doc.xpath(outside) == [], where


def test_lists_nobody_plans_any_more_are_removed(room: Room, site: Path) -> None:
    room.ready("2021-06-01-b", title="Education news", extra="language: en\n")  # its tag is gone
    (room.releases / "2022-05-01-d.md").unlink()
    with_front_page_size(room, 20)
    build_pressroom(room.root, now=NOW, jobs=1)
    assert titles(site / "tags" / "bildung" / "index.html") == ["Bildung und Arbeit"]
    assert not (site / "archive").exists()  # all three fit on the front page again
    room.ready("2021-06-01-b", title="Education news", extra="language: de\n")
    build_pressroom(room.root, now=NOW, jobs=1)
    assert sorted(p.name for p in (site / "lang").iterdir()) == ["de"]
    assert titles(site / "index.html") == ["Arbeit im Land", "Education news", "Bildung und Arbeit"]


def test_a_rebuild_leaves_every_site_file_untouched(site: Path, room: Room) -> None:
    before = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in site.rglob("*") if p.is_file()}
    build_pressroom(room.root, now=NOW, jobs=1)
    after = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in site.rglob("*") if p.is_file()}
    assert after == before


@pytest.mark.parametrize(("value", "message"), [
    ("0", "front_page_size: Input should be greater than or equal to 1"),
    ("zwanzig", "front_page_size: erwartet wird eine ganze Zahl, hier steht 'zwanzig'"),
    ("2.5", "front_page_size: erwartet wird eine ganze Zahl, hier steht die Zahl 2.5"),
])
def test_front_page_size_must_be_a_positive_whole_number(room: Room, value: str, message: str) -> None:
    with_front_page_size(room, value)
    result = load_pressroom(room.root, NOW)
    settings = room.releases / "pressroom.yaml"
    line = settings.read_text(encoding="utf-8").splitlines().index(f"  front_page_size: {value}") + 1
    assert [str(p) for p in result.errors] == [f"{settings}:{line}: site.{message}"]
