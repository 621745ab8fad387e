"""The RSS and Atom feeds, read back with feedparser, lxml and xml.etree.

The W3C feed validator cannot be reached from here, so its rules that matter for
these feeds are written out as assertions: absolute URLs, RFC 822 / RFC 3339
dates, unique ids, an author, one alternate link per entry, self links.
"""

from __future__ import annotations

import email.utils
import os
import time
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import feedparser
import pytest
from feed_rules import RFC822, RFC3339, atom_problems, is_absolute, rss_problems
from lxml import etree

from pressroom.load import load_pressroom
from pressroom.model import Pressroom, Release
from pressroom.render import RenderContext
from pressroom.render.feed import render_feeds

if TYPE_CHECKING:
    from conftest import Room

ATOM = "{http://www.w3.org/2005/Atom}"
CONTENT = "{http://purl.org/rss/1.0/modules/content/}"
NOW = datetime(2030, 1, 1, tzinfo=UTC)
BASE = "https://presse.beispiel.example"



def sizes_for(releases: Sequence[Release]) -> dict[str, int]:
    """Return distinct made-up PDF sizes, so a test can tell entries apart by length."""
    return {release.slug: 10_000 + index for index, release in enumerate(releases)}


def pdf_only(sizes: Mapping[str, int]) -> dict[str, dict[str, int]]:
    """Return download sizes with a PDF of each given size and no other download made."""
    return {slug: {"pdf": size} for slug, size in sizes.items()}


def render(
    pressroom: Pressroom,
    releases: Sequence[Release] | None = None,
    sizes: Mapping[str, int] | None = None,
) -> tuple[bytes, bytes]:
    chosen = pressroom.releases if releases is None else releases
    ctx = RenderContext.for_settings(pressroom.settings, NOW)
    return render_feeds(chosen, ctx, pdf_only(sizes if sizes is not None else sizes_for(chosen)))


@pytest.fixture
def sample(sample_root: Path) -> Pressroom:
    result = load_pressroom(sample_root, NOW)
    assert not result.errors, [str(p) for p in result.errors]
    assert result.pressroom is not None
    return result.pressroom


@pytest.fixture
def two(room: Room) -> Pressroom:
    room.ready("2021-05-01-a", title="Erste Meldung", extra="tags: [A, B]\n")
    (room.releases / "bild.png").write_bytes(b"\x89PNG\r\n\x1a\n")  # build copies it next to the page
    room.ready(
        "2022-03-04-b",
        title="Zweite Meldung",
        extra="contacts: [anna, ben]\nlinks:\n  - {title: Mehr, url: 'https://x.example/mehr'}\n"
        "images: [{file: bild.png, credit: Anna Muster}]\n",
        body="Absatz mit [Anker](#oben) und ![Bild](bild.png).\n\nZweiter Absatz.\n",
    )
    return room.load(NOW)


def test_sample_feeds_list_both_ready_releases_newest_first(sample: Pressroom) -> None:
    rss, atom = render(sample)
    for data in (rss, atom):
        parsed = feedparser.parse(data)
        assert parsed.bozo == 0, parsed.get("bozo_exception")
        assert [e.link.rsplit("/", 1)[1] for e in parsed.entries] == [
            "2021-08-26-iq-mv-10-jahre.html",
            "2013-01-08-iq-mv-ausbau.html",
        ]
        content = parsed.entries[0].content[0].value
        assert "Migrant*innen" in content
        assert "Migrant\\*innen" not in content
        assert parsed.entries[0].title.startswith("Netzwerk zur Arbeitsmarktintegration von Migrant*innen")


def test_feedparser_reads_every_entry_field_from_both_feeds(two: Pressroom) -> None:
    sizes = {"2021-05-01-a": 4321, "2022-03-04-b": 98765}
    rss, atom = render(two, sizes=sizes)
    for data, version in ((rss, "rss20"), (atom, "atom10")):
        parsed = feedparser.parse(data)
        assert parsed.bozo == 0, parsed.get("bozo_exception")
        assert parsed.version == version
        assert parsed.feed.title == "Beispiel Pressemitteilungen"
        assert parsed.feed.language == "de" if version == "rss20" else True
        older = parsed.entries[1]
        assert older.title == "Erste Meldung"
        assert older.link == f"{BASE}/2021-05-01-a/2021-05-01-a.html"
        assert older.id == "tag:presse.beispiel.example,2021-05-01:2021-05-01-a"
        assert older.summary == "Der Vorspann."
        assert "<p>Text.</p>" in older.content[0].value
        assert [t.term for t in older.tags] == ["A", "B"]
        assert [(e.href, e.length, e.type) for e in older.enclosures] == [
            (f"{BASE}/2021-05-01-a/2021-05-01-a.pdf", "4321", "application/pdf")
        ]
        assert parsed.entries[0].enclosures[0].length == "98765"


def test_atom_entry_links_keep_rel_type_and_length_despite_feedgen(two: Pressroom) -> None:
    # feedgen 1.0 writes entry links with href only (issues 135, 143): the PDF would
    # become a second rel="alternate" link with neither type nor length.
    _, atom = render(two, sizes={"2021-05-01-a": 4321, "2022-03-04-b": 98765})
    root = etree.fromstring(atom)
    entries = root.findall(f"{ATOM}entry")
    assert len(entries) == 2
    for entry, size in zip(entries, ("98765", "4321"), strict=True):
        links = entry.findall(f"{ATOM}link")
        alternates = [link for link in links if link.get("rel", "alternate") == "alternate"]
        enclosures = [link for link in links if link.get("rel") == "enclosure"]
        assert len(alternates) == 1
        assert alternates[0].get("type") == "text/html"
        assert alternates[0].get("href").endswith(".html")
        assert len(enclosures) == 1
        assert enclosures[0].get("type") == "application/pdf"
        assert enclosures[0].get("length") == size
        assert enclosures[0].get("href").endswith(".pdf")


def test_rss_items_carry_guid_pubdate_and_enclosure(two: Pressroom) -> None:
    rss, _ = render(two, sizes={"2021-05-01-a": 4321, "2022-03-04-b": 98765})
    channel = ET.fromstring(rss).find("channel")
    assert channel is not None
    items = channel.findall("item")
    assert [item.findtext("title") for item in items] == ["Zweite Meldung", "Erste Meldung"]
    for item, (slug, size) in zip(items, (("2022-03-04-b", "98765"), ("2021-05-01-a", "4321")), strict=True):
        guid = item.find("guid")
        assert guid is not None and guid.get("isPermaLink") == "false"
        assert guid.text == f"tag:presse.beispiel.example,{slug[:10]}:{slug}"
        assert item.findtext("pubDate")
        enclosure = item.find("enclosure")
        assert enclosure is not None
        assert enclosure.attrib == {
            "url": f"{BASE}/{slug}/{slug}.pdf",
            "length": size,
            "type": "application/pdf",
        }
    assert [c.text for c in items[1].findall("category")] == ["A", "B"]


def test_feed_level_fields_the_validator_requires(two: Pressroom) -> None:
    rss, atom = render(two)
    channel = etree.fromstring(rss).find("channel")
    assert channel is not None
    assert channel.findtext("title") == "Beispiel Pressemitteilungen"
    assert channel.findtext("link") == f"{BASE}/index.html"
    assert channel.findtext("description")
    assert channel.findtext("language") == "de"
    assert channel.findtext("managingEditor") == "presse@beispiel.example (Beispiel e.V.)"
    self_links = channel.findall(f"{ATOM}link[@rel='self']")
    assert [(s.get("href"), s.get("type")) for s in self_links] == [
        (f"{BASE}/feed.xml", "application/rss+xml")
    ]

    feed = etree.fromstring(atom)
    assert feed.get("{http://www.w3.org/XML/1998/namespace}lang") == "de"
    assert feed.findtext(f"{ATOM}id") == f"{BASE}/atom.xml"
    assert feed.findtext(f"{ATOM}title") == "Beispiel Pressemitteilungen"
    assert feed.findtext(f"{ATOM}author/{ATOM}name") == "Beispiel e.V."
    assert feed.findtext(f"{ATOM}author/{ATOM}email") == "presse@beispiel.example"
    links = {(link.get("rel"), link.get("href")) for link in feed.findall(f"{ATOM}link")}
    assert links == {("self", f"{BASE}/atom.xml"), ("alternate", f"{BASE}/index.html")}
    for entry in feed.findall(f"{ATOM}entry"):
        for name in ("id", "title", "updated", "published", "summary", "content"):
            assert entry.findtext(f"{ATOM}{name}"), name
        assert entry.find(f"{ATOM}content").get("type") == "html"


def test_every_url_in_both_feeds_is_absolute(two: Pressroom) -> None:
    rss, atom = render(two)
    rss_root = etree.fromstring(rss)
    urls = [e.text for e in rss_root.iter("link")]
    urls += [e.get("url") for e in rss_root.iter("enclosure")]
    urls += [e.get("href") for e in rss_root.iter(f"{ATOM}link")]
    atom_root = etree.fromstring(atom)
    urls += [e.get("href") for e in atom_root.iter(f"{ATOM}link")]
    urls.append(atom_root.findtext(f"{ATOM}id"))
    assert len(urls) == 3 + 2 + 1 + 2 + 4 + 1  # links, enclosures, self; feed, entry links, id
    assert all(is_absolute(url) for url in urls), urls

    # Inside the HTML content too: the W3C validator warns about relative
    # references (ContainsRelRef), and a reader shows the content off the page.
    page = f"{BASE}/2022-03-04-b/2022-03-04-b.html"
    for html in [e.text for e in rss_root.iter(f"{CONTENT}encoded")] + [
        e.text for e in atom_root.iter(f"{ATOM}content")
    ]:
        fragment = etree.fromstring(f"<div>{html}</div>", etree.HTMLParser())
        refs = fragment.xpath("//a/@href | //img/@src")
        assert refs
        assert all(is_absolute(r) or r.startswith("mailto:") for r in refs), refs
    newest = next(e.text for e in atom_root.iter(f"{ATOM}content"))
    assert f'href="{page}#oben"' in newest
    assert f'src="{BASE}/2022-03-04-b/bild.png"' in newest


def test_ids_are_stable_tag_uris_unique_per_release(room: Room) -> None:
    room.ready("2021-05-01-a")
    room.ready("2021-05-01-b")
    pressroom = room.load(NOW)
    rss, atom = render(pressroom)
    guids = [e.text for e in etree.fromstring(rss).iter("guid")]
    ids = [e.findtext(f"{ATOM}id") for e in etree.fromstring(atom).iter(f"{ATOM}entry")]
    assert guids == ids == [
        "tag:presse.beispiel.example,2021-05-01:2021-05-01-b",
        "tag:presse.beispiel.example,2021-05-01:2021-05-01-a",
    ]
    assert len(set(ids)) == len(ids)
    # An id does not depend on which other releases are in the feed or when it is built.
    alone = pressroom.release("2021-05-01-a")
    later = RenderContext.for_settings(pressroom.settings, datetime(2040, 6, 1, tzinfo=UTC))
    _, atom_alone = render_feeds([alone], later, {alone.slug: {"pdf": 1}})
    assert etree.fromstring(atom_alone).findtext(f"{ATOM}entry/{ATOM}id") == ids[1]


def test_dates_are_rfc822_in_rss_and_rfc3339_in_atom(two: Pressroom) -> None:
    rss, atom = render(two)
    newest = two.release("2022-03-04-b").published
    channel = etree.fromstring(rss).find("channel")
    assert channel is not None
    rss_dates = [channel.findtext("lastBuildDate")] + [e.text for e in channel.iter("pubDate")]
    assert len(rss_dates) == 3
    for text in rss_dates:
        assert RFC822.match(text), text
        assert email.utils.parsedate_to_datetime(text).tzinfo is not None
    assert email.utils.parsedate_to_datetime(rss_dates[0]) == newest
    assert [email.utils.parsedate_to_datetime(t) for t in rss_dates[1:]] == [
        newest,
        two.release("2021-05-01-a").published,
    ]

    feed = etree.fromstring(atom)
    atom_dates = [e.text for e in feed.iter(f"{ATOM}updated", f"{ATOM}published")]
    assert len(atom_dates) == 1 + 2 * 2
    for text in atom_dates:
        assert RFC3339.match(text), text
    assert datetime.fromisoformat(feed.findtext(f"{ATOM}updated")) == newest


def test_rendering_is_reproducible_and_never_uses_the_clock(two: Pressroom) -> None:
    first = render(two)
    time.sleep(1.1)  # feedgen would otherwise stamp a different second
    second = render(two)
    assert first == second
    today = date.today()
    rfc822_today = email.utils.format_datetime(datetime.now(UTC)).split(" ")[1:4]
    for data in first:
        text = data.decode("utf-8")
        assert today.isoformat() not in text
        assert " ".join(rfc822_today) not in text
        assert "python-feedgen" not in text  # our generator name, no version churn


def test_input_order_does_not_change_the_output(two: Pressroom) -> None:
    sizes = sizes_for(two.releases)
    forwards = render(two, list(two.releases), sizes)
    backwards = render(two, list(reversed(two.releases)), sizes)
    assert forwards == backwards


def test_empty_feed_is_dated_by_its_settings_file_not_1970(room: Room) -> None:
    # The W3C validator calls 1970 an "Implausible date": a new room's feeds are
    # dated when their settings (title, author) last changed, the same at every build.
    changed = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
    os.utime(room.releases / "pressroom.yaml", (changed.timestamp(), changed.timestamp()))
    pressroom = room.load(NOW)
    rss, atom = render(pressroom, [])
    assert (rss, atom) == render(pressroom, [])
    for data in (rss, atom):
        parsed = feedparser.parse(data)
        assert parsed.bozo == 0
        assert parsed.entries == []
    channel = etree.fromstring(rss).find("channel")
    assert channel is not None
    assert email.utils.parsedate_to_datetime(channel.findtext("lastBuildDate")) == changed
    feed = etree.fromstring(atom)
    assert datetime.fromisoformat(feed.findtext(f"{ATOM}updated")) == changed


def test_empty_feed_is_never_dated_after_the_build(room: Room) -> None:
    early = datetime(2026, 1, 2, tzinfo=UTC)  # a settings file changed "later" than now: clock skew
    pressroom = room.load(early)
    ctx = RenderContext.for_settings(pressroom.settings, early)
    _, atom = render_feeds([], ctx, {})
    assert datetime.fromisoformat(etree.fromstring(atom).findtext(f"{ATOM}updated")) == early


def test_drafts_and_embargoed_releases_never_appear(room: Room) -> None:
    room.ready("2021-05-01-public", title="Öffentlich")
    room.release("2021-05-02-entwurf", "title: Geheimer Entwurf\ndate: 2021-05-02\nstatus: draft\n")
    room.ready("2021-05-03-sperre", title="Gesperrt", extra="embargo: 2021-06-01T10:00:00+02:00\n")
    pressroom = room.load(datetime(2021, 5, 10, tzinfo=UTC))
    now = datetime(2021, 5, 10, tzinfo=UTC)
    public = [r for r in pressroom.releases if r.is_public(now)]  # what build does
    rss, atom = render(pressroom, public)
    for data in (rss, atom):
        text = data.decode("utf-8")
        assert "Öffentlich" in text
        for hidden in ("entwurf", "Entwurf", "sperre", "Gesperrt"):
            assert hidden not in text
        assert len(feedparser.parse(data).entries) == 1


def test_missing_pdf_size_is_refused(two: Pressroom) -> None:
    with pytest.raises(ValueError, match="2022-03-04-b"):
        render(two, sizes={"2021-05-01-a": 1})


def test_release_without_a_pdf_has_no_enclosure(two: Pressroom) -> None:
    rss, atom = render(two, sizes={"2021-05-01-a": 0, "2022-03-04-b": 5})
    for data in (rss, atom):
        parsed = feedparser.parse(data)
        assert parsed.bozo == 0
        assert [len(e.enclosures) for e in parsed.entries] == [1, 0]
    older = etree.fromstring(atom).findall(f"{ATOM}entry")[1]
    assert [link.get("rel") for link in older.findall(f"{ATOM}link")] == ["alternate"]


def test_content_has_what_the_page_has(two: Pressroom) -> None:
    _, atom = render(two)
    parsed = feedparser.parse(atom)
    content = parsed.entries[0].content[0].value
    for expected in (
        "Rostock, 04.03.2022",
        "Der Vorspann.",
        "Zweiter Absatz.",
        "Mehr Informationen",
        'href="https://x.example/mehr"',
        "Pressekontakte",
        "Anna Muster",
        "Ben Beispiel",
        "mailto:ben@beispiel.example",
        "Gefördert vom Neuen Programm und dem ESF.",
    ):
        assert expected in content, expected
    older = parsed.entries[1].content[0].value
    assert "Pressekontakt<" in older and "Ben Beispiel" not in older


def test_untrusted_text_stays_text_and_scripts_never_reach_the_feed(room: Room) -> None:
    room.release(
        "2021-05-01-a",
        "title: 'Zahlen & <b>Fakten</b>'\ndate: 2021-05-01\nstatus: ready\n"
        "lead: 'Vorspann mit <script>alert(1)</script> & mehr'\n"
        "links:\n  - {title: Böse, url: 'javascript:alert(1)'}\n",
        '<script>alert(2)</script>\n\n[klick](javascript:alert(3)) <img src=x onerror="alert(4)">\n',
    )
    rss, atom = render(room.load(NOW))
    rss_item = etree.fromstring(rss).find("channel/item")
    assert rss_item is not None
    # RSS readers take <description> as HTML: the lead's "<script>" must arrive escaped.
    assert rss_item.findtext("description") == (
        "Vorspann mit &lt;script&gt;alert(1)&lt;/script&gt; &amp; mehr"
    )
    entry = etree.fromstring(atom).find(f"{ATOM}entry")
    assert entry is not None
    assert entry.findtext(f"{ATOM}summary") == "Vorspann mit <script>alert(1)</script> & mehr"
    assert entry.findtext(f"{ATOM}title") == "Zahlen & <b>Fakten</b>"
    for html in (entry.findtext(f"{ATOM}content"), rss_item.findtext(f"{CONTENT}encoded")):
        assert html
        fragment = etree.fromstring(f"<div>{html}</div>", etree.HTMLParser())
        assert not fragment.xpath("//script | //*[@onerror]")
        assert not [v for v in fragment.xpath("//@href | //@src") if "javascript" in v]
        assert "&lt;script&gt;alert(2)" in html  # shown as text, as on the page
        # A link the URL policy refuses is its title alone, as on the page.
        assert fragment.xpath("//li[not(a)]/text()") == ["Böse"]
    parsed = feedparser.parse(atom)
    assert parsed.bozo == 0


def test_summary_falls_back_to_subtitle_then_body(room: Room) -> None:
    room.release(
        "2021-05-01-sub",
        "title: Mit Untertitel\nsubtitle: Der *Untertitel*\ndate: 2021-05-01\nstatus: ready\n",
    )
    long_body = "Erster **Absatz** " + "mit vielen Wörtern " * 40 + "\n\nZweiter Absatz.\n"
    room.release("2021-05-02-body", "title: Ohne\ndate: 2021-05-02\nstatus: ready\n", long_body)
    _, atom = render(room.load(NOW))
    summaries = [e.findtext(f"{ATOM}summary") for e in etree.fromstring(atom).iter(f"{ATOM}entry")]
    body_summary, subtitle_summary = summaries
    assert subtitle_summary == "Der Untertitel"
    assert body_summary.startswith("Erster Absatz mit vielen Wörtern")
    assert body_summary.endswith("…")
    assert len(body_summary) <= 300
    assert "Zweiter" not in body_summary


def test_feeds_parse_as_plain_xml_too(sample: Pressroom) -> None:
    rss, atom = render(sample)
    assert ET.fromstring(rss).tag == "rss"
    assert ET.fromstring(atom).tag == f"{ATOM}feed"
    assert rss.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
    assert atom.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")


def test_both_feeds_pass_every_validator_rule(two: Pressroom) -> None:
    rss, atom = render(two)
    assert rss_problems(rss, f"{BASE}/feed.xml", NOW) == []
    assert atom_problems(atom, f"{BASE}/atom.xml", NOW) == []
